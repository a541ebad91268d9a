"""Training checkpoints, and reading weights back from an exported model folder (to resume from it)."""
from __future__ import annotations

import json
import os
from typing import Tuple

import torch

from .model import GLM, GLMConfig


def save_checkpoint(path: str, model: GLM, optimizer=None, step: int = 0, extra: dict | None = None) -> None:
    tmp = path + ".tmp"
    torch.save(
        {
            "config": model.config.to_dict(),
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "step": step,
            "extra": extra or {},
        },
        tmp,
    )
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def config_from_manifest(data: dict) -> GLMConfig:
    a = data["architecture"]
    return GLMConfig(
        vocab_size=a["vocabSize"],
        hidden_size=a["hiddenSize"],
        num_layers=a["numLayers"],
        num_heads=a["numHeads"],
        max_sequence_length=a["maxSequenceLength"],
        gelu=a["gelu"],
    )


def state_from_onnx(onnx_path: str, expected: dict) -> dict:
    """Weights of an exported graph by their THUDM names (export.name_initializers), int8 and int4 dequantized."""
    import onnx
    from onnx import numpy_helper

    arrays = {i.name: numpy_helper.to_array(i) for i in onnx.load(onnx_path).graph.initializer}
    state = {}
    for key, ref in expected.items():
        if key in arrays:
            array = arrays[key]
        elif key + ".T" in arrays:
            array = arrays[key + ".T"].T
        elif key + ".T_int8" in arrays:
            array = (arrays[key + ".T_int8"].astype("float32") * arrays[key + ".T_scale"]).T
        elif key + "_int8" in arrays:  # row-quantized (the tied embedding)
            array = arrays[key + "_int8"].astype("float32") * arrays[key + "_scale"][:, None]
        elif key + "_q4" in arrays or key + "_q8" in arrays:  # MatMulNBits blocks (quantize.py --scheme nbits*)
            from .quantize import dequantize_blocks

            bits = 8 if key + "_q8" in arrays else 4  # the tied embedding of nbits4 has both: 8 bits is the finer
            array = dequantize_blocks(arrays[f"{key}_q{bits}"], arrays[f"{key}_q{bits}_scale"], bits)
        else:
            raise ValueError(f"{onnx_path}: no initializer for weight {key!r}; was it exported by models.glm.export?")
        if tuple(array.shape) != tuple(ref.shape):
            raise ValueError(
                f"{onnx_path}: weight {key!r} has shape {tuple(array.shape)}, "
                f"the manifest's architecture needs {tuple(ref.shape)}"
            )
        state[key] = torch.from_numpy(array.copy()).float()
    return state


def load_model(path: str) -> Tuple[GLM, dict]:
    """A GLM from a training checkpoint (.pt) or an exported model folder (glm.json + model.onnx)."""
    if os.path.isdir(path):
        with open(os.path.join(path, "glm.json")) as f:
            data = json.load(f)
        model = GLM(config_from_manifest(data))
        model.load_state_dict(state_from_onnx(os.path.join(path, data["model"]), model.state_dict()))
        prov = data.get("provenance", {})
        # Totals carry over, so a part resumed from a shipped model keeps counting from where the model stands.
        return model, {
            "provenance": prov,
            "step": prov.get("steps", 0),
            "tokens": prov.get("trainingTokens", 0),
            "cpu_seconds": prov.get("trainingCpuHours", 0) * 3600,
            "wall_seconds": prov.get("trainingWallHours", 0) * 3600,
            "parts": prov.get("parts", []),
        }
    ckpt = torch.load(path, map_location="cpu")
    model = GLM(GLMConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model, {**ckpt.get("extra", {}), "step": ckpt.get("step", 0), "optimizer": ckpt.get("optimizer")}
