"""Byte-level BPE: trainer, encoder/decoder, and a Hugging Face `tokenizer.json` writer/reader.

The file is what the extension loads with @huggingface/tokenizers; the encoder here reproduces that library's
BPE exactly (GPT-2 pre-tokenizer regex, byte-to-unicode map, lowest-rank merge first), which the TypeScript
tests check against fixtures written by this module. GLM's special tokens are appended after the merges
(docs/model-contract.md), each a single id.
"""
from __future__ import annotations

import heapq
import json
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import regex

from .layout import SpecialTokens

# GPT-2's pre-tokenizer, as used by Hugging Face's ByteLevel pre-tokenizer with use_regex=true.
PRETOKENIZE = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
# The same with every bracket a piece of its own (a space before it may stay attached): GPT-2's rule merges `)`
# with the punctuation after it (`);`, `):`, `()`), so a blank that ends at a closing bracket followed by `;` is a
# boundary training never shows. Written to tokenizer.json as Split(this pattern) + ByteLevel(use_regex=false).
BRACKET_CHARS = r"()\[\]{}"  # inside a regex character class
PRETOKENIZE_BRACKETS = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?["""
    + BRACKET_CHARS
    + r"""]| ?[^\s\p{L}\p{N}"""
    + BRACKET_CHARS
    + r"""]+|\s+(?!\S)|\s+"""
)
BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}


def pretokenizer(isolate_brackets: bool) -> regex.Pattern:
    return PRETOKENIZE_BRACKETS if isolate_brackets else PRETOKENIZE


def pretokenizer_json(isolate_brackets: bool) -> dict:
    """The `pre_tokenizer` of tokenizer.json that splits as `pretokenizer(isolate_brackets)` does."""
    if not isolate_brackets:
        return dict(BYTE_LEVEL)
    return {
        "type": "Sequence",
        "pretokenizers": [
            {
                "type": "Split",
                "pattern": {"Regex": PRETOKENIZE_BRACKETS.pattern},
                "behavior": "Isolated",
                "invert": False,
            },
            {**BYTE_LEVEL, "use_regex": False},
        ],
    }


# Order matters: ids are assigned in this order after the merges.
SPECIAL_TOKENS = {
    "eos": "<|endoftext|>",
    "cls": "[CLS]",
    "mask": "[MASK]",
    "smask": "[sMASK]",
    "gmask": "[gMASK]",
    "sop": "<|startofpiece|>",
    "eop": "<|endofpiece|>",
}


def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (so BPE symbols are strings)."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


BYTE_CHARS = bytes_to_unicode()
CHAR_BYTES = {c: b for b, c in BYTE_CHARS.items()}


class TokenizerError(ValueError):
    pass


def utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise TokenizerError(
            f"text is not valid Unicode at character {e.start} ({text[e.start:e.end]!r}: a lone surrogate); "
            "decode the source as UTF-8 with errors='strict' or replace it before tokenizing"
        ) from e


def symbols_from_merges(merges: Sequence[Tuple[int, int]]) -> List[bytes]:
    symbols = [bytes([b]) for b in range(256)]
    known = set(symbols)
    for a, b in merges:
        joined = symbols[a] + symbols[b]
        if joined not in known:
            symbols.append(joined)
            known.add(joined)
    return symbols


def pretokenize(text: str, pattern: regex.Pattern = PRETOKENIZE) -> List[bytes]:
    try:
        return [piece.encode("utf-8") for piece in pattern.findall(text)]
    except UnicodeEncodeError:
        utf8(text)  # raises with the offending position in the whole text
        raise


class BPETokenizer:
    """Symbols 0..255 are the bytes; every merge (a, b) yields the symbol with bytes sym[a] + sym[b]."""

    def __init__(
        self, merges: List[Tuple[int, int]], symbols: Optional[List[bytes]] = None, isolate_brackets: bool = False
    ):
        self.merges = merges
        self.isolate_brackets = isolate_brackets
        self.pattern = pretokenizer(isolate_brackets)
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.symbols: List[bytes] = symbols if symbols is not None else symbols_from_merges(merges)
        ids = {s: i for i, s in enumerate(self.symbols)}
        # Two merges may spell the same bytes; like Hugging Face's BPE, both map to that one symbol.
        self.merge_result = {(a, b): ids[self.symbols[a] + self.symbols[b]] for a, b in merges}
        base = len(self.symbols)
        self.special_ids = {name: base + i for i, name in enumerate(SPECIAL_TOKENS)}
        self.special_by_text = {SPECIAL_TOKENS[name]: i for name, i in self.special_ids.items()}
        self.special_split = regex.compile("(" + "|".join(regex.escape(t) for t in SPECIAL_TOKENS.values()) + ")")
        self.cache: Dict[bytes, List[int]] = {}

    @property
    def size(self) -> int:
        return len(self.symbols) + len(SPECIAL_TOKENS)

    def special(self) -> SpecialTokens:
        return SpecialTokens(**self.special_ids)

    def encode_word(self, word: bytes) -> List[int]:
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        ids = list(word)
        while len(ids) > 1:
            best = min(range(len(ids) - 1), key=lambda i: self.ranks.get((ids[i], ids[i + 1]), 1 << 30))
            rank = self.ranks.get((ids[best], ids[best + 1]))
            if rank is None:
                break
            pair = (ids[best], ids[best + 1])
            merged = self.merge_result[pair]
            out, i = [], 0
            while i < len(ids):  # merge every occurrence of the pair, left to right
                if i < len(ids) - 1 and (ids[i], ids[i + 1]) == pair:
                    out.append(merged)
                    i += 2
                else:
                    out.append(ids[i])
                    i += 1
            ids = out
        if len(self.cache) < 1_000_000:
            self.cache[word] = ids
        return ids

    def encode_plain(self, text: str) -> List[int]:
        ids: List[int] = []
        for word in pretokenize(text, self.pattern):
            ids.extend(self.encode_word(word))
        return ids

    def encode(self, text: str) -> List[int]:
        """Like @huggingface/tokenizers: special-token strings in the text become their single ids."""
        ids: List[int] = []
        for i, part in enumerate(self.special_split.split(text)):
            if i % 2:
                ids.append(self.special_by_text[part])
            elif part:
                ids.extend(self.encode_plain(part))
        return ids

    def token_bytes(self, token_id: int) -> bytes:
        if token_id < len(self.symbols):
            return self.symbols[token_id]
        for text, i in self.special_by_text.items():
            if i == token_id:
                return text.encode()
        raise TokenizerError(f"token id {token_id} is outside the vocabulary ({self.size} tokens)")

    def decode(self, ids: Iterable[int]) -> str:
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")

    # --- Hugging Face tokenizer.json ---------------------------------------------------------------
    def to_json(self) -> dict:
        def sym(i: int) -> str:
            return "".join(BYTE_CHARS[b] for b in self.symbols[i])

        vocab = {sym(i): i for i in range(len(self.symbols))}
        added = [
            {
                "id": i,
                "content": SPECIAL_TOKENS[name],
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for name, i in self.special_ids.items()
        ]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": pretokenizer_json(self.isolate_brackets),
            "post_processor": None,
            "decoder": dict(BYTE_LEVEL),
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": vocab,
                "merges": [f"{sym(a)} {sym(b)}" for a, b in self.merges],
            },
        }

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False)

    @classmethod
    def load(cls, path: str) -> "BPETokenizer":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        vocab = data["model"]["vocab"]
        merges = []
        for m in data["model"]["merges"]:
            a, b = m.split(" ") if isinstance(m, str) else m
            merges.append((vocab[a], vocab[b]))
        symbols = [b""] * len(vocab)
        for text, i in vocab.items():
            symbols[i] = bytes(CHAR_BYTES[c] for c in text)
        tok = cls(merges, symbols, isolate_brackets=brackets_isolated(data.get("pre_tokenizer"), path))
        for entry in data["added_tokens"]:
            expected = tok.special_by_text.get(entry["content"])
            if expected != entry["id"]:
                raise TokenizerError(
                    f"{path}: special token {entry['content']!r} has id {entry['id']}, "
                    f"expected {expected} (256 bytes + {len(merges)} merges, then "
                    f"{', '.join(SPECIAL_TOKENS.values())})"
                )
        return tok


def brackets_isolated(pre_tokenizer: Optional[dict], path: str) -> bool:
    """Which of the two pre-tokenizers `to_json` writes this is; any other cannot be reproduced here."""
    for isolate in (False, True):
        if pre_tokenizer == pretokenizer_json(isolate):
            return isolate
    raise TokenizerError(
        f"{path}: pre_tokenizer {json.dumps(pre_tokenizer)[:200]} is neither GPT-2's byte-level "
        "rule nor the bracket-isolating one this module writes"
    )


def count_words(texts: Iterable[str], pattern: regex.Pattern = PRETOKENIZE) -> Counter:
    counts: Counter = Counter()
    for text in texts:
        counts.update(pattern.findall(text))
    return counts


def train_bpe(
    texts: Iterable[str],
    vocab_size: int,
    min_frequency: int = 2,
    progress: Optional[callable] = None,
    isolate_brackets: bool = False,
) -> BPETokenizer:
    """Learn merges until 256 + merges + specials = vocab_size (or no pair occurs min_frequency times).

    Incremental pair counts with a lazy max-heap: each merge touches only the words that contain the pair.
    Ties break on the smaller pair of ids, so training is deterministic.
    """
    num_symbols = vocab_size - len(SPECIAL_TOKENS)
    if num_symbols < 256:
        raise TokenizerError(f"vocab_size {vocab_size} is below the 256 bytes + {len(SPECIAL_TOKENS)} specials")
    word_counts = count_words(texts, pretokenizer(isolate_brackets))
    words: List[List[int]] = []
    freqs: List[int] = []
    for w, c in sorted(word_counts.items()):
        words.append(list(utf8(w)))
        freqs.append(c)
    pair_counts: Counter = Counter()
    where: Dict[Tuple[int, int], set] = {}
    for wi, (w, c) in enumerate(zip(words, freqs)):
        for pair in zip(w, w[1:]):
            pair_counts[pair] += c
            where.setdefault(pair, set()).add(wi)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges: List[Tuple[int, int]] = []
    symbols = [bytes([b]) for b in range(256)]
    symbol_ids = {s: i for i, s in enumerate(symbols)}
    while len(symbols) < num_symbols and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg:
            continue  # stale heap entry
        if -neg < min_frequency:
            break
        joined = symbols[pair[0]] + symbols[pair[1]]
        new_id = symbol_ids.get(joined)
        if new_id is None:
            new_id = symbol_ids[joined] = len(symbols)
            symbols.append(joined)
        merges.append(pair)
        changed = set()
        for wi in where.pop(pair, ()):
            w = words[wi]
            if len(w) < 2:
                continue
            merged, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == pair[0] and w[i + 1] == pair[1]:
                    merged.append(new_id)
                    i += 2
                else:
                    merged.append(w[i])
                    i += 1
            if len(merged) == len(w):
                continue
            c = freqs[wi]
            for p in zip(w, w[1:]):
                pair_counts[p] -= c
                changed.add(p)
            for p in zip(merged, merged[1:]):
                pair_counts[p] += c
                where.setdefault(p, set()).add(wi)
                changed.add(p)
            words[wi] = merged
        pair_counts.pop(pair, None)
        for p in changed:
            c = pair_counts.get(p, 0)
            if c > 0 and p != pair:
                heapq.heappush(heap, (-c, p))
            elif c <= 0:
                pair_counts.pop(p, None)
        if progress and len(merges) % 1000 == 0:
            progress(len(merges))
    return BPETokenizer(merges, symbols, isolate_brackets)
