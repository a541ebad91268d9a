"""From package files to clean documents: decode, filter, strip licence headers, chunk."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .chunking import split_document
from .filters import CODE_LIMITS, TEXT_LIMITS, looks_generated, rejection_reason
from .licence import strip_licence_header
from .readers import READERS, code_lang, text_lang
from .sources import PERMISSIVE_LICENCES, Source
from .split import DEFAULT_TREE_FRACTION, split_of

RECORD_KEYS = ("text", "src", "path", "lang", "license", "bucket")


@dataclass
class Doc:
    text: str
    src: str
    path: str
    lang: str
    license: str
    bucket: str
    group: str
    split: str
    nbytes: int = 0

    def __post_init__(self) -> None:
        self.nbytes = len(self.text.encode("utf-8"))

    def record(self) -> dict:
        return {key: getattr(self, key) for key in RECORD_KEYS}

    def json_line(self) -> bytes:
        return (json.dumps(self.record(), ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class Stats:
    """Per-source counts of what was read and why things were dropped (for the report)."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, source: str, what: str, n: int = 1) -> None:
        self.counts[source][what] += n


def clean_chunks(text: str, source: Source) -> Iterator[tuple[str | None, str | None]]:
    """(chunk, None) for each kept chunk of a file, (None, reason) for each dropped one.

    Files are split before the quality filters run, so that one long line in a 9 MB file
    (typescript.js) costs its 64 KB chunk, not the whole file; for files under 64 KB this is the
    plain per-file filter of corpus.md."""
    # Generated files exist among docs too (LLVM's AMDGPU operand pages, hundreds of near-copies).
    if looks_generated(text):
        yield None, "generated"
        return
    if source.kind == "code":
        text = strip_licence_header(text)
    limits = CODE_LIMITS if source.kind == "code" else TEXT_LIMITS
    for chunk in split_document(text):
        reason = rejection_reason(chunk, limits)
        yield (None, reason) if reason else (chunk, None)


def documents(
    source: Source,
    package: str,
    files: Iterable[tuple[str, bytes]],
    stats: Stats,
    license: str | None = None,
    tree_fraction: float = DEFAULT_TREE_FRACTION,
) -> Iterator[Doc]:
    """Clean documents of one package of `source`; `package` prefixes each document's path."""
    for path, text in READERS[source.reader](files):
        stats.add(source.name, "files")
        if text is None:
            stats.add(source.name, "undecodable")
            continue
        lang = code_lang(path) if source.kind == "code" else text_lang(path, source.lang)
        split = split_of(source, path, tree_fraction)
        results = list(clean_chunks(text, source))
        for number, (chunk, reason) in enumerate(results, start=1):
            if reason:
                stats.add(source.name, reason)
                continue
            suffix = f"#{number}" if len(results) > 1 else ""
            yield Doc(
                chunk,
                source.name,
                f"{package}/{path}{suffix}",
                lang,
                license or source.license,
                source.bucket,
                source.group,
                split,
            )


def package_json_licence(data: bytes) -> str:
    """The SPDX licence string of an npm package.json, or '' when absent or not a string."""
    try:
        value = json.loads(data.decode("utf-8")).get("license", "")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def is_permissive(licence: str) -> bool:
    return licence in PERMISSIVE_LICENCES
