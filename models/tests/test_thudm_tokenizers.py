"""tokenizer.json for THUDM's vocabularies. Encoding itself is checked in TypeScript with @huggingface/tokenizers
(test/unit/convert-thudm.test.ts: GPT-2 against gpt-3-encoder, WordPiece against hand-computed cases)."""
import json
import subprocess
import sys

import pytest

from models.glm.thudm_tokenizers import ThudmTokenizerError, convert_tokenizer
from models.tests.test_convert_thudm import ROOT_DIR, tiny_gpt2_files


@pytest.fixture
def gpt2(tmp_path):
    return tiny_gpt2_files(str(tmp_path / "gpt2"))


def test_gpt2_keeps_vocabulary_and_merges_and_appends_commands_in_thudm_order(gpt2):
    tok = convert_tokenizer("gpt2", [gpt2["vocab"], gpt2["merges"]])
    source = json.load(open(gpt2["vocab"], encoding="utf-8"))
    merges = open(gpt2["merges"], encoding="utf-8").read().splitlines()[1:]
    assert tok.data["model"]["vocab"] == source and tok.data["model"]["merges"] == merges
    n = len(source)
    order = [(t["content"], t["id"]) for t in tok.data["added_tokens"]]
    assert order == [
        ("<|endoftext|>", n - 1),
        ("<|startofpiece|>", n),
        ("<|endofpiece|>", n + 1),
        ("[CLS]", n + 2),
        ("[MASK]", n + 3),
        ("[SEP]", n + 4),
        ("[UNK]", n + 5),
        ("[gMASK]", n + 6),
        ("[sMASK]", n + 7),
    ]
    assert tok.size == n + 8 and tok.mask_kinds == ("span", "sentence", "document")
    assert all(t["special"] and not t["normalized"] and not t["rstrip"] for t in tok.data["added_tokens"])
    assert tok.data["pre_tokenizer"]["type"] == "ByteLevel" and tok.data["post_processor"] is None


def test_folder_and_openai_file_names_are_accepted(tmp_path, gpt2):
    folder = tmp_path / "openai"
    folder.mkdir()
    (folder / "encoder.json").write_bytes(open(gpt2["vocab"], "rb").read())
    (folder / "vocab.bpe").write_bytes(open(gpt2["merges"], "rb").read())
    a = convert_tokenizer("gpt2", [str(folder)])
    b = convert_tokenizer("gpt2", [gpt2["vocab"], gpt2["merges"]])
    assert a.data == b.data


def test_roberta_renames_its_own_entries_to_thudm_names(tmp_path):
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4, "b": 5, "ab": 6, "<mask>": 7}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    (tmp_path / "merges.txt").write_text("#version: 0.2\na b\n")
    tok = convert_tokenizer("roberta", [str(tmp_path)])
    assert tok.data["model"]["vocab"] == {
        "[CLS]": 0,
        "<pad>": 1,
        "<|endoftext|>": 2,
        "[UNK]": 3,
        "a": 4,
        "b": 5,
        "ab": 6,
        "[MASK]": 7,
    }
    assert tok.special.to_manifest() == {
        "eos": 2,
        "pad": 2,
        "cls": 0,
        "mask": 7,
        "smask": 11,
        "gmask": 10,
        "sop": 8,
        "eop": 9,
    }
    assert tok.mask_kinds == ("span",) and tok.size == 12


def test_bert_vocab_txt(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##s\n")
    tok = convert_tokenizer("bert", [str(tmp_path / "vocab.txt")])
    assert tok.data["model"]["vocab"] == {
        "<|endoftext|>": 0,
        "[UNK]": 1,
        "[CLS]": 2,
        "[SEP]": 3,
        "[MASK]": 4,
        "hello": 5,
        "##s": 6,
    }
    assert tok.special.to_manifest() == {
        "eos": 0,
        "pad": 0,
        "cls": 2,
        "mask": 4,
        "smask": 10,
        "gmask": 9,
        "sop": 7,
        "eop": 8,
    }
    assert tok.data["normalizer"]["lowercase"] is True and tok.data["model"]["unk_token"] == "[UNK]"


def test_bad_files_give_clear_errors(tmp_path, gpt2):
    (tmp_path / "merges.txt").write_text("#version: 0.2\nq z\n")
    with pytest.raises(ThudmTokenizerError, match=r"merges.txt:2: merge 'q z' uses 'qz'.*same tokenizer"):
        convert_tokenizer("gpt2", [gpt2["vocab"], str(tmp_path / "merges.txt")])
    (tmp_path / "merges.txt").write_text("a b c\n")
    with pytest.raises(ThudmTokenizerError, match="two symbols"):
        convert_tokenizer("gpt2", [gpt2["vocab"], str(tmp_path / "merges.txt")])
    (tmp_path / "vocab.json").write_text(json.dumps({"a": 0, "b": 2}))
    with pytest.raises(ThudmTokenizerError, match="without gaps"):
        convert_tokenizer("gpt2", [str(tmp_path / "vocab.json"), gpt2["merges"]])
    (tmp_path / "vocab.txt").write_text("[PAD]\nx\nx\n")
    with pytest.raises(ThudmTokenizerError, match="vocab.txt:3: token 'x' repeats line 2"):
        convert_tokenizer("bert", [str(tmp_path / "vocab.txt")])
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n<|endoftext|>\n")
    with pytest.raises(ThudmTokenizerError, match="already has '<|endoftext|>'"):
        convert_tokenizer("bert", [str(tmp_path / "vocab.txt")])
    with pytest.raises(ThudmTokenizerError, match="does not exist"):
        convert_tokenizer("bert", [str(tmp_path / "missing.txt")])
    with pytest.raises(ThudmTokenizerError, match="SentencePiece"):
        convert_tokenizer("chinese-sp", [str(tmp_path)])


def test_command_line(tmp_path, gpt2):
    out = tmp_path / "tokenizer.json"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "models.glm.thudm_tokenizers",
            "--family",
            "gpt2",
            "--files",
            gpt2["vocab"],
            gpt2["merges"],
            "--out",
            str(out),
        ],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert (
        json.loads(r.stdout)["specialTokens"]["mask"] == json.load(open(out, encoding="utf-8"))["added_tokens"][4]["id"]
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "models.glm.thudm_tokenizers",
            "--family",
            "roberta",
            "--files",
            gpt2["vocab"],
            gpt2["merges"],
            "--out",
            str(out),
        ],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "error: " in r.stderr and "--family gpt2" in r.stderr
