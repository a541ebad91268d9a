import json

import pytest
import torch

from models.glm import random_model
from models.glm.checkpoint import load_model
from models.glm.model import GLM, GLMConfig
from models.glm.random_model import SHAPES, build, check_exportable, fp32_bytes


def test_tiny_shape_builds_a_loadable_folder_with_its_manifest(tmp_path):
    out = tmp_path / "tiny"
    data = build("tiny", str(out), seed=3)
    with open(out / "glm.json") as f:
        assert json.load(f) == data
    config = SHAPES["tiny"]
    assert data["architecture"] == {
        "vocabSize": config.vocab_size,
        "hiddenSize": config.hidden_size,
        "numLayers": config.num_layers,
        "numHeads": config.num_heads,
        "headDim": config.head_dim,
        "maxSequenceLength": config.max_sequence_length,
        "gelu": "tanh",
    }
    assert data["weights"] == "fp32" and data["name"] == "random-tiny"
    assert data["provenance"]["randomWeights"] is True and data["provenance"]["seed"] == 3
    assert "random weights" in data["provenance"]["note"].lower()
    assert data["specialTokens"]["eop"] < config.vocab_size
    model, _ = load_model(str(out))  # the weights read back by name: they are model.py's init under seed 3
    expected = random_model.random_model(config, 3).state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_int8_folder(tmp_path):
    data = build("tiny", str(tmp_path / "int8"), int8=True)
    assert data["weights"] == "int8" and data["name"] == "random-tiny-int8"
    model, _ = load_model(str(tmp_path / "int8"))
    assert model.config.vocab_size == SHAPES["tiny"].vocab_size


def test_thudm_shapes_have_the_documented_parameter_counts():
    # docs/glm.md §1.4
    millions = {"glm-base": 109.3, "glm-large": 334.7, "glm-roberta-large": 354.9, "glm-large-chinese": 355.7}
    for name, count in millions.items():
        assert round(fp32_bytes(SHAPES[name]) / 4 / 1e6, 1) == count, name
    for name in ("tiny", "default"):
        assert fp32_bytes(SHAPES[name]) == 4 * GLM(SHAPES[name]).num_parameters()


def test_default_shape_is_the_shipped_models(root):
    with open(f"{root}/models/default/glm.json") as f:
        shipped = json.load(f)["architecture"]
    config = SHAPES["default"]
    assert (config.vocab_size, config.hidden_size, config.num_layers, config.num_heads) == (
        shipped["vocabSize"],
        shipped["hiddenSize"],
        shipped["numLayers"],
        shipped["numHeads"],
    )
    assert config.max_sequence_length == shipped["maxSequenceLength"]


def test_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown shape 'glm-huge'"):
        build("glm-huge", str(tmp_path / "x"))
    with pytest.raises(ValueError, match="over protobuf's 2 GB limit"):
        check_exportable("glm-2b", GLMConfig(vocab_size=50304, hidden_size=2048, num_layers=36, num_heads=32))
    small = GLMConfig(vocab_size=1024, hidden_size=32, num_layers=1, num_heads=2, max_sequence_length=64)
    monkeypatch.setitem(SHAPES, "small-vocab", small)
    with pytest.raises(ValueError, match="8192 tokens, more than shape 'small-vocab'"):
        build("small-vocab", str(tmp_path / "y"))
    assert not (tmp_path / "y").exists()  # nothing written
