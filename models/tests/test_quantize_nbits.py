import json
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from models.glm.checkpoint import load_model
from models.glm.quantize import dequantize_blocks, quantize_blocks, quantize_folder

from models.tests.test_export import CONFIG, exported


@pytest.mark.parametrize("bits", [4, 8])
def test_blocks_round_trip_within_half_a_step(bits):
    w = np.random.default_rng(0).standard_normal((6, 64)).astype(np.float32)
    codes, scale = quantize_blocks(w, 32, bits)
    assert codes.dtype == np.uint8 and codes.shape == (6, 2, 32 * bits // 8)
    assert scale.shape == (6, 2)
    step = np.repeat(scale, 32, axis=1)  # one scale per block of 32 inputs
    assert np.all(np.abs(dequantize_blocks(codes, scale, bits) - w) <= step / 2 + 1e-7)


def test_int4_codes_pack_two_a_byte_the_lower_first():
    w = np.array([[1.0, -1.0] + [0.0] * 14], np.float32)  # scale 1/7: codes 8 + 7 = 15 and 8 - 7 = 1
    codes, scale = quantize_blocks(w, 16, 4)
    assert codes[0, 0, 0] == 15 | (1 << 4)
    assert codes[0, 0, 1] == 8 | (8 << 4)
    np.testing.assert_allclose(scale, [[1 / 7]])


def test_a_block_size_that_does_not_divide_the_inputs_is_refused():
    with pytest.raises(ValueError, match="does not split into blocks of 128"):
        quantize_blocks(np.zeros((2, 64), np.float32), 128)
    with pytest.raises(ValueError, match="block size 48"):
        quantize_blocks(np.zeros((2, 96), np.float32), 48)


@pytest.mark.parametrize("scheme,bits,level", [("nbits8", 8, 4), ("nbits4", 4, 0)])
def test_nbits_graph_and_weights_read_back(tmp_path, tiny_tokenizer, scheme, bits, level):
    model, fp32, _ = exported(tmp_path, tiny_tokenizer)
    out = tmp_path / scheme
    quantize_folder(str(fp32), str(out), scheme, block_size=32)
    graph = onnx.load(str(out / "model.onnx"))
    onnx.checker.check_model(graph)
    ops = [n.op_type for n in graph.graph.node]
    nbits = [n for n in graph.graph.node if n.op_type == "MatMulNBits"]
    assert len(nbits) == 4 * CONFIG.num_layers + 1 and "Gemm" not in ops and "DynamicQuantizeMatMul" not in ops
    assert ops.count("MultiHeadAttention") == CONFIG.num_layers  # attention stays fp32
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in nbits[0].attribute}
    assert attrs["bits"] == bits and attrs["accuracy_level"] == level and attrs["block_size"] == 32
    inits = {i.name: numpy_helper.to_array(i) for i in graph.graph.initializer}
    b, scales = inits[nbits[0].input[1]], inits[nbits[0].input[2]]
    assert b.shape == (attrs["N"], attrs["K"] // 32, 32 * bits // 8) and scales.shape == (attrs["N"], attrs["K"] // 32)
    assert not any(name.endswith(".T") for name in inits)
    assert os.path.getsize(out / "model.onnx") < 0.5 * os.path.getsize(fp32 / "model.onnx")
    manifest = json.loads((out / "glm.json").read_text())
    assert manifest["weights"] == scheme
    again, _ = load_model(str(out))  # dequantized weights: within half a quantization step of a 32-input block
    for key, value in model.state_dict().items():
        step = value.abs().max() / (2 ** (bits - 1) - 1)
        assert (again.state_dict()[key] - value).abs().max() <= step / 2 + 1e-6, key


def test_only_an_fp32_folder_is_quantized(tmp_path, tiny_tokenizer):
    _, int8, _ = exported(tmp_path, tiny_tokenizer, int8=True)
    with pytest.raises(ValueError, match="quantize an fp32 model folder"):
        quantize_folder(str(int8), str(tmp_path / "again"), "nbits8")
