"""Quantized weights for an exported GLM: a graph rewrite to ONNX Runtime contrib ops, with the `onnx` package alone
(no quantizer package is installable here: no PyPI). Three schemes:

`dynamic` (the default; `com.microsoft.DynamicQuantizeMatMul`): int8 weights, and each matmul's input quantized
with one scale for the whole pass, so tokens of one pass change each other's logits (no lookup drafting):
- every MatMul on a transposed weight `<name>.T` [K, N] → DynamicQuantizeMatMul with int8 symmetric
  per-column weights `<name>.T_int8` and scales `<name>.T_scale` [N];
- the tied embedding `word_embeddings.weight` [V, h] is stored once, int8 per row (`_int8`, `_scale` [V]):
  the input Gather dequantizes the rows it picks, and the output layer multiplies by its transpose (ONNX
  Runtime folds that constant Transpose once at session creation).

`nbits8` / `nbits4` (`com.microsoft.MatMulNBits`, bits = 8 or 4): each weight as codes q + 2^(bits-1), q
symmetric, with one fp32 scale per block of `block_size` inputs of each output feature:
- every MatMul on `<name>.T` [K, N] → MatMulNBits on `<name>_q8` (or `_q4`) [N, K / block, block × bits / 8] and
  `<name>_q8_scale` [N, K / block] (the torch layout [out, in], blocked);
- the output layer is a MatMulNBits on the tied embedding's blocks; the input Gather reads rows of its 8-bit blocks
  and dequantizes them (nbits4 stores the embedding twice: 8-bit rows in, 4-bit blocks out).
nbits8 computes int8 products (accuracy_level 4; ONNX Runtime has no fast fp32 kernel for 8-bit weights): each row
of the activations is quantized on its own, but a last-bit difference between a row computed in a wider pass and
alone (attention sums in another order) still flips a rounding now and then, so drafting would not be exact.
nbits4 computes fp32 products (accuracy_level 0): rows are independent up to fp32 rounding, and lookup drafting
applies (src/glm/drafting.ts decides from these operators).
Biases, LayerNorms and position tables stay fp32 (they are small).

    /usr/bin/python3 -m models.glm.quantize in.onnx out.onnx [--scheme dynamic|nbits8|nbits4] [--block-size 128]
    /usr/bin/python3 -m models.glm.quantize --folder FP32_FOLDER OUT_FOLDER --scheme nbits4 --block-size 32
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
from typing import Dict, List, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .fuse import fold_biases

EMBEDDING = "word_embeddings.weight"
SCHEMES = ("dynamic", "nbits8", "nbits4")
NBITS = (4, 8)
# MatMulNBits block sizes ONNX Runtime's CPU kernels take (a power of two, at least 16).
BLOCK_SIZES = (16, 32, 64, 128, 256)


def quantize_columns(w: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per column of w [K, N] (one scale per output feature)."""
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def quantize_model(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    inits: Dict[str, onnx.TensorProto] = {i.name: i for i in graph.initializer}
    new_nodes, drop = [], set()
    for node in graph.node:
        weight = node.input[1] if len(node.input) > 1 else ""
        if node.op_type == "MatMul" and weight.endswith(".T") and weight in inits:
            q, scale = quantize_columns(numpy_helper.to_array(inits[weight]))
            graph.initializer.extend(
                [numpy_helper.from_array(q, weight + "_int8"), numpy_helper.from_array(scale, weight + "_scale")]
            )
            drop.add(weight)
            new_nodes.append(
                helper.make_node(
                    "DynamicQuantizeMatMul",
                    [node.input[0], weight + "_int8", weight + "_scale"],
                    list(node.output),
                    name=node.name + "_int8",
                    domain="com.microsoft",
                )
            )
        elif node.op_type == "Gather" and node.input[0] == EMBEDDING:
            new_nodes += dequantized_gather(node)
        elif node.op_type == "Gemm" and weight == EMBEDDING:
            new_nodes += quantized_output_layer(node)
        else:
            new_nodes.append(node)
    if EMBEDDING in inits:
        w = numpy_helper.to_array(inits[EMBEDDING])
        q, scale = quantize_columns(w.T)  # per row of w = per column of its transpose
        graph.initializer.extend(
            [
                numpy_helper.from_array(np.ascontiguousarray(q.T), EMBEDDING + "_int8"),
                numpy_helper.from_array(scale, EMBEDDING + "_scale"),
            ]
        )
        drop.add(EMBEDDING)
    replace_graph(model, new_nodes, drop, [])
    fold_biases(model)
    return model


def dequantized_gather(node: onnx.NodeProto):
    ids, out = node.input[1], node.output[0]
    p = node.name or "embedding"
    return [
        helper.make_node(
            "Constant",
            [],
            [p + "_axis"],
            value=numpy_helper.from_array(np.array([-1], np.int64)),
            name=p + "_axis_const",
        ),
        helper.make_node("Gather", [EMBEDDING + "_int8", ids], [p + "_rows_int8"], name=p + "_rows"),
        helper.make_node("Cast", [p + "_rows_int8"], [p + "_rows_f"], to=onnx.TensorProto.FLOAT, name=p + "_cast"),
        helper.make_node("Gather", [EMBEDDING + "_scale", ids], [p + "_scales"], name=p + "_scales"),
        helper.make_node("Unsqueeze", [p + "_scales", p + "_axis"], [p + "_scales_col"], name=p + "_unsq"),
        helper.make_node("Mul", [p + "_rows_f", p + "_scales_col"], [out], name=p + "_dequant"),
    ]


def quantized_output_layer(node: onnx.NodeProto):
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attrs.get("transB") != 1 or attrs.get("transA", 0) != 0:
        raise ValueError(f"unexpected Gemm layout for the output layer: {attrs}")
    p = node.name or "output"
    nodes = [
        helper.make_node("Transpose", [EMBEDDING + "_int8"], [p + "_wT"], perm=[1, 0], name=p + "_transpose"),
        helper.make_node(
            "DynamicQuantizeMatMul",
            [node.input[0], p + "_wT", EMBEDDING + "_scale"],
            [p + "_mm"],
            name=p + "_int8",
            domain="com.microsoft",
        ),
    ]
    if len(node.input) > 2 and node.input[2]:
        nodes.append(helper.make_node("Add", [p + "_mm", node.input[2]], list(node.output), name=p + "_bias"))
    else:
        nodes.append(helper.make_node("Identity", [p + "_mm"], list(node.output), name=p + "_out"))
    return nodes


def quantize_blocks(w: np.ndarray, block_size: int, bits: int = 8) -> Tuple[np.ndarray, np.ndarray]:
    """w [N, K] (torch layout) → MatMulNBits' B: uint8 [N, K / block, block × bits / 8] (codes q + 2^(bits-1), two
    4-bit codes a byte, the lower first) and fp32 scales [N, K / block]: symmetric per block of `block_size` inputs of
    each output feature, q in [-(2^(bits-1) - 1), 2^(bits-1) - 1]."""
    n, k = w.shape
    if bits not in NBITS:
        raise ValueError(f"{bits} bits: MatMulNBits here takes {NBITS}")
    if block_size not in BLOCK_SIZES:
        raise ValueError(f"block size {block_size}: MatMulNBits takes one of {BLOCK_SIZES}")
    if k % block_size:
        raise ValueError(f"a weight with {k} inputs does not split into blocks of {block_size}; pick a divisor of {k}")
    top, zero = 2 ** (bits - 1) - 1, 2 ** (bits - 1)
    blocks = w.reshape(n, k // block_size, block_size).astype(np.float32)
    scale = np.abs(blocks).max(axis=2) / top
    scale[scale == 0] = 1.0
    codes = (np.clip(np.rint(blocks / scale[:, :, None]), -top, top) + zero).astype(np.uint8)
    if bits == 4:
        codes = codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)
    return codes, scale.astype(np.float32)


def dequantize_blocks(codes: np.ndarray, scale: np.ndarray, bits: int = 8) -> np.ndarray:
    """The inverse of quantize_blocks: [N, K] fp32."""
    if bits == 4:
        codes = np.stack([codes & 15, codes >> 4], axis=-1).reshape(codes.shape[0], codes.shape[1], -1)
    zero = 2 ** (bits - 1)
    return ((codes.astype(np.float32) - zero) * scale[:, :, None]).reshape(codes.shape[0], -1)


def nbits_node(a: str, weight: str, out: str, shape: Tuple[int, int], bits: int, block_size: int, name: str):
    n, k = shape
    return helper.make_node(
        "MatMulNBits",
        [a, f"{weight}_q{bits}", f"{weight}_q{bits}_scale"],
        [out],
        name=name,
        domain="com.microsoft",
        K=k,
        N=n,
        bits=bits,
        block_size=block_size,
        # 8 bits: int8 products (activations quantized per row and block; ONNX Runtime has no fast fp32 kernel for
        # 8-bit weights). 4 bits: fp32 products, so each row of a pass is computed as it would be alone.
        accuracy_level=4 if bits == 8 else 0,
    )


def quantize_model_nbits(model: onnx.ModelProto, bits: int = 8, block_size: int = 128) -> onnx.ModelProto:
    graph = model.graph
    inits: Dict[str, onnx.TensorProto] = {i.name: i for i in graph.initializer}
    new_nodes: List[onnx.NodeProto] = []
    drop, added = set(), []
    for node in graph.node:
        weight = node.input[1] if len(node.input) > 1 else ""
        if node.op_type == "MatMul" and weight.endswith(".T") and weight in inits:
            name = weight.removesuffix(".T")
            w = numpy_helper.to_array(inits[weight]).T  # [N, K]
            added += blocked_initializers(name, w, bits, block_size)
            drop.add(weight)
            new_nodes.append(
                nbits_node(node.input[0], name, node.output[0], w.shape, bits, block_size, node.name + "_q")
            )
        elif node.op_type == "Gather" and node.input[0] == EMBEDDING:
            new_nodes += dequantized_block_gather(node, tuple(inits[EMBEDDING].dims)[1])
        elif node.op_type == "Gemm" and weight == EMBEDDING:
            new_nodes += nbits_output_layer(node, tuple(inits[EMBEDDING].dims), bits, block_size)
        else:
            new_nodes.append(node)
    if EMBEDDING in inits:
        embedding = numpy_helper.to_array(inits[EMBEDDING])
        # The input rows are always read from 8-bit codes; a 4-bit output layer gets its own 4-bit copy.
        added += blocked_initializers(EMBEDDING, embedding, 8, block_size)
        if bits != 8:
            added += blocked_initializers(EMBEDDING, embedding, bits, block_size)
        drop.add(EMBEDDING)
    replace_graph(model, new_nodes, drop, added)
    return model


def blocked_initializers(name: str, w: np.ndarray, bits: int, block_size: int) -> List[onnx.TensorProto]:
    codes, scale = quantize_blocks(w, block_size, bits)
    return [numpy_helper.from_array(codes, f"{name}_q{bits}"), numpy_helper.from_array(scale, f"{name}_q{bits}_scale")]


def replace_graph(model: onnx.ModelProto, nodes, drop: set, added: List[onnx.TensorProto]) -> None:
    """The graph's nodes become `nodes`, its weights lose `drop` and gain `added`; the contrib opset is declared."""
    graph = model.graph
    kept = [i for i in graph.initializer if i.name not in drop] + added
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def dequantized_block_gather(node: onnx.NodeProto, hidden: int):
    """Rows of 8-bit codes [.., K / block, block] and their scales → (code - 128) × scale, as [.., hidden]."""
    ids, out = node.input[1], node.output[0]
    p = node.name or "embedding"

    def const(suffix: str, value: np.ndarray) -> onnx.NodeProto:
        return helper.make_node(
            "Constant", [], [p + suffix], value=numpy_helper.from_array(value), name=p + suffix + "_const"
        )

    return [
        const("_axis", np.array([-1], np.int64)),
        const("_zero", np.array(128, np.float32)),
        const("_shape", np.array([0, 0, hidden], np.int64)),  # 0: keep batch and tokens (allowzero = 0)
        helper.make_node("Gather", [EMBEDDING + "_q8", ids], [p + "_codes"], name=p + "_codes"),
        helper.make_node("Cast", [p + "_codes"], [p + "_codes_f"], to=onnx.TensorProto.FLOAT, name=p + "_cast"),
        helper.make_node("Sub", [p + "_codes_f", p + "_zero"], [p + "_q"], name=p + "_centre"),
        helper.make_node("Gather", [EMBEDDING + "_q8_scale", ids], [p + "_scales"], name=p + "_scales"),
        helper.make_node("Unsqueeze", [p + "_scales", p + "_axis"], [p + "_scales_col"], name=p + "_unsq"),
        helper.make_node("Mul", [p + "_q", p + "_scales_col"], [p + "_rows"], name=p + "_dequant"),
        helper.make_node("Reshape", [p + "_rows", p + "_shape"], [out], name=p + "_rows_flat"),
    ]


def nbits_output_layer(node: onnx.NodeProto, shape: Tuple[int, int], bits: int, block_size: int):
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attrs.get("transB") != 1 or attrs.get("transA", 0) != 0:
        raise ValueError(f"unexpected Gemm layout for the output layer: {attrs}")
    p = node.name or "output"
    nodes = [nbits_node(node.input[0], EMBEDDING, p + "_mm", shape, bits, block_size, p + "_q")]
    if len(node.input) > 2 and node.input[2]:
        nodes.append(helper.make_node("Add", [p + "_mm", node.input[2]], list(node.output), name=p + "_bias"))
    else:
        nodes.append(helper.make_node("Identity", [p + "_mm"], list(node.output), name=p + "_out"))
    return nodes


def quantize_file(src: str, dst: str, scheme: str = "dynamic", block_size: int = 128) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown int8 scheme {scheme!r}: one of {', '.join(SCHEMES)}")
    loaded = onnx.load(src)
    model = quantize_model(loaded) if scheme == "dynamic" else quantize_model_nbits(loaded, int(scheme[5:]), block_size)
    onnx.checker.check_model(model)
    onnx.save(model, dst)


WEIGHTS_LABEL = {"dynamic": "int8", "nbits8": "nbits8", "nbits4": "nbits4"}


def quantize_folder(src: str, dst: str, scheme: str = "dynamic", block_size: int = 128) -> None:
    """A model folder (glm.json, tokenizer.json, model.onnx with its weights inside) quantized into `dst`."""
    with open(os.path.join(src, "glm.json")) as f:
        manifest = json.load(f)
    if manifest.get("externalData"):
        raise ValueError(f"{src}: weights in an external data file; quantize the fp32 export before splitting it")
    if manifest.get("weights") != "fp32":
        raise ValueError(f"{src}: weights are {manifest.get('weights')!r}; quantize an fp32 model folder")
    os.makedirs(dst, exist_ok=True)
    quantize_file(os.path.join(src, manifest["model"]), os.path.join(dst, manifest["model"]), scheme, block_size)
    shutil.copyfile(os.path.join(src, manifest["tokenizer"]), os.path.join(dst, manifest["tokenizer"]))
    manifest["weights"] = WEIGHTS_LABEL[scheme]
    manifest["name"] = f"{manifest['name']} ({manifest['weights']})"
    provenance = manifest.setdefault("provenance", {})
    provenance["quantized"] = f"models.glm.quantize --scheme {scheme} --block-size {block_size} from {src}"
    with open(os.path.join(dst, "glm.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="model.onnx, or with --folder a model folder")
    ap.add_argument("dst")
    ap.add_argument("--scheme", choices=SCHEMES, default="dynamic")
    ap.add_argument("--block-size", type=int, default=128, help="nbits: inputs per scale (16–256, a power of 2)")
    ap.add_argument("--folder", action="store_true", help="src and dst are model folders (glm.json, tokenizer.json)")
    args = ap.parse_args()
    if args.folder:
        quantize_folder(args.src, args.dst, args.scheme, args.block_size)
        before, after = os.path.join(args.src, "model.onnx"), os.path.join(args.dst, "model.onnx")
    else:
        quantize_file(args.src, args.dst, args.scheme, args.block_size)
        before, after = args.src, args.dst
    print(f"{after}: {os.path.getsize(before) / 1e6:.2f} MB → {os.path.getsize(after) / 1e6:.2f} MB ({args.scheme})")


if __name__ == "__main__":
    main()
