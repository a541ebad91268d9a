import onnx
import pytest
import torch

from models.glm.checkpoint import load_model
from models.glm.export import io_names, write_model_folder
from models.glm.fuse import NotFusable, fuse_attention, fuse_file
from models.glm.model import GLM, GLMConfig

CONFIG = GLMConfig(vocab_size=384, hidden_size=64, num_layers=2, num_heads=4, max_sequence_length=128, dropout=0.0)


@pytest.fixture
def unfused(tmp_path, tiny_tokenizer):
    torch.manual_seed(0)
    model = GLM(CONFIG).eval()
    folder = tmp_path / "unfused"
    write_model_folder(model, tiny_tokenizer, str(folder), "test", int8=True, fused=False)
    return model, folder


def test_fusing_an_old_export_keeps_weights_and_changes_the_cache_layout(unfused, tmp_path):
    _, folder = unfused
    before = onnx.load(str(folder / "model.onnx"))
    assert fuse_file(str(folder / "model.onnx"), str(folder / "model.onnx")) == (CONFIG.num_layers, 0)
    after = onnx.load(str(folder / "model.onnx"))
    onnx.checker.check_model(after)
    inputs, outputs = io_names(CONFIG.num_layers, fused=True)
    assert [i.name for i in after.graph.input] == inputs and [o.name for o in after.graph.output] == outputs
    assert len(after.graph.node) < len(before.graph.node) / 2
    weights = {i.name: i.raw_data for i in before.graph.initializer if i.name.startswith("transformer.")}
    kept = {i.name: i.raw_data for i in after.graph.initializer}
    assert all(kept.get(name) == data for name, data in weights.items())
    a, _ = load_model(str(folder))  # the dequantized weights read back as before
    assert a.config.num_layers == CONFIG.num_layers


def test_fusing_twice_changes_nothing(unfused):
    _, folder = unfused
    fuse_file(str(folder / "model.onnx"), str(folder / "model.onnx"))
    graph = onnx.load(str(folder / "model.onnx"))
    assert fuse_attention(graph) == 0


def test_a_graph_it_does_not_know_is_refused_with_the_reason(unfused):
    _, folder = unfused
    graph = onnx.load(str(folder / "model.onnx"))
    equal = next(n for n in graph.graph.node if n.op_type == "Equal" and "attention_mask" in n.input)
    graph.graph.node.remove(equal)
    with pytest.raises(NotFusable, match="no Equal node on attention_mask"):
        fuse_attention(graph)


def test_int8_projections_carry_their_bias(unfused):
    _, folder = unfused
    graph = onnx.load(str(folder / "model.onnx"))
    projections = [n for n in graph.graph.node if n.op_type == "DynamicQuantizeMatMul"]
    assert len(projections) == 4 * CONFIG.num_layers + 1
    assert all(len(n.input) == 5 and n.input[4] for n in projections)
    vectors = {i.name for i in graph.graph.initializer if len(i.dims) == 1}
    vectors |= {n.output[0] for n in graph.graph.node if n.op_type == "Identity" and n.input[0] in vectors}
    assert not any(n.op_type == "Add" and vectors & set(n.input) for n in graph.graph.node)
