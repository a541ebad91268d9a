"""Document quality filters: what makes a file worth training on.

The thresholds come from corpus.md ("Cleaning that mattered"). Code and text get different
line-length limits because prose sources legitimately keep one paragraph per line (the State of
the Union texts have 8 KB lines), while a 1000-character line in code is nearly always minified
or embedded data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# Applied to every kind of file, and matched against the first 2 KB only: a real file that merely mentions code generation deep
# inside (a code generator, a test of one) must survive.
GENERATED_MARKER = re.compile(r"auto-generated|do not edit|code generated|@generated", re.IGNORECASE)
GENERATED_WINDOW = 2048


@dataclass(frozen=True)
class Limits:
    """Thresholds for one kind of text; None disables a check."""

    max_line: Optional[int]
    max_mean_line: Optional[float]
    min_alnum: float
    min_chars: int


CODE_LIMITS = Limits(max_line=1000, max_mean_line=100.0, min_alnum=0.25, min_chars=100)
TEXT_LIMITS = Limits(max_line=None, max_mean_line=None, min_alnum=0.25, min_chars=100)


def looks_generated(text: str) -> bool:
    return GENERATED_MARKER.search(text[:GENERATED_WINDOW]) is not None


_ASCII_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def alnum_fraction(text: str) -> float:
    if not text:
        return 0.0
    if text.isascii():
        # Same count as str.isalnum per character (for ASCII, exactly [0-9A-Za-z]), in C.
        data = text.encode("ascii")
        return (len(data) - len(data.translate(None, _ASCII_ALNUM))) / len(text)
    return sum(ch.isalnum() for ch in text) / len(text)


def rejection_reason(text: str, limits: Limits) -> Optional[str]:
    """Why `text` fails `limits`, or None when it passes. Reasons feed the build report."""
    if len(text.strip()) < limits.min_chars:
        return "too short"
    lines = text.splitlines()
    if limits.max_line is not None and max(len(line) for line in lines) > limits.max_line:
        return "long line"
    if limits.max_mean_line is not None and len(text) / len(lines) > limits.max_mean_line:
        return "long mean line"
    if alnum_fraction(text) < limits.min_alnum:
        return "low alnum"
    return None
