"""Files in parts small enough for one transfer to or from a leased GPU machine (64 MiB a transfer), with checksums.

    /usr/bin/python3 -m models.glm.pack pack --src data/tokens --out data/lease-parts [--part-mib 60] [--compress xz]
    python3 -m models.glm.pack unpack --parts data/lease-parts --out data/tokens      # on the other machine
    python3 -m models.glm.pack verify --parts data/lease-parts                        # which parts are there and whole

`pack` writes one tar stream of the folder (sorted, no owners or times: the same files give the same bytes),
xz-compressed unless told otherwise, cut into `part-000`, `part-001`, ... of at most --part-mib MiB, and
`manifest.json` with every part's and every file's size and SHA-256. `unpack` checks every part against the
manifest before it reads one (a missing or damaged part is named, nothing is written), then extracts and checks
every file again.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import tarfile
from typing import BinaryIO, Dict, List

CHUNK = 1 << 20
MANIFEST = "manifest.json"


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class PartWriter(io.RawIOBase):
    """A write-only stream that fills part files of at most `limit` bytes in turn, hashing each."""

    def __init__(self, folder: str, limit: int):
        self.folder, self.limit, self.parts = folder, limit, []
        self.file: BinaryIO | None = None

    def writable(self) -> bool:
        return True

    def _next_part(self) -> None:
        self._close_part()
        name = f"part-{len(self.parts):03d}"
        self.parts.append({"name": name, "size": 0, "digest": hashlib.sha256()})
        self.file = open(os.path.join(self.folder, name), "wb")

    def _close_part(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        written = 0
        while written < len(view):
            if self.file is None or self.parts[-1]["size"] == self.limit:
                self._next_part()
            part = self.parts[-1]
            piece = view[written : written + self.limit - part["size"]]
            self.file.write(piece)
            part["digest"].update(piece)
            part["size"] += len(piece)
            written += len(piece)
        return written

    def close(self) -> None:
        self._close_part()
        super().close()

    def manifest_parts(self) -> List[dict]:
        return [{"name": p["name"], "size": p["size"], "sha256": p["digest"].hexdigest()} for p in self.parts]


def pack(src: str, out: str, part_mib: float = 60, compress: str = "xz") -> dict:
    if not os.path.isdir(src):
        raise SystemExit(f"pack: {src} is not a folder")
    os.makedirs(out, exist_ok=True)
    stale = [n for n in os.listdir(out) if n.startswith("part-") or n == MANIFEST]
    for name in stale:  # parts of an earlier pack would mix with these
        os.remove(os.path.join(out, name))
    names = sorted(
        os.path.relpath(os.path.join(d, f), src)
        for d, _, files in os.walk(src)
        for f in files
        if not f.endswith(".tmp")
    )
    files = {
        n: {"size": os.path.getsize(os.path.join(src, n)), "sha256": sha256_of(os.path.join(src, n))} for n in names
    }
    writer = PartWriter(out, int(part_mib * 1024 * 1024))
    mode = "w|xz" if compress == "xz" else "w|"
    with tarfile.open(fileobj=writer, mode=mode, format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            info = tar.gettarinfo(os.path.join(src, name), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            info.mode = 0o644
            with open(os.path.join(src, name), "rb") as f:
                tar.addfile(info, f)
    writer.close()
    manifest = {"compress": compress, "part_bytes": writer.limit, "parts": writer.manifest_parts(), "files": files}
    with open(os.path.join(out, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def read_manifest(parts: str) -> dict:
    path = os.path.join(parts, MANIFEST)
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing: copy the whole parts folder (manifest.json and part-*) from pack")
    with open(path) as f:
        return json.load(f)


def verify(parts: str) -> Dict[str, str]:
    """Problems by part name ('missing', 'size N, expected M', 'checksum differs'); empty when all parts are whole."""
    problems = {}
    for part in read_manifest(parts)["parts"]:
        path = os.path.join(parts, part["name"])
        if not os.path.exists(path):
            problems[part["name"]] = "missing"
        elif os.path.getsize(path) != part["size"]:
            problems[part["name"]] = f"size {os.path.getsize(path)}, expected {part['size']}"
        elif sha256_of(path) != part["sha256"]:
            problems[part["name"]] = "checksum differs"
    return problems


class PartReader(io.RawIOBase):
    """The parts read back as one stream."""

    def __init__(self, paths: List[str]):
        self.paths, self.file = list(paths), None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.file is None:
                if not self.paths:
                    return 0
                self.file = open(self.paths.pop(0), "rb")
            n = self.file.readinto(buffer)
            if n:
                return n
            self.file.close()
            self.file = None


def unpack(parts: str, out: str) -> dict:
    manifest = read_manifest(parts)
    problems = verify(parts)
    if problems:
        listed = ", ".join(f"{name}: {why}" for name, why in problems.items())
        raise SystemExit(
            f"{parts}: {len(problems)} of {len(manifest['parts'])} parts not whole ({listed}); copy them again"
        )
    os.makedirs(out, exist_ok=True)
    stream = io.BufferedReader(PartReader([os.path.join(parts, p["name"]) for p in manifest["parts"]]), CHUNK)
    mode = "r|xz" if manifest["compress"] == "xz" else "r|"
    with tarfile.open(fileobj=stream, mode=mode) as tar:
        for member in tar:
            target = os.path.realpath(os.path.join(out, member.name))
            if not member.isfile() or not target.startswith(os.path.realpath(out) + os.sep):
                raise SystemExit(f"{parts}: unexpected entry {member.name!r} in the archive")
            tar.extract(member, out)
    for name, want in manifest["files"].items():
        path = os.path.join(out, name)
        if not os.path.exists(path) or sha256_of(path) != want["sha256"]:
            raise SystemExit(f"{path}: not as packed (checksum differs or missing)")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="a folder into parts and manifest.json")
    p.add_argument("--src", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--part-mib", type=float, default=60, help="largest part (the transfer limit is 64 MiB)")
    p.add_argument("--compress", choices=["xz", "none"], default="xz")
    u = sub.add_parser("unpack", help="parts back into a folder, every part and file checked")
    u.add_argument("--parts", required=True)
    u.add_argument("--out", required=True)
    v = sub.add_parser("verify", help="only check the parts")
    v.add_argument("--parts", required=True)
    args = ap.parse_args()
    if args.command == "pack":
        m = pack(args.src, args.out, args.part_mib, args.compress)
        total = sum(p["size"] for p in m["parts"])
        raw = sum(f["size"] for f in m["files"].values())
        print(
            f"{args.out}: {len(m['files'])} files, {raw / 2**20:.1f} MiB → {len(m['parts'])} parts, {total / 2**20:.1f} MiB"
        )
    elif args.command == "unpack":
        m = unpack(args.parts, args.out)
        print(f"{args.out}: {len(m['files'])} files from {len(m['parts'])} parts, every checksum as packed")
    else:
        problems = verify(args.parts)
        for name, why in problems.items():
            print(f"{name}: {why}")
        if problems:
            raise SystemExit(1)
        print(f"{args.parts}: all {len(read_manifest(args.parts)['parts'])} parts whole")


if __name__ == "__main__":
    main()
