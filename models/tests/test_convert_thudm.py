"""Converter for THUDM's released GLM checkpoints, proved on random-weight checkpoints built in their layouts.

The builders below write THUDM's key names and file layouts (docs/glm.md §10); the model-parallel split follows
Megatron's partitioning (each rank holds its slice of the heads / FFN columns / vocabulary rows), written
independently of the converter's merge so that a merge bug shows up as a weight mismatch.
test/fixtures/thudm-tiny/make.py reuses them for the TypeScript parity fixture.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Dict

import pytest
import torch

from models.glm.checkpoint import state_from_onnx
from models.glm.convert_thudm import ConversionError, Options, convert, expected_shapes, merge_shards
from models.glm.model import GLM, GLMConfig
from models.glm.tokenizer import BYTE_CHARS, train_bpe

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = (
    "GLM fills blanks: the model reads the text around a [MASK] and writes the missing span.\n"
    "def add(a, b):\n    return a + b\n"
) * 3


# --- builders (also used by test/fixtures/thudm-tiny/make.py) -----------------------------------------------------
def tiny_gpt2_files(folder: str, vocab_size: int = 300) -> Dict[str, str]:
    """A small GPT-2-format vocab.json + merges.txt: byte symbols, learned merges, `<|endoftext|>` last (as GPT-2)."""
    bpe = train_bpe([SAMPLE], vocab_size)
    data = bpe.to_json()["model"]
    vocab = dict(data["vocab"])
    vocab["<|endoftext|>"] = len(vocab)
    os.makedirs(folder, exist_ok=True)
    paths = {"vocab": os.path.join(folder, "vocab.json"), "merges": os.path.join(folder, "merges.txt")}
    with open(paths["vocab"], "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(paths["merges"], "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(data["merges"]) + "\n")
    return paths


def random_state(
    layers: int, hidden: int, vocab: int, positions: int, seed: int = 0, dtype=torch.float32
) -> Dict[str, torch.Tensor]:
    """Random weights under THUDM's key names (docs/glm.md §10.1); every tensor distinct, biases non-zero."""
    g = torch.Generator().manual_seed(seed)
    config = GLMConfig(
        vocab_size=vocab, hidden_size=hidden, num_layers=layers, num_heads=1, max_sequence_length=positions
    )
    return {
        key: (0.1 * torch.randn(shape, generator=g) + (1.0 if key.endswith("layernorm.weight") else 0.0)).to(dtype)
        for key, shape in expected_shapes(config).items()
    }


def megatron_split(state: Dict[str, torch.Tensor], ranks: int) -> list:
    """The state as `ranks` model-parallel shards, as Megatron's ColumnParallel/RowParallel layers hold it."""
    shards = [{} for _ in range(ranks)]
    for key, tensor in state.items():
        if "query_key_value" in key:
            q, k, v = tensor.chunk(3, dim=0)
            for r in range(ranks):
                shards[r][key] = torch.cat([q.chunk(ranks, 0)[r], k.chunk(ranks, 0)[r], v.chunk(ranks, 0)[r]]).clone()
            continue
        if key == "word_embeddings.weight" or "dense_h_to_4h" in key:
            parts = tensor.chunk(ranks, dim=0)
        elif key.endswith("attention.dense.weight") or key.endswith("dense_4h_to_h.weight"):
            parts = tensor.chunk(ranks, dim=1)
        else:
            parts = [tensor] * ranks
        for r in range(ranks):
            shards[r][key] = parts[r].clone()
    return shards


def write_thudm_folder(
    folder: str, state: Dict[str, torch.Tensor], ranks: int = 1, tag: str = "release", record_ranks: bool = True
) -> str:
    """`latest_checkpointed_iteration.txt` + `<tag>/mp_rank_XX_model_states.pt` with `module` (and DeepSpeed's
    bookkeeping next to it)."""
    os.makedirs(os.path.join(folder, tag), exist_ok=True)
    with open(os.path.join(folder, "latest_checkpointed_iteration.txt"), "w") as f:
        f.write(tag + "\n")
    for r, shard in enumerate(megatron_split(state, ranks) if ranks > 1 else [state]):
        extra = {"mp_world_size": ranks} if record_ranks else {}
        torch.save(
            {"module": shard, "iteration": 0, **extra}, os.path.join(folder, tag, f"mp_rank_{r:02d}_model_states.pt")
        )
    return folder


# --- helpers ------------------------------------------------------------------------------------------------------
TINY = dict(layers=2, hidden=64, vocab=384, positions=32)


@pytest.fixture(scope="module")
def gpt2_files(tmp_path_factory):
    paths = tiny_gpt2_files(str(tmp_path_factory.mktemp("gpt2-tok")))
    return [paths["vocab"], paths["merges"]]


def run(tmp_path, checkpoint, files, family="gpt2", **kw) -> dict:
    out = str(tmp_path / "out")
    return convert(Options(str(checkpoint), family, files, out, num_heads=kw.pop("num_heads", 2), **kw))


def assert_weights_equal(folder, state, rows=None):
    manifest = json.load(open(os.path.join(folder, "glm.json")))
    a = manifest["architecture"]
    config = GLMConfig(
        vocab_size=a["vocabSize"],
        hidden_size=a["hiddenSize"],
        num_layers=a["numLayers"],
        num_heads=a["numHeads"],
        max_sequence_length=a["maxSequenceLength"],
    )
    got = state_from_onnx(os.path.join(folder, "model.onnx"), GLM(config).state_dict())
    assert set(got) == set(state)
    for key, value in state.items():
        expected = value.float()
        if rows is not None and "position" in key:
            expected = expected[:rows]
        assert torch.equal(got[key], expected), key


# --- layouts ------------------------------------------------------------------------------------------------------
def test_expected_shapes_match_the_model():
    config = GLMConfig(vocab_size=256, hidden_size=32, num_layers=3, num_heads=2, max_sequence_length=16)
    assert expected_shapes(config) == {k: tuple(v.shape) for k, v in GLM(config).state_dict().items()}


def test_original_folder_with_two_model_parallel_shards_fp16(tmp_path, gpt2_files):
    state = random_state(**TINY, dtype=torch.float16)
    ckpt = write_thudm_folder(str(tmp_path / "glm-tiny"), state, ranks=2)
    manifest = run(tmp_path, ckpt, gpt2_files)
    assert_weights_equal(tmp_path / "out", state)
    assert manifest["architecture"] == {
        "vocabSize": 384,
        "hiddenSize": 64,
        "numLayers": 2,
        "numHeads": 2,
        "headDim": 32,
        "maxSequenceLength": 32,
        "gelu": "tanh",
    }
    p = manifest["provenance"]
    assert (p["layout"], p["modelParallelShards"], p["sourceDtype"]) == ("thudm", 2, "float16")
    assert manifest["externalData"] is None and manifest["weights"] == "fp32"


def test_merge_rules_invert_megatron_split():
    state = random_state(layers=1, hidden=64, vocab=256, positions=8)
    for ranks in (2, 4):
        merged = merge_shards(megatron_split(state, ranks))
        for key in state:
            assert torch.equal(merged[key], state[key]), (ranks, key)


def test_merge_is_not_plain_concatenation():
    # A QKV merge that simply concatenated the ranks would interleave Q and K rows: the split must differ from it.
    state = random_state(layers=1, hidden=64, vocab=256, positions=8)
    shards = megatron_split(state, 2)
    key = "transformer.layers.0.attention.query_key_value.weight"
    assert not torch.equal(torch.cat([s[key] for s in shards]), state[key])


@pytest.mark.parametrize("prefix", ["", "glm."])
def test_hugging_face_bin_fp16_with_and_without_prefix(tmp_path, gpt2_files, prefix):
    state = random_state(**TINY, seed=1, dtype=torch.float16)
    folder = tmp_path / "hf"
    folder.mkdir()
    torch.save({prefix + k: v for k, v in state.items()}, folder / "pytorch_model.bin")
    manifest = run(tmp_path, folder, gpt2_files)
    assert_weights_equal(tmp_path / "out", state)
    assert manifest["provenance"]["layout"] == "huggingface"
    assert manifest["provenance"]["sourceDtype"] == "float16"


def test_sharded_hugging_face_index_and_single_mp_file(tmp_path, gpt2_files):
    state = random_state(**TINY, seed=2)
    keys = sorted(state)
    halves = {"pytorch_model-00001-of-00002.bin": keys[:10], "pytorch_model-00002-of-00002.bin": keys[10:]}
    hf = tmp_path / "hf"
    hf.mkdir()
    for name, part in halves.items():
        torch.save({"glm." + k: state[k] for k in part}, hf / name)
    json.dump(
        {"weight_map": {"glm." + k: n for n, part in halves.items() for k in part}},
        open(hf / "pytorch_model.bin.index.json", "w"),
    )
    run(tmp_path, hf, gpt2_files)
    assert_weights_equal(tmp_path / "out", state)
    ckpt = write_thudm_folder(str(tmp_path / "orig"), state, tag="250000")
    run(tmp_path, os.path.join(ckpt, "250000", "mp_rank_00_model_states.pt"), gpt2_files)
    assert_weights_equal(tmp_path / "out", state)


def test_fine_tuning_wrapper_heads_are_dropped(tmp_path, gpt2_files):
    state = random_state(**TINY, seed=3)
    wrapped = {"model." + k: v for k, v in state.items()}
    wrapped["pool_layer.dense.weight"] = torch.zeros(4, 4)
    torch.save(wrapped, tmp_path / "pytorch_model.bin")
    run(tmp_path, tmp_path / "pytorch_model.bin", gpt2_files)
    assert_weights_equal(tmp_path / "out", state)


# --- options ------------------------------------------------------------------------------------------------------
def test_int8_external_data_erf_and_fewer_positions(tmp_path, gpt2_files):
    state = random_state(**TINY, seed=4)
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), state)
    manifest = run(tmp_path, ckpt, gpt2_files, gelu="erf", max_positions=16, external_data=True)
    assert manifest["externalData"] == "model.onnx.data"
    assert sorted(os.listdir(tmp_path / "out")) == ["glm.json", "model.onnx", "model.onnx.data", "tokenizer.json"]
    assert os.path.getsize(tmp_path / "out" / "model.onnx") < 100_000  # the weights are in the data file
    assert manifest["architecture"]["maxSequenceLength"] == 16 and manifest["architecture"]["gelu"] == "erf"
    assert_weights_equal(tmp_path / "out", state, rows=17)
    manifest = run(tmp_path, ckpt, gpt2_files, int8=True, external_data=True)
    assert manifest["weights"] == "int8"
    a = manifest["architecture"]
    config = GLMConfig(
        vocab_size=a["vocabSize"],
        hidden_size=a["hiddenSize"],
        num_layers=a["numLayers"],
        num_heads=a["numHeads"],
        max_sequence_length=a["maxSequenceLength"],
    )
    got = state_from_onnx(str(tmp_path / "out" / "model.onnx"), GLM(config).state_dict())
    w = "transformer.layers.0.mlp.dense_h_to_4h.weight"
    assert 0 < float((got[w] - state[w]).abs().max()) < 0.01  # quantized, and close


def test_mask_kinds_default_and_override(tmp_path, gpt2_files):
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), random_state(**TINY))
    assert run(tmp_path, ckpt, gpt2_files)["maskKinds"] == ["span", "sentence", "document"]
    assert run(tmp_path, ckpt, gpt2_files, mask_kinds=["span"])["maskKinds"] == ["span"]
    with pytest.raises(ConversionError, match="mask kinds"):
        run(tmp_path, ckpt, gpt2_files, mask_kinds=["blank"])


def test_head_count_defaults_to_head_dim_64(tmp_path, gpt2_files):
    state = random_state(layers=1, hidden=128, vocab=384, positions=8)
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), state)
    manifest = convert(Options(ckpt, "gpt2", gpt2_files, str(tmp_path / "out")))
    assert (manifest["architecture"]["numHeads"], manifest["architecture"]["headDim"]) == (2, 64)


# --- special tokens per family at the released ids ----------------------------------------------------------------
def write_bert_vocab(path, size=30522):
    tokens = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [f"w{i}" for i in range(size - len(tokens))]
    path.write_text("\n".join(tokens) + "\n")
    return str(path)


def write_byte_vocab(folder, specials_first, specials_last, size):
    """A byte-level vocabulary of `size` entries with the family's specials where GPT-2 / RoBERTa have them."""
    symbols = list(BYTE_CHARS.values())
    filler = [f"x{i}" for i in range(size - len(specials_first) - len(specials_last) - len(symbols))]
    tokens = specials_first + symbols + filler + specials_last
    json.dump({t: i for i, t in enumerate(tokens)}, open(folder / "vocab.json", "w"), ensure_ascii=False)
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return [str(folder / "vocab.json"), str(folder / "merges.txt")]


def test_glm_large_bert_ids(tmp_path):
    files = [write_bert_vocab(tmp_path / "vocab.txt")]
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), random_state(layers=1, hidden=64, vocab=30592, positions=8))
    manifest = convert(Options(ckpt, "bert", files, str(tmp_path / "out"), num_heads=1))
    assert manifest["specialTokens"] == {
        "eos": 0,
        "pad": 0,
        "cls": 101,
        "mask": 103,
        "smask": 30525,
        "gmask": 30524,
        "sop": 30522,
        "eop": 30523,
    }
    assert manifest["maskKinds"] == ["span"]
    tok = json.load(open(tmp_path / "out" / "tokenizer.json", encoding="utf-8"))
    assert tok["model"]["type"] == "WordPiece" and tok["model"]["vocab"]["<|endoftext|>"] == 0
    assert "[PAD]" not in tok["model"]["vocab"]
    added = {t["content"]: (t["id"], t["lstrip"]) for t in tok["added_tokens"]}
    assert added["[MASK]"] == (103, True) and added["<|startofpiece|>"] == (30522, False)


def test_glm_roberta_large_ids_and_mask_row_note(tmp_path):
    files = write_byte_vocab(tmp_path, ["<s>", "<pad>", "</s>", "<unk>"], ["<mask>"], 50265)
    state = random_state(layers=1, hidden=64, vocab=50304, positions=8)
    state["word_embeddings.weight"][50267] = state["word_embeddings.weight"][50264]
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), state)
    manifest = convert(Options(ckpt, "roberta", files, str(tmp_path / "out"), num_heads=1))
    assert manifest["specialTokens"] == {
        "eos": 2,
        "pad": 2,
        "cls": 0,
        "mask": 50264,
        "smask": 50268,
        "gmask": 50267,
        "sop": 50265,
        "eop": 50266,
    }
    assert manifest["maskKinds"] == ["span"]
    assert any("rows 50264" in n and "are equal" in n for n in manifest["provenance"]["notes"])
    vocab = json.load(open(tmp_path / "out" / "tokenizer.json", encoding="utf-8"))["model"]["vocab"]
    assert (vocab["[CLS]"], vocab["<|endoftext|>"], vocab["[MASK]"], vocab["<pad>"]) == (0, 2, 50264, 1)


def test_glm_10b_gpt2_ids(tmp_path):
    files = write_byte_vocab(tmp_path, [], ["<|endoftext|>"], 50257)
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), random_state(layers=1, hidden=64, vocab=50304, positions=8))
    manifest = convert(Options(ckpt, "gpt2", files, str(tmp_path / "out"), num_heads=1))
    assert manifest["specialTokens"] == {
        "eos": 50256,
        "pad": 50256,
        "cls": 50259,
        "mask": 50260,
        "smask": 50264,
        "gmask": 50263,
        "sop": 50257,
        "eop": 50258,
    }
    added = json.load(open(tmp_path / "out" / "tokenizer.json", encoding="utf-8"))["added_tokens"]
    assert [t["id"] for t in added] == list(range(50256, 50265))  # contiguous: Rust and JS libraries agree
    assert {t["content"] for t in added if t["lstrip"]} == {"[MASK]", "[sMASK]", "[gMASK]"}


# --- errors ------------------------------------------------------------------------------------------------------
def test_unknown_key_layout(tmp_path, gpt2_files):
    torch.save({"encoder.layer.0.attention.self.query.weight": torch.zeros(2, 2)}, tmp_path / "pytorch_model.bin")
    with pytest.raises(ConversionError, match="unknown key layout.*encoder.layer.0"):
        run(tmp_path, tmp_path / "pytorch_model.bin", gpt2_files)
    state = random_state(**TINY)
    state["transformer.layers.0.attention.rotary_emb.inv_freq"] = torch.zeros(4)
    torch.save(state, tmp_path / "pytorch_model.bin")
    with pytest.raises(ConversionError, match="unexpected transformer.layers.0.attention.rotary_emb"):
        run(tmp_path, tmp_path / "pytorch_model.bin", gpt2_files)
    del state["transformer.layers.0.attention.rotary_emb.inv_freq"], state["transformer.final_layernorm.bias"]
    torch.save(state, tmp_path / "pytorch_model.bin")
    with pytest.raises(ConversionError, match="missing transformer.final_layernorm.bias"):
        run(tmp_path, tmp_path / "pytorch_model.bin", gpt2_files)


def test_missing_shards(tmp_path, gpt2_files):
    ckpt = write_thudm_folder(str(tmp_path / "a"), random_state(**TINY), ranks=3)
    os.remove(os.path.join(ckpt, "release", "mp_rank_01_model_states.pt"))
    with pytest.raises(ConversionError, match="shards missing: mp_rank_01_model_states.pt"):
        run(tmp_path, ckpt, gpt2_files)
    ckpt = write_thudm_folder(str(tmp_path / "b"), random_state(**TINY), ranks=2)
    os.remove(os.path.join(ckpt, "release", "mp_rank_01_model_states.pt"))  # the last one: only the count tells
    with pytest.raises(ConversionError, match="saved by 2 ranks, only 1"):
        run(tmp_path, ckpt, gpt2_files)
    with open(os.path.join(ckpt, "latest_checkpointed_iteration.txt"), "w") as f:
        f.write("1000\n")
    with pytest.raises(ConversionError, match="names '1000'"):
        run(tmp_path, ckpt, gpt2_files)


def test_shape_mismatch(tmp_path, gpt2_files):
    state = random_state(**TINY)
    state["transformer.layers.1.mlp.dense_4h_to_h.weight"] = torch.zeros(64, 128)
    torch.save(state, tmp_path / "pytorch_model.bin")
    with pytest.raises(
        ConversionError, match=r"shape mismatch.*dense_4h_to_h.weight is \(64, 128\), expected \(64, 256\)"
    ):
        run(tmp_path, tmp_path / "pytorch_model.bin", gpt2_files)
    shards = megatron_split(random_state(**TINY), 2)
    shards[1]["transformer.final_layernorm.weight"] = torch.ones(32)
    os.makedirs(tmp_path / "mp" / "release")
    for r, s in enumerate(shards):
        torch.save({"module": s}, tmp_path / "mp" / "release" / f"mp_rank_{r:02d}_model_states.pt")
    (tmp_path / "mp" / "latest_checkpointed_iteration.txt").write_text("release")
    with pytest.raises(ConversionError, match="between model-parallel ranks for transformer.final_layernorm.weight"):
        run(tmp_path, tmp_path / "mp", gpt2_files)
    with pytest.raises(ConversionError, match="not divisible into 3 heads"):
        run(tmp_path, tmp_path / "pytorch_model.bin", gpt2_files, num_heads=3)


def test_vocabulary_size_mismatch(tmp_path, gpt2_files):
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), random_state(layers=1, hidden=64, vocab=512, positions=8))
    with pytest.raises(ConversionError, match="vocabulary size mismatch: the gpt2 tokenizer defines 302 ids.*512 rows"):
        run(tmp_path, ckpt, gpt2_files)
    small = write_thudm_folder(str(tmp_path / "small"), random_state(layers=1, hidden=64, vocab=256, positions=8))
    with pytest.raises(ConversionError, match="vocabulary size mismatch"):
        run(tmp_path, small, gpt2_files)


def test_wrong_family_and_files(tmp_path, gpt2_files):
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), random_state(**TINY))
    with pytest.raises(ConversionError, match="RoBERTa's vocab.json"):
        run(tmp_path, ckpt, gpt2_files, family="roberta")
    with pytest.raises(ConversionError, match="needs the vocabulary \\(vocab.txt\\)"):
        run(tmp_path, ckpt, gpt2_files, family="bert")
    with pytest.raises(ConversionError, match="cannot load SentencePiece"):
        run(tmp_path, ckpt, ["cog-pretrain.model"], family="chinese-sp")
    torch.save({"optimizer": {}}, tmp_path / "mp_rank_00_model_states.pt")
    with pytest.raises(ConversionError, match="has no 'module' entry"):
        run(tmp_path, tmp_path / "mp_rank_00_model_states.pt", gpt2_files)
    with pytest.raises(ConversionError, match="does not exist"):
        run(tmp_path, tmp_path / "nothing", gpt2_files)


def test_command_line(tmp_path, gpt2_files):
    ckpt = write_thudm_folder(str(tmp_path / "ckpt"), random_state(**TINY), ranks=2)
    cmd = [
        sys.executable,
        "-m",
        "models.glm.convert_thudm",
        "--checkpoint",
        ckpt,
        "--family",
        "gpt2",
        "--tokenizer-files",
        *gpt2_files,
        "--out",
        str(tmp_path / "out"),
        "--num-heads",
        "2",
    ]
    r = subprocess.run(cmd + ["--max-positions", "8"], cwd=ROOT_DIR, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "L=2 h=64 heads=2 V=384 S=8 fp32" in r.stdout
    r = subprocess.run(cmd + ["--max-positions", "99"], cwd=ROOT_DIR, capture_output=True, text=True)
    assert r.returncode == 1 and "error: --max-positions 99 must be in 1…32" in r.stderr
