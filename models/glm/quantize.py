"""int8 weights for an exported GLM: a graph rewrite to ONNX Runtime's `com.microsoft.DynamicQuantizeMatMul`.

No quantizer package is installable here (no PyPI), so this rewrites the graph with the `onnx` package alone:
- every MatMul on a transposed weight `<name>.T` [K, N] → DynamicQuantizeMatMul with int8 symmetric
  per-column weights `<name>.T_int8` and scales `<name>.T_scale` [N];
- the tied embedding `word_embeddings.weight` [V, h] is stored once, int8 per row (`_int8`, `_scale` [V]):
  the input Gather dequantizes the rows it picks, and the output layer multiplies by its transpose (ONNX
  Runtime folds that constant Transpose once at session creation).
Biases, LayerNorms and position tables stay fp32 (they are small).

    /usr/bin/python3 -m models.glm.quantize in.onnx out.onnx
"""
from __future__ import annotations

import os
import sys
from typing import Dict, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

EMBEDDING = "word_embeddings.weight"


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
    kept = [i for i in graph.initializer if i.name not in drop]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(new_nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
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


def quantize_file(src: str, dst: str) -> None:
    model = quantize_model(onnx.load(src))
    onnx.checker.check_model(model)
    onnx.save(model, dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    before = os.path.getsize(sys.argv[1])
    quantize_file(sys.argv[1], sys.argv[2])
    print(f"{sys.argv[2]}: {before / 1e6:.2f} MB → {os.path.getsize(sys.argv[2]) / 1e6:.2f} MB")
