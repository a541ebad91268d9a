import json
import os
import subprocess
import sys

import numpy as np
import pytest

from models.glm.tokenizer import SPECIAL_TOKENS, BPETokenizer, TokenizerError, train_bpe
from models.glm.user_cases import split_of

MIXED = [
    "def f(x):\r\n\treturn x * 2\r\n",
    "# Title\n\nSome *Markdown* with `code` and a [link](http://example.com).\n",
    "Emoji 😀🧪, CJK 中文 日本語 한국어, accents é ñ ü, math ∑∫√, NBSP\u00a0here.",
    "mixed\r\nline\nendings\rand\ttabs   and trailing spaces   \n\n\n",
    'fn main() { println!("{}", 1 + 2); }',
    "",
    " ",
    "\x00\x01 control chars \x7f",
]


def joins_a_bracket(piece: bytes) -> bool:
    """A token holding a bracket and more than a leading space: what the bracket-isolating rule never produces."""
    rest = piece.lstrip(b" ")
    return len(rest) > 1 and bool(set(rest) & set(b"()[]{}"))


@pytest.fixture(scope="module")
def tok():
    return train_bpe(MIXED * 3, 600)


@pytest.mark.parametrize("text", MIXED)
def test_round_trip_exact(tok, text):
    assert tok.decode(tok.encode(text)) == text


def test_special_tokens_are_single_ids_after_the_merges(tok):
    ids = tok.special_ids
    assert list(ids) == list(SPECIAL_TOKENS)
    assert min(ids.values()) == len(tok.symbols)
    for name, text in SPECIAL_TOKENS.items():
        assert tok.encode(f"a {text} b")[1:2] == [ids[name]] or ids[name] in tok.encode(f"a {text} b")
    assert tok.encode("[MASK]") == [ids["mask"]]


def test_lone_surrogate_is_a_clear_error(tok):
    with pytest.raises(TokenizerError, match="lone surrogate"):
        tok.encode("ok \ud800 bad")


def test_tokenizer_json_round_trip(tok, tmp_path):
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    again = BPETokenizer.load(str(path))
    for text in MIXED:
        assert again.encode(text) == tok.encode(text)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["pre_tokenizer"]["type"] == "ByteLevel" and data["model"]["type"] == "BPE"
    assert all(t["special"] for t in data["added_tokens"])


def test_training_is_deterministic():
    assert train_bpe(MIXED, 500).merges == train_bpe(MIXED, 500).merges


def test_vocab_size_is_respected(tok):
    assert tok.size <= 600


def test_load_rejects_misplaced_special_tokens(tok, tmp_path):
    data = tok.to_json()
    data["added_tokens"][2]["id"] += 1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TokenizerError, match=r"\[MASK\]"):
        BPETokenizer.load(str(path))


def test_fixture_tokenization_matches(root, tiny_tokenizer):
    with open(os.path.join(root, "test", "fixtures", "tokenization.json"), encoding="utf-8") as f:
        for case in json.load(f):
            assert tiny_tokenizer.encode_plain(case["text"]) == case["ids"]
            assert tiny_tokenizer.decode(case["ids"]) == case["text"]


def test_isolated_brackets_never_merge_with_the_punctuation_after_them(tok, tmp_path):
    brackets = BPETokenizer(tok.merges, tok.symbols, isolate_brackets=True)
    text = 'fn main() { println!("{}", 1 + 2); }'

    def merged(t):
        return [t.token_bytes(i) for i in t.encode(text) if joins_a_bracket(t.token_bytes(i))]

    assert merged(tok)  # GPT-2's rule merges them here (`()`, `);`), so the test can fail
    assert merged(brackets) == []
    assert brackets.decode(brackets.encode(text)) == text
    path = tmp_path / "tokenizer.json"
    brackets.save(str(path))
    again = BPETokenizer.load(str(path))
    assert again.isolate_brackets and again.encode(text) == brackets.encode(text)
    assert json.loads(path.read_text(encoding="utf-8"))["pre_tokenizer"]["type"] == "Sequence"


def test_a_pre_tokenizer_this_module_cannot_reproduce_is_refused(tok, tmp_path):
    data = tok.to_json()
    data["pre_tokenizer"] = {"type": "Whitespace"}
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TokenizerError, match="neither GPT-2's byte-level rule nor the bracket-isolating one"):
        BPETokenizer.load(str(path))


def test_a_tokenizer_trained_with_isolated_brackets_learns_no_merge_across_a_bracket():
    plain, brackets = train_bpe(MIXED * 3, 600), train_bpe(MIXED * 3, 600, isolate_brackets=True)

    def joined(t):
        return [s for s in t.symbols if joins_a_bracket(s)]

    assert joined(plain)  # GPT-2's rule learns `()` and `);` from these texts, so the test can fail
    assert joined(brackets) == [] and brackets.isolate_brackets
    for text in MIXED:
        assert brackets.decode(brackets.encode(text)) == text


def test_prepare_re_tokenizes_a_corpus_with_isolated_brackets(tok, tmp_path):
    docs = [
        {"text": t, "bucket": "code-rust", "src": "rust", "path": f"lib/{i}.rs"}
        for i, t in enumerate(MIXED)
        if t.strip()
    ]
    for split in ("train", "heldout"):
        (tmp_path / f"{split}.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    tok.save(str(tmp_path / "plain.json"))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "models.glm.prepare",
            "--corpus",
            str(tmp_path),
            "--out",
            str(tmp_path / "b"),
            "--tokenizer",
            str(tmp_path / "plain.json"),
            "--isolate-brackets",
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    again = BPETokenizer.load(str(tmp_path / "b" / "tokenizer.json"))
    assert again.isolate_brackets and again.merges == tok.merges
    ids = np.fromfile(tmp_path / "b" / "train.bin", dtype=np.uint16).tolist()
    assert ids == [i for d in docs for i in again.encode_plain(d["text"])]
    assert ids != [i for d in docs for i in tok.encode_plain(d["text"])]  # the brackets did split
    # Validation holds the held-out split's development documents only, never the test cases' documents.
    val = np.fromfile(tmp_path / "b" / "val.bin", dtype=np.uint16).tolist()
    dev = [d for d in docs if split_of(d) == "dev"]
    assert 0 < len(dev) < len(docs) and val == [i for d in dev for i in again.encode_plain(d["text"])]
