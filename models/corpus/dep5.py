"""Per-file licences from a Debian machine-readable copyright file (DEP-5) mapped to SPDX.

A file's licence is the one of the last `Files:` stanza whose patterns match it (DEP-5 rule). A
licence expression is kept when it is permissive: `A or B` needs one permissive alternative,
`A and B` (or a comma list) needs all. Anything not on the allow-list — copyleft, unknown names,
"public-domain" without an SPDX id, a copyright file that is not DEP-5 — is unclear and dropped.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence

# DEP-5 short names (lower-cased) -> SPDX ids on the allow-list.
PERMISSIVE_SPDX = {
    "mit": "MIT",
    "go": "BSD-3-Clause",  # the Go project's BSD-style licence
    "expat": "MIT",
    "mit-0": "MIT-0",
    "x11": "X11",
    "isc": "ISC",
    "0bsd": "0BSD",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-2": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-3": "BSD-3-Clause",
    "apache-2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache": "Apache-2.0",
    "psf-2": "PSF-2.0",
    "psf-2.0": "PSF-2.0",
    "python-2.0": "PSF-2.0",
    "psf": "PSF-2.0",
    "zlib": "Zlib",
    "unlicense": "Unlicense",
    "cc0-1.0": "CC0-1.0",
    "cc0": "CC0-1.0",
    "bsl-1.0": "BSL-1.0",
    "boost-1.0": "BSL-1.0",
    "blueoak-1.0.0": "BlueOak-1.0.0",
    "postgresql": "PostgreSQL",
}
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+|,", re.IGNORECASE)


@dataclass(frozen=True)
class Stanza:
    patterns: tuple[str, ...]
    licence: str  # the expression as written (first line of License:)

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.patterns)


@lru_cache(maxsize=4096)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern:
    """One regex for a stanza's patterns; a pattern also covers what is below it (a directory)."""
    parts = []
    for pattern in patterns:
        pattern = pattern[2:] if pattern.startswith("./") else pattern
        parts += [fnmatch.translate(pattern), fnmatch.translate(pattern.rstrip("/") + "/*")]
    return re.compile("|".join(parts))


def parse(text: str) -> Optional[list[Stanza]]:
    """The `Files:` stanzas in order, or None when the file is not machine-readable."""
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    if not paragraphs or not re.match(r"(?i)format:", paragraphs[0].lstrip()):
        return None
    stanzas = []
    for paragraph in paragraphs[1:]:
        fields = _fields(paragraph)
        if "files" in fields and "license" in fields:
            licence = fields["license"].split("\n", 1)[0].strip()
            stanzas.append(Stanza(tuple(fields["files"].split()), licence))
    return stanzas or None


def _fields(paragraph: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = None
    for line in paragraph.split("\n"):
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
    return fields


def spdx(expression: str) -> Optional[str]:
    """The SPDX form of a permissive DEP-5 expression, or None when it is not (surely) permissive."""
    expression = expression.strip()
    if not expression:
        return None
    kept = []
    for alternative in _OR.split(expression):
        terms = [t.strip() for t in _AND.split(alternative) if t.strip()]
        ids = [PERMISSIVE_SPDX.get(t.lower()) for t in terms]
        if terms and all(ids):
            kept.append(" AND ".join(ids))
    # "A or B": the first permissive alternative is the one used.
    return kept[0] if kept else None


def matches(pattern: str, path: str) -> bool:
    """DEP-5 patterns: `*` and `?` (crossing `/`), relative to the source tree root; a pattern
    naming a directory covers what is below it."""
    return _compiled((pattern,)).match(path) is not None


def licence_of(stanzas: Sequence[Stanza], candidates: Sequence[str]) -> Stanza:
    """The last stanza whose patterns match one of the file's possible source paths; a DEP-5 file
    always has a `Files: *` stanza first, so something always matches."""
    found = stanzas[0]
    for stanza in stanzas:
        if any(stanza.regex.match(c) for c in candidates):
            found = stanza
    return found


@dataclass(frozen=True)
class PackageLicences:
    """The licence decisions for one package: per file, and whether the package is usable at all."""

    stanzas: tuple[Stanza, ...]
    unclear_reason: Optional[str]  # set when the whole package is dropped

    def decide(self, candidates: Sequence[str]) -> tuple[Optional[str], str]:
        """(SPDX id, '') for a kept file, (None, reason) for a dropped one."""
        if self.unclear_reason:
            return None, self.unclear_reason
        stanza = licence_of(self.stanzas, candidates)
        licence = spdx(stanza.licence)
        return (licence, "") if licence else (None, f"licence {stanza.licence or '?'}")


def package_licences(copyright_text: Optional[str]) -> PackageLicences:
    """Decide once per package.

    A non-permissive stanza whose patterns match none of the candidate paths of the files read
    covers files the package does not install (tests, documentation themes, build tools); it
    cannot decide any file that is read, so it is left aside. Files are still matched against
    every stanza, so a read file under a non-permissive stanza is dropped."""
    if copyright_text is None:
        return PackageLicences((), "no copyright file")
    stanzas = parse(copyright_text)
    if stanzas is None:
        return PackageLicences((), "copyright not machine-readable")
    relevant = tuple(s for s in stanzas if not all(p.startswith("debian/") for p in s.patterns))
    if not relevant:
        return PackageLicences((), "copyright covers debian/ only")
    return PackageLicences(relevant, None)
