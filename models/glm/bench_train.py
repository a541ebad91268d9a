"""Training throughput per model size on synthetic tokens (same loop pieces as train.py).

    /usr/bin/python3 -m models.glm.bench_train --sizes 256x4 384x6 --seq-len 512 --batch-size 8 --steps 6

Prints parameters and real (non-pad) tokens per second of forward + backward + AdamW step.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import torch

from .data import collate
from .layout import SpecialTokens
from .model import GLM, GLMConfig, blank_infilling_loss
from .objectives import GLM10B_MIX, ObjectiveSampler
from .train import MALLOC_ENV, autocast, make_optimizer


def measure(hidden: int, layers: int, args) -> dict:
    vocab = args.vocab
    special = SpecialTokens(*(vocab - 8 + i for i in range(7)))
    model = GLM(
        GLMConfig(
            vocab_size=vocab,
            hidden_size=hidden,
            num_layers=layers,
            num_heads=max(1, hidden // 64),
            max_sequence_length=args.seq_len,
            dropout=0.0,
        )
    ).train()
    optimizer = make_optimizer(model, argparse.Namespace(weight_decay=0.1, lr=1e-3))
    sampler = ObjectiveSampler(special, GLM10B_MIX, lambda t: t % 17 == 0)
    rng = random.Random(0)
    timings, tokens = [], 0
    for step in range(args.steps + 1):
        samples = [
            [special.cls] + [rng.randrange(vocab - 8) for _ in range(args.seq_len - 2)] + [special.eos]
            for _ in range(args.batch_size)
        ]
        _, layouts = sampler.batch(samples, rng)
        batch = collate(layouts, special.pad)
        t0 = time.perf_counter()
        with autocast(args, "cpu"):
            loss, _ = blank_infilling_loss(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step:  # the first step pays one-off allocation costs
            timings.append(time.perf_counter() - t0)
            tokens += int((batch["input_ids"] != special.pad).sum())
    return {
        "size": f"d{hidden} L{layers}",
        "params_M": round(model.num_parameters() / 1e6, 2),
        "tokens_per_s": round(tokens / sum(timings)),
        "dtype": args.dtype,
        "threads": args.threads,
        "seq_len": args.seq_len,
        "vocab": vocab,
    }


def main() -> None:
    if any(k not in os.environ for k in MALLOC_ENV) and "GLM_NO_REEXEC" not in os.environ:
        os.execve(
            sys.executable,
            [sys.executable, "-m", "models.glm.bench_train", *sys.argv[1:]],
            {**os.environ, **MALLOC_ENV, "GLM_NO_REEXEC": "1"},
        )
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["256x4", "384x6"], help="HIDDENxLAYERS")
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for size in args.sizes:
        hidden, layers = map(int, size.split("x"))
        print(json.dumps(measure(hidden, layers, args)), flush=True)


if __name__ == "__main__":
    main()
