"""Writing an evidence bundle: every file hashed as it is written, then a manifest.

Bundle layout (all paths relative to the bundle folder)::

    acquisition.json    who, where, when (host clock vs. true time), tool and its hash, steps
    acquisition.log     the same steps as text lines, written as they happen (survives a crash)
    walk.jsonl          one FileStat per line: the file walk of the examined root
    warnings.jsonl      one WarningRecord per line: what could not be read, and why
    copied.jsonl        one line per copied file: host path, stat, size copied, SHA-256, truncated
    root/<host path>    the copied files, under the path they had on the host
    longpaths/<sha256>  copies whose path would be too long (over 1 KiB), named by the
                        SHA-256 of the host path; copied.jsonl maps them
    live/               the running system's state, when the root is the live / (see
                        :mod:`breachkit.host.live.collect`)
    manifest.jsonl      {"path", "sha256", "size"} for every file above
    manifest.sha256     the same in ``sha256sum -c`` format

The manifest is built from hashes taken while writing, so no file is read twice.
"""

import hashlib
import json
import os
from typing import IO, Any, Dict, List, Optional, Tuple

from .records import raw_b64

MANIFEST = "manifest.jsonl"
MANIFEST_SHA256 = "manifest.sha256"


def dumps(record: Dict[str, Any]) -> str:
    """One JSONL line: ASCII-only, so hostile names cannot break the line structure."""
    return json.dumps(record, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


class HashingWriter:
    """A binary file that hashes what is written to it."""

    def __init__(self, path: str) -> None:
        self._handle: IO[bytes] = open(path, "xb")  # noqa: SIM115 - closed in close()
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self._digest.update(data)
        self.size += len(data)

    def write_line(self, record: Dict[str, Any]) -> None:
        self.write((dumps(record) + "\n").encode("ascii"))

    def close(self) -> str:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        return self._digest.hexdigest()


class BundleWriter:
    """Creates the bundle folder and remembers the hash and size of every file it writes."""

    def __init__(self, out: str) -> None:
        self.out = os.path.abspath(out)
        if os.path.lexists(self.out) and (not os.path.isdir(self.out) or os.listdir(self.out)):
            raise FileExistsError("bundle folder %s exists and is not empty; choose a new --out" % self.out)
        os.makedirs(os.path.join(self.out, "root"), exist_ok=True)
        self.entries: List[Tuple[str, str, int]] = []
        self._open: Dict[str, HashingWriter] = {}

    def open(self, rel: str) -> HashingWriter:
        """A new file at ``rel`` (relative to the bundle); parents are created."""
        full = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        writer = HashingWriter(full)
        self._open[rel] = writer
        return writer

    def close(self, rel: str) -> str:
        writer = self._open.pop(rel)
        digest = writer.close()
        self.entries.append((rel, digest, writer.size))
        return digest

    def write_json(self, rel: str, data: Dict[str, Any]) -> str:
        writer = self.open(rel)
        writer.write((json.dumps(data, ensure_ascii=True, sort_keys=True, indent=2) + "\n").encode("ascii"))
        return self.close(rel)

    def finish(self) -> str:
        """Write the manifest (JSONL and sha256sum forms); return the SHA-256 of ``manifest.jsonl``."""
        for rel in list(self._open):
            self.close(rel)
        rows = sorted(self.entries)
        manifest = HashingWriter(os.path.join(self.out, MANIFEST))
        sums = HashingWriter(os.path.join(self.out, MANIFEST_SHA256))
        for rel, digest, size in rows:
            record: Dict[str, Any] = {"path": rel, "sha256": digest, "size": size}
            b64 = raw_b64(rel)
            if b64 is not None:
                record["path_b64"] = b64
            manifest.write_line(record)
            sums.write(sha256sum_line(digest, rel))
        sums.close()
        return manifest.close()


def sha256sum_line(digest: str, rel: str) -> bytes:
    """A line ``sha256sum -c`` accepts, using its escaping for names with ``\\n`` or ``\\\\``."""
    name = os.fsencode(rel)
    if b"\n" in name or b"\\" in name or b"\r" in name:
        name = name.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
        return b"\\" + digest.encode("ascii") + b"  " + name + b"\n"
    return digest.encode("ascii") + b"  " + name + b"\n"


def read_manifest_line(line: str) -> Tuple[str, str, int]:
    """(path, sha256, size) of one ``manifest.jsonl`` line."""
    record = json.loads(line)
    path: Optional[str] = record.get("path")
    if "path_b64" in record:
        import base64

        path = os.fsdecode(base64.b64decode(record["path_b64"]))
    if not isinstance(path, str):
        raise ValueError("manifest line without a path")
    return path, str(record["sha256"]), int(record["size"])
