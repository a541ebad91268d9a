"""The scaling sweep's fit (issue 21): development-set loss against parameters N and training tokens D.

    /usr/bin/python3 -m models.glm.scaling --runs runs/scaling --out runs/scaling/fit.md --json runs/scaling/fit.json \
        [--bench runs/scaling/bench.txt] [--minutes 20 --peak-tflops 989]

Reads every finished run under --runs (models/scaling.sh writes them), fits

    L(N, D) = E + A / N^a + B / D^b        (Chinchilla's form; N = parameters outside the embeddings)

by least squares — for each pair of exponents on a grid, E, A, B >= 0 are solved exactly (a three-variable
non-negative least squares), and the best pair is kept — and, as a form with one parameter less, the same without
the floor E. Each form's error is leave-one-out: fit on all runs but one, predict that one. Then, for a run of
--minutes on a GPU of --peak-tflops at a stated model FLOPs utilisation, tokens = time × MFU × peak ÷ (6 × all
parameters) for each candidate size, and the size with the lowest predicted loss; and each size's decode speed in
the extension, the bench's ms/token scaled by the bytes one decode step reads (int8 weights + the fp32 K/V cache).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

EXPONENTS = np.round(np.arange(0.02, 1.51, 0.02), 2)
FORMS = {"floor": 5, "no-floor": 4, "fixed": 3}  # free parameters of each form
CHINCHILLA = (0.34, 0.28)  # Hoffmann et al. 2022, approach 3: L = E + A/N^0.34 + B/D^0.28
VOCAB = 8192


@dataclass
class Run:
    name: str
    hidden: int
    layers: int
    non_embedding: int  # N in the fit
    parameters: int  # everything, the tied embedding included (the MFU convention: 6 × parameters a token)
    tokens: int  # D: training positions seen (Part A + Part B, padding excluded)
    loss: float  # mean development-set loss of the three objectives, nats per Part B token


def parameter_counts(hidden: int, layers: int, vocab: int = VOCAB, seq_len: int = 512) -> Tuple[int, int]:
    """(outside the embeddings, all) of models.glm.model.GLM: per layer QKV + output + MLP + two LayerNorms."""
    per_layer = 12 * hidden * hidden + 13 * hidden
    non_embedding = layers * per_layer + 2 * hidden  # + the final LayerNorm
    embeddings = vocab * hidden + 2 * (seq_len + 1) * hidden  # words (tied output) + position + block position
    return non_embedding, non_embedding + embeddings


def read_runs(folder: str) -> List[Run]:
    """Finished runs: each sub-folder whose train.out ends with train.py's {"done": summary} line."""
    runs = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name, "train.out")
        if not os.path.isfile(path):
            continue
        done = [json.loads(line)["done"] for line in open(path) if line.startswith('{"done"')]
        if not done:
            continue
        summary = done[-1]
        a = summary["args"]
        non_embedding, parameters = parameter_counts(a["hidden"], a["layers"], seq_len=a["seq_len"])
        runs.append(
            Run(
                name,
                a["hidden"],
                a["layers"],
                non_embedding,
                parameters,
                summary["tokens"],
                summary["val_loss"]["mean"],
            )
        )
    return runs


def nonnegative_least_squares(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """min |x c - y|² over c >= 0, for a stack of problems x [G, m, k] (few columns) and y [m].

    Exact for few columns: every set of free columns is solved by least squares, and the best solution with no
    negative coefficient wins (the all-zero solution always qualifies). Returns c [G, k] and the sums of squares [G].
    """
    x = np.asarray(x, float)
    squeeze = x.ndim == 2
    x = x[None] if squeeze else x
    g, _, k = x.shape
    best, best_sse = np.zeros((g, k)), np.full(g, float(np.sum(y**2)))
    for size in range(1, k + 1):
        for free in itertools.combinations(range(k), size):
            sub = x[:, :, list(free)]
            c_free = np.einsum("gkm,m->gk", np.linalg.pinv(sub), y)
            sse = np.sum((np.einsum("gmk,gk->gm", sub, c_free) - y) ** 2, axis=1)
            better = np.all(c_free >= 0, axis=1) & (sse < best_sse - 1e-15)
            best[better] = 0.0
            best[np.ix_(better, list(free))] = c_free[better]
            best_sse = np.where(better, sse, best_sse)
    return (best[0], best_sse[0]) if squeeze else (best, best_sse)


@dataclass
class Fit:
    form: str  # "floor" (E + A/N^a + B/D^b), "no-floor" (A/N^a + B/D^b), "fixed" (floor form, a and b given)
    E: float
    A: float
    a: float
    B: float
    b: float

    def predict(self, n, d):
        return self.E + self.A / np.power(n, self.a) + self.B / np.power(d, self.b)

    def formula(self) -> str:
        return f"L = {self.E:.3f} + {self.A:.4g} / N^{self.a:.2f} + {self.B:.4g} / D^{self.b:.2f}"


def fit(
    n: Sequence[float], d: Sequence[float], loss: Sequence[float], form: str = "floor", exponents=CHINCHILLA
) -> Fit:
    """Least-squares fit of one form over the exponent grid (or, form "fixed", at the given exponents only);
    N and D in millions inside, so the columns are O(1)."""
    n_m, d_m, y = np.asarray(n, float) / 1e6, np.asarray(d, float) / 1e6, np.asarray(loss, float)
    grid_a, grid_b = ([exponents[0]], [exponents[1]]) if form == "fixed" else (EXPONENTS, EXPONENTS)
    a_grid, b_grid = np.meshgrid(np.asarray(grid_a, float), np.asarray(grid_b, float), indexing="ij")
    a_grid, b_grid = a_grid.ravel(), b_grid.ravel()
    columns = [n_m[None, :] ** -a_grid[:, None], d_m[None, :] ** -b_grid[:, None]]
    if form in ("floor", "fixed"):
        columns.append(np.ones((len(a_grid), len(y))))
    c, sse = nonnegative_least_squares(np.stack(columns, axis=2), y)
    i = int(np.argmin(sse))
    a, b = float(a_grid[i]), float(b_grid[i])
    e = float(c[i, 2]) if form in ("floor", "fixed") else 0.0
    # Back to raw N and D: A / (N/1e6)^a = (A·1e6^a) / N^a.
    return Fit(form, e, float(c[i, 0]) * 1e6**a, a, float(c[i, 1]) * 1e6**b, b)


def leave_one_out(runs: Sequence[Run], form: str, exponents=CHINCHILLA) -> List[float]:
    """Each run predicted by the fit to all the others (predicted − measured, nats)."""
    errors = []
    for i, held in enumerate(runs):
        rest = [r for j, r in enumerate(runs) if j != i]
        f = fit([r.non_embedding for r in rest], [r.tokens for r in rest], [r.loss for r in rest], form, exponents)
        errors.append(float(f.predict(held.non_embedding, held.tokens) - held.loss))
    return errors


def candidate_shapes(aspect: int = 64) -> List[Tuple[int, int]]:
    """The sweep's family (layers = hidden / 64, head size 64), hidden 128 to 1536."""
    return [(h, max(1, h // aspect)) for h in range(128, 1537, 64)]


def lease_prediction(f: Fit, minutes: float, peak_tflops: float, mfu: float, seq_len: int) -> List[dict]:
    rows = []
    for hidden, layers in candidate_shapes():
        non_embedding, parameters = parameter_counts(hidden, layers, seq_len=seq_len)
        tokens_per_s = mfu * peak_tflops * 1e12 / (6 * parameters)
        tokens = tokens_per_s * minutes * 60
        rows.append(
            {
                "hidden": hidden,
                "layers": layers,
                "non_embedding": non_embedding,
                "parameters": parameters,
                "tokens_per_s": tokens_per_s,
                "tokens": tokens,
                "loss": float(f.predict(non_embedding, tokens)),
            }
        )
    return rows


def compute_optimal(minutes: float, peak_tflops: float, mfu: float, tokens_per_parameter: float = 20) -> dict:
    """Chinchilla's rule of thumb instead of the fit: C = 6·N·D with D = 20·N, so N = sqrt(C / 120)."""
    compute = mfu * peak_tflops * 1e12 * minutes * 60
    parameters = (compute / (6 * tokens_per_parameter)) ** 0.5
    return {"compute": compute, "parameters": parameters, "tokens": tokens_per_parameter * parameters}


def read_bench(path: str) -> dict:
    """The JSON line that `node dist/bench.js --model M` prints last."""
    lines = [line for line in open(path) if line.startswith("{")]
    if not lines:
        raise ValueError(f"{path}: no JSON line; write it with `node dist/bench.js --model models/default > {path}`")
    return json.loads(lines[-1])


def decode_bytes(hidden: int, layers: int, weight_bytes_per_parameter: float, context: int, seq_len: int) -> float:
    """Bytes one cached decode step reads: the int8 weights and the K/V cache (fp32) of every layer."""
    _, parameters = parameter_counts(hidden, layers, seq_len=seq_len)
    return parameters * weight_bytes_per_parameter + 2 * layers * context * hidden * 4


def decode_speeds(bench: dict, model_dir: str, shapes: Sequence[Tuple[int, int]], seq_len: int) -> dict:
    """ms/token of each shape: the bench's measured ms/token × its bytes read ÷ the benched model's."""
    with open(os.path.join(model_dir, "glm.json")) as f:
        manifest = json.load(f)
    arch = manifest["architecture"]
    _, parameters = parameter_counts(
        arch["hiddenSize"], arch["numLayers"], arch["vocabSize"], arch["maxSequenceLength"]
    )
    per_parameter = os.path.getsize(os.path.join(model_dir, manifest["model"])) / parameters
    context = arch["maxSequenceLength"] // 2 + bench["decode"]["tokens"] // 2  # the bench's Part A + half the fill
    base = decode_bytes(arch["hiddenSize"], arch["numLayers"], per_parameter, context, arch["maxSequenceLength"])
    ms = bench["decode"]["cachedMsPerToken"]
    return {
        "benched": {"model": bench.get("model"), "ms_per_token": ms, "bytes_per_parameter": per_parameter},
        "ms_per_token": {
            f"{h}x{l}": ms * decode_bytes(h, l, per_parameter, context, seq_len) / base for h, l in shapes
        },
    }


def millions(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x < 1e9 else f"{x / 1e9:.2f} B"


def parse_check(spec: str) -> dict:
    """HIDDENxLAYERS@TOKENS=LOSS: a model trained elsewhere, predicted by the fit as an out-of-range check."""
    try:
        shape, rest = spec.split("@")
        tokens, loss = rest.split("=")
        hidden, layers = map(int, shape.split("x"))
        return {"hidden": hidden, "layers": layers, "tokens": float(tokens), "loss": float(loss)}
    except ValueError:
        raise SystemExit(f"--check {spec!r}: write HIDDENxLAYERS@TOKENS=LOSS, e.g. 384x6@789.6e6=2.66")


def check_run(c: dict) -> Run:
    non_embedding, parameters = parameter_counts(c["hidden"], c["layers"])
    return Run(
        f"check d{c['hidden']} L{c['layers']}",
        c["hidden"],
        c["layers"],
        non_embedding,
        parameters,
        int(c["tokens"]),
        c["loss"],
    )


def predict_check(f: Fit, c: dict) -> float:
    return float(f.predict(parameter_counts(c["hidden"], c["layers"])[0], c["tokens"]))


def check_lines(f: Fit, checks: List[dict]) -> List[str]:
    lines = []
    for c in checks:
        non_embedding, _ = parameter_counts(c["hidden"], c["layers"])
        predicted = float(f.predict(non_embedding, c["tokens"]))
        c["predicted"] = predicted
        lines.append(
            f"- out-of-range check, d{c['hidden']} L{c['layers']} ({millions(non_embedding)} non-embedding) after "
            f"{millions(c['tokens'])} tokens: measured {c['loss']:.2f}, predicted {predicted:.2f} "
            f"({predicted - c['loss']:+.2f} nats)"
        )
    return lines


def report(
    runs: List[Run], fits: Dict[str, Fit], errors: Dict[str, List[float]], lease: dict, decode, checks=()
) -> str:
    lines = ["| run | hidden × layers | N (non-embedding) | all parameters | tokens D | dev loss | fit | LOO |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    best_form = min(errors, key=lambda k: np.mean(np.abs(errors[k])))
    f = fits[best_form]
    for r, e in zip(runs, errors[best_form]):
        lines.append(
            f"| {r.name} | {r.hidden} × {r.layers} | {millions(r.non_embedding)} | {millions(r.parameters)} "
            f"| {millions(r.tokens)} | {r.loss:.3f} | {f.predict(r.non_embedding, r.tokens):.3f} | {e:+.3f} |"
        )
    lines.append("")
    for form, g in fits.items():
        residuals = [g.predict(r.non_embedding, r.tokens) - r.loss for r in runs]
        lines.append(
            f"- `{form}`: {g.formula()}; residual RMS {np.sqrt(np.mean(np.square(residuals))):.3f}, "
            f"leave-one-out mean |error| {np.mean(np.abs(errors[form])):.3f}, "
            f"max {np.max(np.abs(errors[form])):.3f} nats"
            + "".join(f"; predicts {c['loss']:.2f} as {predict_check(g, c):.2f}" for c in checks)
            + (" (used below)" if form == best_form else "")
        )
    lines += check_lines(f, list(checks))
    lines.append("")
    for mfu, rows in lease["by_mfu"].items():
        best = min(rows, key=lambda row: row["loss"])
        edge = (
            " — at the edge of the candidates: the fit wants a size outside them" if best in (rows[0], rows[-1]) else ""
        )
        lines.append(
            f"**{lease['minutes']:g} minutes at {float(mfu):.0%} MFU of {lease['peak_tflops']:g} TFLOPS**: best "
            f"d{best['hidden']} L{best['layers']} ({millions(best['parameters'])} parameters, "
            f"{millions(best['tokens'])} tokens, predicted dev loss {best['loss']:.2f}){edge}"
        )
        rule = compute_optimal(lease["minutes"], lease["peak_tflops"], float(mfu))
        lines.append(
            f"Chinchilla's rule instead (20 tokens a parameter, not this fit): {rule['compute']:.2e} FLOPs → "
            f"{millions(rule['parameters'])} parameters, {millions(rule['tokens'])} tokens"
        )
        lines.append("")
        lines.append("| hidden × layers | all parameters | tokens/s | tokens | predicted loss | decode ms/token |")
        lines.append("|---|---|---|---|---|---|")
        for row in rows:
            key = f"{row['hidden']}x{row['layers']}"
            ms = f"{decode['ms_per_token'][key]:.1f}" if decode else "(no bench)"
            mark = " ←" if row is best else ""
            lines.append(
                f"| {row['hidden']} × {row['layers']}{mark} | {millions(row['parameters'])} | "
                f"{row['tokens_per_s'] / 1e3:.0f} k | {millions(row['tokens'])} | {row['loss']:.3f} | {ms} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="runs/scaling", help="folder of sweep runs (models/scaling.sh)")
    ap.add_argument("--out", help="markdown table and fit")
    ap.add_argument("--json", help="everything as JSON")
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--peak-tflops", type=float, default=989, help="the GPU's dense bf16 peak (H200: 989)")
    ap.add_argument("--mfu", type=float, nargs="+", default=[0.06, 0.40], help="utilisations to predict for")
    ap.add_argument("--seq-len", type=int, default=512, help="the lease run's context (position tables)")
    ap.add_argument("--bench", help="a file holding `node dist/bench.js --model MODEL_DIR` output")
    ap.add_argument("--bench-model", default="models/default", help="the model folder the bench measured")
    ap.add_argument("--exponents", type=float, nargs=2, default=CHINCHILLA, help="a and b of the form 'fixed'")
    ap.add_argument(
        "--anchor",
        action="store_true",
        help="fit the --check models too (then their leave-one-out error is the extrapolation error)",
    )
    ap.add_argument(
        "--check",
        action="append",
        default=[],
        help="HIDDENxLAYERS@TOKENS=LOSS of a model trained elsewhere, to predict (e.g. the shipped 384x6@789.6e6=2.66)",
    )
    args = ap.parse_args()
    runs = read_runs(args.runs)
    checks = [parse_check(c) for c in args.check]
    if args.anchor:
        runs += [check_run(c) for c in checks]
        checks = []
    # A form is fitted when leaving one run out still leaves as many runs as it has parameters.
    forms = [form for form, free in FORMS.items() if len(runs) - 1 >= free]
    if not forms:
        raise SystemExit(f"{args.runs}: {len(runs)} finished runs; the fit needs at least 5 (models/scaling.sh)")
    n, d, y = [r.non_embedding for r in runs], [r.tokens for r in runs], [r.loss for r in runs]
    fits = {form: fit(n, d, y, form, args.exponents) for form in forms}
    errors = {form: leave_one_out(runs, form, args.exponents) for form in fits}
    best_form = min(errors, key=lambda k: np.mean(np.abs(errors[k])))
    lease = {
        "minutes": args.minutes,
        "peak_tflops": args.peak_tflops,
        "by_mfu": {
            str(m): lease_prediction(fits[best_form], args.minutes, args.peak_tflops, m, args.seq_len) for m in args.mfu
        },
    }
    decode = None
    if args.bench:
        decode = decode_speeds(read_bench(args.bench), args.bench_model, candidate_shapes(), args.seq_len)
    text = report(runs, fits, errors, lease, decode, checks)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "runs": [r.__dict__ for r in runs],
                    "fits": {k: v.__dict__ for k, v in fits.items()},
                    "leave_one_out": errors,
                    "used": best_form,
                    "lease": lease,
                    "decode": decode,
                    "checks": checks,
                },
                f,
                indent=2,
            )


if __name__ == "__main__":
    main()
