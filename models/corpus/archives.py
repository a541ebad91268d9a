"""Read the files of a downloaded package, in sorted order, without installing it."""
from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable, Iterator, Sequence

Wanted = Callable[[str], bool]


def path_filter(include: Sequence[str], exclude: Sequence[str] = ()) -> Wanted:
    """fnmatch patterns on the path inside the package (`*` crosses `/`)."""

    def wanted(path: str) -> bool:
        return any(fnmatchcase(path, p) for p in include) and not any(fnmatchcase(path, p) for p in exclude)

    return wanted


def deb_files(deb: Path, wanted: Wanted) -> Iterator[tuple[str, bytes]]:
    """Unpack with `dpkg-deb -x` (no maintainer scripts, no dependencies) into a temporary
    folder and yield the wanted regular files. Symlinks are skipped: they point at files that
    are read anyway or at shared theme assets."""
    with tempfile.TemporaryDirectory(prefix="corpus-deb-") as tmp:
        command = ["dpkg-deb", "-x", str(deb), tmp]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"Unpacking {deb.name} failed: {' '.join(command)}\n{done.stderr.strip()}")
        for root, dirs, files in os.walk(tmp):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                if not os.path.islink(full) and wanted(rel):
                    yield rel, Path(full).read_bytes()


def npm_path(member_name: str) -> str:
    """Tarballs keep their files under one top folder, usually `package/`, but not always
    (@types/node uses `node/`): name it `package/` so that patterns need not care."""
    _top, _, rest = member_name.partition("/")
    return f"package/{rest}"


def npm_files(tarball: Path, wanted: Wanted) -> Iterator[tuple[str, bytes]]:
    """Read the wanted regular files straight from an `npm pack` tarball (nothing is unpacked)."""
    with tarfile.open(tarball, "r:gz") as archive:
        members = sorted(
            (m for m in archive.getmembers() if m.isfile() and wanted(npm_path(m.name))), key=lambda m: npm_path(m.name)
        )
        for member in members:
            handle = archive.extractfile(member)
            yield npm_path(member.name), handle.read() if handle else b""
