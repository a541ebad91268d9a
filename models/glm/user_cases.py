"""User-shaped blank cases: what a user selects in a file of a project, with the rest of the project as context.

    /usr/bin/python3 -m models.glm.user_cases --corpus data/corpus --out data/user [--per-cell 30]

Writes `dev/cases.jsonl` and `test/cases.jsonl` (held-out documents split in two by a hash of their path, so a
document gives cases to one split only) and `files/` (the context files the cases name). Each case is a whole
held-out document with one blank of a *shape* — what the user selected:

- code (Go, JavaScript, TypeScript, Python, Rust): `identifier` (one identifier, not a keyword), `argument` (the
  single identifier argument of a call), `bracket` (a closing bracket), `line` (a whole line, without its
  indentation), `cursor` (an empty selection inside a line: the rest of the line is what should come);
- Markdown and prose: `word`, `sentence`, `cursor`.

`contextFiles` are up to three other held-out documents of the same package (same source, nearest directory
first): what the other files of a user's workspace would give a context cache. TypeScript (held out: zod) is a
bucket of its own, `code-ts`.

Every case carries the floor of its group (bucket × shape), as issue 14 defines it: every blank of the group filled
with the group's most frequent answer, or — where all answers differ — with one arbitrary answer of the right kind
and typical length (the one of median length; it matches its own case, so such a floor is 1/n exact). A leave-one-out
floor was tried and dropped: with two equally frequent answers (`)` and `}` in JavaScript) it scores 0.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Tuple

from models.glm.eval_cases import ARGUMENT, CLOSING_BRACKET, IDENTIFIER, KEYWORDS, SENTENCE, read_jsonl

CODE_SHAPES = ("identifier", "argument", "bracket", "line", "cursor")
TEXT_SHAPES = ("word", "sentence", "cursor")
WORD = re.compile(r"(?<![\w'-])[A-Za-z]{3,}(?![\w'-])")
CONTEXT_FILES = 3
MAX_DOC_CHARS = 64_000


def bucket_of(doc: dict) -> str:
    if doc["bucket"] == "code-js" and re.search(r"\.(ts|tsx|mts|cts)$", doc["path"]):
        return "code-ts"
    return doc["bucket"]


def split_of(doc: dict) -> str:
    digest = hashlib.sha256(f"{doc['src']}:{doc['path']}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def shapes_of(bucket: str) -> Tuple[str, ...]:
    return CODE_SHAPES if bucket.startswith("code") else TEXT_SHAPES


def lines(text: str) -> List[re.Match]:
    return [m for m in re.finditer(r"[^\n]+", text) if len(m.group().strip()) >= 8]


def shape_blank(shape: str, text: str, rng: random.Random) -> Optional[Tuple[int, int]]:
    """The characters a user would select for `shape`, or None when the draw misses."""
    if shape == "identifier":
        spans = [m.span() for m in IDENTIFIER.finditer(text) if m.group().lower() not in KEYWORDS]
    elif shape == "argument":
        spans = [m.span(1) for m in ARGUMENT.finditer(text)]
    elif shape == "bracket":
        spans = [m.span() for m in CLOSING_BRACKET.finditer(text)]
    elif shape == "word":
        spans = [m.span() for m in WORD.finditer(text)]
    elif shape == "sentence":
        spans = [
            (m.start() + len(m.group()) - len(m.group().lstrip()), m.end())
            for m in SENTENCE.finditer(text)
            if 20 <= len(m.group().strip()) <= 300
        ]
    elif shape == "line":
        spans = [(m.start() + len(m.group()) - len(m.group().lstrip()), m.end()) for m in lines(text)]
    else:  # cursor: a point after the indentation and at least one word into a line; the rest of the line is the answer
        spans = []
        for m in lines(text):
            body = m.start() + len(m.group()) - len(m.group().lstrip())
            cuts = [c.end() for c in re.finditer(r"\w+", text[body : m.end()]) if body + c.end() < m.end() - 1]
            if cuts:
                spans.append((body + rng.choice(cuts), m.end()))
    if not spans:
        return None
    start, end = rng.choice(spans)
    # A blank never starts with spaces: the one space before it belongs to the blank by the marker rule.
    while start < end and text[start] == " " and shape == "cursor":
        start += 1
    return (start, end) if text[start:end].strip() else None


def package_files(docs: List[dict]) -> Dict[str, List[dict]]:
    by_src: Dict[str, List[dict]] = defaultdict(list)
    for doc in docs:
        by_src[doc["src"]].append(doc)
    return by_src


def context_for(doc: dict, package: List[dict]) -> List[dict]:
    """Up to CONTEXT_FILES other documents of the package, those sharing the longest path prefix first."""

    def shared(other: dict) -> int:
        a, b = doc["path"].split("/"), other["path"].split("/")
        n = 0
        while n < min(len(a), len(b)) - 1 and a[n] == b[n]:
            n += 1
        return n

    others = [d for d in package if d is not doc and bucket_of(d) == bucket_of(doc)]
    others.sort(key=lambda d: (-shared(d), d["path"]))
    return others[:CONTEXT_FILES]


def file_name(doc: dict) -> str:
    digest = hashlib.sha256(f"{doc['src']}:{doc['path']}:{doc['text'][:200]}".encode()).hexdigest()[:16]
    ext = os.path.splitext(doc["path"])[1] or ".txt"
    return f"{digest}{ext}"


def floor_answer(answers: List[str]) -> str:
    counts = Counter(answers)
    top, n = counts.most_common(1)[0]
    if n > 1:
        return top
    by_length = sorted(answers, key=lambda a: (len(a), a))
    return by_length[len(by_length) // 2]


def make_cases(docs: List[dict], per_cell: int, rng: random.Random, split: str) -> Tuple[List[dict], Dict[str, dict]]:
    packages = package_files(docs)
    mine = defaultdict(list)
    for doc in docs:
        if split_of(doc) == split and 400 <= len(doc["text"]) <= MAX_DOC_CHARS:
            mine[bucket_of(doc)].append(doc)
    cases, files = [], {}
    for bucket in sorted(mine):
        for shape in shapes_of(bucket):
            made, tries = 0, 0
            while made < per_cell and tries < per_cell * 50:
                tries += 1
                doc = rng.choice(mine[bucket[:]])
                blank = shape_blank(shape, doc["text"], rng)
                if blank is None or re.search(r"\[[a-z]*mask\]", doc["text"], re.I):
                    continue
                start, end = blank
                context = context_for(doc, packages[doc["src"]])
                for other in context:
                    files[file_name(other)] = other
                cases.append(
                    {
                        "id": f"{bucket}/{shape}/{made}",
                        "bucket": bucket,
                        "kind": shape,
                        "shape": shape,
                        "mode": "span",
                        "source": f"{doc['src']}:{doc['path']}",
                        "text": doc["text"],
                        "blanks": [{"start": start, "end": end, "original": doc["text"][start:end]}],
                        "contextFiles": [f"files/{file_name(o)}" for o in context],
                    }
                )
                made += 1
    groups = defaultdict(list)
    for case in cases:
        groups[(case["bucket"], case["shape"])].append(case["blanks"][0]["original"])
    for case in cases:
        case["baseline"] = floor_answer(groups[(case["bucket"], case["shape"])])
    return cases, files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--out", default="data/user")
    ap.add_argument("--per-cell", type=int, default=30, help="cases per bucket and shape, in each split")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    docs = list(read_jsonl(os.path.join(args.corpus, "heldout.jsonl")))
    os.makedirs(os.path.join(args.out, "files"), exist_ok=True)
    for split in ("dev", "test"):
        cases, files = make_cases(docs, args.per_cell, random.Random(f"{args.seed}/{split}"), split)
        for name, doc in files.items():
            with open(os.path.join(args.out, "files", name), "w", encoding="utf-8", newline="") as f:
                f.write(doc["text"])
        os.makedirs(os.path.join(args.out, split), exist_ok=True)
        with open(os.path.join(args.out, split, "cases.jsonl"), "w", encoding="utf-8") as f:
            for case in cases:
                case["contextFiles"] = [f"../{p}" for p in case["contextFiles"]]
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        cells = Counter(c["id"].rsplit("/", 1)[0] for c in cases)
        print(
            f"{split}: {len(cases)} cases, {len(files)} context files: "
            + ", ".join(f"{k} {v}" for k, v in sorted(cells.items()))
        )


if __name__ == "__main__":
    main()
