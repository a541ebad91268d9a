"""Split long documents into chunks of at most 64 KB at blank lines.

A few huge files (typescript.js is 9 MB) would otherwise dominate their source and make sampling
lumpy. Cutting at blank lines keeps functions and paragraphs whole wherever they fit.
"""
from __future__ import annotations

import re

MAX_CHUNK_BYTES = 64 * 1024

# A blank line, kept with the piece before it so that joining the pieces restores the text.
_PARAGRAPH_END = re.compile(r"(?<=\n)[ \t]*\r?\n")


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _pieces(text: str) -> list[str]:
    """Paragraphs, each ending with its trailing blank line."""
    pieces, start = [], 0
    for match in _PARAGRAPH_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _cut_line(line: str, limit: int) -> tuple[str, str]:
    """Split a line longer than `limit` bytes after the last space that keeps the head within
    the limit (a paragraph-per-line text then breaks between words, not inside one)."""
    head = line.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    space = head.rfind(" ")
    if space > len(head) // 2:
        head = head[: space + 1]
    return head, line[len(head) :]


def _split_oversized(piece: str, limit: int) -> list[str]:
    """A paragraph above the limit: cut at line ends, and inside a line only as a last resort."""
    out: list[str] = []
    for line in piece.splitlines(keepends=True):
        while _utf8_len(line) > limit:
            head, line = _cut_line(line, limit)
            out.append(head)
        out.append(line)
    return out


def split_document(text: str, limit: int = MAX_CHUNK_BYTES) -> list[str]:
    """Greedily pack paragraphs into chunks of at most `limit` UTF-8 bytes; concatenation == text."""
    if _utf8_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current, size = [], 0
    for piece in _pieces(text):
        parts = [piece] if _utf8_len(piece) <= limit else _split_oversized(piece, limit)
        for part in parts:
            n = _utf8_len(part)
            if current and size + n > limit:
                chunks.append("".join(current))
                current, size = [], 0
            current.append(part)
            size += n
    if current:
        chunks.append("".join(current))
    return chunks
