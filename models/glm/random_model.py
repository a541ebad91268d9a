"""A GLM of a named THUDM shape with random weights (model.py's init), exported like a trained one: a model folder
for benchmarks of speed and memory, which do not depend on the weights' values. Nothing is downloaded.

    /usr/bin/python3 -m models.glm.random_model --shape glm-large --out runs/shapes/glm-large-int8 --int8 [--seed 0]

Shapes (L layers, h hidden, n heads, V vocabulary, S positions) are those of docs/glm.md §1.4; `default` is this
repository's shipped model (models/default/glm.json). The tokenizer is the shipped one (8,192 tokens, at most V):
its specials go into glm.json, and the rows above its size are never produced by it. The folder goes through
export.write_model_folder, so it is exactly the graph a converted or trained model of that shape would have.
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Dict, Optional

import torch

from .model import GLM, GLMConfig
from .tokenizer import BPETokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED_TOKENIZER = os.path.join(ROOT, "models", "default", "tokenizer.json")
# One protobuf message holds at most 2 GB, and write_model_folder writes (and quantizes) a single model.onnx.
PROTOBUF_LIMIT = 2**31


def shape(layers: int, hidden: int, heads: int, vocab: int, positions: int) -> GLMConfig:
    return GLMConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        max_sequence_length=positions,
        dropout=0.0,
    )


SHAPES: Dict[str, GLMConfig] = {
    "tiny": shape(2, 64, 4, 8192, 128),  # for tests and a quick look
    "default": shape(6, 384, 6, 8192, 512),  # models/default/glm.json
    "glm-base": shape(12, 768, 12, 30592, 512),  # GLM-Base (README download, BERT vocabulary)
    "glm-large": shape(24, 1024, 16, 30592, 512),  # THUDM/glm-large (BERT uncased WordPiece)
    "glm-roberta-large": shape(24, 1024, 16, 50304, 512),  # THUDM/glm-roberta-large (RoBERTa BPE)
    "glm-large-chinese": shape(24, 1024, 16, 50048, 1024),  # THUDM/glm-large-chinese (SentencePiece)
}


def fp32_bytes(config: GLMConfig) -> int:
    """Size of the fp32 weights without allocating them (GLM's parameter count, times 4)."""
    h, rows = config.hidden_size, config.max_sequence_length + 1
    per_layer = 12 * h * h + 13 * h  # QKV, dense, MLP weights; their biases and two LayerNorms
    return 4 * (config.vocab_size * h + 2 * rows * h + config.num_layers * per_layer + 2 * h)


def check_exportable(name: str, config: GLMConfig) -> None:
    size = fp32_bytes(config)
    if size >= PROTOBUF_LIMIT:
        raise ValueError(
            f"shape {name!r}: {size / 1e9:.2f} GB of fp32 weights, over protobuf's 2 GB limit for the single "
            "model.onnx that export.write_model_folder writes; pick a shape up to glm-large-chinese"
        )


def random_model(config: GLMConfig, seed: int) -> GLM:
    torch.manual_seed(seed)
    return GLM(config).eval()


def provenance(name: str, seed: int, int8: bool) -> dict:
    return {
        "trainedBy": "nobody: random weights (models.glm.random_model)",
        "randomWeights": True,
        "shape": name,
        "seed": seed,
        "note": (
            f"Random weights of the {name!r} shape (model.py's init, torch seed {seed}), exported through "
            f"models.glm.export.write_model_folder{' --int8' if int8 else ''}: for speed and memory benchmarks "
            "only; its fills are noise."
        ),
    }


def build(name: str, out_dir: str, int8: bool = False, seed: int = 0, tokenizer_path: Optional[str] = None) -> dict:
    """Writes the model folder `out_dir` for shape `name`; returns its glm.json."""
    from .export import write_model_folder

    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}: one of {', '.join(SHAPES)}")
    config = SHAPES[name]
    check_exportable(name, config)
    tokenizer = BPETokenizer.load(tokenizer_path or SHIPPED_TOKENIZER)
    if tokenizer.size > config.vocab_size:
        raise ValueError(
            f"the tokenizer has {tokenizer.size} tokens, more than shape {name!r}'s vocabulary of "
            f"{config.vocab_size}: pass a smaller --tokenizer"
        )
    model = random_model(config, seed)
    label = f"random-{name}{'-int8' if int8 else ''}"
    with torch.no_grad():
        return write_model_folder(model, tokenizer, out_dir, label, int8=int8, provenance=provenance(name, seed, int8))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", required=True, choices=sorted(SHAPES))
    ap.add_argument("--out", required=True, help="model folder to write (created)")
    ap.add_argument("--int8", action="store_true", help="int8 weights (export's default dynamic scheme)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tokenizer", help=f"tokenizer.json (default: {os.path.relpath(SHIPPED_TOKENIZER, ROOT)})")
    args = ap.parse_args()
    start = time.perf_counter()
    try:
        data = build(args.shape, args.out, args.int8, args.seed, args.tokenizer)
    except (ValueError, OSError) as error:  # a shape that cannot be built, a tokenizer that cannot be read
        ap.error(str(error))
    size = os.path.getsize(os.path.join(args.out, data["model"]))
    params = fp32_bytes(SHAPES[args.shape]) // 4
    print(
        f"wrote {args.out}: {args.shape}, {params / 1e6:.1f} M parameters, {data['weights']} model.onnx "
        f"{size / 1e6:.1f} MB in {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
