"""Token files for the multi-task mix ablation (docs/ablation.md), cut from the existing corpus.

    /usr/bin/python3 -m models.glm.ablation_data --corpus data/corpus --tokenizer models/default/tokenizer.json \
        --out runs/ablation/tokens --every 4

`train.bin/.idx`: every `every`-th training document (file order spreads it over all sources and buckets), tokenized
with the shipped tokenizer. `val.bin/.idx`: the held-out split's development documents (`user_cases.split_of`), never
a test document, with `val.buckets.json` naming each one's bucket (Go, JS/TS, Python, Rust, Markdown, prose) for the
per-bucket losses.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from typing import Iterator, List, Tuple

from .data import write_documents
from .prepare import is_development, read_documents
from .tokenizer import BPETokenizer


def every_nth(docs: Iterator[dict], every: int) -> Iterator[dict]:
    return (doc for i, doc in enumerate(docs) if i % every == 0)


def tokenize(tok: BPETokenizer, docs: Iterator[dict]) -> Tuple[List[List[int]], List[str]]:
    ids, buckets = [], []
    for doc in docs:
        try:
            ids.append(tok.encode_plain(doc["text"]))
        except ValueError as e:  # text the tokenizer refuses (none in the corpus as built)
            print(f"skipping {doc.get('src')}:{doc.get('path')}: {e}")
            continue
        buckets.append(doc["bucket"])
    return ids, buckets


def write_split(out: str, name: str, ids: List[List[int]], buckets: List[str]) -> dict:
    write_documents(os.path.join(out, name), ids)
    with open(os.path.join(out, f"{name}.buckets.json"), "w") as f:
        json.dump(buckets, f)
    counts: dict = {}
    for doc, bucket in zip(ids, buckets):
        c = counts.setdefault(bucket, {"docs": 0, "tokens": 0})
        c["docs"] += 1
        c["tokens"] += len(doc)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--tokenizer", default="models/default/tokenizer.json")
    ap.add_argument("--out", default="runs/ablation/tokens")
    ap.add_argument("--every", type=int, default=4, help="keep every N-th training document")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    tok = BPETokenizer.load(args.tokenizer)
    shutil.copy(args.tokenizer, os.path.join(args.out, "tokenizer.json"))
    report = {"every": args.every, "tokenizer": args.tokenizer}
    for name, split, keep in (
        ("train", "train.jsonl", lambda docs: every_nth(docs, args.every)),
        ("val", "heldout.jsonl", lambda docs: filter(is_development, docs)),
    ):
        started = time.time()
        ids, buckets = tokenize(tok, keep(read_documents(os.path.join(args.corpus, split))))
        report[name] = write_split(args.out, name, ids, buckets)
        print(
            f"{name}: {sum(map(len, ids)) / 1e6:.2f} M tokens in {len(ids)} documents, {time.time() - started:.0f} s",
            flush=True,
        )
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
