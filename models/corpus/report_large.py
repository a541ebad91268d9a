"""The large preset's report: unique tokens per bucket, licences, duplicates, drops, held-out packages."""
from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Sequence

MB = 1_000_000
SAMPLE_BYTES = 400_000  # per bucket, from the shuffled train file, for the bytes/token estimate


def _table(header: Sequence[str], rows: list[Sequence]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def bytes_per_token(train: Path, tokenizer: Path) -> dict[str, float]:
    """Bytes per token of each bucket, measured on the first SAMPLE_BYTES of its documents in the
    (hash-shuffled) train file with `tokenizer`."""
    from models.glm.tokenizer import BPETokenizer

    tok = BPETokenizer.load(str(tokenizer))
    seen: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with open(train, encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            counts = seen[doc["bucket"]]
            if counts[0] >= SAMPLE_BYTES:
                continue
            counts[0] += len(doc["text"].encode("utf-8"))
            counts[1] += len(tok.encode_plain(doc["text"]))
    return {bucket: nbytes / max(ntokens, 1) for bucket, (nbytes, ntokens) in seen.items()}


def _du(path: Path) -> str:
    done = subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True)
    return done.stdout.split()[0] if done.returncode == 0 and done.stdout else "?"


def render(command, kept, tally, outputs, out: Path, cache: Path, elapsed: dict, tokenizer: Path) -> str:
    ratios = bytes_per_token(out / "train.jsonl", tokenizer)
    lines = [
        "# Corpus report (large preset)",
        "",
        f"Command: `{command}`",
        "",
        "MB = 10^6 bytes of UTF-8 text. Tokens are estimated: each bucket's bytes divided by its bytes/token, "
        f"measured with `{tokenizer.name}` on the first {SAMPLE_BYTES // 1000} KB of that bucket in the "
        "shuffled train file. Every kept text appears once (no repeats).",
        "",
    ]
    lines += _bucket_section(kept, ratios)
    lines += _source_section(kept, tally)
    lines += _licence_section(kept, tally)
    lines += _drop_section(tally)
    lines += _heldout_section(tally)
    lines += [
        "## Outputs, disk and time",
        "",
        *_table(
            ["file", "documents", "MB", "sha256"],
            [[n, o["documents"], f"{o['bytes'] / MB:.1f}", f"`{o['sha256']}`"] for n, o in sorted(outputs.items())],
        ),
        "",
        f"Disk: output folder {_du(out)} (downloads included when they live in it), download cache {_du(cache)}.",
        f"Wall time: fetching {elapsed['fetch_s']} s, total {elapsed['total_s']} s.",
    ]
    return "\n".join(lines)


def _bucket_section(kept, ratios) -> list[str]:
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (split, bucket, _src, _lic), (docs, nbytes) in kept.items():
        totals[(split, bucket)][0] += docs
        totals[(split, bucket)][1] += nbytes
    buckets = sorted({b for _s, b in totals})
    rows, all_tokens = [], 0.0
    for bucket in buckets:
        train, held = totals.get(("train", bucket), [0, 0]), totals.get(("heldout", bucket), [0, 0])
        ratio = ratios.get(bucket)
        tokens = train[1] / ratio if ratio else 0.0
        all_tokens += tokens
        rows.append(
            [
                bucket,
                train[0],
                f"{train[1] / MB:.1f}",
                f"{ratio:.2f}" if ratio else "-",
                f"{tokens / 1e6:.1f}",
                held[0],
                f"{held[1] / MB:.1f}",
            ]
        )
    train_bytes = sum(v[1] for (s, _b), v in totals.items() if s == "train")
    held_bytes = sum(v[1] for (s, _b), v in totals.items() if s == "heldout")
    rows.append(
        ["**total**", "", f"{train_bytes / MB:.1f}", "", f"**{all_tokens / 1e6:.1f}**", "", f"{held_bytes / MB:.1f}"]
    )
    header = [
        "bucket",
        "train docs",
        "train MB",
        "bytes/token",
        "train M tokens (est.)",
        "held-out docs",
        "held-out MB",
    ]
    return ["## Unique text per bucket", "", *_table(header, rows), ""]


def _source_section(kept, tally) -> list[str]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (split, _bucket, src, _lic), (docs, nbytes) in kept.items():
        offset = 0 if split == "train" else 2
        per[src][offset] += docs
        per[src][offset + 1] += nbytes
    rows = [
        [src, v[0], f"{v[1] / MB:.2f}", v[2], f"{v[3] / MB:.2f}", tally.exact.get(src, 0), tally.near.get(src, 0)]
        for src, v in sorted(per.items(), key=lambda kv: -kv[1][1])
    ]
    exact, near = sum(tally.exact.values()), sum(tally.near.values())
    rows.append(["**total**", "", "", "", "", exact, near])
    header = ["source", "train docs", "train MB", "held-out docs", "held-out MB", "exact dups", "near dups"]
    return [
        "## Per source, with the duplicates removed",
        "",
        "Exact: same text after whitespace normalisation. Near: MinHash (64 permutations, 32-byte shingles at "
        "word starts, 8 bands x 8 rows) with at least 80% of the signature equal to an earlier kept document.",
        "",
        *_table(header, rows),
        "",
    ]


def _licence_section(kept, tally) -> list[str]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (split, _bucket, _src, lic), (docs, nbytes) in kept.items():
        offset = 0 if split == "train" else 2
        per[lic][offset] += docs
        per[lic][offset + 1] += nbytes
    rows = [
        [lic, v[0], f"{v[1] / MB:.2f}", v[2], f"{v[3] / MB:.2f}"]
        for lic, v in sorted(per.items(), key=lambda kv: -kv[1][1])
    ]
    dropped = [[expr, n] for expr, n in tally.dropped_licences.most_common(30)]
    return [
        "## Licences kept (SPDX)",
        "",
        *_table(["licence", "train docs", "train MB", "held-out docs", "held-out MB"], rows),
        "",
        "## Licences dropped (DEP-5 expression of the matching Files: stanza; top 30 by files)",
        "",
        *_table(["licence", "files"], dropped),
        "",
    ]


def _drop_section(tally) -> list[str]:
    reasons = sorted({r for counts in tally.stats.counts.values() for r in counts})
    sources = sorted(tally.stats.counts)
    rows = [[reason] + [tally.stats.counts[s].get(reason, 0) for s in sources] for reason in reasons]
    empty = ", ".join(f"{family} {n}" for family, n in sorted(tally.empty_packages.items()))
    return [
        "## Files and chunks dropped, by reason and source",
        "",
        "Counts are files for path, licence and decoding reasons, 64 KB chunks for the quality filters.",
        "",
        *_table(["reason"] + sources, rows),
        "",
        f"Debian packages that gave no document at all: {empty or 'none'}.",
        "",
    ]


def _heldout_section(tally) -> list[str]:
    projects: dict[str, list[str]] = defaultdict(list)
    for package, project in tally.heldout_packages.items():
        projects[project].append(package)
    listing = "; ".join(f"{p}: {', '.join(sorted(pk))}" for p, pk in sorted(projects.items()))
    return [
        "## Held-out Debian packages",
        "",
        f"{len(tally.heldout_packages)} packages of {len(projects)} projects (a project is held out in every "
        "version and packaging; the catalogue's held-out sources stay held out, see split.project_split):",
        "",
        listing,
        "",
    ]
