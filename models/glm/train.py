"""Multi-task GLM pretraining (token spans, sentences, documents), nanoGPT style.

    /usr/bin/python3 -m models.glm.train --data data/tokens --out runs/default [--resume runs/default/ckpt.pt]
    torchrun --nproc_per_node 2 -m models.glm.train ...        # DDP: gloo on CPU, nccl on CUDA

The same script runs on CPU (bf16 autocast by default), on CUDA, and across processes with DDP. Every step's
global batch is drawn from a generator seeded by (seed, step): resuming reproduces the data order, and DDP
ranks agree on the batch and each take their share of it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from contextlib import nullcontext
from typing import Dict, List, Optional

import torch

from .checkpoint import load_model, save_checkpoint
from .data import TokenDocuments, collate, collate_compact, on_device
from .layout import SpecialTokens
from .model import GLM, GLMConfig, blank_infilling_loss
from .objectives import MIXES, ObjectiveSampler, line_break_table, sentence_end_table, word_edge_table
from .tokenizer import BPETokenizer

# glibc settings that cut page-fault cost about 3x on these VMs (shared/docs/toolchain.md).
MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": "4294967296",
    "MALLOC_TRIM_THRESHOLD_": "17179869184",
    "MALLOC_TOP_PAD_": "1073741824",
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="prefix folder holding train.bin/.idx, val.bin/.idx, tokenizer.json")
    ap.add_argument("--out", required=True, help="run folder: ckpt.pt and log.jsonl")
    ap.add_argument(
        "--resume",
        help="checkpoint (.pt: weights, optimizer, step) or exported model folder (weights); "
        "auto = OUT/ckpt.pt when it exists (a run cut short continues), else a fresh start",
    )
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--seq-len", type=int, default=512, help="sample length; also the model's max positions")
    ap.add_argument(
        "--batch-size",
        type=int,
        default=16,
        help="samples per micro-batch (global, over all ranks); a step takes batch-size × grad-accum",
    )
    ap.add_argument("--grad-accum", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=10000, help="planned total steps (the LR schedule's length)")
    ap.add_argument("--stop-after", type=float, default=0, help="stop this part after N minutes (0 = no limit)")
    ap.add_argument(
        "--schedule-minutes",
        type=float,
        default=0,
        help="a part of fixed wall time (a leased GPU): the cosine runs over N minutes instead of to "
        "--max-steps, and the part stops then (0 = by steps)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes that build batches ahead of the training step (0 = in the training process)",
    )
    ap.add_argument(
        "--schedule-start",
        type=int,
        default=0,
        help="step where warmup + cosine (to --max-steps) begin: a warm restart when a resumed run "
        "continues past the end of its earlier schedule; -1 = the step the run resumes from",
    )
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--mix", choices=sorted(MIXES), default="glm10b", help="objective mix")
    ap.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16", help="autocast dtype")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-interval", type=int, default=20)
    ap.add_argument("--eval-interval", type=int, default=500)
    ap.add_argument("--eval-batches", type=int, default=4, help="validation batches per objective")
    ap.add_argument("--ckpt-interval", type=int, default=250)
    ap.add_argument(
        "--peak-tflops",
        type=float,
        default=0,
        help="the accelerator's dense bf16 peak for the MFU in the logs (0 = by device name: PEAK_TFLOPS)",
    )
    return ap.parse_args(argv)


# Dense bf16 peaks (TFLOPS, without sparsity) by a piece of torch.cuda.get_device_name, first match wins.
PEAK_TFLOPS = (("H200", 989.0), ("H100 PCIe", 756.0), ("H100", 989.0), ("A100", 312.0))


def peak_tflops(args, device_name: str) -> float:
    """The peak that model FLOPs utilisation is measured against; 0 where unknown (a CPU: FLOPs/s only)."""
    if args.peak_tflops:
        return args.peak_tflops
    return next((peak for key, peak in PEAK_TFLOPS if key in device_name), 0.0)


def throughput(tokens_per_s: float, parameters: int, peak: float) -> dict:
    """Model FLOPs a second by the usual 6 × parameters per token (forward + backward), and their share of peak."""
    tflops = tokens_per_s * 6 * parameters / 1e12
    return {"model_tflops": round(tflops, 3), **({"mfu": round(tflops / peak, 4)} if peak else {})}


def resolve_resume(args) -> Optional[str]:
    """--resume auto: the run folder's own checkpoint when a earlier process left one, else nothing."""
    if args.resume != "auto":
        return args.resume
    path = os.path.join(args.out, "ckpt.pt")
    return path if os.path.exists(path) else None


def continued_schedule(extra: dict, args) -> Optional[dict]:
    """The checkpoint's --schedule-minutes part when this process continues it: same minutes, cut short before its
    end (the lease ended), and the same start (or -1). Its cosine then goes on where it stopped, not from the top."""
    saved = extra.get("schedule") or {}
    if not args.schedule_minutes or saved.get("minutes") != args.schedule_minutes:
        return None
    if saved.get("elapsed", 0.0) >= args.schedule_minutes * 60 or args.schedule_start not in (-1, saved.get("start")):
        return None
    return saved


def lr_at(step: int, args, elapsed: float = 0.0) -> float:
    """Warmup then cosine; with --schedule-minutes the cosine follows `elapsed` seconds, not steps."""
    step -= args.schedule_start
    if step < args.warmup:
        return args.lr * (max(step, 0) + 1) / args.warmup
    if args.schedule_minutes:
        progress = min(1.0, elapsed / (args.schedule_minutes * 60))
    else:
        progress = min(1.0, (step - args.warmup) / max(1, args.max_steps - args.schedule_start - args.warmup))
    return args.lr * (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


class Distributed:
    """Rank/world from torchrun's environment; a single process otherwise."""

    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        cuda = torch.cuda.is_available()
        self.device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if cuda else "cpu"
        if self.world > 1 and not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if cuda else "gloo")

    def sum(self, value: torch.Tensor) -> torch.Tensor:
        if self.world > 1:
            value = value.clone()
            torch.distributed.all_reduce(value)
        return value


def make_optimizer(model: GLM, args):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
        eps=1e-8,
    )


def autocast(args, device: str):
    if args.dtype != "bf16":
        return nullcontext()
    return torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)


def draw_layouts(
    docs: TokenDocuments,
    sampler: ObjectiveSampler,
    special: SpecialTokens,
    args,
    seed: int,
    dist: Distributed,
    objective: Optional[str] = None,
):
    """The global batch of one micro-step (same on every rank); this rank keeps samples rank::world."""
    rng = random.Random(seed)
    samples = [docs.sample(rng, args.seq_len, special) for _ in range(args.batch_size)]
    chosen = objective or sampler.mix.choose(rng)
    layouts = [sampler.build(chosen, s, rng) for s in samples]
    return chosen, [l for l in layouts if l is not None][dist.rank :: dist.world]


def draw_batch(
    docs: TokenDocuments,
    sampler: ObjectiveSampler,
    special: SpecialTokens,
    args,
    seed: int,
    dist: Distributed,
    device: str,
    objective: Optional[str] = None,
):
    chosen, layouts = draw_layouts(docs, sampler, special, args, seed, dist, objective)
    return chosen, collate(layouts, special.pad, device)


class MicroBatches(torch.utils.data.Dataset):
    """Micro-batch i of the run (seeded by i, so resuming and DDP ranks agree), compact for the trip to a device."""

    def __init__(
        self, docs: TokenDocuments, sampler: ObjectiveSampler, special: SpecialTokens, args, dist: Distributed
    ):
        self.docs, self.sampler, self.special, self.args, self.dist = docs, sampler, special, args, dist

    def __len__(self) -> int:
        return self.args.max_steps * self.args.grad_accum

    def __getitem__(self, i: int):
        chosen, layouts = draw_layouts(
            self.docs, self.sampler, self.special, self.args, self.args.seed * 1_000_003 + i, self.dist
        )
        return chosen, collate_compact(layouts, self.special.pad)


def micro_batches(dataset: MicroBatches, first: int, args, device: str):
    """(objective, compact batch) from micro-batch `first` on, built by --workers processes when there are any."""
    if args.workers == 0:
        return (dataset[i] for i in range(first, len(dataset)))
    return iter(
        torch.utils.data.DataLoader(
            dataset,
            batch_size=None,
            sampler=range(first, len(dataset)),
            num_workers=args.workers,
            prefetch_factor=4,
            pin_memory=device.startswith("cuda"),
        )
    )


def step_loss(model, batch, dist: Distributed, args, device: str):
    """Loss scaled so that DDP's gradient average equals the gradient of the global token mean."""
    with autocast(args, device):
        _, per_sample = blank_infilling_loss(model, batch)
    local_sum = per_sample.sum()
    local_count = batch["loss_mask"].sum()
    global_count = dist.sum(local_count.detach()).clamp(min=1)
    return local_sum * dist.world / global_count, local_sum.detach(), global_count


@torch.no_grad()
def evaluate(model, val_docs, sampler, special, args, dist, device) -> Dict[str, float]:
    model.eval()
    result = {}
    for objective in ("token", "sentence", "document"):
        total, count = 0.0, 0.0
        for i in range(args.eval_batches):
            _, batch = draw_batch(val_docs, sampler, special, args, 10_000_019 + i, dist, device, objective)
            with autocast(args, device):
                _, per_sample = blank_infilling_loss(model, batch)
            total += float(dist.sum(per_sample.sum().float()))
            count += float(dist.sum(batch["loss_mask"].sum()))
        result[objective] = total / max(count, 1)
    result["mean"] = sum(result.values()) / 3
    model.train()
    return result


def build_model(args, resume: Optional[str]):
    extra: dict = {}
    if resume:
        model, extra = load_model(resume)
    else:
        vocab = BPETokenizer.load(os.path.join(args.data, "tokenizer.json")).size
        model = GLM(
            GLMConfig(
                vocab_size=-(-vocab // 128) * 128,
                hidden_size=args.hidden,
                num_layers=args.layers,
                num_heads=args.heads,
                max_sequence_length=args.seq_len,
                dropout=args.dropout,
            )
        )
    return model, extra


def train(args) -> dict:
    torch.set_num_threads(args.threads)
    dist = Distributed()
    device = dist.device
    tokenizer = BPETokenizer.load(os.path.join(args.data, "tokenizer.json"))
    special = tokenizer.special()
    decoded = {i: tokenizer.decode([i]) for i in range(len(tokenizer.symbols))}
    sampler = ObjectiveSampler(
        special, MIXES[args.mix], sentence_end_table(decoded), word_edge_table(decoded), line_break_table(decoded)
    )
    train_docs = TokenDocuments(os.path.join(args.data, "train"))
    val_docs = TokenDocuments(os.path.join(args.data, "val"))

    torch.manual_seed(args.seed)
    args.resume = resolve_resume(args)
    model, extra = build_model(args, args.resume)
    model.to(device).train()
    optimizer = make_optimizer(model, args)
    if extra.get("optimizer"):
        optimizer.load_state_dict(extra["optimizer"])
    start_step = int(extra.get("step", 0))
    continued = continued_schedule(extra, args)
    if args.schedule_start < 0:
        args.schedule_start = int(continued["start"]) if continued else start_step
    totals = {
        "tokens": int(extra.get("tokens", 0)),
        "cpu_seconds": float(extra.get("cpu_seconds", 0.0)),
        "wall_seconds": float(extra.get("wall_seconds", 0.0)),
        "parts": earlier_parts(extra, start_step),
        "device": torch.cuda.get_device_name(device) if device.startswith("cuda") else "cpu",
        "schedule_elapsed": float(continued["elapsed"]) if continued else 0.0,
    }
    peak = peak_tflops(args, totals["device"])
    ddp_model = model
    if dist.world > 1:
        ddp_model = torch.nn.parallel.DistributedDataParallel(model)

    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "log.jsonl"), "a") if dist.rank == 0 else None
    if dist.rank == 0:
        print(
            f"model {model.num_parameters() / 1e6:.2f} M parameters, train {train_docs.num_tokens / 1e6:.1f} M "
            f"tokens, steps {start_step}..{args.max_steps}, device {totals['device']}, world {dist.world}, "
            f"peak {peak or 'unknown'} TFLOPS" + (f", resumed from {args.resume}" if args.resume else ""),
            flush=True,
        )
    started, cpu_started = time.time(), time.process_time()
    part_tokens = 0
    window = {"loss": {}, "tokens": 0, "time": time.time()}
    last_val: dict = {}
    step = start_step
    batches = micro_batches(
        MicroBatches(train_docs, sampler, special, args, dist), step * args.grad_accum, args, device
    )
    evaluated_at = -1
    while step < args.max_steps:
        elapsed = time.time() - started + totals["schedule_elapsed"]
        if (args.stop_after and time.time() - started > args.stop_after * 60) or (
            args.schedule_minutes and elapsed > args.schedule_minutes * 60
        ):
            break
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, args, elapsed)
        loss_sum, count = 0.0, 0.0
        for micro in range(args.grad_accum):
            objective, compact = next(batches)
            batch = on_device(compact, device)
            loss, local_sum, global_count = step_loss(ddp_model, batch, dist, args, device)
            (loss / args.grad_accum).backward()
            loss_sum += float(dist.sum(local_sum.float()))
            count += float(global_count)
            window["tokens"] += int(dist.sum((batch["input_ids"] != special.pad).sum()))
            window["loss"].setdefault(objective, []).append(float(dist.sum(local_sum.float()) / global_count))
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        if dist.rank == 0 and step % args.log_interval == 0:
            elapsed = time.time() - window["time"]
            record = {
                "step": step,
                "lr": optimizer.param_groups[0]["lr"],
                "loss": loss_sum / max(count, 1),
                "grad_norm": float(grad_norm),
                "tokens_per_s": window["tokens"] / max(elapsed, 1e-9),
                **throughput(window["tokens"] / max(elapsed, 1e-9), model.num_parameters(), peak),
                "loss_by_objective": {k: sum(v) / len(v) for k, v in window["loss"].items()},
            }
            totals["tokens"] += window["tokens"]
            part_tokens += window["tokens"]
            window = {"loss": {}, "tokens": 0, "time": time.time()}
            print(json.dumps(record), flush=True)
            log.write(json.dumps(record) + "\n")
            log.flush()
        if step % args.eval_interval == 0 or step == args.max_steps:
            last_val, evaluated_at = validate(model, val_docs, sampler, special, args, dist, device, step, log), step
        if dist.rank == 0 and (step % args.ckpt_interval == 0 or step == args.max_steps):
            save_run(args, model, optimizer, step, totals, started, cpu_started, last_val)
    if evaluated_at != step and step > start_step:  # a part stopped by time still reports its final loss
        last_val = validate(model, val_docs, sampler, special, args, dist, device, step, log)
    totals["tokens"] += window["tokens"]
    part_tokens += window["tokens"]
    totals["part_throughput"] = throughput(part_tokens / max(time.time() - started, 1e-9), model.num_parameters(), peak)
    if dist.rank == 0:
        summary = save_run(args, model, optimizer, step, totals, started, cpu_started, last_val)
        print(json.dumps({"done": summary}), flush=True)
        return summary
    return {}


def validate(model, val_docs, sampler, special, args, dist, device, step: int, log) -> Dict[str, float]:
    val = evaluate(model, val_docs, sampler, special, args, dist, device)
    if dist.rank == 0:
        print(json.dumps({"step": step, "val_loss": val}), flush=True)
        log.write(json.dumps({"step": step, "val_loss": val}) + "\n")
    return val


def earlier_parts(extra: dict, start_step: int) -> list:
    """The parts a resumed run continues (each part's steps and settings), as the checkpoint recorded them."""
    parts = list(extra.get("parts", []))
    if start_step > 0 and not parts:
        parts.append({"steps": [0, start_step], "settings": "not recorded (checkpoint older than part records)"})
    return parts


def part_record(args, start_step: int, step: int, device: str, wall_seconds: float) -> dict:
    keys = (
        "mix",
        "batch_size",
        "grad_accum",
        "lr",
        "warmup",
        "schedule_start",
        "max_steps",
        "schedule_minutes",
        "threads",
        "seq_len",
    )
    return {
        "steps": [start_step, step],
        "settings": {k: getattr(args, k) for k in keys},
        "device": device,
        "wall_seconds": round(wall_seconds),
    }


def save_run(args, model, optimizer, step, totals, started, cpu_started, val) -> dict:
    first = totals["parts"][-1]["steps"][1] if totals["parts"] else 0
    part = part_record(args, first, step, totals["device"], time.time() - started)
    if "part_throughput" in totals:
        part.update(totals["part_throughput"])
    summary = {
        "step": step,
        "tokens": totals["tokens"],
        "parts": totals["parts"] + [part],
        "cpu_seconds": totals["cpu_seconds"] + time.process_time() - cpu_started,
        "wall_seconds": totals["wall_seconds"] + time.time() - started,
        "val_loss": val,
        "mix": args.mix,
        "args": vars(args),
        "schedule": {
            "start": args.schedule_start,
            "minutes": args.schedule_minutes,
            "elapsed": totals["schedule_elapsed"] + time.time() - started,
        },
    }
    save_checkpoint(os.path.join(args.out, "ckpt.pt"), model, optimizer, step, summary)
    return summary


def main() -> None:
    missing = {k: v for k, v in MALLOC_ENV.items() if k not in os.environ}
    if missing and "GLM_NO_REEXEC" not in os.environ:
        # glibc reads these at start-up only: re-exec once with them set.
        os.execve(
            sys.executable,
            [sys.executable, "-m", "models.glm.train", *sys.argv[1:]],
            {**os.environ, **missing, "GLM_NO_REEXEC": "1"},
        )
    train(parse_args())


if __name__ == "__main__":
    main()
