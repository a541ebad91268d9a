"""Exact deduplication by a hash of whitespace-normalised text.

Normalising whitespace catches copies that differ only in indentation, line endings or trailing
spaces (vendored files, re-indented examples). Held-out documents are offered first, so a text
present in both splits stays in the held-out split and never leaks into training.
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable, Iterator, TypeVar

_WHITESPACE = re.compile(r"\s+")

T = TypeVar("T")


def normalised_hash(text: str) -> str:
    canonical = _WHITESPACE.sub(" ", text).strip()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Deduplicator:
    """Remembers every text it has accepted; `accept` is False for a repeat."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self.duplicates = 0

    def accept(self, text: str) -> bool:
        key = normalised_hash(text)
        if key in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(key)
        return True


def heldout_first(docs: Iterable[T], split_of) -> Iterator[T]:
    """Order documents so that every held-out one comes before every train one, keeping the
    original order within each split (the dedup keeps the first copy it meets)."""
    docs = list(docs)
    yield from (d for d in docs if split_of(d) == "heldout")
    yield from (d for d in docs if split_of(d) != "heldout")
