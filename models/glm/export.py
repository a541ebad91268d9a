"""ONNX export (opset 17) per docs/model-contract.md: one graph for prefill and decode, and the glm.json manifest.
Attention is fused into MultiHeadAttention with the appended K/V layout (fuse.py) unless `--unfused`.

    /usr/bin/python3 -m models.glm.export --checkpoint runs/x/ckpt.pt --tokenizer tok.json --out models/default \
        [--int8 [--scheme dynamic|nbits8|nbits4]]
"""
from __future__ import annotations

import argparse
import json
import os
from typing import List, Optional

import onnx
import torch
import torch.nn as nn

from .fuse import fuse_attention
from .model import GLM, GLMConfig
from .layout import SpecialTokens

MANIFEST_FORMAT = "glm-infill-model"
MANIFEST_VERSION = 1


class OnnxGLM(nn.Module):
    """Flat-argument wrapper: past/present K/V as separate tensors, logits only at `logit_positions`."""

    def __init__(self, model: GLM):
        super().__init__()
        self.model = model
        # A zero bias makes torch export the tied output layer as Gemm(transB=1) on the embedding itself,
        # instead of a constant-folded transposed copy that would store the embedding twice.
        self.register_buffer("output_bias", torch.zeros(model.config.vocab_size))

    def forward(self, input_ids, position_ids, attention_mask, logit_positions, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        hidden, present = self.model.hidden_states(input_ids, position_ids, attention_mask, past, final_layernorm=False)
        b, k = logit_positions.shape
        h, vocab = hidden.shape[-1], self.model.config.vocab_size
        picked = hidden.gather(1, logit_positions.unsqueeze(-1).expand(b, k, h))
        # flatten (ONNX Flatten) rather than reshape(-1, h): K = 0 (a prefill that wants no logits) must work.
        picked = self.model.transformer.final_layernorm(picked).flatten(0, 1)
        logits = torch.addmm(self.output_bias, picked, self.model.word_embeddings.weight.t())
        flat: List[torch.Tensor] = []
        for key, value in present:
            flat += [key, value]
        return (logits.reshape(b, k, vocab), *flat)


def io_names(num_layers: int, fused: bool = False):
    """Graph inputs and outputs: torch's export passes the whole K/V cache in and out (`past_*`/`present_*`); the
    fused graph takes the cache (`cache_*`) and returns only the new rows (`new_*`)."""
    given, returned = ("cache", "new") if fused else ("past", "present")
    inputs = ["input_ids", "position_ids", "attention_mask", "logit_positions"]
    outputs = ["logits"]
    for i in range(num_layers):
        inputs += [f"{given}_key_{i}", f"{given}_value_{i}"]
        outputs += [f"{returned}_key_{i}", f"{returned}_value_{i}"]
    return inputs, outputs


def export_onnx(model: GLM, path: str, external_data: Optional[str] = None, fused: bool = True) -> None:
    """Writes `path`; with `external_data` (a file name beside it) the weights go to that file instead, which
    models above protobuf's 2 GB limit need (glm-2b, glm-10b). `fused`: attention as MultiHeadAttention over an
    appended K/V cache (fuse.py), 2-3x faster decode; without, torch's own graph."""
    cfg = model.config
    model = model.eval().float()
    wrapper = OnnxGLM(model).eval()
    b, t, p = 1, 3, 2  # dummy past length > 0 so the concat path is traced; all axes dynamic
    dummy = [
        torch.zeros(b, t, dtype=torch.long),
        torch.zeros(b, 2, t, dtype=torch.long),
        torch.ones(b, 1, t, p + t),
        torch.tensor([[t - 1]], dtype=torch.long),
    ]
    for _ in range(cfg.num_layers):
        dummy += [torch.zeros(b, cfg.num_heads, p, cfg.head_dim)] * 2
    inputs, outputs = io_names(cfg.num_layers)
    axes = {
        "input_ids": {0: "batch", 1: "tokens"},
        "position_ids": {0: "batch", 2: "tokens"},
        "attention_mask": {0: "batch", 2: "tokens", 3: "total"},
        "logit_positions": {0: "batch", 1: "picked"},
        "logits": {0: "batch", 1: "picked"},
    }
    for name in inputs[4:]:
        axes[name] = {0: "batch", 2: "past"}
    for name in outputs[1:]:
        axes[name] = {0: "batch", 2: "total"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            tuple(dummy),
            path,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=17,
            do_constant_folding=True,
        )
    graph_model = onnx.load(path)
    name_initializers(graph_model, model.state_dict())
    allow_zero_logit_rows(graph_model)
    if fused:
        fuse_attention(graph_model)
    if external_data is not None:
        save_with_external_data(graph_model, path, external_data)
        return
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, path)


def save_with_external_data(graph_model: onnx.ModelProto, path: str, location: str) -> None:
    """All weights in one file `location` beside `path`, checked by path (which works above 2 GB)."""
    data_path = os.path.join(os.path.dirname(os.path.abspath(path)), location)
    if os.path.exists(data_path):
        os.remove(data_path)  # onnx appends to an existing data file
    onnx.save_model(
        graph_model,
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=location,
        size_threshold=1024,
    )
    onnx.checker.check_model(path)


def allow_zero_logit_rows(graph_model: onnx.ModelProto) -> None:
    """ONNX Reshape reads a 0 in the target shape as "keep that input dim" unless allowzero=1; the logits
    reshape to [B, K, V] must take K = 0 literally (a prefill that wants no logits)."""
    for node in graph_model.graph.node:
        if node.op_type == "Reshape" and "logits" in node.output:
            kept = [a for a in node.attribute if a.name != "allowzero"]
            del node.attribute[:]
            node.attribute.extend(kept + [onnx.helper.make_attribute("allowzero", 1)])


def name_initializers(graph_model: onnx.ModelProto, state: dict) -> None:
    """Give every weight initializer its THUDM parameter name (`<name>.T` when constant folding transposed it).

    torch names folded weights `onnx::MatMul_123`; stable names let `checkpoint.load_model` read an exported
    model's weights back (training resumes from the shipped model) and let the int8 rewrite find them.
    """
    import numpy as np
    from onnx import numpy_helper

    by_shape: dict = {}
    for key, tensor in state.items():
        array = tensor.detach().float().numpy()
        by_shape.setdefault(array.shape, []).append((key, array))
        if array.ndim == 2:
            by_shape.setdefault(array.T.shape, []).append((key + ".T", array.T))
    renames = {}
    for init in graph_model.graph.initializer:
        array = numpy_helper.to_array(init)
        for key, candidate in by_shape.get(array.shape, []):
            if array.dtype == np.float32 and np.array_equal(array, candidate):
                renames[init.name] = key.removeprefix("model.")
                break
    for init in graph_model.graph.initializer:
        init.name = renames.get(init.name, init.name)
    # torch merges initializers with equal values (fresh zero biases, unit LayerNorms); keep a named copy of
    # each merged one so every weight can be read back by name.
    present = {i.name.removesuffix(".T") for i in graph_model.graph.initializer}
    for key, tensor in state.items():
        name = key.removeprefix("model.")
        if name not in present:
            graph_model.graph.initializer.append(numpy_helper.from_array(tensor.detach().float().numpy(), name))
    for node in graph_model.graph.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]


def manifest(
    cfg: GLMConfig,
    special: SpecialTokens,
    name: str,
    weights: str = "fp32",
    mask_kinds=("span", "sentence", "document"),
    provenance: Optional[dict] = None,
) -> dict:
    return {
        "format": MANIFEST_FORMAT,
        "formatVersion": MANIFEST_VERSION,
        "name": name,
        "architecture": {
            "vocabSize": cfg.vocab_size,
            "hiddenSize": cfg.hidden_size,
            "numLayers": cfg.num_layers,
            "numHeads": cfg.num_heads,
            "headDim": cfg.head_dim,
            "maxSequenceLength": cfg.max_sequence_length,
            "gelu": cfg.gelu,
        },
        "tokenizer": "tokenizer.json",
        "model": "model.onnx",
        "externalData": None,
        "weights": weights,
        "specialTokens": special.to_manifest(),
        "maskKinds": list(mask_kinds),
        "provenance": provenance or {},
    }


def write_model_folder(
    model: GLM,
    tokenizer,
    out_dir: str,
    name: str,
    int8: bool = False,
    mask_kinds=("span", "sentence", "document"),
    provenance: Optional[dict] = None,
    scheme: str = "dynamic",
    fused: bool = True,
) -> dict:
    """`int8`: quantize the weights by `scheme` (quantize.py: dynamic = DynamicQuantizeMatMul, nbits8 / nbits4 =
    MatMulNBits blocks of 128 inputs). `fused`: see export_onnx."""
    from .quantize import WEIGHTS_LABEL, quantize_file

    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    export_onnx(model, onnx_path, fused=fused)
    if int8:
        quantize_file(onnx_path, onnx_path, scheme)
    tokenizer.save(os.path.join(out_dir, "tokenizer.json"))
    weights = WEIGHTS_LABEL[scheme] if int8 else "fp32"
    data = manifest(model.config, tokenizer.special(), name, weights, mask_kinds, provenance)
    write_manifest(out_dir, data)
    return data


def write_manifest(out_dir: str, data: dict) -> None:
    with open(os.path.join(out_dir, "glm.json"), "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def main() -> None:
    from .checkpoint import load_model
    from .tokenizer import BPETokenizer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="training checkpoint (.pt) or a model folder")
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="glm-infill")
    ap.add_argument("--int8", action="store_true", help="int8 weights (ONNX Runtime DynamicQuantizeMatMul)")
    ap.add_argument(
        "--scheme",
        choices=("dynamic", "nbits8", "nbits4"),
        default="dynamic",
        help="with --int8: dynamic (DynamicQuantizeMatMul), nbits8 or nbits4 (MatMulNBits; see quantize.py)",
    )
    ap.add_argument(
        "--unfused",
        action="store_true",
        help="keep torch's attention graph and the past/present K/V layout (slower; for comparisons)",
    )
    args = ap.parse_args()
    model, extra = load_model(args.checkpoint)
    tokenizer = BPETokenizer.load(args.tokenizer)
    provenance = extra.get("provenance")
    data = write_model_folder(
        model,
        tokenizer,
        args.out,
        args.name,
        args.int8,
        provenance=provenance,
        scheme=args.scheme,
        fused=not args.unfused,
    )
    size = os.path.getsize(os.path.join(args.out, "model.onnx"))
    print(f"wrote {args.out}: {data['weights']} model.onnx {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
