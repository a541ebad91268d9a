"""Strip licence headers from the top of source files.

Thousands of files start with the same licence header (every Go file carries the three-line BSD
notice). Exact dedup cannot catch that, and the model would spend capacity memorising it, so the
leading comment block is removed when it reads like a licence. The licences themselves are honoured
in DATA_SOURCES.md, which ships with the model.
"""
from __future__ import annotations

import re

LICENCE_WORDS = re.compile(
    r"copyright|licen[cs]e|spdx-license-identifier|all rights reserved|permission is hereby granted",
    re.IGNORECASE,
)
# `///`, `//!` (Rust doc comments) and `#!` (shebang) are not plain comments and never licences.
LINE_COMMENT = re.compile(r"[ \t]*(#(?!!)|//(?![/!]))")


def _leading_line_comment(lines: list[str], start: int) -> int:
    """End index (exclusive) of the run of line comments starting at `start`."""
    end = start
    while end < len(lines) and LINE_COMMENT.match(lines[end]):
        end += 1
    return end


def _leading_block_comment(lines: list[str], start: int) -> int:
    """End index (exclusive) of a /* ... */ comment opening at `start`, or `start` if none."""
    if not lines[start].lstrip().startswith("/*"):
        return start
    for end in range(start, len(lines)):
        if "*/" in lines[end]:
            # Code after the closing `*/` on the same line would be lost: keep such files intact.
            tail = lines[end].split("*/", 1)[1]
            return end + 1 if not tail.strip() else start
    return start


def _skip_blank(lines: list[str], start: int) -> int:
    while start < len(lines) and not lines[start].strip():
        start += 1
    return start


def strip_licence_header(text: str) -> str:
    """Remove leading comment blocks that mention a licence; keep a shebang line."""
    lines = text.splitlines(keepends=True)
    head: list[str] = []
    if lines and lines[0].startswith("#!"):
        head, lines = lines[:1], lines[1:]
    start = _skip_blank(lines, 0)
    # A file may stack several headers (an @license block, then a copyright line comment).
    while start < len(lines):
        end = _leading_block_comment(lines, start)
        if end == start:
            end = _leading_line_comment(lines, start)
        if end == start or not LICENCE_WORDS.search("".join(lines[start:end])):
            break
        start = _skip_blank(lines, end)
    if start == _skip_blank(lines, 0):
        return text
    return "".join(head + lines[start:])
