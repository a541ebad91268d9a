"""The per-source / per-bucket size report (report.md, also printed)."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from .documents import Doc, Stats
from .mix import GroupPlan
from .sources import BUCKETS, Source

MB = 1_000_000
SPLITS = ("train", "heldout")
DROP_REASONS = (
    "undecodable",
    "generated",
    "long line",
    "long mean line",
    "low alnum",
    "too short",
    "duplicate",
    "non-permissive licence",
)


def _mb(nbytes: float) -> str:
    return f"{nbytes / MB:.2f}"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _table(header: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _totals(docs: Sequence[Doc], key) -> dict:
    out: dict = defaultdict(lambda: [0, 0])
    for doc in docs:
        out[key(doc)][0] += 1
        out[key(doc)][1] += doc.nbytes
    return out


def bucket_table(written: dict[str, list[Doc]]) -> list[str]:
    totals = {split: _totals(written[split], lambda d: d.bucket) for split in SPLITS}
    size = {split: sum(d.nbytes for d in written[split]) for split in SPLITS}
    rows = []
    for bucket in BUCKETS:
        row = [bucket]
        for split in SPLITS:
            docs, nbytes = totals[split].get(bucket, (0, 0))
            row += [docs, _mb(nbytes), _share(nbytes, size[split])]
        rows.append(row)
    rows.append(
        [
            "**total**",
            len(written["train"]),
            _mb(size["train"]),
            "100%",
            len(written["heldout"]),
            _mb(size["heldout"]),
            "100%",
        ]
    )
    return _table(
        ["bucket", "train docs", "train MB", "train share", "held-out docs", "held-out MB", "held-out share"], rows
    )


def group_table(plans: dict[str, dict[str, GroupPlan]], written: dict[str, list[Doc]]) -> list[str]:
    rows = []
    for split in SPLITS:
        size = sum(d.nbytes for d in written[split])
        got = _totals(written[split], lambda d: d.group)
        for group, plan in plans[split].items():
            rows.append(
                [
                    group,
                    split,
                    _mb(plan.available),
                    _mb(plan.budget),
                    f"{plan.fraction:.3f}",
                    f"{plan.repeat:.2f}",
                    _mb(got.get(group, (0, 0))[1]),
                    _share(got.get(group, (0, 0))[1], size),
                ]
            )
    return _table(
        ["group", "split", "available MB", "budget MB", "kept fraction", "repeat", "written MB", "share of split"], rows
    )


def source_table(sources: Sequence[Source], available: Sequence[Doc], written: dict[str, list[Doc]]) -> list[str]:
    avail = _totals(available, lambda d: (d.src, d.split))
    rows = []
    for split in SPLITS:
        size = sum(d.nbytes for d in written[split])
        got = _totals(written[split], lambda d: d.src)
        for source in sources:
            if (source.name, split) not in avail:
                continue
            docs, nbytes = got.get(source.name, (0, 0))
            rows.append(
                [
                    source.name,
                    source.bucket,
                    split,
                    docs,
                    _mb(nbytes),
                    _share(nbytes, size),
                    _mb(avail[(source.name, split)][1]),
                ]
            )
    return _table(["source", "bucket", "split", "docs", "MB", "share of split", "available MB"], rows)


def cleaning_table(sources: Sequence[Source], stats: Stats) -> list[str]:
    rows = []
    for source in sources:
        counts = stats.counts.get(source.name)
        if counts:
            rows.append([source.name, counts["files"]] + [counts[r] for r in DROP_REASONS])
    return _table(["source", "files read"] + list(DROP_REASONS), rows)


def render(
    command: str,
    settings: dict,
    sources: Sequence[Source],
    stats: Stats,
    available: Sequence[Doc],
    written: dict[str, list[Doc]],
    plans: dict[str, dict[str, GroupPlan]],
) -> str:
    lines = [
        "# Corpus report",
        "",
        f"Command: `{command}`",
        "",
        "Sizes are MB = 10^6 bytes of UTF-8 text. 'available' is clean, deduplicated text before "
        "the size budget; 'written' includes repeats of upsampled groups.",
        "",
        "Settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
        "",
        "## Per bucket",
        "",
    ]
    lines += bucket_table(written)
    lines += ["## Per mix group", ""] + group_table(plans, written)
    lines += ["## Per source", ""] + source_table(sources, available, written)
    lines += [
        "## Cleaning (files read, and what was dropped: per file, or per 64 KB chunk for longer files; duplicates are chunks)",
        "",
    ]
    lines += cleaning_table(sources, stats)
    return "\n".join(lines)
