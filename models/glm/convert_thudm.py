"""Convert THUDM's released GLM checkpoints into an extension model folder (glm.json, model.onnx, tokenizer.json).

    /usr/bin/python3 -m models.glm.convert_thudm --checkpoint PATH --family gpt2|roberta|bert \\
        --tokenizer-files vocab.json merges.txt --out FOLDER [--int8] [--max-positions N] [--gelu tanh|erf]

--checkpoint is any of (docs/glm.md §10.2):
- an original THUDM folder: `latest_checkpointed_iteration.txt` names a tag (`release` or an iteration) and
  `<tag>/mp_rank_XX_model_states.pt` hold the weights under the key `module`; several model-parallel ranks are
  merged by THUDM's `change_mp.py` rules;
- a tag folder with `mp_rank_XX_model_states.pt` files, or one such file;
- a Hugging Face `pytorch_model.bin` (or its folder, also with a `pytorch_model.bin.index.json` of several
  files), keys with or without the `glm.` prefix.
fp16, bf16 and fp32 weights are all cast to fp32. Shapes give L, h, V and S; heads = h / 64 (every released
model has head dim 64; --num-heads overrides). The tokenizer family fixes the special-token ids (see
models/glm/thudm_tokenizers.py) and the blank kinds the model was trained with.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import torch

from .export import export_onnx, manifest, write_manifest
from .model import GLM, GLMConfig
from .thudm_tokenizers import ALL_KINDS, FAMILIES, ConvertedTokenizer, ThudmTokenizerError, convert_tokenizer

HEAD_DIM = 64  # every released GLM (docs/glm.md §1.4)
VOCAB_MULTIPLE = 128  # THUDM pads the vocabulary up to a multiple of 128
EXTERNAL_DATA = "model.onnx.data"
# Above this many bytes of fp32 weights the ONNX file would pass protobuf's 2 GB limit: weights go to
# EXTERNAL_DATA instead (glm-2b, glm-10b).
EXTERNAL_DATA_ABOVE = 1_800_000_000

STATE = Dict[str, torch.Tensor]
LAYER_KEY = re.compile(r"^transformer\.layers\.(\d+)\.(.+)$")
LAYER_PARTS = (
    "input_layernorm.weight",
    "input_layernorm.bias",
    "attention.query_key_value.weight",
    "attention.query_key_value.bias",
    "attention.dense.weight",
    "attention.dense.bias",
    "post_attention_layernorm.weight",
    "post_attention_layernorm.bias",
    "mlp.dense_h_to_4h.weight",
    "mlp.dense_h_to_4h.bias",
    "mlp.dense_4h_to_h.weight",
    "mlp.dense_4h_to_h.bias",
)
GLOBAL_KEYS = (
    "word_embeddings.weight",
    "transformer.position_embeddings.weight",
    "transformer.block_position_embeddings.weight",
    "transformer.final_layernorm.weight",
    "transformer.final_layernorm.bias",
)
# Backbone prefixes: none (THUDM `module`, HF re-saved module), `glm.` (saved from an HF model object),
# `model.` (THUDM's fine-tuning wrappers). Heads of fine-tuned wrappers are dropped (§10.2).
PREFIXES = ("", "glm.", "model.", "module.")
DROPPED_HEADS = ("pool_layer.", "multichoice_head.", "prompt_spell.")


class ConversionError(ValueError):
    pass


@dataclass
class Source:
    state: STATE
    layout: str  # "thudm" (original checkpoint) or "huggingface"
    shards: int
    dtype: str
    dropped: List[str] = field(default_factory=list)


# --- reading ----------------------------------------------------------------------------------------------------
def torch_load(path: str) -> dict:
    try:
        return torch.load(path, map_location="cpu")
    except ModuleNotFoundError as e:
        raise ConversionError(
            f"{path} pickles objects of the missing Python module {e.name!r} (DeepSpeed or "
            "apex state next to the weights); re-save only its 'module' entry where that "
            "module is installed: torch.save({'module': torch.load(p)['module']}, p)"
        ) from e


SHARD_NAME = re.compile(r"mp_rank_(\d+)_model_states\.pt$")


def shard_files(folder: str) -> List[str]:
    """mp_rank_00 … mp_rank_{k-1} in rank order; a gap (or a rank count recorded in rank 0) that the files do
    not match is an error, since a merge of an incomplete set would silently drop weights."""
    ranks = {}
    for path in glob.glob(os.path.join(folder, "mp_rank_*_model_states.pt")):
        ranks[int(SHARD_NAME.search(path).group(1))] = path
    if not ranks:
        raise ConversionError(f"{folder} has no mp_rank_XX_model_states.pt files")
    missing = [f"mp_rank_{r:02d}_model_states.pt" for r in range(max(ranks) + 1) if r not in ranks]
    if missing:
        raise ConversionError(
            f"{folder}: model-parallel shards missing: {', '.join(missing)} "
            f"(found ranks {sorted(ranks)}); all ranks are needed to merge the weights"
        )
    return [ranks[r] for r in sorted(ranks)]


def read_thudm_shards(folder: str) -> Source:
    files = shard_files(folder)
    checkpoints = [torch_load(f) for f in files]
    recorded = checkpoints[0].get("mp_world_size") if isinstance(checkpoints[0], dict) else None
    if isinstance(recorded, int) and recorded != len(files):
        raise ConversionError(
            f"{folder}: model-parallel shards missing: the checkpoint was saved by "
            f"{recorded} ranks, only {len(files)} mp_rank files are here"
        )
    states = []
    for path, ckpt in zip(files, checkpoints):
        if not isinstance(ckpt, dict) or not isinstance(ckpt.get("module"), dict):
            raise ConversionError(
                f"{path} has no 'module' entry: not a THUDM checkpoint "
                f"(top-level keys: {', '.join(map(str, ckpt)) if isinstance(ckpt, dict) else type(ckpt).__name__})"
            )
        states.append(ckpt["module"])
    return normalize([strip_prefix(s, path) for s, path in zip(states, files)], "thudm")


def read_hf(path: str) -> Source:
    if path.endswith(".index.json"):
        with open(path) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        state: STATE = {}
        for name in files:
            state.update(torch_load(os.path.join(os.path.dirname(path), name)))
    else:
        state = torch_load(path)
    if isinstance(state, dict) and isinstance(state.get("module"), dict):
        return normalize([strip_prefix(state["module"], path)], "thudm")
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ConversionError(f"{path} is neither a THUDM checkpoint (dict with 'module') nor a state dict")
    return normalize([strip_prefix(state, path)], "huggingface")


def read_checkpoint(path: str) -> Source:
    if os.path.isfile(path):
        if SHARD_NAME.search(path):
            return read_thudm_shards(os.path.dirname(path) or ".")
        return read_hf(path)
    if not os.path.isdir(path):
        raise ConversionError(f"checkpoint {path} does not exist")
    latest = os.path.join(path, "latest_checkpointed_iteration.txt")
    if os.path.isfile(latest):
        with open(latest) as f:
            tag = f.read().strip()
        folder = os.path.join(path, tag)
        if not os.path.isdir(folder):
            raise ConversionError(f"{latest} names {tag!r}, but {folder} does not exist")
        return read_thudm_shards(folder)
    if glob.glob(os.path.join(path, "mp_rank_*_model_states.pt")):
        return read_thudm_shards(path)
    for name in ("pytorch_model.bin", "pytorch_model.bin.index.json"):
        if os.path.isfile(os.path.join(path, name)):
            return read_hf(os.path.join(path, name))
    raise ConversionError(
        f"{path} holds no GLM checkpoint: expected latest_checkpointed_iteration.txt, "
        "mp_rank_XX_model_states.pt or pytorch_model.bin"
    )


def strip_prefix(state: STATE, where: str) -> STATE:
    """The backbone's keys without their prefix; fine-tuning heads are dropped, anything else is an error."""
    for prefix in PREFIXES:
        if prefix + "word_embeddings.weight" in state:
            break
    else:
        sample = ", ".join(list(state)[:6])
        raise ConversionError(
            f"{where}: unknown key layout, no word_embeddings.weight under any of the prefixes "
            f"{', '.join(repr(p) for p in PREFIXES)} (first keys: {sample}). This converter reads "
            "THUDM's GLM (glm-large … glm-10b), not GLM-130B or ChatGLM"
        )
    out, unknown = {}, []
    for key, tensor in state.items():
        if key.startswith(prefix):
            out[key[len(prefix) :]] = tensor
        elif not key.startswith(DROPPED_HEADS):
            unknown.append(key)
    if unknown:
        raise ConversionError(f"{where}: unknown key layout, keys outside the GLM backbone: {', '.join(unknown[:6])}")
    return out


def normalize(states: List[STATE], layout: str) -> Source:
    dtype = str(next(iter(states[0].values())).dtype).replace("torch.", "")
    merged = merge_shards(states) if len(states) > 1 else states[0]
    expected = set(GLOBAL_KEYS) | {
        f"transformer.layers.{i}.{p}" for i in range(num_layers(merged)) for p in LAYER_PARTS
    }
    missing, extra = sorted(expected - set(merged)), sorted(set(merged) - expected)
    if missing or extra:
        raise ConversionError(
            "unknown key layout: "
            + "; ".join(
                ([f"missing {', '.join(missing[:6])}"] if missing else [])
                + ([f"unexpected {', '.join(extra[:6])} (rotary or other keys of a different model?)"] if extra else [])
            )
        )
    # Kept in the stored dtype: load_state_dict casts into the fp32 model, without a second fp32 copy.
    return Source(merged, layout, len(states), dtype)


def num_layers(state: STATE) -> int:
    layers = {int(m.group(1)) for m in map(LAYER_KEY.match, state) if m}
    return max(layers) + 1 if layers else 0


# --- model-parallel merge (THUDM change_mp.py; docs/glm.md §10.2) -------------------------------------------------
def merge_shards(states: List[STATE]) -> STATE:
    keys = list(states[0])
    for rank, state in enumerate(states[1:], 1):
        if set(state) != set(keys):
            diff = sorted(set(state) ^ set(keys))
            raise ConversionError(f"model-parallel rank {rank} has other keys than rank 0: {', '.join(diff[:6])}")
    return {key: merge_key(key, [s[key] for s in states]) for key in keys}


def merge_key(key: str, parts: List[torch.Tensor]) -> torch.Tensor:
    shapes = [tuple(p.shape) for p in parts]
    if key.endswith("attention.query_key_value.weight") or key.endswith("attention.query_key_value.bias"):
        # Each rank holds [Q_r; K_r; V_r]: the full tensor is all Q parts, then all K parts, then all V parts.
        check_same(key, shapes, "every rank's fused QKV part")
        thirds = [p.chunk(3, dim=0) for p in parts]
        return torch.cat([t[i] for i in range(3) for t in thirds], dim=0)
    if key == "word_embeddings.weight" or ".mlp.dense_h_to_4h." in key:
        return cat_checked(key, parts, 0)  # split by output rows
    if key.endswith("attention.dense.weight") or key.endswith("mlp.dense_4h_to_h.weight"):
        return cat_checked(key, parts, 1)  # split by input columns
    check_same(key, shapes, "a replicated tensor")  # biases after the row split, LayerNorms, positions
    return parts[0]


def cat_checked(key: str, parts: List[torch.Tensor], dim: int) -> torch.Tensor:
    other = [tuple(s for d, s in enumerate(p.shape) if d != dim) for p in parts]
    check_same(key, other, f"the dimensions other than {dim}")
    return torch.cat(parts, dim=dim)


def check_same(key: str, shapes: Sequence[tuple], what: str) -> None:
    if len(set(shapes)) != 1:
        raise ConversionError(
            f"shape mismatch between model-parallel ranks for {key}: {what} must agree, "
            f"got {', '.join(map(str, shapes))}"
        )


# --- configuration and weights ------------------------------------------------------------------------------------
def infer_config(state: STATE, num_heads: Optional[int], gelu: str) -> GLMConfig:
    vocab, hidden = state["word_embeddings.weight"].shape
    rows = state["transformer.position_embeddings.weight"].shape[0]
    heads = num_heads or hidden // HEAD_DIM
    if heads < 1 or hidden % heads:
        raise ConversionError(
            f"hidden size {hidden} is not divisible into {heads} heads; "
            f"give --num-heads (released models use head dim {HEAD_DIM})"
        )
    config = GLMConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_layers=num_layers(state),
        num_heads=heads,
        max_sequence_length=rows - 1,
        dropout=0.0,
        gelu=gelu,
    )
    check_shapes(state, config)
    return config


def check_shapes(state: STATE, config: GLMConfig) -> None:
    expected = expected_shapes(config)
    wrong = [
        f"{k} is {tuple(state[k].shape)}, expected {shape}"
        for k, shape in expected.items()
        if tuple(state[k].shape) != shape
    ]
    if wrong:
        raise ConversionError(
            f"shape mismatch for L={config.num_layers} h={config.hidden_size} "
            f"V={config.vocab_size} S={config.max_sequence_length}: {'; '.join(wrong[:4])}"
        )


def expected_shapes(c: GLMConfig) -> Dict[str, tuple]:
    """Shapes of every key (docs/glm.md §10.1), without allocating a model of that size."""
    h, rows = c.hidden_size, c.max_sequence_length + 1
    shapes = {
        "word_embeddings.weight": (c.vocab_size, h),
        "transformer.position_embeddings.weight": (rows, h),
        "transformer.block_position_embeddings.weight": (rows, h),
        "transformer.final_layernorm.weight": (h,),
        "transformer.final_layernorm.bias": (h,),
    }
    per_layer = dict(
        zip(
            LAYER_PARTS,
            [(h,), (h,), (3 * h, h), (3 * h,), (h, h), (h,), (h,), (h,), (4 * h, h), (4 * h,), (h, 4 * h), (h,)],
        )
    )
    for i in range(c.num_layers):
        shapes.update({f"transformer.layers.{i}.{p}": s for p, s in per_layer.items()})
    return shapes


def limit_positions(state: STATE, config: GLMConfig, max_positions: Optional[int]) -> GLMConfig:
    """Keep position rows 0…N: a smaller S the layout then respects (and smaller tables)."""
    if max_positions is None or max_positions == config.max_sequence_length:
        return config
    if not 1 <= max_positions <= config.max_sequence_length:
        raise ConversionError(
            f"--max-positions {max_positions} must be in 1…{config.max_sequence_length} "
            "(the checkpoint's position tables have no rows beyond that)"
        )
    for key in ("transformer.position_embeddings.weight", "transformer.block_position_embeddings.weight"):
        state[key] = state[key][: max_positions + 1].clone()
    config.max_sequence_length = max_positions
    return config


def check_vocabulary(tok: ConvertedTokenizer, config: GLMConfig) -> None:
    v = config.vocab_size
    if not v - VOCAB_MULTIPLE < tok.size <= v:
        raise ConversionError(
            f"vocabulary size mismatch: the {tok.family} tokenizer defines {tok.size} ids, the checkpoint's "
            f"embedding has {v} rows (THUDM pads the tokenizer's size up to a multiple of {VOCAB_MULTIPLE}, "
            f"so {v} rows mean {v - VOCAB_MULTIPLE + 1}…{v} ids); wrong --family or tokenizer files for this "
            "checkpoint?"
        )


def load_glm(state: STATE, config: GLMConfig) -> GLM:
    model = GLM(config)
    model.load_state_dict(state)
    return model.eval()


def row_note(state: STATE, tok: ConvertedTokenizer) -> Optional[str]:
    """docs/glm.md §11.1: is the Hub's [MASK] id for glm-roberta-large backed by the same row as <mask>?"""
    emb = state["word_embeddings.weight"]
    mask, hub = tok.special.mask, tok.special.gmask
    if tok.family != "roberta" or hub >= emb.shape[0]:
        return None
    same = torch.equal(emb[mask], emb[hub])
    return f"embedding rows {mask} (<mask>, used as [MASK]) and {hub} (the Hub's [MASK]) are " + (
        "equal" if same else f"different (max |Δ| {float((emb[mask] - emb[hub]).abs().max()):.3g})"
    )


# --- export -------------------------------------------------------------------------------------------------------
def export_model(model: GLM, out: str, int8: bool, external: bool) -> Optional[str]:
    """model.onnx (and model.onnx.data when external) in `out`; returns the external data file name or None."""
    path = os.path.join(out, "model.onnx")
    if not external:
        export_onnx(model, path)
        if int8:
            from .quantize import quantize_file

            quantize_file(path, path)
        return None
    import onnx
    from .export import save_with_external_data
    from .quantize import quantize_model

    # torch writes one file per tensor beside a large export: export into a scratch folder, then gather all
    # weights into one data file in `out`.
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        export_onnx(model, os.path.join(scratch, "model.onnx"), external_data=EXTERNAL_DATA)
        graph = onnx.load(os.path.join(scratch, "model.onnx"))  # with its weights
    if int8:
        graph = quantize_model(graph)
    save_with_external_data(graph, path, EXTERNAL_DATA)
    return EXTERNAL_DATA


@dataclass
class Options:
    checkpoint: str
    family: str
    tokenizer_files: Sequence[str]
    out: str
    int8: bool = False
    num_heads: Optional[int] = None
    gelu: str = "tanh"
    max_positions: Optional[int] = None
    mask_kinds: Optional[Sequence[str]] = None
    name: Optional[str] = None
    external_data: Optional[bool] = None  # None: when the fp32 weights pass EXTERNAL_DATA_ABOVE


def convert(o: Options) -> dict:
    """Writes the model folder and returns its manifest (glm.json)."""
    try:
        tok = convert_tokenizer(o.family, o.tokenizer_files)  # first: cheap, and catches the wrong family early
    except ThudmTokenizerError as e:
        raise ConversionError(str(e)) from e
    source = read_checkpoint(o.checkpoint)
    config = infer_config(source.state, o.num_heads, o.gelu)
    check_vocabulary(tok, config)
    config = limit_positions(source.state, config, o.max_positions)
    kinds = tuple(o.mask_kinds or tok.mask_kinds)
    if not kinds or any(k not in ALL_KINDS for k in kinds):
        raise ConversionError(f"mask kinds {', '.join(kinds)}: each must be one of {', '.join(ALL_KINDS)}")
    notes = list(tok.notes) + [n for n in [row_note(source.state, tok)] if n]
    model = load_glm(source.state, config)
    del source.state  # the model holds its own copy; peak memory matters for glm-10b
    params = model.num_parameters()
    external = o.external_data if o.external_data is not None else params * 4 > EXTERNAL_DATA_ABOVE
    os.makedirs(o.out, exist_ok=True)
    external_file = export_model(model, o.out, o.int8, external)
    tok.save(os.path.join(o.out, "tokenizer.json"))
    name = o.name or os.path.basename(os.path.normpath(o.checkpoint))
    provenance = {
        "convertedFrom": os.path.basename(os.path.normpath(o.checkpoint)),
        "layout": source.layout,
        "modelParallelShards": source.shards,
        "sourceDtype": source.dtype,
        "tokenizerFamily": o.family,
        "parameters": params,
        "converter": "models.glm.convert_thudm",
        "notes": notes,
    }
    data = manifest(config, tok.special, name, "int8" if o.int8 else "fp32", kinds, provenance)
    data["externalData"] = external_file
    write_manifest(o.out, data)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="THUDM checkpoint folder, mp_rank file or pytorch_model.bin")
    ap.add_argument("--family", required=True, choices=FAMILIES, help="tokenizer family (docs/glm.md §4.1)")
    ap.add_argument(
        "--tokenizer-files",
        nargs="+",
        required=True,
        help="vocab.json + merges.txt (gpt2, roberta) or vocab.txt (bert), or their folder",
    )
    ap.add_argument("--out", required=True, help="model folder to write (point glmInfill.modelPath at it)")
    ap.add_argument("--int8", action="store_true", help="int8 weights (ONNX Runtime DynamicQuantizeMatMul)")
    ap.add_argument("--num-heads", type=int, help=f"attention heads (default: hidden size / {HEAD_DIM})")
    ap.add_argument(
        "--gelu",
        choices=("tanh", "erf"),
        default="tanh",
        help="tanh: THUDM's training code (default); erf: THUDM's Hugging Face port",
    )
    ap.add_argument("--max-positions", type=int, help="keep positions 0…N only (default: the checkpoint's S)")
    ap.add_argument(
        "--mask-kinds",
        help="comma-separated blank kinds the model knows "
        "(default: span for bert/roberta, span,sentence,document for gpt2)",
    )
    ap.add_argument("--name", help="model name in glm.json (default: the checkpoint's file name)")
    ap.add_argument(
        "--external-data",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="weights in model.onnx.data (default: when above ~1.8 GB, e.g. glm-2b, glm-10b)",
    )
    a = ap.parse_args()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    options = Options(
        a.checkpoint,
        a.family,
        a.tokenizer_files,
        a.out,
        a.int8,
        a.num_heads,
        a.gelu,
        a.max_positions,
        a.mask_kinds.split(",") if a.mask_kinds else None,
        a.name,
        a.external_data,
    )
    try:
        data = convert(options)
    except ConversionError as e:
        raise SystemExit(f"error: {e}")
    arch = data["architecture"]
    size = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out) if f.startswith("model.onnx"))
    print(
        f"wrote {a.out}: L={arch['numLayers']} h={arch['hiddenSize']} heads={arch['numHeads']} "
        f"V={arch['vocabSize']} S={arch['maxSequenceLength']} {data['weights']}, {size / 1e6:.1f} MB; "
        f"special tokens {json.dumps(data['specialTokens'])}"
    )
    for note in data["provenance"]["notes"]:
        print("note:", note)


if __name__ == "__main__":
    main()
