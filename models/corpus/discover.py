"""Discover the Debian packages of the large corpus from the apt index and pin their versions.

    /usr/bin/python3 -m models.corpus.discover            # rewrites models/corpus/large_packages.txt

Families (issue 21): the Go sources of `golang-*-dev`, the crate sources of `librust-*-dev` (one
version per crate), the Python of `python3-*`, the JavaScript/TypeScript of `node-*`, and small
`*-doc` packages. The list is committed so a rebuild fetches the same versions; a package the
default catalogue already reads is left to the catalogue. Each line is
`package=version family source-package download-bytes sha256 architecture`.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .sources import SOURCES

PINNED_LIST = Path(__file__).with_name("large_packages.txt")

FAMILIES = (
    ("go", re.compile(r"^golang-.+-dev$")),
    ("rust", re.compile(r"^librust-[^+]+-dev$")),
    ("python", re.compile(r"^python3-")),
    ("node", re.compile(r"^node-")),
    ("doc", re.compile(r"-doc$")),
)
# Compiled extensions' debug symbols, headers and metapackages hold no source worth reading.
SKIP = re.compile(r"-dbg(sym)?$|^python3-(dev|all|minimal|full)$|^python3\.\d|-dev-doc$")
# Generated API pages (Haddock, Javadoc) rather than written documentation.
SKIP_DOC = re.compile(r"^libghc-|-java-doc$|^lib.*-java-doc$|^r-cran-|^texlive-")
MAX_DOC_DOWNLOAD = 3_000_000  # -doc packages above this are mostly images and generated API pages
MAX_PYTHON_DOWNLOAD = 20_000_000  # larger python3-* packages are compiled extensions or data
VERSION_SUFFIX = re.compile(r"-\d+(\.\d+)*$")


@dataclass(frozen=True)
class Pin:
    package: str
    version: str
    family: str
    source: str  # Debian source package name (without version)
    size: int  # download bytes
    sha256: str  # of the .deb, from the apt index
    arch: str

    def line(self) -> str:
        return f"{self.package}={self.version} {self.family} {self.source} {self.size} {self.sha256} {self.arch}"

    @property
    def filename(self) -> str:
        """The name `apt-get download` gives the file (an epoch's ':' URL-encoded)."""
        return f"{self.package}_{self.version.replace(':', '%3a')}_{self.arch}.deb"

    @property
    def spec(self) -> str:
        return f"{self.package}={self.version}"


def parse_stanzas(text: str) -> Iterator[dict[str, str]]:
    """Fields of each stanza of `apt-cache dumpavail` output (continuation lines ignored)."""
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" in fields:
            yield fields


def family_of(package: str) -> str | None:
    if SKIP.search(package) or SKIP_DOC.search(package):
        return None
    for family, pattern in FAMILIES:
        if pattern.search(package):
            return family
    return None


def project_key(source: str) -> str:
    """A source package's project, the same across its versioned copies: rust-nom-4 -> rust-nom,
    golang-github-foo-bar-v2 -> golang-github-foo-bar."""
    key = VERSION_SUFFIX.sub("", source)
    return re.sub(r"-v\d+$", "", key)


def _version_key(source: str) -> tuple:
    """Unversioned sources first (they track the newest release), then the highest version."""
    match = VERSION_SUFFIX.search(source)
    if not match:
        return (0,)
    return (1, tuple(-int(p) for p in match.group(0)[1:].split(".")))


def one_crate_version(pins: Iterable[Pin]) -> list[Pin]:
    """librust-foo-dev, librust-foo-1-dev, librust-foo-0.5-dev: keep one version of each crate."""
    best: dict[str, Pin] = {}
    for pin in pins:
        key = project_key(pin.source)
        if key not in best or _version_key(pin.source) < _version_key(best[key].source):
            best[key] = pin
    return sorted(best.values(), key=lambda p: p.package)


def catalogue_packages() -> set[str]:
    return {p for s in SOURCES if s.origin == "deb" for p in s.packages}


def discover(stanzas: Iterable[dict[str, str]], exclude: set[str]) -> list[Pin]:
    pins, rust = [], []
    for fields in stanzas:
        package = fields["Package"]
        family = family_of(package)
        if family is None or package in exclude or not fields.get("Filename"):
            continue
        size = int(fields.get("Size", "0"))
        if (family == "doc" and size > MAX_DOC_DOWNLOAD) or (family == "python" and size > MAX_PYTHON_DOWNLOAD):
            continue
        source = fields.get("Source", package).split()[0]
        pin = Pin(package, fields["Version"], family, source, size, fields["SHA256"], fields["Architecture"])
        (rust if family == "rust" else pins).append(pin)
    return sorted(pins + one_crate_version(rust), key=lambda p: p.package)


def write_list(pins: Sequence[Pin], path: Path, command: str) -> None:
    header = [
        f"# Generated by `{command}` from `apt-cache dumpavail` (Debian 12); do not edit by hand.",
        "# package=version family source-package download-bytes sha256 architecture",
    ]
    path.write_text("\n".join(header + [p.line() for p in pins]) + "\n", encoding="utf-8")


def read_list(path: Path = PINNED_LIST) -> list[Pin]:
    pins = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            spec, family, source, size, sha256, arch = line.split()
            package, version = spec.split("=", 1)
            pins.append(Pin(package, version, family, source, int(size), sha256, arch))
        except ValueError:
            raise SystemExit(
                f"{path}:{number}: expected 'package=version family source bytes sha256 arch', got {line!r}"
            )
    return pins


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m models.corpus.discover", description=__doc__)
    parser.add_argument("--out", type=Path, default=PINNED_LIST)
    args = parser.parse_args(argv)
    dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    pins = discover(parse_stanzas(dump), catalogue_packages())
    write_list(pins, args.out, "/usr/bin/python3 -m models.corpus.discover")
    for family, _ in FAMILIES:
        chosen = [p for p in pins if p.family == family]
        print(f"{family}: {len(chosen)} packages, {sum(p.size for p in chosen) / 1e9:.2f} GB to download")
    return 0


if __name__ == "__main__":
    sys.exit(main())
