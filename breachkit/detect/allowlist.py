"""Allowlists of known-good files built from clean release trees (``breachkit allowlist build``).

A CMS core (WordPress, Joomla, Drupal, a shop system) holds thousands of PHP
files, a few of which look like webshells to any rule (installers, updaters,
file managers). Users download the release they run from its official source,
unpack it, and build an allowlist from the clean tree; files on the examined
host whose SHA-256 is listed are then hashed but not reported.

The format is ``sha256sum``'s (``<hex>  <relative path>``, one file a line),
with ``#`` comment lines for provenance, so ``sha256sum -c`` can check it
against the tree it was built from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from breachkit.errors import UsageError
from breachkit.host.records import FileStat
from breachkit.host.rootfs import RootFS

HEADER = "# breachkit allowlist v1"
CHUNK = 1024 * 1024


def _hash_file(fs: RootFS, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open_file(path, follow=False) as handle:
        while True:
            block = handle.read(CHUNK)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


def hash_tree(folder: Path) -> Iterator[tuple[str, str]]:
    """(sha256, relative path) of every regular file under ``folder``; symlinks are not followed."""
    with RootFS(str(folder)) as fs:
        for entry in fs.walk("/"):
            if isinstance(entry, FileStat) and entry.type == "f":
                try:
                    yield _hash_file(fs, entry.path), entry.path.lstrip("/")
                except OSError:
                    continue  # vanished while hashing: it is not part of a clean release then


def build(folder: Path, out: Path) -> int:
    """Write the allowlist of ``folder`` to ``out``; returns the number of files listed."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: unpack the clean release archive first and give its folder")
    rows = sorted(hash_tree(folder), key=lambda row: row[1])
    stamp = datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with out.open("w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(f"{HEADER}\n# built {stamp} from {folder.resolve()}\n# {len(rows)} files\n")
        for digest, rel in rows:
            handle.write(f"{digest}  {rel.replace(chr(10), '?')}\n")
    return len(rows)


def load(paths: list[Path]) -> frozenset[str]:
    """SHA-256 values listed in allowlist files (``sha256sum`` format)."""
    found: set[str] = set()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"cannot read the allowlist {path}: {exc.strerror or exc}") from exc
        for line in text.splitlines():
            digest = line.split(None, 1)[0].lower() if line.strip() and not line.startswith("#") else ""
            if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
                found.add(digest)
    return frozenset(found)
