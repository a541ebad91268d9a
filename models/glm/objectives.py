"""GLM's blank-infilling pretraining objectives (glm-spec.md §5).

Each objective maps a token sequence (`[CLS] text [eos]`, or a window of a longer document without the eos) to a
Part A / Part B layout with 2D positions, targets and a loss mask on Part B only:
- token level: Poisson(λ=3) spans covering 15% of the tokens, `[MASK]`, Part B shuffled;
- sentence level: whole sentences covering 15%, `[sMASK]`, Part B shuffled;
- document level: one span of 50–100% with `[gMASK]`, either inside the text (block variant) or at its end
  (prefix-LM variant, no eop since the window was cut).
The first and last tokens of a sample are [CLS]/eos or window edges and are never masked when they are special.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .layout import Layout, SpecialTokens, layout_from_spans

MAX_SPAN_LENGTH = 39  # Poisson lengths are truncated to 1..39 (THUDM's max_block_length 40, exclusive)


@dataclass
class ObjectiveMix:
    """Probabilities of the three objectives; "gpt" (document level) takes the remainder."""
    token: float = 0.5
    sentence: float = 0.0
    mask_ratio: float = 0.15
    span_lambda: float = 3.0
    document_min_ratio: float = 0.5
    prefix_lm_prob: float = 0.5  # document level: share of the prefix-LM variant

    @property
    def document(self) -> float:
        return max(0.0, 1.0 - self.token - self.sentence)

    def choose(self, rng: random.Random) -> str:
        r = rng.random()
        if r < self.token:
            return "token"
        if r < self.token + self.sentence:
            return "sentence"
        return "document"


PAPER_MIX = ObjectiveMix(token=0.5, sentence=0.0)  # GLM-Doc: token + document (the code's defaults)
GLM10B_MIX = ObjectiveMix(token=0.5, sentence=0.3, document_min_ratio=0.25)  # 0.5 / 0.3 / 0.2
MIXES = {"paper": PAPER_MIX, "glm10b": GLM10B_MIX}


def maskable_range(tokens: Sequence[int], special: SpecialTokens) -> Tuple[int, int]:
    """[lo, hi) of tokens that may be masked: everything but a leading [CLS] and a trailing eos."""
    lo = 1 if tokens and tokens[0] == special.cls else 0
    hi = len(tokens) - 1 if len(tokens) > lo and tokens[-1] == special.eos else len(tokens)
    return lo, hi


def poisson_lengths(total: int, lam: float, rng: random.Random) -> List[int]:
    """Span lengths ~ Poisson(λ) truncated to 1..39, drawn until they cover `total` tokens."""
    weights = [math.exp(-lam) * lam ** k / math.factorial(k) for k in range(1, MAX_SPAN_LENGTH + 1)]
    lengths: List[int] = []
    while sum(lengths) < total:
        lengths.append(rng.choices(range(1, MAX_SPAN_LENGTH + 1), weights)[0])
    return lengths


def place_spans(lengths: Sequence[int], lo: int, hi: int, rng: random.Random) -> Optional[List[Tuple[int, int]]]:
    """Uniformly random non-overlapping placement in [lo, hi) with ≥ 1 unmasked token between spans."""
    lengths = list(lengths)
    rng.shuffle(lengths)
    free = (hi - lo) - sum(lengths) - (len(lengths) - 1)
    if free < 0:
        return None
    # k sorted draws with repetition from 0..free, as k distinct draws from 0..free+k-1 shifted back.
    offsets = [v - i for i, v in enumerate(sorted(rng.sample(range(free + len(lengths)), len(lengths))))]
    spans, consumed = [], 0
    for i, (offset, length) in enumerate(zip(offsets, lengths)):
        start = lo + offset + consumed + i
        spans.append((start, start + length))
        consumed += length
    return spans


def shuffled_order(n: int, rng: random.Random) -> List[int]:
    order = list(range(n))
    rng.shuffle(order)
    return order


def token_objective(tokens: Sequence[int], special: SpecialTokens, rng: random.Random,
                    mix: ObjectiveMix = PAPER_MIX) -> Optional[Layout]:
    lo, hi = maskable_range(tokens, special)
    target = max(1, int(mix.mask_ratio * len(tokens)))
    spans = place_spans(poisson_lengths(target, mix.span_lambda, rng), lo, hi, rng)
    if spans is None:
        return None
    return layout_from_spans(tokens, spans, ["span"] * len(spans), special, shuffled_order(len(spans), rng))


def is_sentence_end(text: str) -> bool:
    return any(c in text for c in ".?!;:。？！；…\n")


def sentence_spans(tokens: Sequence[int], lo: int, hi: int, ends: Callable[[int], bool]) -> List[Tuple[int, int]]:
    """Split [lo, hi) after every token that ends a sentence (§5.4); the tail counts as a sentence too."""
    spans, start = [], lo
    for i in range(lo, hi):
        if ends(tokens[i]):
            spans.append((start, i + 1))
            start = i + 1
    if start < hi:
        spans.append((start, hi))
    return spans


def sentence_objective(tokens: Sequence[int], special: SpecialTokens, rng: random.Random,
                       ends_sentence: Callable[[int], bool], mix: ObjectiveMix = GLM10B_MIX) -> Optional[Layout]:
    lo, hi = maskable_range(tokens, special)
    sentences = sentence_spans(tokens, lo, hi, ends_sentence)
    if not sentences:
        return None
    rng.shuffle(sentences)
    target = max(1, int(mix.mask_ratio * len(tokens)))
    chosen, covered = [], 0
    for span in sentences:
        if covered >= target:
            break
        if covered + (span[1] - span[0]) > max(target * 2, 1) and chosen:
            continue  # a huge sentence would overshoot the ratio; the next one may fit
        chosen.append(span)
        covered += span[1] - span[0]
    chosen.sort()
    return layout_from_spans(tokens, chosen, ["sentence"] * len(chosen), special,
                             shuffled_order(len(chosen), rng))


def document_objective(tokens: Sequence[int], special: SpecialTokens, rng: random.Random,
                       mix: ObjectiveMix = PAPER_MIX) -> Optional[Layout]:
    lo, hi = maskable_range(tokens, special)
    n = hi - lo
    if n < 2:
        return None
    length = rng.randint(max(1, math.ceil(mix.document_min_ratio * n)), n)
    if rng.random() < mix.prefix_lm_prob:
        # Prefix LM: generate the last `length` tokens; Part A ends with [gMASK] (no eos), no eop target.
        start = hi - length
        return layout_from_spans(tokens[:hi], [(start, hi)], ["document"], special, [0], eop_target=False)
    start = rng.randint(lo, hi - length)
    return layout_from_spans(tokens, [(start, start + length)], ["document"], special, [0])


class ObjectiveSampler:
    """Draws one objective per batch (as THUDM does) and builds each sample's layout with it."""

    def __init__(self, special: SpecialTokens, mix: ObjectiveMix, ends_sentence: Callable[[int], bool]):
        self.special, self.mix, self.ends_sentence = special, mix, ends_sentence

    def build(self, objective: str, tokens: Sequence[int], rng: random.Random) -> Optional[Layout]:
        if objective == "token":
            return token_objective(tokens, self.special, rng, self.mix)
        if objective == "sentence":
            return sentence_objective(tokens, self.special, rng, self.ends_sentence, self.mix)
        return document_objective(tokens, self.special, rng, self.mix)

    def batch(self, samples: Sequence[Sequence[int]], rng: random.Random) -> Tuple[str, List[Layout]]:
        objective = self.mix.choose(rng)
        layouts = [self.build(objective, s, rng) for s in samples]
        # A sample too short for its objective falls back to the document objective, which always fits.
        return objective, [l if l is not None else document_objective(s, self.special, rng, self.mix)
                           for l, s in zip(layouts, samples)]


def sentence_end_table(decoded: Dict[int, str]) -> Callable[[int], bool]:
    ends = {i for i, text in decoded.items() if is_sentence_end(text)}
    return ends.__contains__
