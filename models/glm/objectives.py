"""GLM's blank-infilling pretraining objectives (docs/glm.md §5).

Each objective maps a token sequence (`[CLS] text [eos]`, or a window of a longer document without the eos) to a
Part A / Part B layout with 2D positions, targets and a loss mask on Part B only:
- token level: Poisson(λ=3) spans covering 15% of the tokens, `[MASK]`, Part B shuffled;
- sentence level: whole sentences covering 15%, `[sMASK]`, Part B shuffled;
- document level: one span of `document_min_ratio`–100% (50% in `paper`, 25% in the GLM-10B-style mixes) with
  `[gMASK]`, either inside the text (block variant, ends with eop) or at its end (prefix-LM variant, as THUDM's
  `construct_blocks` "gpt" branch: Part B is the rest of the sample with no eop, and its last target is the
  sample's eos when the sample reaches the document's end, so an end-of-text `[gMASK]` learns to stop).
The first and last tokens of a sample are [CLS]/eos or window edges and are never masked when they are special.

With `word_spans` (mix "infill"), token and document spans are widened to word edges: a span never starts or ends
inside a run of letters, digits and underscores. Users blank whole words and identifiers; spans that start inside
one ("_SIGSEGV" → "SEGV") teach a first-token prior ("_", "ing") that is wrong for every blank a user makes.

With `line_sentences` (mix "infill-lines"), sentences are split the way a reader, and the extension's stop rule
(src/glm/stopping.ts), splits them: at line breaks (the newline-and-indentation token stays in Part A), after
`. ! ? …` (and closing quotes or brackets) when whitespace follows, and right after `。！？`. The faithful rule (§5.4:
after any token holding one of `. ? ! ; : \n`) cuts code at every `a.b`, `x: int` and `for (;;`, so on code
`[sMASK]` learned to fill fragments of a few characters, while a blanked line of code is a whole line.
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
    word_spans: bool = False  # token/document spans widened to word edges (see the module notes)
    line_sentences: bool = False  # sentences end at line breaks and at full stops (module notes)

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
INFILL_MIX = ObjectiveMix(token=0.5, sentence=0.3, document_min_ratio=0.25, word_spans=True)  # glm10b, whole words
INFILL_LINES_MIX = ObjectiveMix(token=0.5, sentence=0.3, document_min_ratio=0.25, word_spans=True, line_sentences=True)
# The multi-task ablation (docs/ablation.md): the shipped mix's word and line rules, one or two objectives.
SPAN_MIX = ObjectiveMix(token=1.0, sentence=0.0, document_min_ratio=0.25, word_spans=True, line_sentences=True)
SPAN_SENT_MIX = ObjectiveMix(token=0.5, sentence=0.5, document_min_ratio=0.25, word_spans=True, line_sentences=True)
SPAN_DOC_MIX = ObjectiveMix(token=0.5, sentence=0.0, document_min_ratio=0.25, word_spans=True, line_sentences=True)
MIXES = {
    "paper": PAPER_MIX,
    "glm10b": GLM10B_MIX,
    "infill": INFILL_MIX,
    "infill-lines": INFILL_LINES_MIX,
    "span": SPAN_MIX,
    "span-sent": SPAN_SENT_MIX,
    "span-doc": SPAN_DOC_MIX,
}


@dataclass(frozen=True)
class WordEdges:
    """Ids whose text starts / ends with a word character: a boundary between two such tokens splits a word."""

    starts_word: frozenset
    ends_word: frozenset

    def splits_word(self, tokens: Sequence[int], i: int) -> bool:
        """Whether a span edge before token i would cut a word (never at the sequence's ends)."""
        return 0 < i < len(tokens) and tokens[i - 1] in self.ends_word and tokens[i] in self.starts_word

    def widen(self, tokens: Sequence[int], start: int, end: int, lo: int, hi: int) -> Tuple[int, int]:
        """The smallest span holding [start, end) whose edges do not cut a word, within [lo, hi]."""
        while start > lo and self.splits_word(tokens, start):
            start -= 1
        while end < hi and self.splits_word(tokens, end):
            end += 1
        return start, end


def is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def word_edge_table(decoded: Dict[int, str]) -> WordEdges:
    return WordEdges(
        frozenset(i for i, t in decoded.items() if t and is_word_char(t[0])),
        frozenset(i for i, t in decoded.items() if t and is_word_char(t[-1])),
    )


def widen_spans(
    spans: Sequence[Tuple[int, int]], tokens: Sequence[int], edges: WordEdges, lo: int, hi: int
) -> List[Tuple[int, int]]:
    """Widens sorted spans to word edges; spans that come to overlap or touch merge (≥ 1 token between blanks)."""
    out: List[Tuple[int, int]] = []
    for start, end in spans:
        start, end = edges.widen(tokens, start, end, lo, hi)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def maskable_range(tokens: Sequence[int], special: SpecialTokens) -> Tuple[int, int]:
    """[lo, hi) of tokens that may be masked: everything but a leading [CLS] and a trailing eos."""
    lo = 1 if tokens and tokens[0] == special.cls else 0
    hi = len(tokens) - 1 if len(tokens) > lo and tokens[-1] == special.eos else len(tokens)
    return lo, hi


def poisson_lengths(total: int, lam: float, rng: random.Random) -> List[int]:
    """Span lengths ~ Poisson(λ) truncated to 1..39, drawn until they cover `total` tokens."""
    weights = [math.exp(-lam) * lam**k / math.factorial(k) for k in range(1, MAX_SPAN_LENGTH + 1)]
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


def trim_to_ratio(spans: List[Tuple[int, int]], target: int, rng: random.Random) -> List[Tuple[int, int]]:
    """Drops random spans while the rest still cover `target` tokens: widening must not raise the mask ratio."""
    spans = list(spans)
    covered = sum(e - s for s, e in spans)
    for i in sorted(range(len(spans)), key=lambda _: rng.random()):
        length = spans[i][1] - spans[i][0]
        if covered - length >= target:
            spans[i] = (0, 0)
            covered -= length
    return [s for s in spans if s[1] > s[0]]


def token_objective(
    tokens: Sequence[int],
    special: SpecialTokens,
    rng: random.Random,
    mix: ObjectiveMix = PAPER_MIX,
    edges: Optional[WordEdges] = None,
) -> Optional[Layout]:
    lo, hi = maskable_range(tokens, special)
    target = max(1, int(mix.mask_ratio * len(tokens)))
    spans = place_spans(poisson_lengths(target, mix.span_lambda, rng), lo, hi, rng)
    if spans is None:
        return None
    if mix.word_spans and edges is not None:
        spans = trim_to_ratio(widen_spans(spans, tokens, edges, lo, hi), target, rng)
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


CLOSERS = ")\"']”’»」』"  # may follow a full stop before the whitespace that ends the sentence


@dataclass(frozen=True)
class LineBreaks:
    """Ids that split text into the sentences a reader sees (the `line_sentences` rule)."""

    breaks: frozenset  # whitespace-only tokens holding a line break: between sentences, never inside one
    blank: frozenset  # whitespace-only tokens: indentation before a sentence stays in Part A too
    stops: frozenset  # tokens ending in . ! ? … (and closers): a sentence ends there when whitespace follows
    cjk_stops: frozenset  # tokens ending in 。！？ (and closers): a sentence ends there
    spaced: frozenset  # tokens starting with whitespace

    def spans(self, tokens: Sequence[int], lo: int, hi: int) -> List[Tuple[int, int]]:
        spans, start = [], lo
        for i in range(lo, hi):
            if tokens[i] in self.breaks or (start == i and tokens[i] in self.blank):
                if start < i:
                    spans.append((start, i))
                start = i + 1
            elif tokens[i] in self.cjk_stops or (
                tokens[i] in self.stops and (i + 1 == hi or tokens[i + 1] in self.spaced)
            ):
                spans.append((start, i + 1))
                start = i + 1
        if start < hi:
            spans.append((start, hi))
        return spans


def line_break_table(decoded: Dict[int, str]) -> LineBreaks:
    def ends_in(chars: str) -> frozenset:
        return frozenset(i for i, t in decoded.items() if t.rstrip(CLOSERS).endswith(tuple(chars)))

    return LineBreaks(
        frozenset(i for i, t in decoded.items() if "\n" in t and not t.strip()),
        frozenset(i for i, t in decoded.items() if t and not t.strip()),
        ends_in(".!?…"),
        ends_in("。！？"),
        frozenset(i for i, t in decoded.items() if t[:1].isspace()),
    )


def sentence_objective(
    tokens: Sequence[int],
    special: SpecialTokens,
    rng: random.Random,
    ends_sentence: Callable[[int], bool],
    mix: ObjectiveMix = GLM10B_MIX,
    lines: Optional[LineBreaks] = None,
) -> Optional[Layout]:
    lo, hi = maskable_range(tokens, special)
    if mix.line_sentences and lines is not None:
        sentences = lines.spans(tokens, lo, hi)
    else:
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
    return layout_from_spans(tokens, chosen, ["sentence"] * len(chosen), special, shuffled_order(len(chosen), rng))


def document_objective(
    tokens: Sequence[int],
    special: SpecialTokens,
    rng: random.Random,
    mix: ObjectiveMix = PAPER_MIX,
    edges: Optional[WordEdges] = None,
) -> Optional[Layout]:
    lo, hi = maskable_range(tokens, special)
    n = hi - lo
    if n < 2:
        return None
    length = rng.randint(max(1, math.ceil(mix.document_min_ratio * n)), n)
    widen = edges.widen if mix.word_spans and edges is not None else (lambda _t, s, e, _lo, _hi: (s, e))
    if rng.random() < mix.prefix_lm_prob:
        # Prefix LM: Part A ends with [gMASK]; Part B generates the rest of the sample, its eos included when the
        # sample holds the document's end (THUDM's targets), so a [gMASK] at the end of a text learns to stop.
        # No eop: the eos ends a whole text, and a window cut mid-document has no end to predict.
        start, _ = widen(tokens, hi - length, hi, lo, hi)
        return layout_from_spans(tokens, [(start, len(tokens))], ["document"], special, [0], eop_target=False)
    start = rng.randint(lo, hi - length)
    start, end = widen(tokens, start, start + length, lo, hi)
    return layout_from_spans(tokens, [(start, end)], ["document"], special, [0])


class ObjectiveSampler:
    """Draws one objective per batch (as THUDM does) and builds each sample's layout with it."""

    def __init__(
        self,
        special: SpecialTokens,
        mix: ObjectiveMix,
        ends_sentence: Callable[[int], bool],
        edges: Optional[WordEdges] = None,
        lines: Optional[LineBreaks] = None,
    ):
        if mix.word_spans and edges is None:
            raise ValueError("a mix with word_spans needs the tokenizer's word edges")
        if mix.line_sentences and lines is None:
            raise ValueError("a mix with line_sentences needs the tokenizer's line breaks")
        self.special, self.mix, self.ends_sentence, self.edges, self.lines = special, mix, ends_sentence, edges, lines

    def build(self, objective: str, tokens: Sequence[int], rng: random.Random) -> Optional[Layout]:
        if objective == "token":
            return token_objective(tokens, self.special, rng, self.mix, self.edges)
        if objective == "sentence":
            return sentence_objective(tokens, self.special, rng, self.ends_sentence, self.mix, self.lines)
        return document_objective(tokens, self.special, rng, self.mix, self.edges)

    def batch(self, samples: Sequence[Sequence[int]], rng: random.Random) -> Tuple[str, List[Layout]]:
        objective = self.mix.choose(rng)
        layouts = [self.build(objective, s, rng) for s in samples]
        # A sample too short for its objective falls back to the document objective, which always fits.
        return objective, [
            l if l is not None else document_objective(s, self.special, rng, self.mix, self.edges)
            for l, s in zip(layouts, samples)
        ]


def sentence_end_table(decoded: Dict[int, str]) -> Callable[[int], bool]:
    ends = {i for i, text in decoded.items() if is_sentence_end(text)}
    return ends.__contains__
