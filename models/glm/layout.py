"""GLM's Part A / Part B layout with 2D positions (docs/glm.md §2–3, docs/model-contract.md).

One function builds every layout: pretraining (spans of a token sequence, shuffled) and inference / fixtures
(text segments around blanks, document order) both go through `build_layout`, so they cannot drift apart.
The TypeScript side (src/glm/layout.ts) is checked against golden cases generated from this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

IGNORE = -1  # target of positions without a loss


@dataclass(frozen=True)
class SpecialTokens:
    eos: int
    cls: int
    mask: int
    smask: int
    gmask: int
    sop: int
    eop: int

    @property
    def pad(self) -> int:
        return self.eos

    def mask_for(self, kind: str) -> int:
        return {"span": self.mask, "sentence": self.smask, "document": self.gmask}[kind]

    def to_manifest(self) -> dict:
        return {
            "eos": self.eos,
            "pad": self.pad,
            "cls": self.cls,
            "mask": self.mask,
            "smask": self.smask,
            "gmask": self.gmask,
            "sop": self.sop,
            "eop": self.eop,
        }


BLANK_KINDS = ("span", "sentence", "document")


@dataclass
class Blank:
    kind: str
    fill: List[int]  # the span's tokens (the target at training, the generated tokens at inference)


@dataclass
class Layout:
    input_ids: List[int]
    targets: List[int]
    loss_mask: List[int]
    position_ids: List[List[int]]  # [position row, block position row]
    sep: int  # len(Part A): rows below see Part A only, rows from here on are Part B (causal)

    def __len__(self) -> int:
        return len(self.input_ids)

    def attention_mask(self) -> np.ndarray:
        return attention_mask(self.sep, len(self.input_ids))


def attention_mask(sep: int, total: int) -> np.ndarray:
    """[total, total] of 0/1: Part A bidirectional; Part B sees Part A and itself causally (§3.1)."""
    m = np.tril(np.ones((total, total), dtype=np.float32))
    m[:, :sep] = 1.0
    m[:sep, sep:] = 0.0
    return m


def build_layout(
    segments: Sequence[Sequence[int]],
    blanks: Sequence[Blank],
    special: SpecialTokens,
    part_b_order: Optional[Sequence[int]] = None,
    add_cls: bool = True,
    add_eos: bool = True,
    eop_target: bool = True,
) -> Layout:
    """Part A = [CLS] s0 M1 s1 … MN sN [eos]; Part B = sop + fill of each blank in `part_b_order`.

    `eop_target=False` drops the closing eop of the last Part B span (prefix-LM variant of the document
    objective: its span runs to the sample's end, so the sample's eos, when it has one, is the last target).
    """
    assert len(segments) == len(blanks) + 1, "need one more segment than blanks"
    part_a: List[int] = [special.cls] if add_cls else []
    mask_positions: List[int] = []
    for segment, blank in zip(segments, blanks):
        part_a.extend(segment)
        mask_positions.append(len(part_a))
        part_a.append(special.mask_for(blank.kind))
    part_a.extend(segments[-1])
    if add_eos:
        part_a.append(special.eos)
    sep = len(part_a)

    input_ids = list(part_a)
    targets = [IGNORE] * sep
    positions = list(range(sep))
    blocks = [0] * sep
    order = list(range(len(blanks))) if part_b_order is None else list(part_b_order)
    for k in order:
        fill = list(blanks[k].fill)
        input_ids += [special.sop] + fill
        targets += fill + [special.eop]
        positions += [mask_positions[k]] * (len(fill) + 1)
        blocks += list(range(1, len(fill) + 2))
    if not eop_target and order:
        # The last input token would only predict the eop we do not want: drop both.
        input_ids, targets, positions, blocks = input_ids[:-1], targets[:-1], positions[:-1], blocks[:-1]
    loss_mask = [0] * sep + [1] * (len(input_ids) - sep)
    return Layout(input_ids, targets, loss_mask, [positions, blocks], sep)


def layout_from_spans(
    tokens: Sequence[int],
    spans: Sequence[tuple],
    kinds: Sequence[str],
    special: SpecialTokens,
    part_b_order: Sequence[int],
    eop_target: bool = True,
) -> Layout:
    """Pretraining layout: `tokens` already hold [CLS]/eos; spans are sorted, non-overlapping (start, end)."""
    segments, blanks, cursor = [], [], 0
    for (start, end), kind in zip(spans, kinds):
        segments.append(list(tokens[cursor:start]))
        blanks.append(Blank(kind, list(tokens[start:end])))
        cursor = end
    segments.append(list(tokens[cursor:]))
    return build_layout(segments, blanks, special, part_b_order, add_cls=False, add_eos=False, eop_target=eop_target)
