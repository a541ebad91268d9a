"""Fused attention and an appended K/V cache: the graph the extension runs by default.

    /usr/bin/python3 -m models.glm.fuse models/default/model.onnx [--out fused.onnx]

torch's export spells attention out in about 45 small nodes per layer (shape arithmetic, head splits, the K/V
concat, scores, mask, softmax, merge) and returns the whole K/V cache from every step ([B, H, P+T, D] per layer),
which the caller copies back in at the next. On a one-token decode step both dominate: ~280 kernels, and the cache
copied out, allocated and freed at every token (docs/decoding.md, "Profile").

This rewrite makes each layer's attention one `com.microsoft` MultiHeadAttention node over the concatenation of the
cache and the new rows, and changes the cache contract: inputs `cache_key_i`/`cache_value_i` [B, P, H*D], outputs
`new_key_i`/`new_value_i` [B, T, H*D], only the new tokens' rows; the caller appends them to the cache it keeps
(src/glm/kvcache.ts). The mask becomes one additive bias shared by all layers (0 where attention is allowed, -65504
where not): for every row with something to attend to, adding -65504 and setting -65504 give the same probabilities.

It works on any export of model.py (fp32, int8 dynamic, MatMulNBits), keyed by the names torch gives the attention
scope (`/layers.{i}/attention/`); weights are not touched, so a shipped int8 model is rewritten without its
checkpoint. A graph it does not recognise is left as it is, with the reason.
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Dict, List, Set, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .model import MASKED_SCORE

CONTRIB = "com.microsoft"
BIAS = "attention_bias"


class NotFusable(Exception):
    """The graph is not an attention layout this rewrite knows; the reason says which part is missing."""


def is_fused(model: onnx.ModelProto) -> bool:
    return any(n.op_type == "MultiHeadAttention" and n.domain == CONTRIB for n in model.graph.node)


def fuse_attention(model: onnx.ModelProto) -> int:
    """Rewrites `model` in place; returns the number of layers fused (0 if it already was)."""
    if is_fused(model):
        return 0
    graph = model.graph
    num_layers = sum(1 for o in graph.output if o.name.startswith("present_key_"))
    if num_layers == 0:
        raise NotFusable("the graph has no present_key_* outputs")
    is_masked = masked_tensor(graph)
    num_heads, head_size = heads_and_width(graph)
    removed: Set[int] = set()
    new_nodes: List[onnx.NodeProto] = [bias_node(graph, is_masked)]
    for i in range(num_layers):
        layer_removed, attention = fuse_layer(graph, i, num_heads, num_heads * head_size)
        removed |= layer_removed
        new_nodes += attention
    appended_io(graph, num_layers, num_heads * head_size)
    orphans = {name for k in removed for name in graph.node[k].input}
    kept = [n for k, n in enumerate(graph.node) if k not in removed]
    check_no_dangling(kept, new_nodes, graph)
    del graph.node[:]
    graph.node.extend(ordered(live(kept + new_nodes, graph), graph))
    drop_unused_initializers(graph, orphans)
    if not any(o.domain == CONTRIB for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(CONTRIB, 1))
    return num_layers


def masked_tensor(graph: onnx.GraphProto) -> str:
    """The output of `attention_mask == 0` (model.py computes it once for all layers)."""
    for node in graph.node:
        if node.op_type == "Equal" and "attention_mask" in node.input:
            return node.output[0]
    raise NotFusable("no Equal node on attention_mask")


def heads_and_width(graph: onnx.GraphProto) -> Tuple[int, int]:
    """Heads H and head size D from past_key_0 [B, H, P, D] (static in every export)."""
    for value in graph.input:
        if value.name == "past_key_0":
            dims = value.type.tensor_type.shape.dim
            if len(dims) == 4 and dims[1].HasField("dim_value") and dims[3].HasField("dim_value"):
                return dims[1].dim_value, dims[3].dim_value
    raise NotFusable("past_key_0 is not [B, H, P, D] with static H and D")


def bias_node(graph: onnx.GraphProto, is_masked: str) -> onnx.NodeProto:
    masked = numpy_helper.from_array(np.array(MASKED_SCORE, dtype=np.float32), "attention_bias_masked")
    allowed = numpy_helper.from_array(np.array(0.0, dtype=np.float32), "attention_bias_allowed")
    graph.initializer.extend([masked, allowed])
    return helper.make_node("Where", [is_masked, masked.name, allowed.name], [BIAS], name="/attention_bias/Where")


def fuse_layer(graph: onnx.GraphProto, i: int, num_heads: int, hidden: int):
    """The indices of layer i's attention nodes, and the nodes that replace them: Split of the QKV projection, the
    cache's rows and the new ones concatenated, one MultiHeadAttention."""
    scope = f"/layers.{i}/attention/"
    qkv = f"{scope}query_key_value/Add_output_0"
    producers = {out: k for k, n in enumerate(graph.node) for out in n.output}
    if qkv not in producers:
        raise NotFusable(f"no {qkv}")
    dense_input = attention_output(graph, scope)
    removed = scope_nodes(graph, producers, [dense_input, f"present_key_{i}", f"present_value_{i}"], scope)
    # A Constant node, not an initializer: onnxruntime must read the sizes while loading, and an initializer may be
    # moved to an external data file (large models), where shape inference cannot see it.
    sizes = f"{scope}fused/split_sizes"
    q, k, v = f"{scope}fused/query", f"new_key_{i}", f"new_value_{i}"
    keys, values = f"{scope}fused/keys", f"{scope}fused/values"
    nodes = [
        helper.make_node(
            "Constant",
            [],
            [sizes],
            name=f"{scope}fused/SplitSizes",
            value=numpy_helper.from_array(np.array(3 * [hidden], dtype=np.int64)),
        ),
        helper.make_node("Split", [qkv, sizes], [q, k, v], name=f"{scope}fused/Split", axis=-1),
        helper.make_node("Concat", [f"cache_key_{i}", k], [keys], name=f"{scope}fused/ConcatKeys", axis=1),
        helper.make_node("Concat", [f"cache_value_{i}", v], [values], name=f"{scope}fused/ConcatValues", axis=1),
        helper.make_node(
            "MultiHeadAttention",
            [q, keys, values, "", "", BIAS],
            [dense_input],
            name=f"{scope}fused/MultiHeadAttention",
            domain=CONTRIB,
            num_heads=num_heads,
        ),
    ]
    return removed, nodes


def appended_io(graph: onnx.GraphProto, num_layers: int, hidden: int) -> None:
    """past_*/present_* [B, H, P(+T), D] become cache_*/new_* [B, P or T, H*D]: the graph returns only the new
    tokens' rows, and the caller keeps the cache (kvcache.ts), so no step copies the whole cache out and back."""
    float32 = onnx.TensorProto.FLOAT
    inputs = [v for v in graph.input if not v.name.startswith("past_")]
    outputs = [v for v in graph.output if not v.name.startswith("present_")]
    for i in range(num_layers):
        for part in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"cache_{part}_{i}", float32, ["batch", "past", hidden]))
            outputs.append(helper.make_tensor_value_info(f"new_{part}_{i}", float32, ["batch", "tokens", hidden]))
    del graph.input[:]
    graph.input.extend(inputs)
    del graph.output[:]
    graph.output.extend(outputs)


def attention_output(graph: onnx.GraphProto, scope: str) -> str:
    """The tensor the dense projection reads: its one input that comes from the attention scope."""
    dense = scope + "dense/"
    for node in graph.node:
        if node.output and node.output[0].startswith(dense):
            for name in node.input:
                if name.startswith(scope) and not name.startswith(dense):
                    return name
    raise NotFusable(f"no input of {dense} from {scope}")


def scope_nodes(graph: onnx.GraphProto, producers: Dict[str, int], sinks: List[str], scope: str) -> Set[int]:
    """Every node of the scope that the sinks depend on, walking back until the scope's inputs."""
    keep = scope + "query_key_value/"
    found: Set[int] = set()
    stack = list(sinks)
    while stack:
        k = producers.get(stack.pop())
        if k is None or k in found:
            continue
        node = graph.node[k]
        inside = all(o.startswith(scope) and not o.startswith(keep) for o in node.output) or set(node.output) & set(
            sinks
        )
        if inside:
            found.add(k)
            stack.extend(node.input)
    return found


def check_no_dangling(kept: List[onnx.NodeProto], added: List[onnx.NodeProto], graph: onnx.GraphProto) -> None:
    available = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    for node in kept + added:
        available.update(node.output)
    for node in kept + added:
        missing = [name for name in node.input if name not in available]
        if missing:
            raise NotFusable(f"{node.name or node.op_type} would read removed tensors {missing}")


def ordered(nodes: List[onnx.NodeProto], graph: onnx.GraphProto) -> List[onnx.NodeProto]:
    """Topological order (ONNX requires it)."""
    ready = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    waiting: Dict[str, List[int]] = defaultdict(list)
    missing = []
    for k, node in enumerate(nodes):
        need = {name for name in node.input if name not in ready}
        missing.append(need)
        for name in need:
            waiting[name].append(k)
    queue = [k for k, need in enumerate(missing) if not need]
    out = []
    while queue:
        k = queue.pop(0)
        out.append(nodes[k])
        for name in nodes[k].output:
            for j in waiting.pop(name, []):
                missing[j].discard(name)
                if not missing[j]:
                    queue.append(j)
    if len(out) != len(nodes):
        raise NotFusable("the rewritten graph has a cycle or an unproduced input")
    return out


def live(nodes: List[onnx.NodeProto], graph: onnx.GraphProto) -> List[onnx.NodeProto]:
    """The nodes some graph output depends on (the removed scopes leave their shape constants behind)."""
    producer = {out: node for node in nodes for out in node.output}
    needed: Set[int] = set()
    stack = [o.name for o in graph.output]
    while stack:
        node = producer.get(stack.pop())
        if node is not None and id(node) not in needed:
            needed.add(id(node))
            stack.extend(node.input)
    return [n for n in nodes if id(n) in needed]


def drop_unused_initializers(graph: onnx.GraphProto, candidates: Set[str]) -> None:
    """Drops the constants only the removed nodes read (the named weight copies export.py keeps stay)."""
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used or init.name not in candidates]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def fold_biases(model: onnx.ModelProto) -> int:
    """`DynamicQuantizeMatMul` then `Add(bias)` becomes one DynamicQuantizeMatMul with its bias input: one kernel
    less per projection (24 of a decode step's ~130 in the shipped model). Returns how many were folded."""
    graph = model.graph
    vectors = {i.name for i in graph.initializer if len(i.dims) == 1}
    # torch stores equal weights once (fresh zero biases) and reads the copies through Identity nodes.
    same = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in vectors}
    users: Dict[str, List[onnx.NodeProto]] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            users[name].append(node)
    outputs = {o.name for o in graph.output}
    folded: List[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type != "DynamicQuantizeMatMul" or len(node.input) > 3 or node.output[0] in outputs:
            continue
        add = users[node.output[0]]
        if len(add) != 1 or add[0].op_type != "Add":
            continue
        bias = [same.get(name, name) for name in add[0].input if name != node.output[0]]
        if len(bias) != 1 or bias[0] not in vectors:
            continue
        node.input.extend(["", bias[0]])
        node.output[0] = add[0].output[0]
        folded.append(add[0])
    for add in folded:
        graph.node.remove(add)
    return len(folded)


def fuse_file(src: str, dst: str) -> Tuple[int, int]:
    """Fuses `src` into `dst` (they may be the same file); weights stay where they were (inline or external).
    Returns the attention layers fused (0 if it already was) and the biases folded."""
    model = onnx.load(src, load_external_data=False)
    layers = fuse_attention(model)
    biases = fold_biases(model)
    onnx.save(model, dst)
    return layers, biases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model.onnx exported by models.glm.export")
    ap.add_argument("--out", help="where to write the fused graph (default: in place)")
    args = ap.parse_args()
    try:
        layers, biases = fuse_file(args.model, args.out or args.model)
    except NotFusable as error:
        raise SystemExit(f"{args.model}: not fused: {error}")
    print(f"{args.out or args.model}: {layers} attention layers fused, {biases} biases folded into their MatMuls")


if __name__ == "__main__":
    main()
