import os
import random

import pytest
import torch
import torch.multiprocessing as mp

from models.glm import train as train_mod
from models.glm.data import TokenDocuments, write_documents
from models.glm.tokenizer import BPETokenizer


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, root):
    """Token files made from the fixture tokenizer's sample text, shuffled into documents."""
    out = tmp_path_factory.mktemp("tokens")
    tok = BPETokenizer.load(os.path.join(root, "test", "fixtures", "tiny", "tokenizer.json"))
    tok.save(str(out / "tokenizer.json"))
    with open(os.path.join(root, "test", "fixtures", "tokenizer-sample.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    rng = random.Random(0)
    docs = []
    for _ in range(60):
        rng.shuffle(lines)
        docs.append(tok.encode_plain("".join(lines[: rng.randint(5, 30)])))
    write_documents(str(out / "train"), docs[:50])
    write_documents(str(out / "val"), docs[50:])
    return out


def args_for(data_dir, out, *extra):
    return train_mod.parse_args(
        [
            "--data",
            str(data_dir),
            "--out",
            str(out),
            "--hidden",
            "32",
            "--layers",
            "2",
            "--heads",
            "2",
            "--seq-len",
            "64",
            "--batch-size",
            "4",
            "--warmup",
            "5",
            "--eval-interval",
            "1000",
            "--ckpt-interval",
            "1000",
            "--log-interval",
            "5",
            "--dtype",
            "fp32",
            *extra,
        ]
    )


def test_documents_sample_windows(data_dir, special):
    docs = TokenDocuments(str(data_dir / "train"))
    rng = random.Random(0)
    for _ in range(50):
        s = docs.sample(rng, 64, special)
        assert s[0] == special.cls and len(s) <= 64


def test_lr_schedule_warmup_then_cosine():
    a = train_mod.parse_args(["--data", "x", "--out", "y", "--lr", "1e-3", "--warmup", "10", "--max-steps", "110"])
    assert train_mod.lr_at(0, a) == pytest.approx(1e-4)
    assert train_mod.lr_at(9, a) == pytest.approx(1e-3)
    assert train_mod.lr_at(110, a) == pytest.approx(1e-4)
    assert train_mod.lr_at(60, a) == pytest.approx(0.55e-3)


def test_lr_schedule_warm_restart_at_schedule_start():
    a = train_mod.parse_args(
        [
            "--data",
            "x",
            "--out",
            "y",
            "--lr",
            "1e-3",
            "--warmup",
            "10",
            "--max-steps",
            "1110",
            "--schedule-start",
            "1000",
        ]
    )
    assert train_mod.lr_at(1000, a) == pytest.approx(1e-4)
    assert train_mod.lr_at(1009, a) == pytest.approx(1e-3)
    assert train_mod.lr_at(1060, a) == pytest.approx(0.55e-3)
    assert train_mod.lr_at(1110, a) == pytest.approx(1e-4)


def test_lr_schedule_by_wall_time():
    a = train_mod.parse_args(
        [
            "--data",
            "x",
            "--out",
            "y",
            "--lr",
            "1e-3",
            "--warmup",
            "10",
            "--max-steps",
            "99999",
            "--schedule-minutes",
            "10",
        ]
    )
    assert train_mod.lr_at(0, a, 0.0) == pytest.approx(1e-4)
    assert train_mod.lr_at(500, a, 300.0) == pytest.approx(0.55e-3)
    assert train_mod.lr_at(20, a, 600.0) == pytest.approx(1e-4)


def test_batched_attention_masks_match_each_layout(special):
    from models.glm.data import attention_masks
    from models.glm.layout import attention_mask

    rng = random.Random(3)
    cases = [(rng.randint(1, 30), rng.randint(0, 20)) for _ in range(20)] + [(5, 0), (1, 0)]
    t = max(a + b for a, b in cases) + 3
    masks = attention_masks(torch.tensor([a for a, _ in cases]), torch.tensor([a + b for a, b in cases]), t)
    for i, (sep, part_b) in enumerate(cases):
        expected = torch.zeros(t, t)
        expected[: sep + part_b, : sep + part_b] = torch.from_numpy(attention_mask(sep, sep + part_b))
        assert torch.equal(masks[i, 0], expected), (sep, part_b)


def test_batch_workers_train_exactly_like_the_training_process(data_dir, tmp_path):
    inline = train_mod.train(args_for(data_dir, tmp_path / "inline", "--max-steps", "6", "--grad-accum", "2"))
    workers = train_mod.train(
        args_for(data_dir, tmp_path / "workers", "--max-steps", "6", "--grad-accum", "2", "--workers", "2")
    )
    assert workers["tokens"] == inline["tokens"]
    assert workers["val_loss"]["mean"] == pytest.approx(inline["val_loss"]["mean"], rel=1e-5)


def test_part_stopped_by_its_wall_time_reports_validation_loss(data_dir, tmp_path):
    summary = train_mod.train(args_for(data_dir, tmp_path, "--max-steps", "100000", "--schedule-minutes", "0.03"))
    assert 0 < summary["step"] < 100000 and set(summary["val_loss"]) == {"token", "sentence", "document", "mean"}
    assert summary["parts"][-1]["settings"]["schedule_minutes"] == 0.03


def test_training_lowers_loss_and_resumes(data_dir, tmp_path):
    first = train_mod.train(args_for(data_dir, tmp_path, "--max-steps", "60", "--lr", "3e-3"))
    val = first["val_loss"]
    assert set(val) == {"token", "sentence", "document", "mean"}
    log = [l for l in open(tmp_path / "log.jsonl")]
    assert len(log) >= 12 and '"tokens_per_s"' in log[0] and '"loss_by_objective"' in log[0]
    import json

    losses = [json.loads(l)["loss"] for l in log if '"loss"' in l]
    assert losses[-1] < losses[0] - 0.5
    resumed = train_mod.train(
        args_for(
            data_dir,
            tmp_path,
            "--max-steps",
            "70",
            "--lr",
            "3e-3",
            "--resume",
            str(tmp_path / "ckpt.pt"),
            "--schedule-start",
            "-1",
        )
    )
    assert resumed["step"] == 70 and resumed["tokens"] > first["tokens"]
    assert [p["steps"] for p in resumed["parts"]] == [[0, 60], [60, 70]]
    assert resumed["parts"][1]["settings"]["schedule_start"] == 60  # -1: a warm restart where the run resumed
    assert resumed["parts"][0]["settings"]["lr"] == 3e-3


def test_resume_from_exported_model_folder(data_dir, tmp_path):
    from models.glm.checkpoint import load_model
    from models.glm.export import write_model_folder

    train_mod.train(args_for(data_dir, tmp_path, "--max-steps", "5"))
    model, _ = load_model(str(tmp_path / "ckpt.pt"))
    write_model_folder(
        model,
        BPETokenizer.load(str(data_dir / "tokenizer.json")),
        str(tmp_path / "exported"),
        "t",
        provenance={
            "steps": 5,
            "trainingTokens": 1234,
            "trainingCpuHours": 0.5,
            "parts": [{"steps": [0, 5], "settings": {"lr": 1e-3}}],
        },
    )
    again, extra = load_model(str(tmp_path / "exported"))
    for key, value in model.state_dict().items():
        assert torch.equal(value, again.state_dict()[key]), key
    assert extra["step"] == 5 and extra["tokens"] == 1234 and extra["cpu_seconds"] == 1800
    assert extra["parts"][0]["steps"] == [0, 5]


def _ddp_worker(rank, world, data_dir, out, port, results):
    os.environ.update(
        {"RANK": str(rank), "WORLD_SIZE": str(world), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    )
    torch.set_num_threads(1)
    summary = train_mod.train(args_for(data_dir, out, "--max-steps", "1", "--eval-batches", "1"))
    torch.distributed.destroy_process_group()
    if rank == 0:
        results.put(summary["val_loss"]["mean"])


def test_two_process_ddp_step_equals_one_process(data_dir, tmp_path):
    single = train_mod.train(args_for(data_dir, tmp_path / "single", "--max-steps", "1", "--eval-batches", "1"))
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    port = 29500 + os.getpid() % 1000
    procs = [ctx.Process(target=_ddp_worker, args=(r, 2, data_dir, tmp_path / "ddp", port, results)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    ddp_val = results.get(timeout=10)
    # Same init, same global batch, same loss scaling: the updated weights give the same validation loss.
    assert ddp_val == pytest.approx(single["val_loss"]["mean"], rel=1e-5)
    a = torch.load(tmp_path / "single" / "ckpt.pt")["model"]
    b = torch.load(tmp_path / "ddp" / "ckpt.pt")["model"]
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-6), key
