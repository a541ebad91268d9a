"""Token data for training: documents in a flat uint16 file with an offsets index, windows, and batch collation.

`<split>.bin` holds every document's tokens back to back (no separators); `<split>.idx` holds int64 offsets
(n_docs + 1). A sample is `[CLS] + window of one document (+ eos if the window reaches the document's end)`,
as THUDM crops long documents; short documents give short samples, batched with samples of similar length.
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
            return [special.cls] + self.tokens[start:start + n].tolist() + [special.eos]
        offset = rng.randint(0, n - room)
        window = self.tokens[start + offset:start + offset + room].tolist()
        return [special.cls] + window + ([special.eos] if offset + room == n else [])


def write_documents(prefix: str, documents: Sequence[Sequence[int]]) -> None:
    offsets = np.zeros(len(documents) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(d) for d in documents])
    with open(prefix + ".bin", "wb") as f:
        for d in documents:
            np.asarray(d, dtype=np.uint16).tofile(f)
    offsets.tofile(prefix + ".idx")


def collate(layouts: Sequence[Layout], pad: int, device: str = "cpu") -> Dict[str, torch.Tensor]:
    """Right-pad to the longest layout. Pad rows and columns are masked out (pad rows attend to nothing)."""
    b, t = len(layouts), max(len(l) for l in layouts)
    input_ids = torch.full((b, t), pad, dtype=torch.long)
    targets = torch.full((b, t), IGNORE, dtype=torch.long)
    loss_mask = torch.zeros(b, t)
    position_ids = torch.zeros(b, 2, t, dtype=torch.long)
    attention = torch.zeros(b, 1, t, t)
    for i, l in enumerate(layouts):
        n = len(l)
        input_ids[i, :n] = torch.tensor(l.input_ids)
        targets[i, :n] = torch.tensor(l.targets)
        loss_mask[i, :n] = torch.tensor(l.loss_mask, dtype=torch.float)
        position_ids[i, :, :n] = torch.tensor(l.position_ids)
        attention[i, 0, :n, :n] = torch.from_numpy(l.attention_mask())
    batch = {"input_ids": input_ids, "targets": targets.clamp(min=0), "loss_mask": loss_mask,
             "position_ids": position_ids, "attention_mask": attention}
    return {k: v.to(device) for k, v in batch.items()}
