"""Near-duplicate removal: MinHash over word-start shingles, banded LSH, verified by signature.

Exact dedup misses copies that differ in a few lines: forks of one Go package under two import
paths, a crate vendored at two versions, a Sphinx page copied between projects. Each document is
normalised (lower case, every run of non-word characters a single space), cut into shingles of
SHINGLE_BYTES starting at each word, and summarised by NUM_PERM min-hashes. Documents whose
signatures agree in one of BANDS bands are candidates; a candidate is a near-duplicate when the
signatures agree in at least THRESHOLD of their positions (an estimate of the Jaccard similarity
of the shingle sets). Everything is numpy on uint64 with wrap-around, seeded, so it is deterministic.
"""
from __future__ import annotations

import re
from typing import Optional

import numpy as np

NUM_PERM = 64
BANDS = 8  # 8 bands x 8 rows: pairs above ~0.77 Jaccard collide in a band with probability > 0.5
SHINGLE_BYTES = 32
THRESHOLD = 0.8
MIN_SHINGLES = 16  # shorter texts are left to the exact dedup
_SEED = 20260421
_NON_WORD = re.compile(r"\W+")
_BASE = np.uint64(0x100000001B3)


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _powers(base: np.uint64, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.uint64)
    out[0] = 1
    if n > 1:
        out[1:] = base
        np.cumprod(out, out=out)
    return out


# The inverse of an odd number modulo 2^64 (Newton's iteration), to slide the polynomial hash.
_BASE_INV = 1
for _ in range(7):
    _BASE_INV = (_BASE_INV * (2 - int(_BASE) * _BASE_INV)) % 2**64
_BASE_INV_U = np.uint64(_BASE_INV)

_rng = np.random.RandomState(_SEED)
_A = (_rng.randint(0, 2**62, NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.randint(0, 2**62, NUM_PERM, dtype=np.int64).astype(np.uint64)


def shingle_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the SHINGLE_BYTES-long windows of the normalised text that start a word."""
    data = np.frombuffer(_NON_WORD.sub(" ", text.lower()).strip().encode("utf-8"), dtype=np.uint8)
    n = data.size - SHINGLE_BYTES + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        prefix = np.zeros(data.size + 1, dtype=np.uint64)
        np.cumsum(data.astype(np.uint64) * _powers(_BASE, data.size), out=prefix[1:])
        starts = np.flatnonzero(np.concatenate(([True], data[:-1] == 32))[:n])
        window = (prefix[starts + SHINGLE_BYTES] - prefix[starts]) * _powers(_BASE_INV_U, data.size)[starts]
        return _splitmix(window)


def signature(text: str) -> Optional[np.ndarray]:
    """NUM_PERM min-hashes (uint32: the high half is enough to estimate similarity), or None
    when the text has too few shingles to judge."""
    hashes = np.unique(shingle_hashes(text))
    if hashes.size < MIN_SHINGLES:
        return None
    with np.errstate(over="ignore"):
        permuted = hashes[:, None] * _A[None, :] + _B[None, :]
    return (permuted.min(axis=0) >> np.uint64(32)).astype(np.uint32)


class NearDuplicates:
    """Remembers accepted signatures; `is_near_duplicate` is True when a remembered document is
    at least THRESHOLD similar. Feed documents in a fixed order: the first copy wins."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._bands: list[dict[bytes, int]] = [{} for _ in range(BANDS)]
        self._signatures: list[bytes] = []

    def is_near_duplicate(self, text: str) -> bool:
        sig = signature(text)
        if sig is None:
            return False
        rows = NUM_PERM // BANDS
        keys = [sig[b * rows : (b + 1) * rows].tobytes() for b in range(BANDS)]
        for band, key in zip(self._bands, keys):
            other = band.get(key)
            if other is not None:
                seen = np.frombuffer(self._signatures[other], dtype=np.uint32)
                if np.count_nonzero(seen == sig) >= self.threshold * NUM_PERM:
                    return True
        index = len(self._signatures)
        self._signatures.append(sig.tobytes())
        for band, key in zip(self._bands, keys):
            band.setdefault(key, index)
        return False
