"""Measurements of one arm of the multi-task mix ablation (docs/ablation.md), all on development documents.

    /usr/bin/python3 -m models.glm.ablation --tokens runs/ablation/tokens --checkpoint runs/ablation/span-s1/ckpt.pt \
        --out runs/ablation/span-s1/measure.json [--per-cell 12]

- `loss`: Part-B loss (nats/token) per bucket × objective on fixed development windows, the same layouts for every
  arm; `native` writes each blank with its objective's mask token, `all_mask` writes every blank `[MASK]`, so an arm
  that never saw `[sMASK]` or `[gMASK]` is scored on sentence- and document-length blanks too.
- `generation`: greedy fills (no decoding rules: the raw model, stop at eop/eos or the token limit) per bucket ×
  blank length (short → `[MASK]`, line → `[sMASK]`, long → `[gMASK]`, as `eval_cases`), native and all-`[MASK]`;
  exact match and edit similarity of the stripped fill against the stripped original, and the perplexity of the
  original (teacher-forced, end token included).
- `gmask_end`: whole short development documents cut at 50–90% with `[gMASK]` at the end of the text: the share of
  fills that stop by themselves (eop or eos) before the limit (twice the true rest, plus 16 tokens).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import time
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from .checkpoint import load_model
from .model import blank_infilling_loss
from .data import TokenDocuments, collate
from .eval_cases import blank_cases
from .layout import Blank, Layout, SpecialTokens, build_layout
from .objectives import INFILL_LINES_MIX, ObjectiveSampler, line_break_table, sentence_end_table, word_edge_table
from .prepare import is_development, read_documents
from .tokenizer import BPETokenizer

BUCKETS = ("code-go", "code-js", "code-python", "code-rust", "markdown", "prose")
OBJECTIVES = ("token", "sentence", "document")
LENGTHS = ("short", "line", "long")
LENGTH_KIND = {"short": "span", "line": "sentence", "long": "document"}
MAX_NEW = {"short": 16, "line": 48, "long": 96}
LOSS_SEED, CASE_SEED, GMASK_SEED = 1_000_003, 19, 23


# ---- Part-B loss per bucket × objective ----


def bucket_documents(prefix: str) -> Dict[str, TokenDocuments]:
    """The development token documents split by bucket (val.buckets.json names each document's bucket)."""
    base = TokenDocuments(prefix)
    with open(prefix + ".buckets.json") as f:
        names = json.load(f)
    out = {}
    for bucket in BUCKETS:
        keep = np.array([d for d in base.docs if names[d] == bucket], dtype=np.int64)
        docs = copy.copy(base)
        docs.docs, docs.weights = keep, np.cumsum(base.lengths[keep].astype(np.float64))
        out[bucket] = docs
    return out


def all_mask(layout: Layout, special: SpecialTokens) -> Layout:
    """The same layout with every blank written [MASK]."""
    swap = {special.smask: special.mask, special.gmask: special.mask}
    ids = [swap.get(t, t) if i < layout.sep else t for i, t in enumerate(layout.input_ids)]
    return Layout(ids, layout.targets, layout.loss_mask, layout.position_ids, layout.sep)


def loss_layouts(
    docs: TokenDocuments, sampler: ObjectiveSampler, objective: str, n: int, seq_len: int, seed: int
) -> List[Layout]:
    """n development windows with one objective's blanks; a fixed seed gives every arm the same layouts."""
    rng = random.Random(seed)
    layouts = [sampler.build(objective, docs.sample(rng, seq_len, sampler.special), rng) for _ in range(n)]
    return [l for l in layouts if l is not None]


@torch.no_grad()
def part_b_loss(model, layouts: Sequence[Layout], pad: int, batch_size: int = 8) -> Tuple[float, int]:
    total, count = 0.0, 0
    for i in range(0, len(layouts), batch_size):
        batch = collate(layouts[i : i + batch_size], pad)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            _, per_sample = blank_infilling_loss(model, batch)
        total += float(per_sample.float().sum())
        count += int(batch["loss_mask"].sum())
    return total, count


def measure_loss(model, docs_by_bucket, sampler, per_cell: int, seq_len: int) -> dict:
    out: dict = {}
    for b, bucket in enumerate(BUCKETS):
        for o, objective in enumerate(OBJECTIVES):
            layouts = loss_layouts(
                docs_by_bucket[bucket], sampler, objective, per_cell, seq_len, LOSS_SEED + 97 * b + o
            )
            native, count = part_b_loss(model, layouts, sampler.special.pad)
            masked = (
                native
                if objective == "token"
                else part_b_loss(model, [all_mask(l, sampler.special) for l in layouts], sampler.special.pad)[0]
            )
            out.setdefault(bucket, {})[objective] = {
                "native": native / count,
                "all_mask": masked / count,
                "tokens": count,
            }
    return out


# ---- greedy generation per bucket × blank length ----


def edit_similarity(a: str, b: str) -> float:
    """1 − Levenshtein distance / longer length (as src/glm/similarity.ts)."""
    if a == b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j - 1] + (a[i - 1] != b[j - 1]), previous[j] + 1, current[j - 1] + 1)
        previous = current
    return 1 - previous[len(b)] / max(len(a), len(b))


def fit_context(before: List[int], after: List[int], budget: int) -> Tuple[List[int], List[int]]:
    """The end of `before` and the start of `after` within `budget` tokens (a quarter kept for `after`)."""
    keep_after = min(len(after), budget // 4)
    keep_before = min(len(before), budget - keep_after)
    keep_after = min(len(after), budget - keep_before)
    return before[len(before) - keep_before :], after[:keep_after]


def split_at_blank(case: dict) -> Tuple[str, str, str]:
    """(before, blank, after) of a one-blank case; one space right before the blank belongs to it (the CLI's rule)."""
    blank = case["blanks"][0]
    before, after = case["text"][: blank["start"]], case["text"][blank["end"] :]
    if before.endswith(" ") and not before.endswith("  "):
        return before[:-1], " " + blank["original"], after
    return before, blank["original"], after


def case_layout(
    tok: BPETokenizer, special: SpecialTokens, case: dict, kind: str, fill: List[int], budget: int
) -> Layout:
    """Part A = [CLS] before [blank] after [eos] within `budget` tokens; Part B = sop + fill."""
    before, _, after = split_at_blank(case)
    segments = fit_context(tok.encode_plain(before), tok.encode_plain(after), budget)
    return build_layout(list(segments), [Blank(kind, fill)], special)


@torch.no_grad()
def greedy(model, layout: Layout, special: SpecialTokens, max_new: int) -> Tuple[List[int], str]:
    """Greedy Part B after the layout's sop (a layout with an empty fill), K/V cached: (tokens, end | limit)."""
    n = layout.sep + 1  # Part A and the sop
    ids = torch.tensor([layout.input_ids[:n]])
    positions = torch.tensor([[row[:n] for row in layout.position_ids]])
    mask = torch.from_numpy(layout.attention_mask()[:n, :n]).view(1, 1, n, n)
    logits, past = model(ids, positions, mask)
    out: List[int] = []
    position = layout.position_ids[0][layout.sep]
    while True:
        token = int(logits[0, -1].argmax())
        if token in (special.eop, special.eos):
            return out, "end"
        out.append(token)
        if len(out) >= max_new:
            return out, "limit"
        step_positions = torch.tensor([[[position], [len(out) + 1]]])
        step_mask = torch.ones(1, 1, 1, past[0][0].shape[2] + 1)
        logits, past = model(torch.tensor([[token]]), step_positions, step_mask, past)


def dev_text_documents(corpus: str, min_chars: int = 400) -> Dict[str, List[dict]]:
    by_bucket: Dict[str, List[dict]] = defaultdict(list)
    for doc in filter(is_development, read_documents(os.path.join(corpus, "heldout.jsonl"))):
        if len(doc["text"]) >= min_chars:
            by_bucket[doc["bucket"]].append(doc)
    return by_bucket


def score_case(model, tok, special, case: dict, kind: str, seq_len: int) -> dict:
    max_new = MAX_NEW[case["kind"]]
    budget = seq_len - max_new - 4
    target = tok.encode_plain(split_at_blank(case)[1])
    scored = case_layout(tok, special, case, kind, target, seq_len - len(target) - 4)
    loss, count = part_b_loss(model, [scored], special.pad)
    fill, stop = greedy(model, case_layout(tok, special, case, kind, [], budget), special, max_new)
    text, original = tok.decode(fill).strip(), case["blanks"][0]["original"].strip()
    return {
        "exact": float(text == original),
        "similarity": edit_similarity(text, original),
        "nll": loss,
        "tokens": count,
        "stop": stop,
    }


def summarize(rows: List[dict]) -> dict:
    n = len(rows)
    sims = [r["similarity"] for r in rows]
    mean = sum(sims) / n
    se = math.sqrt(sum((s - mean) ** 2 for s in sims) / max(n - 1, 1) / n)
    return {
        "n": n,
        "exact": sum(r["exact"] for r in rows) / n,
        "similarity": mean,
        "similarity_se": se,
        "perplexity": math.exp(sum(r["nll"] for r in rows) / sum(r["tokens"] for r in rows)),
        "stopped": sum(r["stop"] == "end" for r in rows) / n,
    }


def measure_generation(model, tok, special, cases: List[dict], seq_len: int) -> dict:
    rows: Dict[Tuple[str, str, str], List[dict]] = defaultdict(list)
    for case in cases:
        kinds = {"native": LENGTH_KIND[case["kind"]]}
        if kinds["native"] != "span":
            kinds["all_mask"] = "span"
        for variant, kind in kinds.items():
            rows[(case["bucket"], case["kind"], variant)].append(score_case(model, tok, special, case, kind, seq_len))
    out: dict = {}
    for (bucket, length, variant), scored in rows.items():
        out.setdefault(bucket, {}).setdefault(length, {})[variant] = summarize(scored)
    return out


# ---- end-of-text [gMASK]: does the fill stop by itself? ----


def gmask_end_cases(
    docs_by_bucket: Dict[str, TokenDocuments], per_bucket: int, max_len: int
) -> List[Tuple[str, List[int], List[int]]]:
    """(bucket, prefix, rest) of whole development documents that fit, cut at 50–90% of their tokens."""
    rng = random.Random(GMASK_SEED)
    cases = []
    for bucket in BUCKETS:
        docs = docs_by_bucket[bucket]
        fitting = [d for d in docs.docs if 16 <= docs.lengths[d] <= max_len]
        for d in rng.sample(fitting, min(per_bucket, len(fitting))):
            tokens = docs.tokens[docs.offsets[d] : docs.offsets[d + 1]].tolist()
            cut = int(len(tokens) * rng.uniform(0.5, 0.9))
            cases.append((bucket, tokens[:cut], tokens[cut:]))
    return cases


def end_of_text_layout(prefix: List[int], special: SpecialTokens) -> Layout:
    """[CLS] text [gMASK] and the sop, no eos: the CLI's text without markers (default mode `document`)."""
    return build_layout([prefix, []], [Blank("document", [])], special, add_eos=False)


@torch.no_grad()
def end_probability(model, prefix: List[int], rest: List[int], special: SpecialTokens) -> Tuple[float, float]:
    """p(eop or eos) right after the true rest of the text, and its mean at the positions inside the rest
    (teacher-forced): a model that knows where a text ends puts the first high and the second low."""
    layout = build_layout([prefix, []], [Blank("document", rest)], special, add_eos=False)
    batch = collate([layout], special.pad)
    logits, _ = model(batch["input_ids"], batch["position_ids"], batch["attention_mask"])
    probs = torch.softmax(logits[0, layout.sep :].float(), dim=-1)
    p_end = probs[:, special.eop] + probs[:, special.eos]
    return float(p_end[-1]), float(p_end[:-1].mean())


def end_probabilities(model, special: SpecialTokens, cases) -> Dict[str, Dict[str, float]]:
    rows: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
    for bucket, prefix, rest in cases:
        rows[bucket].append(end_probability(model, prefix, rest, special))
    rows["all"] = [p for v in list(rows.values()) for p in v]
    return {
        b: {"p_end": sum(p for p, _ in v) / len(v), "p_end_inside": sum(q for _, q in v) / len(v)}
        for b, v in rows.items()
    }


def measure_gmask_end(model, special: SpecialTokens, cases) -> dict:
    """Per bucket: the share of greedy fills that end by themselves, the fill's length over the true rest's, and
    the mean probabilities of ending right after the true rest and inside it."""
    rows: Dict[str, List[Tuple[str, float]]] = defaultdict(list)
    for bucket, prefix, rest in cases:
        fill, stop = greedy(model, end_of_text_layout(prefix, special), special, 2 * len(rest) + 16)
        rows[bucket].append((stop, len(fill) / len(rest)))
    rows["all"] = [r for v in list(rows.values()) for r in v]
    probabilities = end_probabilities(model, special, cases)
    return {
        b: {
            "n": len(v),
            "stopped": sum(r[0] == "end" for r in v) / len(v),
            "length_ratio": sum(r[1] for r in v) / len(v),
            **probabilities[b],
        }
        for b, v in rows.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", default="runs/ablation/tokens", help="folder of models.glm.ablation_data")
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--checkpoint", required=True, help="ckpt.pt, or an exported model folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--loss-windows", type=int, default=32, help="windows per bucket × objective")
    ap.add_argument("--per-cell", type=int, default=12, help="generation cases per bucket × blank length")
    ap.add_argument("--gmask-docs", type=int, default=8, help="end-of-text [gMASK] documents per bucket")
    ap.add_argument("--gmask-max-tokens", type=int, default=112, help="longest document for the [gMASK] cases")
    ap.add_argument(
        "--parts",
        default="loss,generation,gmask",
        help="which measurements (comma-separated; p_end: only add p(end) to an earlier gmask_end)",
    )
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()
    model, extra = load_model(args.checkpoint)
    model.eval()
    seq_len = model.config.max_sequence_length
    tok = BPETokenizer.load(os.path.join(args.tokens, "tokenizer.json"))
    special = tok.special()
    decoded = {i: tok.decode([i]) for i in range(len(tok.symbols))}
    sampler = ObjectiveSampler(
        special, INFILL_LINES_MIX, sentence_end_table(decoded), word_edge_table(decoded), line_break_table(decoded)
    )
    docs = bucket_documents(os.path.join(args.tokens, "val"))
    earlier = {}
    if os.path.exists(args.out):  # measure parts again or add parts: the rest of the file stays
        with open(args.out) as f:
            earlier = json.load(f)
    result = {
        **earlier,
        "checkpoint": args.checkpoint,
        "step": extra.get("step"),
        "tokens": extra.get("tokens"),
        "train_cpu_seconds": extra.get("cpu_seconds"),
        "train_wall_seconds": extra.get("wall_seconds"),
        "mix": extra.get("mix"),
        "seed": (extra.get("args") or {}).get("seed"),
    }
    parts = args.parts.split(",")
    if "loss" in parts:
        result["loss"] = measure_loss(model, docs, sampler, args.loss_windows, seq_len)
    if "generation" in parts:
        cases = blank_cases(dev_text_documents(args.corpus), args.per_cell, random.Random(CASE_SEED), LENGTHS)
        result["generation"] = measure_generation(model, tok, special, cases, seq_len)
    cases = gmask_end_cases(docs, args.gmask_docs, min(args.gmask_max_tokens, seq_len // 2 - 16))
    if "gmask" in parts:
        result["gmask_end"] = measure_gmask_end(model, special, cases)
    elif "p_end" in parts:  # only the decoding-free probability, added to an earlier gmask_end
        for bucket, probabilities in end_probabilities(model, special, cases).items():
            result["gmask_end"][bucket].update(probabilities)
    result["measure_seconds"] = earlier.get("measure_seconds", 0) + time.time() - started
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({"out": args.out, "seconds": round(result["measure_seconds"])}))


if __name__ == "__main__":
    main()
