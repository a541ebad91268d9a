"""Download source packages without installing them: `apt-get download` and `npm pack`.

Neither command runs maintainer or install scripts or pulls dependencies. Downloads land in a
cache folder; a cached Debian package is reused only when its SHA-256 matches the one apt
reports for the current candidate (point releases replace packages in place), and a cached npm
tarball is reused because a published name@version never changes.
"""
from __future__ import annotations

import base64
import hashlib
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import unquote

NPM_BATCH = 50  # specs per `npm pack` call: one process per package would take minutes longer


class FetchError(RuntimeError):
    """A package could not be downloaded; the message names it and the command to retry."""


@dataclass(frozen=True)
class Artifact:
    origin: str  # "deb" or "npm"
    name: str
    version: str
    file: Path
    sha256: str
    command: str
    integrity: str = ""  # npm's `dist.integrity` form (sha512-<base64>), for npm tarballs

    def manifest_entry(self) -> dict:
        entry = {
            "origin": self.origin,
            "name": self.name,
            "version": self.version,
            "file": self.file.name,
            "sha256": self.sha256,
            "command": self.command,
        }
        if self.integrity:
            entry["integrity"] = self.integrity
        return entry


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def npm_integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")


def _run(command: list[str], cwd: Path, what: str) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise FetchError(f"{what}: `{command[0]}` is not installed ({error})") from error
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise FetchError(
            f"{what} failed (exit {done.returncode}).\nCommand: {' '.join(command)}\n" f"(in {cwd})\n{tail}"
        )
    return done.stdout


# -- Debian -------------------------------------------------------------------------------------
APT = ["apt-get", "-o", "APT::Sandbox::User=root"]  # root downloads into a folder _apt cannot write


@dataclass(frozen=True)
class DebInfo:
    name: str
    version: str
    filename: str
    sha256: str


def parse_print_uris(output: str) -> list[DebInfo]:
    """Parse `apt-get download --print-uris` lines: 'URI' FILENAME SIZE SHA256:HEX."""
    infos = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[0].startswith("'"):
            continue
        filename, checksum = parts[1], parts[3]
        name, version, _arch = filename[: -len(".deb")].split("_")
        if not checksum.startswith("SHA256:"):
            raise FetchError(f"apt reports no SHA-256 for {filename}: {line}")
        infos.append(DebInfo(name, unquote(version), filename, checksum.split(":", 1)[1]))
    return infos


def fetch_debs(names: Iterable[str], cache: Path) -> dict[str, Artifact]:
    names = sorted(set(names))
    if not names:
        return {}
    cache = cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    query = APT + ["download", "--print-uris", *names]
    # apt prints nothing for a package whose file is already in the working folder, so ask
    # from an empty one.
    with tempfile.TemporaryDirectory(prefix="corpus-apt-") as empty:
        listing = _run(query, Path(empty), "Looking up Debian packages (run `apt-get update` first on a fresh machine)")
    infos = {info.name: info for info in parse_print_uris(listing)}
    missing = [n for n in names if n not in infos]
    if missing:
        raise FetchError(
            f"apt-get knows no download for: {', '.join(missing)}.\n"
            f"Command: {' '.join(query)}\nRun `apt-get update`, then check the package names."
        )
    stale = [n for n in names if not _valid(cache / infos[n].filename, infos[n].sha256)]
    if stale:
        _run(APT + ["download", *stale], cache, f"Downloading Debian packages {', '.join(stale)}")
    artifacts = {}
    for name in names:
        info = infos[name]
        path = cache / info.filename
        if not _valid(path, info.sha256):
            raise FetchError(
                f"{info.filename}: SHA-256 differs from apt's ({info.sha256}). "
                f"Delete it and rerun; command: apt-get download {name}"
            )
        artifacts[name] = Artifact(
            "deb", name, info.version, path, info.sha256, f"apt-get download {name}={info.version}"
        )
    return artifacts


def _valid(path: Path, sha256: str) -> bool:
    return path.is_file() and file_sha256(path) == sha256


# -- npm ------------------------------------------------------------------------------------------
def split_spec(spec: str) -> tuple[str, str]:
    """'@types/node@24.19.4' -> ('@types/node', '24.19.4')."""
    name, _, version = spec.rpartition("@")
    if not name or not version:
        raise ValueError(f"npm spec must be name@exact-version, got {spec!r}")
    return name, version


def npm_tarball_name(spec: str) -> str:
    """The file `npm pack` writes: scope '@' dropped, '/' turned into '-'."""
    name, version = split_spec(spec)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch_npm(specs: Iterable[str], cache: Path) -> dict[str, Artifact]:
    specs = sorted(set(specs))
    cache = cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    uncached = [s for s in specs if not (cache / npm_tarball_name(s)).is_file()]
    for start in range(0, len(uncached), NPM_BATCH):
        batch = uncached[start : start + NPM_BATCH]
        try:
            _npm_pack(batch, cache)
        except FetchError:
            # Retry one by one so the error names exactly the packages that failed.
            failures = []
            for spec in batch:
                try:
                    _npm_pack([spec], cache)
                except FetchError as error:
                    failures.append(str(error))
            if failures:
                raise FetchError("\n\n".join(failures)) from None
    artifacts = {}
    for spec in specs:
        path = cache / npm_tarball_name(spec)
        if not path.is_file():
            raise FetchError(f"npm pack did not write {path.name}.\nCommand: npm pack {spec}")
        name, version = split_spec(spec)
        artifacts[spec] = Artifact(
            "npm", name, version, path, file_sha256(path), f"npm pack {spec}", npm_integrity(path)
        )
    return artifacts


def _npm_pack(specs: list[str], cache: Path) -> None:
    command = ["npm", "pack", "--pack-destination", str(cache), *specs]
    _run(command, cache, f"npm pack of {', '.join(specs)}")


# -- Debian, pinned versions in parallel batches (the large preset) ------------------------------
DEB_BATCH = 200  # packages per `apt-get download` call


def fetch_pinned_debs(pins: Sequence, cache: Path, jobs: int = 4) -> dict[str, Artifact]:
    """Pinned packages (`discover.Pin`: name, version, file name, SHA-256 from the apt index) ->
    artifacts keyed by name. Only missing files or files whose SHA-256 differs are downloaded,
    `jobs` batches at a time; the pinned checksum, not apt's current one, is the reference."""
    cache = cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    pins = sorted(pins, key=lambda p: p.package)
    stale = [p.spec for p in pins if not _valid(cache / p.filename, p.sha256)]
    batches = [stale[i : i + DEB_BATCH] for i in range(0, len(stale), DEB_BATCH)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda batch: _run(APT + ["download", *batch], cache, "Downloading a batch"), batches))
    artifacts = {}
    for pin in pins:
        path = cache / pin.filename
        if not _valid(path, pin.sha256):
            raise FetchError(
                f"{pin.filename}: missing or its SHA-256 differs from the pinned {pin.sha256}. If a point "
                "release replaced it, regenerate the list: /usr/bin/python3 -m models.corpus.discover"
            )
        artifacts[pin.package] = Artifact(
            "deb", pin.package, pin.version, path, pin.sha256, f"apt-get download {pin.spec}"
        )
    return artifacts


def _fetch_main() -> None:
    """`python3 -m models.corpus.fetch CACHE`: download the pinned large list in the background."""
    import sys

    from .discover import read_list

    fetch_pinned_debs(read_list(), Path(sys.argv[1]))
    print("fetched", flush=True)


if __name__ == "__main__":
    _fetch_main()
