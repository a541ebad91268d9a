"""Turn the matched files of one package into (path, text) documents, per source format.

Text is decoded as strict UTF-8 without newline translation, so CRLF files stay CRLF; a file that
does not decode is skipped (and counted) rather than guessed at.
"""
from __future__ import annotations

import gzip
import posixpath
from collections import defaultdict
from typing import Callable, Iterable, Iterator, Optional

from .html2text import html_to_text

CODE_LANGS = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".go": "go",
    ".rs": "rust",
}

Files = Iterable[tuple[str, bytes]]
Docs = Iterator[tuple[str, Optional[str]]]  # (path, text or None when undecodable)


def code_lang(path: str) -> str:
    return CODE_LANGS.get(posixpath.splitext(path)[1], "text")


def text_lang(path: str, default: str) -> str:
    """Sphinx keeps Markdown sources as `.md.txt` beside reStructuredText ones."""
    return "markdown" if path.endswith(".md.txt") or path.endswith(".md") else default


def decode(data: bytes) -> Optional[str]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_text(files: Files) -> Docs:
    for path, data in files:
        yield path, decode(data)


def read_gzip(files: Files) -> Docs:
    for path, data in files:
        yield path.removesuffix(".gz"), decode(gzip.decompress(data))


def read_html(files: Files) -> Docs:
    for path, data in files:
        text = decode(data)
        yield path, None if text is None else html_to_text(text)


# -- WordNet ---------------------------------------------------------------------------------
WORDNET_POS = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}


def wordnet_line(line: str) -> Optional[str]:
    """One synset of a WordNet data.* file as a readable line, e.g.
    `breathe, take a breath (verb): draw air into, and expel out of, the lungs; "I can ..."`."""
    if not line or line.startswith(" "):  # the licence preamble lines start with two spaces
        return None
    fields, _, gloss = line.partition(" | ")
    parts = fields.split()
    word_count = int(parts[3], 16)
    words = [parts[4 + 2 * i].replace("_", " ") for i in range(word_count)]
    # Adjective markers such as "(p)" are attached to the lemma in data.adj.
    words = [w.split("(")[0] for w in words]
    return f"{', '.join(words)} ({WORDNET_POS[parts[2]]}): {gloss.strip()}"


def wordnet_lexfile(line: str) -> str:
    return line.split()[1]


def read_wordnet(files: Files) -> Docs:
    """Group synsets by lexicographer file (noun.animal, verb.motion, ...): a topical document."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path, data in files:
        text = decode(data)
        if text is None:
            yield path, None
            continue
        for line in text.splitlines():
            rendered = wordnet_line(line)
            if rendered:
                groups[f"{posixpath.basename(path)}/lex{wordnet_lexfile(line)}"].append(rendered)
    for key in sorted(groups):
        yield f"usr/share/wordnet/{key}", "\n".join(groups[key]) + "\n"


# -- dictd ------------------------------------------------------------------------------------
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def dictd_number(code: str) -> int:
    value = 0
    for ch in code:
        value = value * 64 + _B64.index(ch)
    return value


def read_dictd(files: Files) -> Docs:
    """A dictd database (.dict.dz is gzip-compatible) as one text, entries in their original order.
    The `00database*` header entries are dropped, except the info entry, which is the preface."""
    by_path = dict(files)
    for dict_path, data in sorted(by_path.items()):
        if not dict_path.endswith(".dict.dz"):
            continue
        index = decode(by_path[dict_path[: -len(".dict.dz")] + ".index"])
        body = gzip.decompress(data)
        entries = []
        for row in (index or "").splitlines():
            word, offset, length = row.split("\t")
            if word.startswith("00database") and word != "00databaseinfo":
                continue
            start = dictd_number(offset)
            entries.append((start, body[start : start + dictd_number(length)]))
        texts = [decode(chunk) for _, chunk in sorted(entries)]
        yield dict_path.removesuffix(".dz"), None if None in texts else "\n".join(t.strip("\n") for t in texts) + "\n"


READERS: dict[str, Callable[[Files], Docs]] = {
    "text": read_text,
    "gzip": read_gzip,
    "html": read_html,
    "wordnet": read_wordnet,
    "dictd": read_dictd,
}
# Files a reader needs besides those its source's patterns select.
READER_COMPANIONS = {"dictd": ("*.index",)}
