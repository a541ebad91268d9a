"""Merge built corpora into one sample (for the tokenizer study before a full large build exists).

    /usr/bin/python3 -m models.corpus.sample --out /tmp/study data/corpus /tmp/cl-det1

train.jsonl interleaves the inputs' train documents round-robin (so any prefix sees all of them),
heldout.jsonl concatenates their held-out documents; TypeScript documents get the large preset's
`code-ts` bucket. Deterministic: same inputs, same bytes.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Iterator, Sequence


def _docs(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        for line in handle:
            doc = json.loads(line)
            if doc.get("lang") == "typescript" and doc.get("bucket") != "code-ts":
                doc["bucket"] = "code-ts"
                line = (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")
            yield line


def merge(inputs: Sequence[Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "train.jsonl", "wb") as handle:
        streams = [_docs(folder / "train.jsonl") for folder in inputs]
        for group in itertools.zip_longest(*streams):
            handle.writelines(line for line in group if line is not None)
    with open(out / "heldout.jsonl", "wb") as handle:
        for folder in inputs:
            handle.writelines(_docs(folder / "heldout.jsonl"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m models.corpus.sample", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("inputs", type=Path, nargs="+", help="folders holding train.jsonl and heldout.jsonl")
    args = parser.parse_args(argv)
    merge(args.inputs, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
