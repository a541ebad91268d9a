import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from models.glm.checkpoint import load_model
from models.glm.export import io_names, write_model_folder
from models.glm.model import GLM, GLMConfig

CONFIG = GLMConfig(vocab_size=384, hidden_size=64, num_layers=2, num_heads=4, max_sequence_length=128, dropout=0.0)


def exported(tmp_path, tiny_tokenizer, int8=False):
    torch.manual_seed(0)
    model = GLM(CONFIG).eval()
    folder = tmp_path / ("int8" if int8 else "fp32")
    manifest = write_model_folder(model, tiny_tokenizer, str(folder), "test", int8=int8)
    return model, folder, manifest


def test_graph_contract(tmp_path, tiny_tokenizer):
    _, folder, manifest = exported(tmp_path, tiny_tokenizer)
    graph = onnx.load(str(folder / "model.onnx"))
    onnx.checker.check_model(graph)
    assert graph.opset_import[0].version == 17
    inputs, outputs = io_names(CONFIG.num_layers, fused=True)
    assert [i.name for i in graph.graph.input] == inputs
    assert [o.name for o in graph.graph.output] == outputs
    dims = [d.dim_param or d.dim_value for d in graph.graph.input[4].type.tensor_type.shape.dim]
    assert dims == ["batch", "past", CONFIG.hidden_size]
    attention = [n for n in graph.graph.node if n.op_type == "MultiHeadAttention"]
    assert len(attention) == CONFIG.num_layers and all(n.domain == "com.microsoft" for n in attention)
    assert manifest["specialTokens"]["mask"] == tiny_tokenizer.special().mask
    assert manifest["architecture"]["maxSequenceLength"] == 128


def test_unfused_graph_keeps_torch_layout(tmp_path, tiny_tokenizer):
    torch.manual_seed(0)
    folder = tmp_path / "unfused"
    write_model_folder(GLM(CONFIG).eval(), tiny_tokenizer, str(folder), "test", fused=False)
    graph = onnx.load(str(folder / "model.onnx"))
    inputs, outputs = io_names(CONFIG.num_layers)
    assert [i.name for i in graph.graph.input] == inputs and [o.name for o in graph.graph.output] == outputs
    dims = [d.dim_param or d.dim_value for d in graph.graph.input[4].type.tensor_type.shape.dim]
    assert dims == ["batch", CONFIG.num_heads, "past", CONFIG.head_dim]


def test_embedding_stored_once(tmp_path, tiny_tokenizer):
    model, folder, _ = exported(tmp_path, tiny_tokenizer)
    graph = onnx.load(str(folder / "model.onnx"))
    big = [i.name for i in graph.graph.initializer if np.prod(i.dims) == CONFIG.vocab_size * CONFIG.hidden_size]
    assert big == ["word_embeddings.weight"]
    assert os.path.getsize(folder / "model.onnx") < model.num_parameters() * 4 * 1.1


def test_weights_read_back_exactly(tmp_path, tiny_tokenizer):
    model, folder, _ = exported(tmp_path, tiny_tokenizer)
    again, _ = load_model(str(folder))
    for key, value in model.state_dict().items():
        assert torch.equal(value, again.state_dict()[key]), key


def test_int8_is_smaller_and_close(tmp_path, tiny_tokenizer):
    model, fp32, _ = exported(tmp_path, tiny_tokenizer)
    _, int8, manifest = exported(tmp_path, tiny_tokenizer, int8=True)
    assert manifest["weights"] == "int8"
    graph = onnx.load(str(int8 / "model.onnx"))
    onnx.checker.check_model(graph)
    ops = {n.op_type for n in graph.graph.node}
    assert "DynamicQuantizeMatMul" in ops and "MultiHeadAttention" in ops  # attention stays float
    assert os.path.getsize(int8 / "model.onnx") < 0.5 * os.path.getsize(fp32 / "model.onnx")
    again, _ = load_model(str(int8))  # dequantized weights: within half a quantization step
    for key, value in model.state_dict().items():
        step = value.abs().max() / 127
        assert (again.state_dict()[key] - value).abs().max() <= step / 2 + 1e-6, key
    q = {i.name: numpy_helper.to_array(i) for i in graph.graph.initializer}
    assert q["word_embeddings.weight_int8"].dtype == np.int8
