"""Held-out infilling cases for the evaluation command (deterministic for a seed).

    /usr/bin/python3 -m models.glm.eval_cases --corpus data/corpus --out data/eval [--per-cell 40]

Writes `cases.jsonl`: per bucket (code by language, Markdown, prose) and blank kind — `short` (1–3 words,
identifiers, brackets, operators: span mode), `line` (a line of code or a sentence: sentence mode), `long` (a
block of lines or a paragraph: document mode) — a window of held-out text with one blank; and `ratio` cases
(paper Table 5 style): whitespace words masked at 10–50%, consecutive masked words merged into one blank.
Every case carries the trivial baseline: the most frequent span of its bucket and kind on the *train* split.

Everyday jobs (`--jobs --out data/jobs`): one-token-ish blanks of four kinds a user meets daily, each a `[MASK]`
span — `bracket` (a closing `)`, `]` or `}` in code), `identifier` (an identifier that occurs elsewhere in the
window the model sees; keywords and common English words excluded), `argument` (the single identifier argument of a call, `len(items)`), and
`word` (a common English word in Markdown or prose) — with the same baseline rule.

A development split for decoding choices (`--dev-of data/eval/cases.jsonl --out data/dev --seed 7`): blank cases
from held-out documents that no test case was drawn from and that hold none of the test's ratio paragraphs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
from collections import Counter, defaultdict
from typing import Dict, Iterator, List, Optional, Tuple

KINDS = ("short", "line", "long")
JOB_KINDS = ("bracket", "identifier", "argument", "word")
MODE = {"short": "span", "line": "sentence", "long": "document", **{job: "span" for job in JOB_KINDS}}
RATIOS = (0.1, 0.2, 0.3, 0.4, 0.5)
BEFORE, AFTER = 1200, 500  # context characters around a blank (the model sees at most 512 tokens)
PIECE = re.compile(r"\w+|[^\w\s]+")
SENTENCE = re.compile(r"[^.!?\n]*[.!?]")


def read_jsonl(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def is_code(bucket: str) -> bool:
    return bucket.startswith("code")


def short_blank(text: str, rng: random.Random) -> Optional[Tuple[int, int]]:
    pieces = list(PIECE.finditer(text))
    if len(pieces) < 10:
        return None
    i = rng.randrange(len(pieces) - 3)
    n = rng.choice((1, 1, 1, 2, 3))
    start, end = pieces[i].start(), pieces[i + n - 1].end()
    if "\n" in text[start:end]:
        return None
    return start, end


def line_blank(text: str, bucket: str, rng: random.Random) -> Optional[Tuple[int, int]]:
    if is_code(bucket):
        lines = [m for m in re.finditer(r"[^\n]+", text) if len(m.group().strip()) >= 8]
        if not lines:
            return None
        m = rng.choice(lines)
        indent = len(m.group()) - len(m.group().lstrip())
        return m.start() + indent, m.end()
    sentences = [m for m in SENTENCE.finditer(text) if 20 <= len(m.group().strip()) <= 300]
    if not sentences:
        return None
    m = rng.choice(sentences)
    lead = len(m.group()) - len(m.group().lstrip())
    return m.start() + lead, m.end()


def long_blank(text: str, bucket: str, rng: random.Random) -> Optional[Tuple[int, int]]:
    if is_code(bucket):
        lines = list(re.finditer(r"[^\n]*\n", text))
        if len(lines) < 12:
            return None
        n = rng.randint(3, 8)
        i = rng.randrange(1, len(lines) - n - 1)
        start, end = lines[i].start(), lines[i + n - 1].end() - 1
        return (start, end) if text[start:end].strip() and end - start <= 600 else None
    paragraphs = [m for m in re.finditer(r"[^\n](?:[^\n]|\n(?!\n))*", text) if 80 <= len(m.group()) <= 600]
    if not paragraphs:
        return None
    m = rng.choice(paragraphs)
    return m.start(), m.end()


CLOSING_BRACKET = re.compile(r"[)\]}]")
IDENTIFIER = re.compile(r"(?<![\w$])[A-Za-z_][A-Za-z0-9_]{2,}(?![\w$])")
ARGUMENT = re.compile(r"\w\(([A-Za-z_]\w*)\)")
COMMON_WORD = re.compile(
    r"(?<![\w-])(?:the|of|and|to|in|is|it|that|for|as|with|was|on|be|by|this|are|or|from|at"
    r"|an|not|which|but|have|his|he|you|can|will|all|if|has|one|they|we|when|there|so)(?![\w-])"
)
KEYWORDS = frozenset(
    """and as assert async await break case catch class const continue def default del defer elif else enum
    except export extends false final finally fn for from func function go if impl import in interface is let loop match mod
    mut new nil none not null or package pass pub raise return self static struct super switch this throw true try type
    typeof use var void where while with yield""".split()
)


def job_blank(kind: str, text: str, bucket: str, rng: random.Random) -> Optional[Tuple[int, int]]:
    """An everyday-job blank (JOB_KINDS) in `text`, or None when the bucket has no such job or the draw misses."""
    if is_code(bucket) == (kind == "word"):
        return None
    if kind == "bracket":
        spans = [m.span() for m in CLOSING_BRACKET.finditer(text)]
    elif kind == "argument":
        spans = [m.span(1) for m in ARGUMENT.finditer(text)]
    elif kind == "word":
        spans = [m.span() for m in COMMON_WORD.finditer(text)]
    else:
        spans = [
            m.span()
            for m in IDENTIFIER.finditer(text)
            if m.group().lower() not in KEYWORDS and not COMMON_WORD.fullmatch(m.group().lower())
        ]
    if not spans:
        return None
    start, end = rng.choice(spans)
    if kind == "identifier":  # it must occur elsewhere in what the model sees
        shown, s, e = window(text, start, end)
        others = [m for m in IDENTIFIER.finditer(shown) if m.group() == text[start:end] and m.start() != s]
        if not others:
            return None
    return start, end


def pick_blank(kind: str, text: str, bucket: str, rng: random.Random) -> Optional[Tuple[int, int]]:
    if kind in JOB_KINDS:
        return job_blank(kind, text, bucket, rng)
    if kind == "short":
        return short_blank(text, rng)
    if kind == "line":
        return line_blank(text, bucket, rng)
    return long_blank(text, bucket, rng)


def window(text: str, start: int, end: int) -> Tuple[str, int, int]:
    """Context around [start, end), cut at line starts/ends so no line is half shown."""
    lo = max(0, start - BEFORE)
    if lo > 0:
        nl = text.find("\n", lo, start)
        lo = nl + 1 if nl != -1 else lo
    hi = min(len(text), end + AFTER)
    if hi < len(text):
        nl = text.rfind("\n", end, hi)
        hi = nl if nl != -1 else hi
    return text[lo:hi], start - lo, end - lo


def docs_by_bucket(path: str, limit_per_bucket: int) -> Dict[str, List[dict]]:
    out: Dict[str, List[dict]] = defaultdict(list)
    for doc in read_jsonl(path):
        if len(out[doc["bucket"]]) < limit_per_bucket and len(doc["text"]) >= 400:
            out[doc["bucket"]].append(doc)
    return out


def docs_outside(heldout: Dict[str, List[dict]], test_cases: List[dict]) -> Dict[str, List[dict]]:
    """Held-out documents untouched by the test cases: not the source of a blank case, holding no ratio paragraph."""
    used = {c["source"] for c in test_cases if c["bucket"] != "ratio"}
    paragraphs = [c["text"] for c in test_cases if c["bucket"] == "ratio"]
    return {
        bucket: kept
        for bucket, docs in heldout.items()
        if (
            kept := [
                d for d in docs if f"{d['src']}:{d['path']}" not in used and not any(p in d["text"] for p in paragraphs)
            ]
        )
    }


def blank_cases(
    heldout: Dict[str, List[dict]], per_cell: int, rng: random.Random, kinds: Tuple[str, ...] = KINDS
) -> List[dict]:
    cases = []
    for bucket in sorted(heldout):
        docs = heldout[bucket]
        for kind in kinds:
            made, tries = 0, 0
            while made < per_cell and tries < per_cell * 50:
                tries += 1
                doc = rng.choice(docs)
                blank = pick_blank(kind, doc["text"], bucket, rng)
                if blank is None:
                    continue
                text, start, end = window(doc["text"], *blank)
                cases.append(
                    {
                        "id": f"{bucket}/{kind}/{made}",
                        "bucket": bucket,
                        "kind": kind,
                        "mode": MODE[kind],
                        "source": f"{doc['src']}:{doc['path']}",
                        "text": text,
                        "blanks": [{"start": start, "end": end, "original": text[start:end]}],
                    }
                )
                made += 1
    return cases


def ratio_cases(heldout: Dict[str, List[dict]], per_ratio: int, rng: random.Random) -> List[dict]:
    """Yahoo-infilling style: prose paragraphs with whitespace words masked at ratio r (spans merged)."""
    paragraphs = []
    for bucket in ("prose", "markdown"):
        for doc in heldout.get(bucket, []):
            for m in re.finditer(r"[^\n](?:[^\n]|\n(?!\n))*", doc["text"]):
                words = m.group().split()
                if 40 <= len(words) <= 120 and not m.group().lstrip().startswith(("```", "    ", "|")):
                    paragraphs.append(m.group())
    rng.shuffle(paragraphs)
    cases = []
    for ratio in RATIOS:
        for i, text in enumerate(paragraphs[:per_ratio]):
            words = list(re.finditer(r"\S+", text))
            chosen = sorted(rng.sample(range(len(words)), max(1, round(ratio * len(words)))))
            blanks, run = [], []
            for w in chosen + [None]:
                if run and (w is None or w != run[-1] + 1):
                    start, end = words[run[0]].start(), words[run[-1]].end()
                    blanks.append({"start": start, "end": end, "original": text[start:end]})
                    run = []
                if w is not None:
                    run.append(w)
            cases.append(
                {
                    "id": f"ratio/{ratio}/{i}",
                    "bucket": "ratio",
                    "kind": f"ratio-{int(ratio * 100)}",
                    "mode": "span",
                    "ratio": ratio,
                    "source": "prose+markdown held out",
                    "text": text,
                    "blanks": blanks,
                }
            )
    return cases


def baselines(
    train_path: str, buckets: List[str], rng: random.Random, per_bucket_docs: int = 300, kinds: Tuple[str, ...] = KINDS
) -> Dict[str, str]:
    """Most frequent original span per bucket and kind, sampled the same way from the train split."""
    docs = docs_by_bucket(train_path, per_bucket_docs)
    result = {}
    for bucket in buckets:
        for kind in kinds:
            counts: Counter = Counter()
            for doc in docs.get(bucket, []):
                for _ in range(5):
                    blank = pick_blank(kind, doc["text"], bucket, rng)
                    if blank:
                        counts[doc["text"][blank[0] : blank[1]]] += 1
            result[f"{bucket}/{kind}"] = counts.most_common(1)[0][0] if counts else ""
    counts = Counter()
    for bucket in ("prose", "markdown"):
        for doc in docs.get(bucket, []):
            counts.update(doc["text"].split())
    result["ratio"] = counts.most_common(1)[0][0] if counts else "the"
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--out", default="data/eval")
    ap.add_argument("--per-cell", type=int, default=40, help="cases per bucket and blank kind")
    ap.add_argument("--per-ratio", type=int, default=30, help="paragraphs per mask ratio")
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument(
        "--dev-of",
        metavar="CASES",
        help="write a development split instead: blank cases from held-out "
        "documents these test cases do not touch (use another --seed and --out)",
    )
    ap.add_argument(
        "--jobs", action="store_true", help="write everyday-job cases instead (JOB_KINDS; use another --out)"
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)
    heldout = docs_by_bucket(os.path.join(args.corpus, "heldout.jsonl"), 400)
    kinds = JOB_KINDS if args.jobs else KINDS
    if args.dev_of:
        cases = blank_cases(docs_outside(heldout, list(read_jsonl(args.dev_of))), args.per_cell, rng, kinds)
    elif args.jobs:
        cases = blank_cases(heldout, args.per_cell, rng, kinds)
    else:
        cases = blank_cases(heldout, args.per_cell, rng) + ratio_cases(heldout, args.per_ratio, rng)
    base = baselines(os.path.join(args.corpus, "train.jsonl"), sorted(heldout), rng, kinds=kinds)
    for case in cases:
        case["baseline"] = base["ratio"] if case["bucket"] == "ratio" else base[f"{case['bucket']}/{case['kind']}"]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "cases.jsonl"), "w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    cells = Counter(c["id"].rsplit("/", 1)[0] for c in cases)
    print(
        f"wrote {len(cases)} cases to {args.out}/cases.jsonl: "
        + ", ".join(f"{k} {v}" for k, v in sorted(cells.items()))
    )


if __name__ == "__main__":
    main()
