"""The large preset: every unique, permissively licensed text of the catalogue and of the Debian
package families pinned in large_packages.txt, plus the npm TypeScript list (npm_ts.txt).

    /usr/bin/python3 -m models.corpus.build --preset large --out data/corpus-large

No size budget and no repeats: train.jsonl holds each kept text once. Documents pass, in this
order, an exact dedup (whitespace-normalised hash) and a near-duplicate filter (MinHash LSH);
held-out documents are offered first, so a text present in both splits stays held out. Packages
are read by `--jobs` worker processes in a fixed order, and documents stream to 64 shard files,
so memory stays bounded; the shards are then sorted by a hash of (source, path) and joined, which
shuffles train.jsonl deterministically.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .build import fetch_all, package_docs
from .dedup import Deduplicator
from .discover import Pin, read_list
from .documents import Doc, Stats
from .fetch import fetch_pinned_debs
from .neardup import NearDuplicates
from .packages import FAMILY_SOURCE, PackageJob, PackageResult, read_package
from .sources import Source, _npm, resolved_sources
from .split import DEFAULT_TREE_FRACTION, project_of, project_split, unit_is_heldout

MB = 1_000_000
SHARDS = 64
WINDOW = 16  # packages in flight per worker: bounds the memory of results waiting for the dedup
NPM_TS_LIST = Path(__file__).with_name("npm_ts.txt")
DEFAULT_TOKENIZER = Path(__file__).resolve().parents[1] / "default" / "tokenizer.json"


def npm_ts_sources(path: Path = NPM_TS_LIST) -> list[Source]:
    specs = [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()[:1] not in "#"]
    code = [s for s in specs if not s.startswith("@types/")]
    types = [s for s in specs if s.startswith("@types/")]
    return [
        _npm(
            "npm-ts",
            code,
            ["package/src/*.ts", "package/src/*.tsx", "package/src/*.mts"],
            "js",
            "package.json",
            "src/ (.ts)",
            exclude=["*.d.ts", "*/__tests__/*", "*.test.ts", "*.spec.ts"],
            kind="code",
            licence_from_package_json=True,
        ),
        _npm(
            "npm-types",
            types,
            ["package/*.d.ts"],
            "js",
            "package.json",
            "hand-written declarations (.d.ts)",
            kind="code",
            licence_from_package_json=True,
        ),
    ]


def catalogue_sources() -> list[Source]:
    return list(resolved_sources()) + npm_ts_sources()


def typescript_bucket(doc: Doc) -> Doc:
    """The large preset keeps TypeScript apart from JavaScript (the default recipe does not)."""
    if doc.lang == "typescript":
        doc.bucket = "code-ts"
    return doc


@dataclass
class Tally:
    """Everything the report counts."""

    stats: Stats = field(default_factory=Stats)
    dropped_licences: Counter = field(default_factory=Counter)
    exact: Counter = field(default_factory=Counter)  # source -> exact duplicates dropped
    near: Counter = field(default_factory=Counter)  # source -> near duplicates dropped
    heldout_packages: dict[str, str] = field(default_factory=dict)  # package -> project
    empty_packages: Counter = field(default_factory=Counter)  # family -> packages with no document


class Writer:
    """Dedups documents in arrival order and streams them into shards (train) or a list (held out)."""

    def __init__(self, out: Path, tally: Tally) -> None:
        self.tally = tally
        self.exact = Deduplicator()
        self.near = NearDuplicates()
        self.shard_dir = out / "shards"
        shutil.rmtree(self.shard_dir, ignore_errors=True)
        self.shard_dir.mkdir(parents=True)
        self.shards = [open(self.shard_dir / f"{i:02d}.jsonl", "wb") for i in range(SHARDS)]
        self.heldout: list[Doc] = []
        self.kept: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])  # split,bucket,src,lic

    def offer(self, doc: Doc) -> None:
        if not self.exact.accept(doc.text):
            self.tally.exact[doc.src] += 1
            return
        if self.near.is_near_duplicate(doc.text):
            self.tally.near[doc.src] += 1
            return
        counts = self.kept[(doc.split, doc.bucket, doc.src, doc.license)]
        counts[0] += 1
        counts[1] += doc.nbytes
        if doc.split == "heldout":
            self.heldout.append(doc)
        else:
            key = rank_key(doc)
            self.shards[key[0] % SHARDS].write(key.hex().encode("ascii") + b"\t" + doc.json_line())

    def finish(self, out: Path) -> dict[str, dict]:
        for handle in self.shards:
            handle.close()
        digests = {"train.jsonl": _join_shards(self.shard_dir, out / "train.jsonl")}
        shutil.rmtree(self.shard_dir)
        self.heldout.sort(key=lambda d: (d.bucket, d.src, d.path))
        digest, count, size = hashlib.sha256(), 0, 0
        with open(out / "heldout.jsonl", "wb") as handle:
            for doc in self.heldout:
                line = doc.json_line()
                digest.update(line)
                handle.write(line)
                count, size = count + 1, size + doc.nbytes
        digests["heldout.jsonl"] = {"sha256": digest.hexdigest(), "documents": count, "bytes": size}
        return digests


def rank_key(doc: Doc) -> bytes:
    return hashlib.sha256(f"{doc.src}\0{doc.path}".encode("utf-8")).digest()


def _join_shards(shard_dir: Path, target: Path) -> dict:
    digest, count, size = hashlib.sha256(), 0, 0
    with open(target, "wb") as out:
        for i in range(SHARDS):
            with open(shard_dir / f"{i:02d}.jsonl", "rb") as handle:
                lines = sorted(handle)  # the hex key first: sorting shuffles by hash
            for line in lines:
                doc_line = line.split(b"\t", 1)[1]
                digest.update(doc_line)
                out.write(doc_line)
                count, size = count + 1, size + len(json.loads(doc_line)["text"].encode("utf-8"))
    return {"sha256": digest.hexdigest(), "documents": count, "bytes": size}


def _catalogue_package(job: tuple[Source, object]) -> tuple[str, list[Doc], Stats]:
    source, artifact = job
    stats = Stats()
    return source.name, package_docs(source, artifact, stats, DEFAULT_TREE_FRACTION, {}), stats


def collect_catalogue(sources: Sequence[Source], artifacts: dict, tally: Tally, workers: int) -> list[Doc]:
    """`build.collect` with the packages read by `workers` processes: the same documents in the
    same order (catalogue order, then package order within a source)."""
    users: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        for package in source.packages:
            users[package].append(source)
    jobs = [(source, artifacts[package]) for package, package_users in users.items() for source in package_users]
    by_source: dict[str, list[Doc]] = defaultdict(list)
    results = map(_catalogue_package, jobs)
    pool = get_context("fork").Pool(workers) if workers > 1 else None
    if pool:
        results = pool.imap(_catalogue_package, jobs, chunksize=1)
    try:
        for name, docs, stats in results:
            by_source[name].extend(docs)
            for source_name, counts in stats.counts.items():
                for reason, n in counts.items():
                    tally.stats.add(source_name, reason, n)
    finally:
        if pool:
            pool.close()
            pool.join()
    return [typescript_bucket(doc) for source in sources for doc in by_source[source.name]]


def package_jobs(pins: Sequence[Pin], artifacts: dict, catalogue: Sequence[Source], tally: Tally) -> list[PackageJob]:
    """Jobs in a fixed order: held-out packages first, each group sorted by package name."""
    jobs = []
    for pin in pins:
        split, project = project_split(pin.source, catalogue)
        if split == "heldout":
            tally.heldout_packages[pin.package] = project
        jobs.append(PackageJob(pin.package, pin.version, pin.family, str(artifacts[pin.package].file), split))
    return sorted(jobs, key=lambda j: (j.split != "heldout", j.package))


def read_packages(jobs: Sequence[PackageJob], workers: int) -> Iterator[PackageResult]:
    """Results in job order; at most WINDOW x workers packages are read ahead of the consumer."""
    if workers <= 1:
        yield from map(read_package, jobs)
        return
    with get_context("fork").Pool(workers) as pool:
        step = WINDOW * workers
        for start in range(0, len(jobs), step):
            yield from pool.imap(read_package, jobs[start : start + step], chunksize=1)


def offer_results(results: Iterable[PackageResult], writer: Writer, tally: Tally, progress_every: int = 250) -> None:
    started = time.monotonic()
    for number, result in enumerate(results, start=1):
        source = FAMILY_SOURCE[result.family]
        tally.stats.add(source, "packages")
        tally.stats.add(source, "files", result.files)
        for reason, n in result.drops.items():
            tally.stats.add(source, reason, n)
        tally.dropped_licences.update(result.dropped_licences)
        if not result.docs:
            tally.empty_packages[result.family] += 1
        for doc in result.docs:
            tally.stats.add(doc.src, "chunks kept before dedup")
            writer.offer(typescript_bucket(doc))
        if number % progress_every == 0:
            print(f"  {number} packages read ({time.monotonic() - started:.0f} s)", flush=True)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m models.corpus.build --preset large")
    parser.add_argument("--preset", choices=["large"], default="large")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="download folder (default: OUT/downloads)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes reading packages (default 2)")
    parser.add_argument("--families", default="go,rust,python,node,doc", help="Debian families to read")
    parser.add_argument("--limit", type=int, default=0, help="read only the first N pinned packages of each family")
    parser.add_argument(
        "--fraction",
        type=float,
        default=1.0,
        help="read only this fraction of the pinned projects, chosen by a hash of the project (default all)",
    )
    parser.add_argument("--no-catalogue", action="store_true", help="leave out the default catalogue's sources")
    parser.add_argument("--tokenizer", type=Path, default=DEFAULT_TOKENIZER, help="for the bytes/token estimate")
    parser.add_argument("--packages", type=Path, help="pinned list (default models/corpus/large_packages.txt)")
    return parser.parse_args(argv)


def chosen_pins(args: argparse.Namespace) -> list[Pin]:
    families = [f for f in args.families.split(",") if f]
    pins = read_list(args.packages) if args.packages else read_list()
    chosen = []
    for family in families:
        of_family = [p for p in pins if p.family == family and in_fraction(p, args.fraction)]
        chosen.extend(of_family[: args.limit] if args.limit else of_family)
    return chosen


def in_fraction(pin: Pin, fraction: float) -> bool:
    """A stable subset of whole projects (all versions and packagings of a project together)."""
    return fraction >= 1.0 or unit_is_heldout("subset:" + project_of(pin.source), fraction)


def build_large(args: argparse.Namespace, command: str) -> dict:
    from . import report_large

    started = time.monotonic()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    cache = args.cache or out / "downloads"
    catalogue = [] if args.no_catalogue else catalogue_sources()
    pins = chosen_pins(args)
    print(f"Fetching {len(pins)} pinned Debian packages and the catalogue into {cache} ...", flush=True)
    artifacts = fetch_all(catalogue, cache)
    deb_artifacts = fetch_pinned_debs(pins, cache / "deb", jobs=4)
    fetched = time.monotonic() - started
    print(f"Fetched in {fetched:.0f} s. Reading the catalogue ...", flush=True)

    tally = Tally()
    catalogue_docs = collect_catalogue(catalogue, artifacts, tally, args.jobs)
    writer = Writer(out, tally)
    jobs = package_jobs(pins, deb_artifacts, resolved_sources(), tally)
    heldout_jobs = [j for j in jobs if j.split == "heldout"]
    train_jobs = [j for j in jobs if j.split != "heldout"]
    print(f"Reading {len(heldout_jobs)} held-out and {len(train_jobs)} train packages ...", flush=True)
    for doc in catalogue_docs:
        if doc.split == "heldout":
            writer.offer(doc)
    offer_results(read_packages(heldout_jobs, args.jobs), writer, tally)
    for doc in catalogue_docs:
        if doc.split != "heldout":
            writer.offer(doc)
    del catalogue_docs
    offer_results(read_packages(train_jobs, args.jobs), writer, tally)
    outputs = writer.finish(out)

    packages = [artifacts[p].manifest_entry() for p in sorted(artifacts)]
    packages += [deb_artifacts[p].manifest_entry() for p in sorted(deb_artifacts)]
    manifest = {
        "command": command,
        "preset": "large",
        "families": args.families,
        "limit": args.limit,
        "fraction": args.fraction,
        "packages": packages,
        "heldout_packages": dict(sorted(tally.heldout_packages.items())),
        "outputs": outputs,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elapsed = {"fetch_s": round(fetched), "total_s": round(time.monotonic() - started)}
    text = report_large.render(command, writer.kept, tally, outputs, out, cache, elapsed, args.tokenizer)
    (out / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    return outputs


def main(argv: Sequence[str], command: str) -> int:
    args = parse_args(argv)
    build_large(args, command)
    return 0
