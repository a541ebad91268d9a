"""Corpus (jsonl from models.corpus.build) → tokenizer.json and flat token files for training.

    /usr/bin/python3 -m models.glm.prepare --corpus data/corpus --out data/tokens --vocab-size 8192

Trains the byte-level BPE on a deterministic sample of the train split (every bucket represented), then
tokenizes every document: `train.bin/.idx` from the train split, `val.bin/.idx` from the held-out split's
development documents only (`user_cases.split_of`): the test cases' documents never choose a checkpoint.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from typing import Iterator, List

from .data import write_documents
from .tokenizer import BPETokenizer, train_bpe
from .user_cases import split_of


def read_documents(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def is_development(doc: dict) -> bool:
    """A held-out document of the development split, which the test cases never draw from."""
    return split_of(doc) == "dev"


def tokenizer_sample(path: str, max_bytes: int, every: int) -> List[str]:
    """Every `every`-th document until max_bytes: spreads the sample over all sources in file order."""
    texts, size = [], 0
    for i, doc in enumerate(read_documents(path)):
        if i % every == 0:
            texts.append(doc["text"])
            size += len(doc["text"])
            if size >= max_bytes:
                break
    return texts


def tokenize_split(tok: BPETokenizer, src: str, prefix: str, keep=lambda doc: True) -> dict:
    docs, buckets = [], {}
    for doc in filter(keep, read_documents(src)):
        try:
            ids = tok.encode_plain(doc["text"])
        except ValueError as e:
            print(f"skipping {doc.get('src')}:{doc.get('path')}: {e}")
            continue
        docs.append(ids)
        b = buckets.setdefault(doc.get("bucket", "?"), {"docs": 0, "tokens": 0, "bytes": 0})
        b["docs"] += 1
        b["tokens"] += len(ids)
        b["bytes"] += len(doc["text"].encode("utf-8"))
    write_documents(prefix, docs)
    return buckets


def heldout_by_bucket(path: str, max_bytes_per_bucket: int) -> dict:
    """Up to max_bytes_per_bucket of each bucket's held-out documents, taken in the order of a hash
    of their path so that every source of the bucket is represented (the file is sorted by source)."""
    by_bucket: dict = {}
    for doc in read_documents(path):
        key = hashlib.sha256(doc.get("path", "").encode("utf-8")).digest()
        by_bucket.setdefault(doc.get("bucket", "?"), []).append((key, doc["text"]))
    texts: dict = {}
    for bucket, docs in by_bucket.items():
        size = 0
        for _key, text in sorted(docs):
            if size >= max_bytes_per_bucket:
                break
            texts.setdefault(bucket, []).append(text)
            size += len(text.encode("utf-8"))
    return texts


def vocab_study(args) -> None:
    """Compression (bytes/token) on held-out text, overall and per bucket, and encode speed for
    several vocabulary sizes (with --isolate-brackets: brackets as tokens of their own)."""
    sample = tokenizer_sample(os.path.join(args.corpus, "train.jsonl"), int(args.sample_mb * 1e6), args.sample_every)
    heldout = heldout_by_bucket(os.path.join(args.corpus, "heldout.jsonl"), int(args.study_heldout_mb * 1e6))
    rows = []
    for vocab in args.study:
        t0 = time.time()
        if vocab == 0:  # the tokenizer given with --tokenizer, as the baseline
            tok = BPETokenizer.load(args.tokenizer)
        else:
            tok = train_bpe(sample, vocab, isolate_brackets=args.isolate_brackets)
        trained = time.time() - t0
        t0 = time.time()
        per_bucket, total_bytes, total_tokens = {}, 0, 0
        for bucket, texts in sorted(heldout.items()):
            nbytes = sum(len(t.encode("utf-8")) for t in texts)
            ntokens = sum(len(tok.encode_plain(t)) for t in texts)
            per_bucket[bucket] = round(nbytes / max(ntokens, 1), 3)
            total_bytes, total_tokens = total_bytes + nbytes, total_tokens + ntokens
        row = {
            "vocab": tok.size if vocab == 0 else vocab,
            "tokenizer": args.tokenizer if vocab == 0 else "trained",
            "isolate_brackets": tok.isolate_brackets if vocab == 0 else args.isolate_brackets,
            "sample_mb": round(sum(len(t.encode("utf-8")) for t in sample) / 1e6, 1),
            "heldout_bytes_per_token": round(total_bytes / max(total_tokens, 1), 3),
            "per_bucket": per_bucket,
            "train_s": round(trained),
            "encode_MB_per_s": round(total_bytes / 1e6 / (time.time() - t0), 2),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.study_out:
        with open(args.study_out, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--out", default="data/tokens")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--sample-mb", type=float, default=24, help="text used to learn the merges")
    ap.add_argument("--sample-every", type=int, default=7)
    ap.add_argument("--tokenizer", help="reuse this tokenizer.json instead of training one")
    ap.add_argument(
        "--isolate-brackets",
        action="store_true",
        help="every bracket a token of its own (with --tokenizer: re-tokenize with its merges)",
    )
    ap.add_argument(
        "--study",
        type=int,
        nargs="+",
        help="only compare these vocabulary sizes, write nothing (0: the --tokenizer file, as a baseline)",
    )
    ap.add_argument("--study-heldout-mb", type=float, default=0.5, help="held-out text per bucket for --study")
    ap.add_argument("--study-out", help="with --study: also write the rows as JSON here")
    args = ap.parse_args()
    if args.study:
        return vocab_study(args)
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    if args.tokenizer:
        tok = BPETokenizer.load(args.tokenizer)
        if args.isolate_brackets:
            tok = BPETokenizer(tok.merges, tok.symbols, isolate_brackets=True)
    else:
        sample = tokenizer_sample(
            os.path.join(args.corpus, "train.jsonl"), int(args.sample_mb * 1e6), args.sample_every
        )
        tok = train_bpe(
            sample,
            args.vocab_size,
            progress=lambda n: print(f"  {n} merges", flush=True),
            isolate_brackets=args.isolate_brackets,
        )
        print(
            f"tokenizer: {tok.size} tokens from {sum(map(len, sample)) / 1e6:.1f} MB in {time.time() - started:.0f} s"
        )
    tok.save(os.path.join(args.out, "tokenizer.json"))
    report = {"vocab_size": tok.size}
    for split, name, keep in (("train", "train", lambda doc: True), ("heldout", "val", is_development)):
        t0 = time.time()
        report[name] = tokenize_split(
            tok, os.path.join(args.corpus, f"{split}.jsonl"), os.path.join(args.out, name), keep
        )
        tokens = sum(b["tokens"] for b in report[name].values())
        size = sum(b["bytes"] for b in report[name].values())
        print(f"{name}: {tokens / 1e6:.1f} M tokens, {size / max(tokens, 1):.2f} bytes/token, {time.time() - t0:.0f} s")
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
