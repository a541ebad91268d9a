"""The same model and tokens on PyTorch eager (model.py, its K/V cache `past`) and on the extension's ONNX engine
(`node dist/bench.js`), fp32 on both, the same thread count: prefill of 512 Part A tokens and cached decode ms/token
after a 256-token Part A, and eager / ONNX ratios (above 1: the ONNX engine is faster). Issue 18's target: >= 3x.

    npm run build && OMP_NUM_THREADS=1 /usr/bin/python3 -m models.glm.eager_vs_onnx [--model FOLDER] [--threads 1]

(`OMP_NUM_THREADS=1`: Debian's OpenMP OpenBLAS keeps a second thread despite torch.set_num_threads(1).)

The model folder's weights are read back (int8 dequantized) into model.py's GLM and exported again as fp32 through
export.write_model_folder into runs/shapes/eager-vs-onnx/, so both sides run exactly these weights. The tokens are
the bench's (src/cli/bench.ts): Part A = [CLS] + filler + [gMASK], then sop and fixed Part B tokens. Eager is timed
before and after the ONNX bench (medians over both), so a load that changes meanwhile skews both sides alike; the
process CPU time per decoded token is the steadier figure on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from typing import Dict, List, Tuple

import torch

from .checkpoint import load_model
from .export import write_model_folder
from .layout import attention_mask
from .model import GLM
from .tokenizer import BPETokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "  # bench.ts partAOf


def part_a(tokenizer: BPETokenizer, n: int) -> List[int]:
    """bench.ts partAOf: a Part A of exactly n tokens, [CLS] text [gMASK] (no eos after a document blank)."""
    special = tokenizer.special()
    filler = tokenizer.encode(FILLER * ((n + 3) // 4))[: n - 2]
    return [special.cls, *filler, special.gmask]


def part_b(tokenizer: BPETokenizer, tokens: int) -> List[int]:
    """bench.ts decodeTimes: sop, then ' and so on' and ' x' repeated, `tokens` in all."""
    filler = tokenizer.encode(" and so on") + [tokenizer.encode(" x")[0]] * tokens
    return [tokenizer.special().sop, *filler[: tokens - 1]]


def prefill(model: GLM, ids: List[int]):
    n = len(ids)
    positions = torch.tensor([[list(range(n)), [0] * n]])
    mask = torch.from_numpy(attention_mask(n, n))[None, None]
    # The engine's prefill asks for no logits: hidden states and the cache only.
    return model.hidden_states(torch.tensor([ids]), positions, mask)[1]


def decode_ms_per_token(model: GLM, a: List[int], b: List[int]) -> Tuple[float, float]:
    """Cached greedy-style steps, one token each at the blank's position, block positions 1, 2, ...: wall and process
    CPU milliseconds of the steps alone, per token (the prefill before them untimed)."""
    past = prefill(model, a)
    wall, cpu = time.perf_counter(), time.process_time()
    for j, token in enumerate(b):
        total = len(a) + j + 1
        logits, past = model(
            torch.tensor([[token]]), torch.tensor([[[len(a) - 1], [j + 1]]]), torch.ones(1, 1, 1, total), past
        )
    return (time.perf_counter() - wall) * 1000 / len(b), (time.process_time() - cpu) * 1000 / len(b)


def eager_times(model: GLM, tokenizer: BPETokenizer, repeat: int, tokens: int) -> Dict[str, List[float]]:
    a512, a256, b = part_a(tokenizer, 512), part_a(tokenizer, 256), part_b(tokenizer, tokens)
    times: Dict[str, List[float]] = {"prefill": [], "decode": [], "decodeCpu": []}
    with torch.no_grad():
        prefill(model, a512)  # warm-up
        for _ in range(repeat):
            start = time.perf_counter()
            prefill(model, a512)
            times["prefill"].append((time.perf_counter() - start) * 1000)
            wall, cpu = decode_ms_per_token(model, a256, b)
            times["decode"].append(wall)
            times["decodeCpu"].append(cpu)
    return times


def onnx_times(folder: str, threads: int, repeat: int, tokens: int) -> dict:
    """The bench's `--versus` mode (src/cli/benchModels.ts): prefill 512 and cached decode after 256, medians of
    `repeat` runs, wall and CPU time. It takes the folder twice (two sessions taking turns); the first is reported."""
    bench = os.path.join(ROOT, "dist", "bench.js")
    if not os.path.exists(bench):
        raise SystemExit(f"{bench} is missing: run `npm run build` first")
    args = ["node", bench, "-m", folder, "--versus", folder, "--threads", str(threads), "--repeat", str(repeat)]
    done = subprocess.run(args + ["--decode-tokens", str(tokens)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    bench_json = json.loads(done.stdout.strip().splitlines()[-1])
    if (bench_json["prefillTokens"], bench_json["contextTokens"]) != (512, 256):
        raise SystemExit(f"the bench measured other lengths than eager: {done.stdout}")
    return bench_json["models"][0]


def fp32_folder(model_dir: str, out: str) -> GLM:
    """model_dir's weights as fp32 in `out` (written again each run: the same weights as the eager model)."""
    model, _ = load_model(model_dir)
    model = model.eval().float()
    tokenizer = BPETokenizer.load(os.path.join(model_dir, "tokenizer.json"))
    note = f"{model_dir}'s weights read back (int8 dequantized) and exported as fp32 by models.glm.eager_vs_onnx"
    write_model_folder(
        model, tokenizer, out, os.path.basename(os.path.normpath(model_dir)) + "-fp32", provenance={"note": note}
    )
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "default"), help="model folder")
    ap.add_argument("--out", default=os.path.join(ROOT, "runs", "shapes", "eager-vs-onnx"))
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads and the bench's --threads")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--decode-tokens", type=int, default=48)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    model = fp32_folder(args.model, args.out)
    tokenizer = BPETokenizer.load(os.path.join(args.out, "tokenizer.json"))
    first = eager_times(model, tokenizer, args.repeat, args.decode_tokens)
    onnx = onnx_times(args.out, args.threads, args.repeat, args.decode_tokens)
    second = eager_times(model, tokenizer, args.repeat, args.decode_tokens)
    eager = {key: statistics.median(first[key] + second[key]) for key in first}
    decode = f"decode after 256 ({args.decode_tokens} tokens)"
    rows = [
        ("prefill 512 Part A tokens, wall", eager["prefill"], onnx["prefillMs"], "ms"),
        (f"{decode}, wall", eager["decode"], onnx["decodeMsPerToken"], "ms/token"),
        (f"{decode}, CPU", eager["decodeCpu"], onnx["decodeCpuMsPerToken"], "ms/token"),
    ]
    print(
        f"PyTorch {torch.__version__} eager vs the ONNX engine (bench --versus), fp32 both, {args.threads} thread(s), "
        f"{args.out}; medians of {2 * args.repeat} eager runs (before and after) and {args.repeat} ONNX runs; "
        "eager / ONNX above 1: the ONNX engine is faster (issue 18's target for decode: >= 3)"
    )
    for label, e, o, unit in rows:
        print(f"{label:<40} eager {e:8.2f} {unit}, ONNX {o:8.2f} {unit} = {e / o:.2f}x")


if __name__ == "__main__":
    main()
