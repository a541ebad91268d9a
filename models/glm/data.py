"""Token data for training: documents in a flat uint16 file with an offsets index, windows, and batch collation.

`<split>.bin` holds every document's tokens back to back (no separators); `<split>.idx` holds int64 offsets
(n_docs + 1). A sample is `[CLS] + window of one document (+ eos if the window reaches the document's end)`,
as THUDM crops long documents; short documents give short samples. Batches are not grouped by length: each
is padded to its longest sample (no packing of several documents into one sample, unlike THUDM).
"""
from __future__ import annotations

import random
from typing import Dict, List, Sequence

import numpy as np
import torch

from .layout import IGNORE, Layout, SpecialTokens


class TokenDocuments:
    def __init__(self, prefix: str):
        self.tokens = np.memmap(prefix + ".bin", dtype=np.uint16, mode="r")
        self.offsets = np.fromfile(prefix + ".idx", dtype=np.int64)
        self.lengths = np.diff(self.offsets)
        keep = np.nonzero(self.lengths >= 8)[0]  # too short to mask anything meaningful
        self.docs = keep
        # Documents are drawn in proportion to the windows they hold, so long files are not under-sampled.
        self.weights = np.cumsum(self.lengths[keep].astype(np.float64))

    @property
    def num_tokens(self) -> int:
        return int(self.lengths[self.docs].sum())

    def sample(self, rng: random.Random, length: int, special: SpecialTokens) -> List[int]:
        d = self.docs[int(np.searchsorted(self.weights, rng.random() * self.weights[-1], side="right"))]
        start, n = int(self.offsets[d]), int(self.lengths[d])
        room = length - 2  # [CLS] and a possible eos
        if n <= room:
            return [special.cls] + self.tokens[start : start + n].tolist() + [special.eos]
        offset = rng.randint(0, n - room)
        window = self.tokens[start + offset : start + offset + room].tolist()
        return [special.cls] + window + ([special.eos] if offset + room == n else [])


def write_documents(prefix: str, documents: Sequence[Sequence[int]]) -> None:
    offsets = np.zeros(len(documents) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(d) for d in documents])
    with open(prefix + ".bin", "wb") as f:
        for d in documents:
            np.asarray(d, dtype=np.uint16).tofile(f)
    offsets.tofile(prefix + ".idx")


def attention_masks(sep: torch.Tensor, lengths: torch.Tensor, t: int) -> torch.Tensor:
    """[B,1,T,T] of 0/1, built where `sep` lives: each sample's `attention_mask(sep, n)` (layout.py), padded with 0."""
    i = torch.arange(t, device=sep.device)
    row, col = i.view(1, t, 1), i.view(1, 1, t)
    sep, n = sep.view(-1, 1, 1), lengths.view(-1, 1, 1)
    part_a_row = row < sep
    allowed = torch.where(part_a_row, col < sep, (col <= row) | (col < sep)) & (row < n) & (col < n)
    return allowed.unsqueeze(1).float()


def collate_compact(layouts: Sequence[Layout], pad: int) -> Dict[str, torch.Tensor]:
    """Right-pad to the longest layout; the attention masks travel as Part A and total lengths (see `on_device`)."""
    b, t = len(layouts), max(len(l) for l in layouts)
    input_ids = torch.full((b, t), pad, dtype=torch.long)
    targets = torch.full((b, t), IGNORE, dtype=torch.long)
    loss_mask = torch.zeros(b, t)
    position_ids = torch.zeros(b, 2, t, dtype=torch.long)
    for i, l in enumerate(layouts):
        n = len(l)
        input_ids[i, :n] = torch.tensor(l.input_ids)
        targets[i, :n] = torch.tensor(l.targets)
        loss_mask[i, :n] = torch.tensor(l.loss_mask, dtype=torch.float)
        position_ids[i, :, :n] = torch.tensor(l.position_ids)
    return {
        "input_ids": input_ids,
        "targets": targets.clamp(min=0),
        "loss_mask": loss_mask,
        "position_ids": position_ids,
        "sep": torch.tensor([l.sep for l in layouts]),
        "lengths": torch.tensor([len(l) for l in layouts]),
    }


def on_device(compact: Dict[str, torch.Tensor], device: str) -> Dict[str, torch.Tensor]:
    """A compact batch moved to `device`, with its attention masks built there (pad rows attend to nothing)."""
    batch = {k: v.to(device, non_blocking=True) for k, v in compact.items()}
    batch["attention_mask"] = attention_masks(batch["sep"], batch["lengths"], batch["input_ids"].shape[1])
    return batch


def collate(layouts: Sequence[Layout], pad: int, device: str = "cpu") -> Dict[str, torch.Tensor]:
    """Right-pad to the longest layout. Pad rows and columns are masked out (pad rows attend to nothing)."""
    return on_device(collate_compact(layouts, pad), device)
