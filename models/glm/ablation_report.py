"""Tables and plot of the multi-task mix ablation from the arms' measure.json files (docs/ablation.md).

    /usr/bin/python3 -m models.glm.ablation_report --runs runs/ablation --out runs/ablation/tables.md \
        --plot docs/ablation.png [--before runs/ablation/default-measure.json]

Run folders are `<arm>-s<seed>`. The seed spread of a cell is the mean |seed 1 − seed 2| over the arms trained with
two seeds; a difference between arms counts only where it exceeds twice that spread (marked `*`), the rest is noise.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
from collections import defaultdict
from typing import Dict, List, Optional

from .ablation import BUCKETS, LENGTHS, OBJECTIVES

ARMS = ("span", "span-sent", "span-doc", "infill-lines")
MIX_SHARES = {
    "span": (1.0, 0.0, 0.0),
    "span-sent": (0.5, 0.5, 0.0),
    "span-doc": (0.5, 0.0, 0.5),
    "infill-lines": (0.5, 0.3, 0.2),
}


def load_runs(folder: str) -> Dict[str, Dict[int, dict]]:
    """arm → seed → measure.json."""
    runs: Dict[str, Dict[int, dict]] = defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(folder, "*-s*", "measure.json"))):
        arm, seed = os.path.basename(os.path.dirname(path)).rsplit("-s", 1)
        with open(path) as f:
            runs[arm][int(seed)] = json.load(f)
    return runs


def as_used(measure: dict, arm: str, bucket: str, objective: str) -> float:
    """Loss with the mask token the arm would be used with: its own where it trained the objective, else [MASK]."""
    trained = MIX_SHARES[arm][OBJECTIVES.index(objective)] > 0
    return measure["loss"][bucket][objective]["native" if trained else "all_mask"]


def loss_cells(runs, seed: int, variant: str) -> Dict[str, Dict[tuple, float]]:
    """arm → (bucket, objective) → loss for one seed; variant native | all_mask | as_used."""
    out = {}
    for arm, seeds in runs.items():
        if seed in seeds:
            m = seeds[seed]
            out[arm] = {
                (b, o): as_used(m, arm, b, o) if variant == "as_used" else m["loss"][b][o][variant]
                for b in BUCKETS
                for o in OBJECTIVES
            }
    return out


def seed_spread(runs, variant: str) -> Dict[tuple, float]:
    """(bucket, objective) → mean |seed 1 − seed 2| over the arms with both seeds (empty without a second seed)."""
    first, second = loss_cells(runs, 1, variant), loss_cells(runs, 2, variant)
    paired = [a for a in second if a in first]
    if not paired:
        return {}
    return {cell: sum(abs(first[a][cell] - second[a][cell]) for a in paired) / len(paired) for cell in first[paired[0]]}


def mark(delta: float, spread: Optional[float]) -> str:
    return f"{delta:+.3f}" + ("*" if spread is not None and abs(delta) > 2 * spread else "")


def loss_table(runs, variant: str) -> List[str]:
    cells, spread = loss_cells(runs, 1, variant), seed_spread(runs, variant)
    arms = [a for a in ARMS if a in cells]
    lines = [
        "| bucket | objective | "
        + " | ".join(arms)
        + " | seed spread | "
        + " | ".join(f"Δ {a}" for a in arms if a != "span")
        + " |",
        "|---|---|" + "---|" * (2 * len(arms)),
    ]
    for b in BUCKETS:
        for o in OBJECTIVES:
            s = spread.get((b, o))
            deltas = [mark(cells[a][(b, o)] - cells["span"][(b, o)], s) for a in arms if a != "span"]
            lines.append(
                f"| {b} | {o} | "
                + " | ".join(f"{cells[a][(b, o)]:.3f}" for a in arms)
                + f" | {'' if s is None else f'{s:.3f}'} | "
                + " | ".join(deltas)
                + " |"
            )
    return lines


def generation_cell(measure: dict, bucket: str, length: str, variant: str) -> dict:
    g = measure["generation"][bucket][length]
    return g.get(variant, g["native"])  # short blanks are [MASK] in both variants


def generation_spread(runs, bucket: str, length: str, variant: str) -> Optional[float]:
    """Mean |seed 1 − seed 2| of edit similarity over the arms with both seeds."""
    paired = [a for a in ARMS if {1, 2} <= set(runs.get(a, {}))]
    if not paired:
        return None
    return sum(
        abs(
            generation_cell(runs[a][1], bucket, length, variant)["similarity"]
            - generation_cell(runs[a][2], bucket, length, variant)["similarity"]
        )
        for a in paired
    ) / len(paired)


def generation_table(runs, variant: str) -> List[str]:
    arms = [a for a in ARMS if 1 in runs.get(a, {})]
    lines = [
        "| bucket | blank | " + " | ".join(f"{a} ES / EM / ppl" for a in arms) + " | seed spread ES |",
        "|---|---|" + "---|" * (len(arms) + 1),
    ]
    for b in BUCKETS:
        for length in LENGTHS:
            row = []
            for a in arms:
                g = generation_cell(runs[a][1], b, length, variant)
                row.append(
                    f"{100 * g['similarity']:.1f} ± {100 * g['similarity_se']:.1f} / {100 * g['exact']:.0f} / "
                    f"{g['perplexity']:.0f}"
                )
            spread = generation_spread(runs, b, length, variant)
            lines.append(
                f"| {b} | {length} | " + " | ".join(row) + f" | {'' if spread is None else f'{100 * spread:.1f}'} |"
            )
    return lines


def gmask_table(runs, before: Optional[dict]) -> List[str]:
    rows = [(f"{a} seed {s}", m["gmask_end"]) for a in ARMS for s, m in sorted(runs.get(a, {}).items())]
    if before:
        rows.append(("shipped default (trained before the fix)", before["gmask_end"]))
    lines = [
        "| model | stops by itself | fill length / true rest | p(end) after the true rest / inside it | "
        + " | ".join(f"stops: {b.replace('code-', '')}" for b in BUCKETS)
        + " |",
        "|---|---|---|---|" + "---|" * len(BUCKETS),
    ]
    for name, g in rows:
        a = g["all"]
        lines.append(
            f"| {name} | {100 * a['stopped']:.0f}% of {a['n']} | {a['length_ratio']:.2f} | "
            f"{a['p_end']:.3f} / {a['p_end_inside']:.3f} | "
            + " | ".join(f"{100 * g[b]['stopped']:.0f}% of {g[b]['n']}" for b in BUCKETS if b in g)
            + " |"
        )
    return lines


def cost_table(runs) -> List[str]:
    lines = ["| run | steps | training tokens | wall min | CPU min | measure min |", "|---|---|---|---|---|---|"]
    for a in ARMS:
        for s, m in sorted(runs.get(a, {}).items()):
            lines.append(
                f"| {a} seed {s} | {m['step']} | {m['tokens'] / 1e6:.2f} M | "
                f"{m['train_wall_seconds'] / 60:.1f} | {m['train_cpu_seconds'] / 60:.1f} | "
                f"{m['measure_seconds'] / 60:.1f} |"
            )
    return lines


def plot(runs, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells, spread = loss_cells(runs, 1, "as_used"), seed_spread(runs, "as_used")
    others = [a for a in ARMS if a in cells and a != "span"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True)
    width = 0.8 / max(len(others), 1)
    for ax, o in zip(axes, OBJECTIVES):
        for k, a in enumerate(others):
            xs = [i + (k - (len(others) - 1) / 2) * width for i in range(len(BUCKETS))]
            ys = [cells[a][(b, o)] - cells["span"][(b, o)] for b in BUCKETS]
            err = [2 * spread[(b, o)] for b in BUCKETS] if spread else None
            ax.bar(xs, ys, width, yerr=err, capsize=2, label=a)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(f"{o} blanks")
        ax.set_xticks(range(len(BUCKETS)), [b.replace("code-", "") for b in BUCKETS], rotation=30)
    axes[0].set_ylabel("Δ Part-B loss vs span (nats/token)\nlower is better; bars ±2× seed spread")
    axes[0].legend()
    fig.suptitle(
        "Mix ablation on development documents: each arm's loss (own mask token where it trained the "
        "objective, else [MASK]) minus the span-only arm's"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="runs/ablation")
    ap.add_argument("--out", default="runs/ablation/tables.md")
    ap.add_argument("--plot", default="docs/ablation.png")
    ap.add_argument("--before", help="measure.json of a model trained before the prefix-LM end fix")
    args = ap.parse_args()
    runs = load_runs(args.runs)
    before = json.load(open(args.before)) if args.before and os.path.exists(args.before) else None
    sections = [
        ("Part-B loss, as used (own mask token where trained, else [MASK])", loss_table(runs, "as_used")),
        ("Part-B loss, native mask tokens", loss_table(runs, "native")),
        ("Part-B loss, every blank [MASK]", loss_table(runs, "all_mask")),
        ("Generation, native mask tokens", generation_table(runs, "native")),
        ("Generation, every blank [MASK]", generation_table(runs, "all_mask")),
        ("End-of-text [gMASK]: fills that stop by themselves", gmask_table(runs, before)),
        ("Cost", cost_table(runs)),
    ]
    with open(args.out, "w") as f:
        for title, lines in sections:
            f.write(f"### {title}\n\n" + "\n".join(lines) + "\n\n")
    if "span" in loss_cells(runs, 1, "as_used"):
        plot(runs, args.plot)
    print(open(args.out).read())


if __name__ == "__main__":
    main()
