"""Fit the documents of one split to a size budget and a mix of groups.

Each group (js, python, go, ...) gets `share x budget` bytes. A group with more text than that
keeps the same fraction of every one of its sources (documents picked by a hash of their path,
so the choice is stable and spread over the whole source); a smaller budget thus shrinks every
source instead of silently losing one. A group with less text than its share is repeated up to
its `max_repeat` (train only: Markdown is scarce), or stays below its share.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from .documents import Doc


@dataclass
class GroupPlan:
    group: str
    available: int  # bytes of clean, deduplicated text
    budget: int
    fraction: float  # share of each source kept (<= 1)
    repeat: float  # copies written (>= 1 only when upsampled)


def normalised_mix(mix: dict[str, float]) -> dict[str, float]:
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("the mix needs at least one group with a positive share")
    return {group: share / total for group, share in mix.items()}


def rank_key(doc: Doc) -> bytes:
    return hashlib.sha256(f"{doc.src}\0{doc.path}".encode("utf-8")).digest()


def take_bytes(docs: Sequence[Doc], quota: float) -> list[Doc]:
    """Documents in hash order while they fit in `quota` bytes; returned in their input order."""
    chosen, used = set(), 0
    for index in sorted(range(len(docs)), key=lambda i: rank_key(docs[i])):
        if used + docs[index].nbytes <= quota:
            chosen.add(index)
            used += docs[index].nbytes
    return [doc for i, doc in enumerate(docs) if i in chosen]


def plan_groups(
    docs: Sequence[Doc], budget: int, mix: dict[str, float], max_repeat: dict[str, float]
) -> dict[str, GroupPlan]:
    available: dict[str, int] = defaultdict(int)
    for doc in docs:
        available[doc.group] += doc.nbytes
    plans = {}
    for group, share in normalised_mix(mix).items():
        have, want = available.get(group, 0), int(share * budget)
        if have == 0:
            plans[group] = GroupPlan(group, 0, want, 0.0, 1.0)
        elif have >= want:
            plans[group] = GroupPlan(group, have, want, want / have, 1.0)
        else:
            repeat = max(1.0, min(max_repeat.get(group, 1.0), want / have))
            plans[group] = GroupPlan(group, have, want, 1.0, repeat)
    return plans


def select(
    docs: Sequence[Doc], budget: int, mix: dict[str, float], max_repeat: dict[str, float]
) -> tuple[list[Doc], dict[str, GroupPlan]]:
    """Documents for one split (repeats included), and the plan that chose them.
    Groups absent from `mix` are dropped."""
    plans = plan_groups(docs, budget, mix, max_repeat)
    by_source: dict[tuple[str, str], list[Doc]] = defaultdict(list)
    for doc in docs:
        by_source[(doc.group, doc.src)].append(doc)
    chosen: list[Doc] = []
    for (group, _src), source_docs in by_source.items():
        plan = plans.get(group)
        if plan is None or plan.fraction == 0:
            continue
        size = sum(d.nbytes for d in source_docs)
        kept = source_docs if plan.fraction >= 1 else take_bytes(source_docs, plan.fraction * size)
        whole, part = int(plan.repeat), plan.repeat - int(plan.repeat)
        chosen.extend(kept * whole)
        if part > 0:
            chosen.extend(take_bytes(kept, part * size))
    return chosen, plans
