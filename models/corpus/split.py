"""Which split a file belongs to.

Whole packages are held out per modality (the catalogue marks them), so evaluation measures
transfer to unseen projects. Single big trees (CPython, Go, Rust, the Node docs) are split by
directory: a hash of the directory's path decides, so every file of a held-out package directory
is unseen, and the choice is stable across runs and machines.
"""
from __future__ import annotations

import hashlib
import posixpath

from .sources import Source

HELDOUT_SALT = "glm-infill-heldout-v1"
DEFAULT_TREE_FRACTION = 0.05


def holdout_unit(relpath: str) -> str:
    """The directory a file belongs to; a file at the tree's top level is a unit of its own
    (otherwise every top-level stdlib module would fall on one side together)."""
    directory = posixpath.dirname(relpath)
    return directory if directory else relpath


def unit_is_heldout(unit: str, fraction: float, salt: str = HELDOUT_SALT) -> bool:
    digest = hashlib.sha256(f"{salt}\0{unit}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") < fraction * 2**64


def split_of(source: Source, path: str, tree_fraction: float = DEFAULT_TREE_FRACTION) -> str:
    """'train' or 'heldout' for a file at `path` (relative to its package root) of `source`."""
    if source.split != "tree":
        return source.split
    root = source.tree_root.rstrip("/") + "/"
    if not path.startswith(root):
        return "train"
    unit = holdout_unit(path[len(root) :])
    return "heldout" if unit_is_heldout(unit, tree_fraction) else "train"
