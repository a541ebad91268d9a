"""Regenerate the fixtures shared with the TypeScript side (docs/model-contract.md, "Fixtures").

    /usr/bin/python3 -m models.glm.fixtures [--out test/fixtures]

Deterministic: a fixed tokenizer sample, fixed seeds. Writes tiny/ (random-weight GLM as ONNX + tokenizer +
manifest), tiny-int8/ (the same weights, int8), tokenization.json, layouts.json and reference-logits.json.
"""
from __future__ import annotations

import argparse
import json
import os
from typing import List

import torch

from .export import write_model_folder
from .layout import Blank, SpecialTokens, build_layout
from .model import GLM, GLMConfig
from .tokenizer import BPETokenizer, train_bpe

TINY_CONFIG = GLMConfig(vocab_size=384, hidden_size=64, num_layers=2, num_heads=4, max_sequence_length=128, dropout=0.0)
TINY_VOCAB = 384
DECODE_STEPS_PER_BLANK = 9

TOKENIZATION_TEXTS = [
    "def add(a, b):\n    return a + b\n",
    "Windows line endings\r\nstay as they are\r\n",
    "\tTabs\tand  double  spaces   here\t\n",
    "Emoji 😀👍🏽 and CJK 中文字符 and accents: café, naïve, Ünïcödé.",
    "const x = `template ${y}`; // comment\n",
    "Numbers 3.14159 and 1,000,000 and 2026-11-28.",
    "   leading and trailing whitespace   ",
    "It's we're they've I'm you'll he'd",
    "",
]
# Brackets against the punctuation GPT-2's rule would merge them with.
BRACKET_TEXTS = [
    "f(g(x));\nif (a) { b[i](); }\n",
    "def f(self): return [x for x in (1, 2)]\n",
    "xs = {'a': [1, 2]}, ys = ([]), () => {};",
]

TEXT_LAYOUTS = [
    # name, segments (text), blanks (kind, fill text)
    ("one-span-blank", ["def add(a, b):\n    return ", "\n"], [("span", "a + b")]),
    (
        "three-blanks-mixed-kinds",
        ["The quick brown fox", " over the lazy dog. ", " It was the best of times.", ""],
        [("span", " jumps"), ("sentence", "It was the worst of times."), ("span", " Ng is here.")],
    ),
    ("document-blank-at-end", ["## Installation\n\nRun `npm install` and then", ""], [("document", " `npm test`.")]),
    ("blank-at-start", ["", " is an adjunct professor."], [("span", "Ng")]),
    ("adjacent-blanks", ["const values = [1, 2, 3]", "", ";\n"], [("span", ".map"), ("span", "((x) => x * 2)")]),
]


def layout_case(
    name,
    segments: List[List[int]],
    segment_texts,
    blanks: List[Blank],
    special: SpecialTokens,
    order=None,
    add_cls=True,
    add_eos=True,
) -> dict:
    layout = build_layout(segments, blanks, special, order, add_cls, add_eos)
    return {
        "name": name,
        "segments": segments,
        "segmentTexts": segment_texts,
        "blanks": [{"kind": b.kind, "fill": b.fill} for b in blanks],
        "partBOrder": list(range(len(blanks))) if order is None else list(order),
        "addCls": add_cls,
        "addEos": add_eos,
        "expected": {
            "inputIds": layout.input_ids,
            "targets": layout.targets,
            "positionIds": layout.position_ids,
            "sep": layout.sep,
            "lossMask": layout.loss_mask,
            "attentionMask": layout.attention_mask().astype(int).tolist(),
        },
    }


def layout_cases(tok: BPETokenizer) -> List[dict]:
    special = tok.special()
    x = list(range(11, 17))  # the paper's x1..x6
    cases = [
        layout_case(
            "figure-2",
            [x[0:2], x[3:4], []],
            None,
            [Blank("span", x[2:3]), Blank("span", x[4:6])],
            special,
            order=[1, 0],
            add_cls=False,
            add_eos=False,
        )
    ]
    for name, texts, blanks in TEXT_LAYOUTS:
        segments = [tok.encode_plain(t) for t in texts]
        blank_list = [Blank(kind, tok.encode_plain(fill)) for kind, fill in blanks]
        ends_with_generation = blank_list[-1].kind == "document" and not texts[-1]
        cases.append(layout_case(name, segments, texts, blank_list, special, add_eos=not ends_with_generation))
    return cases


def valid_argmax(row: torch.Tensor, special: SpecialTokens) -> int:
    """Greedy choice among real output tokens: never a mask, [CLS], sop, eop or eos (a random model's favourite
    is often eop, which would make every decode input the same)."""
    row = row.clone()
    row[[special.cls, special.mask, special.smask, special.gmask, special.sop, special.eop, special.eos]] = float(
        "-inf"
    )
    return int(row.argmax())


def reference_logits(model: GLM, case: dict, special: SpecialTokens) -> dict:
    """Prefill of the case's Part A, then greedy cached decoding of its first two blanks in order."""
    part_a = case["expected"]["inputIds"][: case["expected"]["sep"]]
    n = len(part_a)
    ids = torch.tensor([part_a])
    positions = torch.tensor([[list(range(n)), [0] * n]])
    with torch.no_grad():
        logits, past = model(ids, positions, torch.ones(1, 1, n, n))
        result = {
            "partA": {"inputIds": part_a, "positionIds": positions[0].tolist()},
            "prefill": {"logitPositions": [0, n - 1], "logits": [logits[0, 0].tolist(), logits[0, -1].tolist()]},
            "decode": [],
        }
        mask_positions = [i for i, t in enumerate(part_a) if t in (special.mask, special.smask, special.gmask)]
        for mask_position in mask_positions[:2]:
            token, block = special.sop, 1
            for _ in range(DECODE_STEPS_PER_BLANK):
                total = past[0][0].shape[2] + 1
                logits, past = model(
                    torch.tensor([[token]]),
                    torch.tensor([[[mask_position], [block]]]),
                    torch.ones(1, 1, 1, total),
                    past,
                )
                row = logits[0, -1]
                result["decode"].append(
                    {"inputId": token, "positionIds": [mask_position, block], "logits": row.tolist()}
                )
                token, block = int(valid_argmax(row, special)), block + 1
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="test/fixtures")
    args = ap.parse_args()
    with open(os.path.join(args.out, "tokenizer-sample.txt"), encoding="utf-8", newline="") as f:
        sample = f.read()
    tok = train_bpe([sample], TINY_VOCAB)
    torch.manual_seed(1234)
    model = GLM(TINY_CONFIG).eval()
    with torch.no_grad():  # non-trivial biases and LayerNorm affines, so parity tests cover them too
        for name, p in model.named_parameters():
            if name.endswith("bias") or "layernorm" in name:
                p.add_(0.1 * torch.randn_like(p))
    write_model_folder(
        model,
        tok,
        os.path.join(args.out, "tiny"),
        "glm-infill-tiny-random (test fixture)",
        provenance={"weights": "random (seed 1234), for tests only", "tokenizer": "test/fixtures/tokenizer-sample.txt"},
    )
    write_model_folder(
        model,
        tok,
        os.path.join(args.out, "tiny-int8"),
        "glm-infill-tiny-random-int8 (test fixture)",
        int8=True,
        provenance={"weights": "random (seed 1234), int8, for tests only"},
    )
    cases = layout_cases(tok)
    dump(
        os.path.join(args.out, "tokenization.json"),
        [{"text": t, "ids": tok.encode_plain(t)} for t in TOKENIZATION_TEXTS],
    )
    # The bracket-isolating pre-tokenizer (same merges): its tokenizer.json must encode alike in TypeScript.
    brackets = BPETokenizer(tok.merges, tok.symbols, isolate_brackets=True)
    brackets.save(os.path.join(args.out, "tokenizer-brackets.json"))
    dump(
        os.path.join(args.out, "tokenization-brackets.json"),
        [{"text": t, "ids": brackets.encode_plain(t)} for t in TOKENIZATION_TEXTS + BRACKET_TEXTS],
    )
    dump(os.path.join(args.out, "layouts.json"), cases)
    multi = next(c for c in cases if c["name"] == "three-blanks-mixed-kinds")
    dump(os.path.join(args.out, "reference-logits.json"), reference_logits(model, multi, tok.special()))
    print(f"wrote fixtures to {args.out}: tokenizer {tok.size} tokens, model {model.num_parameters()} parameters")


def dump(path: str, data) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
