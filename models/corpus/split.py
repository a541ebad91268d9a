"""Which split a file belongs to.

Whole packages are held out per modality (the catalogue marks them), so evaluation measures
transfer to unseen projects. Single big trees (CPython, Go, Rust, the Node docs) are split by
directory: a hash of the directory's path decides, so every file of a held-out package directory
is unseen, and the choice is stable across runs and machines.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from typing import Sequence

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


# -- The large preset: whole Debian source packages held out by a hash of their project ----------
PROJECT_HELDOUT_FRACTION = 0.03
_PROJECT_PREFIXES = ("python3-", "python-", "node-", "golang-", "rust-", "librust-", "lib")
_VERSION_SUFFIX = re.compile(r"(-v?\d+(\.\d+)*)+$")


def project_of(name: str) -> str:
    """The project a Debian source or binary package belongs to, the same for all its versions
    and packagings: python-django, python3-django and python-django-doc -> django; rust-nom-4 ->
    nom; golang-github-foo-bar-v2 -> github-foo-bar."""
    name = name.removesuffix("-doc").removesuffix("-dev")
    for prefix in _PROJECT_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
            break
    return _VERSION_SUFFIX.sub("", name) or name


def catalogue_projects(catalogue: Sequence[Source], split: str) -> set[str]:
    """Projects of the catalogue's Debian packages and npm packages in `split` ('tree' counts as train)."""
    projects = set()
    for source in catalogue:
        if (source.split == "heldout") != (split == "heldout"):
            continue
        for package in source.packages:
            name = package.rpartition("@")[0] if source.origin == "npm" else package
            projects.add(project_of(name.split("/")[-1]))
    return projects


def project_split(
    source_package: str, catalogue: Sequence[Source], fraction: float = PROJECT_HELDOUT_FRACTION
) -> tuple[str, str]:
    """('train' | 'heldout', project) for a discovered package, decided by its source package's
    project: a project the catalogue holds out stays held out (in every version and packaging), a
    project the catalogue trains on stays in train, any other is held out by a hash of its name."""
    project = project_of(source_package)
    if project in catalogue_projects(catalogue, "heldout"):
        return "heldout", project
    if project in catalogue_projects(catalogue, "train"):
        return "train", project
    return ("heldout" if unit_is_heldout("project:" + project, fraction) else "train"), project
