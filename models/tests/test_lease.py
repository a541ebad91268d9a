"""The lease command (models/lease.sh) end to end at toy size on CPU, and the pieces it relies on."""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch
import torch.nn.functional as F

from models.glm import pack as pack_mod
from models.glm import train as train_mod
from models.glm.checkpoint import load_model
from models.glm.model import GLM, GLMConfig
from models.glm.user_cases import split_of

TOY = {
    "HIDDEN": "32",
    "LAYERS": "2",
    "HEADS": "2",
    "SEQ": "64",
    "BATCH": "4",
    "STEPS": "400",
    "LR": "1e-3",
    "WARMUP": "5",
    "MINUTES": "0",
    "WORKERS": "0",
    "THREADS": "1",
    "CKPT": "5",
    "EVAL_BATCHES": "1",
    "PART_MIB": "0.004",  # about 4 KB: the toy token files need several parts
    "EVAL": "0",
    "EXTRA": "--log-interval 1",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, root):
    """A corpus as models.corpus.build writes it: train.jsonl and heldout.jsonl (half of it development)."""
    data = tmp_path_factory.mktemp("data")
    with open(os.path.join(root, "test", "fixtures", "tokenizer-sample.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    rng = random.Random(0)
    (data / "corpus").mkdir()
    for split, count in (("train", 60), ("heldout", 24)):
        with open(data / "corpus" / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for i in range(count):
                rng.shuffle(lines)
                doc = {"text": "".join(lines[: rng.randint(5, 30)]), "src": "fixture", "path": f"{split}/{i}.txt"}
                f.write(json.dumps({**doc, "bucket": "prose"}) + "\n")
    assert any(split_of({"src": "fixture", "path": f"heldout/{i}.txt"}) == "dev" for i in range(24))
    return data


def lease(root, env_extra: dict, **popen) -> subprocess.Popen:
    env = {**os.environ, **TOY, "PY": sys.executable, **env_extra}
    return subprocess.Popen(
        ["bash", os.path.join(root, "models", "lease.sh")],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def finish(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=1800)  # a shared machine can be very slow
    assert process.returncode == 0, out
    return out


def test_lease_end_to_end_pack_unpack_interrupt_resume_export(root, corpus, tiny_tokenizer, tmp_path):
    here = {"DATA": str(corpus), "TOKENS": str(tmp_path / "tokens"), "PARTS": str(tmp_path / "parts")}
    tokenizer = os.path.join(root, "test", "fixtures", "tiny", "tokenizer.json")
    out = finish(lease(root, {**here, "STAGE": "pack", "PREPARE": f"--tokenizer {tokenizer}"}))
    manifest = json.load(open(tmp_path / "parts" / "manifest.json"))
    assert len(manifest["parts"]) >= 2 and all(p["size"] <= 0.004 * 2**20 for p in manifest["parts"]), out
    assert set(manifest["files"]) >= {"train.bin", "train.idx", "val.bin", "val.idx", "tokenizer.json"}

    # The GPU machine: only the parts arrive. A missing part is named and nothing is unpacked.
    gpu = tmp_path / "gpu"
    shutil.copytree(tmp_path / "parts", gpu / "parts")
    os.remove(gpu / "parts" / "part-001")
    there = {**here, "TOKENS": str(gpu / "tokens"), "PARTS": str(gpu / "parts"), "RUN": str(gpu / "run")}
    there["MODEL"] = str(gpu / "model")
    failed = lease(root, there)
    log, _ = failed.communicate(timeout=1800)
    assert failed.returncode != 0 and "part-001: missing" in log and not (gpu / "tokens").exists()
    shutil.copy(tmp_path / "parts" / "part-001", gpu / "parts" / "part-001")

    # The lease ends mid-run: the process group is killed once a checkpoint is on disk.
    first = lease(root, there, start_new_session=True)
    ckpt = gpu / "run" / "ckpt.pt"
    deadline = time.time() + 1800
    while not ckpt.exists() and first.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    for name in manifest["files"]:
        assert pack_mod.sha256_of(str(gpu / "tokens" / name)) == manifest["files"][name]["sha256"]
    stopped_at = torch.load(ckpt, map_location="cpu")["step"]
    assert 0 < stopped_at < 400

    out = finish(lease(root, there))
    assert f"resumed from {ckpt}" in out
    steps = [json.loads(line)["step"] for line in out.splitlines() if line.startswith('{"step"') and '"lr"' in line]
    assert steps[0] == stopped_at + 1 and steps[-1] == 400
    done = [json.loads(line)["done"] for line in out.splitlines() if line.startswith('{"done"')][-1]
    assert done["step"] == 400 and done["parts"][-1]["steps"] == [stopped_at, 400]
    assert "model_tflops" in done["parts"][-1] and "mfu" not in done["parts"][-1]  # a CPU: FLOPs/s only

    # The exported int8 graph loads back and predicts as the checkpoint does.
    exported, _ = load_model(str(gpu / "model"))
    trained, _ = load_model(str(ckpt))
    ids = torch.tensor([tiny_tokenizer.encode_plain("def add(a, b):\n    return a + b\n")])
    positions = torch.stack([torch.arange(ids.shape[1]), torch.zeros(ids.shape[1], dtype=torch.long)]).unsqueeze(0)
    mask = torch.ones(1, 1, ids.shape[1], ids.shape[1])
    with torch.no_grad():
        a = exported.eval()(ids, positions, mask)[0]
        b = trained.eval()(ids, positions, mask)[0]
    assert torch.isfinite(a).all() and (a.argmax(-1) == b.argmax(-1)).float().mean() > 0.9
    assert json.load(open(gpu / "model" / "glm.json"))["weights"] == "int8"

    again = finish(lease(root, {**there, "STAGE": "train"}))
    assert "training finished earlier" in again


def test_pack_round_trip_is_byte_identical_and_reproducible(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    payload = os.urandom(50_000)
    (src / "a.bin").write_bytes(payload)
    (src / "sub" / "b.txt").write_text("hello\n")
    for compress in ("xz", "none"):
        first = pack_mod.pack(str(src), str(tmp_path / f"p1-{compress}"), part_mib=0.01, compress=compress)
        second = pack_mod.pack(str(src), str(tmp_path / f"p2-{compress}"), part_mib=0.01, compress=compress)
        assert [p["sha256"] for p in first["parts"]] == [p["sha256"] for p in second["parts"]]
        assert len(first["parts"]) >= 2
        pack_mod.unpack(str(tmp_path / f"p1-{compress}"), str(tmp_path / f"out-{compress}"))
        assert (tmp_path / f"out-{compress}" / "a.bin").read_bytes() == payload
        assert (tmp_path / f"out-{compress}" / "sub" / "b.txt").read_text() == "hello\n"


def test_unpack_refuses_a_damaged_part_before_writing(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.bin").write_bytes(os.urandom(30_000))
    pack_mod.pack(str(src), str(tmp_path / "parts"), part_mib=0.01, compress="none")
    with open(tmp_path / "parts" / "part-001", "r+b") as f:
        f.write(b"\0")
    assert pack_mod.verify(str(tmp_path / "parts")) == {"part-001": "checksum differs"}
    with pytest.raises(SystemExit, match="part-001: checksum differs"):
        pack_mod.unpack(str(tmp_path / "parts"), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_peak_and_mfu():
    args = argparse.Namespace(peak_tflops=0)
    assert train_mod.peak_tflops(args, "NVIDIA H200") == 989
    assert train_mod.peak_tflops(args, "NVIDIA H100 PCIe") == 756
    assert train_mod.peak_tflops(args, "cpu") == 0
    assert train_mod.peak_tflops(argparse.Namespace(peak_tflops=100), "cpu") == 100
    # The shipped run: 601 k tokens/s for 14.2 M parameters on an H200 is about 5 % MFU.
    record = train_mod.throughput(601_000, 14_200_000, 989)
    assert record["model_tflops"] == pytest.approx(51.2, abs=0.1) and record["mfu"] == pytest.approx(0.0518, abs=1e-3)
    assert "mfu" not in train_mod.throughput(1000, 1000, 0)


def test_a_wall_time_part_cut_short_continues_its_schedule():
    args = argparse.Namespace(schedule_minutes=10.0, schedule_start=-1)
    saved = {"schedule": {"start": 0, "minutes": 10.0, "elapsed": 240.0}}
    assert train_mod.continued_schedule(saved, args) == saved["schedule"]
    finished = {"schedule": {"start": 0, "minutes": 10.0, "elapsed": 601.0}}
    assert train_mod.continued_schedule(finished, args) is None  # a new part: a warm restart
    assert train_mod.continued_schedule(saved, argparse.Namespace(schedule_minutes=3.0, schedule_start=-1)) is None
    assert train_mod.continued_schedule({}, args) is None


def reference_sdpa(q, k, v, attn_mask=None, dropout_p=0.0):
    """scaled_dot_product_attention's documented math, for a torch that lacks it (1.13)."""
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5 + attn_mask
    return torch.softmax(scores.float(), dim=-1).to(v.dtype) @ v


def parity(model, batch_mask, monkeypatch, fused):
    if fused and not hasattr(F, "scaled_dot_product_attention"):
        monkeypatch.setattr(F, "scaled_dot_product_attention", reference_sdpa, raising=False)
    elif not fused and hasattr(F, "scaled_dot_product_attention"):
        monkeypatch.delattr(F, "scaled_dot_product_attention")
    ids = torch.randint(0, 250, (2, 12), generator=torch.Generator().manual_seed(1))
    positions = torch.stack([torch.arange(12), torch.zeros(12, dtype=torch.long)]).expand(2, 2, 12).contiguous()
    model.zero_grad()
    logits, present = model(ids, positions, batch_mask)
    logits[0, :9].sum().backward()  # rows 9.. of sample 0 are padding
    grads = [p.grad.clone() for p in model.parameters()]
    monkeypatch.undo()
    return logits.detach(), grads


def test_fused_attention_keeps_the_model_math(monkeypatch):
    torch.manual_seed(0)
    model = GLM(GLMConfig(vocab_size=256, hidden_size=32, num_layers=2, num_heads=2, max_sequence_length=16, dropout=0))
    mask = torch.tril(torch.ones(12, 12)).expand(2, 1, 12, 12).clone()
    mask[0, :, :, :4] = 1  # sample 0: a Part A of 4, then causal
    mask[0, :, 9:, :] = 0  # and padding rows from 9: nothing to attend to
    mask[0, :, :, 9:] = 0
    plain_logits, plain_grads = parity(model, mask, monkeypatch, fused=False)
    fused_logits, fused_grads = parity(model, mask, monkeypatch, fused=True)
    torch.testing.assert_close(fused_logits[0, :9], plain_logits[0, :9], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(fused_logits[1], plain_logits[1], atol=1e-5, rtol=1e-5)
    for a, b in zip(fused_grads, plain_grads):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
