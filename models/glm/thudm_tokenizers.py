"""Hugging Face `tokenizer.json` for THUDM's GLM vocabularies, with GLM's command tokens at THUDM's ids.

    /usr/bin/python3 -m models.glm.thudm_tokenizers --family gpt2 --files vocab.json merges.txt --out tokenizer.json

Families (docs/glm.md §4.1, §4.2; ids follow THUDM's `data_utils/tokenization.py`):
- `gpt2` (glm-2b, glm-10b): GPT-2 byte-level BPE. eos = `<|endoftext|>` (50256); then appended in THUDM's order
  sop 50257, eop 50258, [CLS] 50259, [MASK] 50260, [SEP] 50261, [UNK] 50262, [gMASK] 50263, [sMASK] 50264.
  (`[dBLOCK]` 50265 is a pretraining-only token and is left out, so every id ≥ 50265 counts as padding.)
- `roberta` (glm-roberta-large): RoBERTa's vocabulary order. THUDM maps its command tokens onto RoBERTa's own
  entries: [CLS] = `<s>` 0, eos = `</s>` 2, [UNK] = `<unk>` 3, [MASK] = `<mask>` 50264; then sop 50265, eop 50266,
  and [gMASK] 50267, [sMASK] 50268 where THUDM's `--task-mask` puts them (never trained: span blanks only).
  [MASK] is 50264, the id THUDM's training code used, also for Hugging Face weights: the Hub's
  `added_tokens.json` names 50267 `[MASK]`, but that row is the untrained task-mask slot (§4.2).
- `bert` (glm-large and the other BERT-vocabulary GLMs): BERT uncased WordPiece. eos = `[PAD]` 0, [UNK] 100,
  [CLS] 101, [SEP] 102, [MASK] 103, sop 30522, eop 30523, and [gMASK] 30524, [sMASK] 30525 (the `--task-mask`
  slots; untrained in glm-large).
- `chinese-sp`: refused. SentencePiece `.model` files cannot be loaded by @huggingface/tokenizers.

The extension looks GLM's special tokens up by the names `<|endoftext|>`, `[CLS]`, `[MASK]`, `[sMASK]`,
`[gMASK]`, `<|startofpiece|>`, `<|endofpiece|>` (src/glm/manifest.ts). THUDM's own tokenizers use exactly
these names for their command tokens, even where the id is a vocabulary entry with another name (RoBERTa's
`<s>` is THUDM's `[CLS]`). So the vocabulary entry is renamed to the command-token name (`</s>` becomes
`<|endoftext|>`): one name per id, which Hugging Face's JS and Rust libraries both read the same way. Plain
text never produces these entries (the pre-tokenizers split `<`, `s`, `>` and `[`, `pad`, `]` apart), so the
renaming changes no encoding of text.

Mask tokens are `lstrip`: a space right before `[MASK]` is dropped, as in THUDM's tokenizers (§4.2).
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from .layout import SpecialTokens

FAMILIES = ("gpt2", "roberta", "bert", "chinese-sp")
MASK_NAMES = ("[MASK]", "[sMASK]", "[gMASK]")
ALL_KINDS = ("span", "sentence", "document")

SENTENCEPIECE_REFUSED = (
    "the Chinese GLMs (glm-large-chinese, glm-10b-chinese) use a SentencePiece model (cog-pretrain.model), and "
    "@huggingface/tokenizers, which the extension uses, cannot load SentencePiece files; these checkpoints "
    "cannot be converted. Use glm-large (--family bert), glm-roberta-large (--family roberta), glm-2b or "
    "glm-10b (--family gpt2)."
)


class ThudmTokenizerError(ValueError):
    pass


@dataclass
class ConvertedTokenizer:
    family: str
    data: dict  # the tokenizer.json content
    special: SpecialTokens
    size: int  # ids the tokenizer defines; the embedding pads this up to a multiple of 128
    mask_kinds: Tuple[str, ...]
    notes: List[str] = field(default_factory=list)

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.data, f, ensure_ascii=False)


# --- reading the vocabulary files ------------------------------------------------------------------------------
def read_json_vocab(path: str) -> Dict[str, int]:
    with open(path, encoding="utf-8") as f:
        vocab = json.load(f)
    if not isinstance(vocab, dict) or not all(isinstance(i, int) for i in vocab.values()):
        raise ThudmTokenizerError(f"{path} is not a BPE vocabulary (a JSON object of token → id)")
    check_dense(vocab, path)
    return vocab


def read_merges(path: str, vocab: Dict[str, int]) -> List[str]:
    """merges.txt (GPT-2's vocab.bpe): a `#version` line, then `a b` per line, both halves in the vocabulary."""
    merges = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#version"):
                continue
            parts = line.split(" ")
            if len(parts) != 2:
                raise ThudmTokenizerError(
                    f"{path}:{number}: a merge is two symbols separated by one space, got {line!r}"
                )
            missing = [p for p in parts + ["".join(parts)] if p not in vocab]
            if missing:
                raise ThudmTokenizerError(
                    f"{path}:{number}: merge {line!r} uses {missing[0]!r}, which the vocabulary "
                    "lacks; vocab.json and merges.txt must come from the same tokenizer"
                )
            merges.append(line)
    return merges


def read_wordpiece_vocab(path: str) -> Dict[str, int]:
    """BERT's vocab.txt: one token per line, id = line number from 0 (as Hugging Face reads it)."""
    vocab: Dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            token = line.rstrip("\n")
            if token in vocab:
                raise ThudmTokenizerError(f"{path}:{i + 1}: token {token!r} repeats line {vocab[token] + 1}")
            vocab[token] = i
    return vocab


def check_dense(vocab: Dict[str, int], path: str) -> None:
    ids = sorted(vocab.values())
    if ids != list(range(len(ids))):
        raise ThudmTokenizerError(f"{path}: ids must be 0…{len(ids) - 1} without gaps or repeats")


def require(vocab: Dict[str, int], tokens: Sequence[str], path: str, hint: str) -> None:
    missing = [t for t in tokens if t not in vocab]
    if missing:
        raise ThudmTokenizerError(f"{path} has no {', '.join(missing)}: {hint}")


def rename(vocab: Dict[str, int], renames: Dict[str, str], path: str) -> Dict[str, int]:
    """The vocabulary with entries renamed to THUDM's command-token names (ids unchanged)."""
    for old, new in renames.items():
        if new in vocab:
            raise ThudmTokenizerError(f"{path}: cannot name {old!r} {new!r}, the vocabulary already has {new!r}")
    return {renames.get(token, token): i for token, i in vocab.items()}


# --- tokenizer.json pieces -----------------------------------------------------------------------------------------
def added_token(content: str, token_id: int) -> dict:
    # normalized=False: BERT's lowercasing must not turn [MASK] into [mask] before the match.
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": content in MASK_NAMES,
        "rstrip": False,
        "normalized": False,
        "special": True,
    }


def appended(names: Sequence[str], start: int) -> List[Tuple[str, int]]:
    """Command tokens appended after the base vocabulary, in THUDM's order."""
    return [(name, start + i) for i, name in enumerate(names)]


def document(added: List[Tuple[str, int]], normalizer, pre_tokenizer, decoder, model: dict) -> dict:
    tokens = [added_token(name, i) for name, i in sorted(added, key=lambda t: t[1])]
    # No post-processor: the layout adds [CLS] and eos itself (docs/model-contract.md).
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": tokens,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": None,
        "decoder": decoder,
        "model": model,
    }


def byte_level_document(added, vocab: Dict[str, int], merges: List[str]) -> dict:
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    model = {
        "type": "BPE",
        "dropout": None,
        "unk_token": None,
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "fuse_unk": False,
        "byte_fallback": False,
        "ignore_merges": False,
        "vocab": vocab,
        "merges": merges,
    }
    return document(added, None, byte_level, byte_level, model)


def ids_of(added: List[Tuple[str, int]]) -> Dict[str, int]:
    return dict(added)


def special_tokens(ids: Dict[str, int]) -> SpecialTokens:
    return SpecialTokens(
        eos=ids["<|endoftext|>"],
        cls=ids["[CLS]"],
        mask=ids["[MASK]"],
        smask=ids["[sMASK]"],
        gmask=ids["[gMASK]"],
        sop=ids["<|startofpiece|>"],
        eop=ids["<|endofpiece|>"],
    )


# --- families ------------------------------------------------------------------------------------------------------
def gpt2_tokenizer(vocab_path: str, merges_path: str) -> ConvertedTokenizer:
    vocab = read_json_vocab(vocab_path)
    require(
        vocab,
        ["<|endoftext|>"],
        vocab_path,
        "is this GPT-2's vocab.json? RoBERTa's (with <s>, </s>, <mask>) needs --family roberta",
    )
    merges = read_merges(merges_path, vocab)
    n = len(vocab)
    added = [("<|endoftext|>", vocab["<|endoftext|>"])] + appended(
        ["<|startofpiece|>", "<|endofpiece|>", "[CLS]", "[MASK]", "[SEP]", "[UNK]", "[gMASK]", "[sMASK]"], n
    )
    return ConvertedTokenizer(
        "gpt2",
        byte_level_document(added, vocab, merges),
        special_tokens(ids_of(added)),
        n + 8,
        ALL_KINDS,
        ["[dBLOCK] (pretraining only) is left out"],
    )


ROBERTA_RENAMES = {"<s>": "[CLS]", "</s>": "<|endoftext|>", "<unk>": "[UNK]", "<mask>": "[MASK]"}


def roberta_tokenizer(vocab_path: str, merges_path: str) -> ConvertedTokenizer:
    raw = read_json_vocab(vocab_path)
    require(
        raw,
        list(ROBERTA_RENAMES) + ["<pad>"],
        vocab_path,
        "is this RoBERTa's vocab.json? GPT-2's (with <|endoftext|> only) needs --family gpt2",
    )
    merges = read_merges(merges_path, raw)
    vocab = rename(raw, ROBERTA_RENAMES, vocab_path)
    n = len(vocab)
    added = [(name, vocab[name]) for name in ["[CLS]", "<pad>", "<|endoftext|>", "[UNK]", "[MASK]"]]
    added += appended(["<|startofpiece|>", "<|endofpiece|>", "[gMASK]", "[sMASK]"], n)
    notes = [
        f"[MASK] = <mask> {vocab['[MASK]']} as in THUDM's training code (the Hub's added_tokens.json "
        f"says [MASK] {n + 2}, the untrained task-mask slot; docs/glm.md §4.2)",
        f"[gMASK] {n + 2} and [sMASK] {n + 3} exist only as ids: glm-roberta-large knows span blanks only",
    ]
    return ConvertedTokenizer(
        "roberta", byte_level_document(added, vocab, merges), special_tokens(ids_of(added)), n + 4, ("span",), notes
    )


# The extension decodes each generated span on its own and lets it carry the space that stood before its marker
# (as byte-level BPE does). Hugging Face's WordPiece decoder would drop that space ("Hello" + "world") and keep
# "##" on a span's first piece, so: a space before every word, "##" pieces and closing punctuation join the
# previous text. THUDM's own decoding (pieces joined by spaces, " ##" removed) gives the same text in context.
WORD_SPACED_DECODER = {
    "type": "Sequence",
    "decoders": [
        {"type": "Replace", "pattern": {"Regex": r"^(?!##|[.,!?;:)\]}])"}, "content": " "},
        {"type": "Replace", "pattern": {"Regex": "^##"}, "content": ""},
        {"type": "Fuse"},
    ],
}


def bert_tokenizer(vocab_path: str) -> ConvertedTokenizer:
    raw = read_wordpiece_vocab(vocab_path)
    require(raw, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], vocab_path, "is this BERT's vocab.txt?")
    vocab = rename(raw, {"[PAD]": "<|endoftext|>"}, vocab_path)
    n = len(vocab)
    added = [(name, vocab[name]) for name in ["<|endoftext|>", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]]
    added += appended(["<|startofpiece|>", "<|endofpiece|>", "[gMASK]", "[sMASK]"], n)
    # BERT uncased, as Hugging Face's bert-base-uncased tokenizer.json: lowercase and strip accents.
    normalizer = {
        "type": "BertNormalizer",
        "clean_text": True,
        "handle_chinese_chars": True,
        "strip_accents": None,
        "lowercase": True,
    }
    model = {
        "type": "WordPiece",
        "unk_token": "[UNK]",
        "continuing_subword_prefix": "##",
        "max_input_chars_per_word": 100,
        "vocab": vocab,
    }
    data = document(added, normalizer, {"type": "BertPreTokenizer"}, WORD_SPACED_DECODER, model)
    notes = [
        "eos is BERT's [PAD] (id 0), named <|endoftext|> here; THUDM ends documents with it",
        f"[gMASK] {n + 2} and [sMASK] {n + 3} exist only as ids: glm-large knows span blanks only",
    ]
    return ConvertedTokenizer("bert", data, special_tokens(ids_of(added)), n + 4, ("span",), notes)


def pick_files(files: Sequence[str], wanted: Dict[str, Tuple[str, ...]], family: str) -> Dict[str, str]:
    """Map role → path from a list of files or one folder; roles are recognised by file name / extension."""
    paths: List[str] = []
    for f in files:
        if os.path.isdir(f):
            paths += [os.path.join(f, name) for name in sorted(os.listdir(f))]
        elif os.path.isfile(f):
            paths.append(f)
        else:
            raise ThudmTokenizerError(f"tokenizer file {f} does not exist")
    found: Dict[str, str] = {}
    for role, names in wanted.items():
        for path in paths:
            if os.path.basename(path) in names:
                found[role] = path
                break
        else:
            raise ThudmTokenizerError(
                f"--family {family} needs {role} ({' or '.join(names)}) among "
                f"{', '.join(files) or 'the tokenizer files'}"
            )
    return found


def convert_tokenizer(family: str, files: Sequence[str]) -> ConvertedTokenizer:
    if family == "chinese-sp":
        raise ThudmTokenizerError(SENTENCEPIECE_REFUSED)
    if family in ("gpt2", "roberta"):
        f = pick_files(
            files, {"the vocabulary": ("vocab.json", "encoder.json"), "the merges": ("merges.txt", "vocab.bpe")}, family
        )
        make = gpt2_tokenizer if family == "gpt2" else roberta_tokenizer
        return make(f["the vocabulary"], f["the merges"])
    if family == "bert":
        return bert_tokenizer(pick_files(files, {"the vocabulary": ("vocab.txt",)}, family)["the vocabulary"])
    raise ThudmTokenizerError(f"unknown tokenizer family {family!r}; expected one of {', '.join(FAMILIES)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", required=True, choices=FAMILIES)
    ap.add_argument(
        "--files",
        nargs="+",
        required=True,
        help="vocab.json + merges.txt (gpt2, roberta), vocab.txt (bert), or their folder",
    )
    ap.add_argument("--out", required=True, help="tokenizer.json to write")
    args = ap.parse_args()
    try:
        tok = convert_tokenizer(args.family, args.files)
    except ThudmTokenizerError as e:
        raise SystemExit(f"error: {e}")
    tok.save(args.out)
    print(json.dumps({"size": tok.size, "specialTokens": tok.special.to_manifest(), "notes": tok.notes}))


if __name__ == "__main__":
    main()
