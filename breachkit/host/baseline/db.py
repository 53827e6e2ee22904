"""The baseline database: a sorted JSON-lines file that proves its own integrity.

Layout (UTF-8 JSON, one object a line; gzip-compressed when the name ends in ``.gz``)::

    {"format": "breachkit-baseline", "version": 1, "created": ..., "rules": ..., ...}   header
    {"p": "/usr/bin/ls", "t": "f", "m": 33261, "h": "sha256:…", ...}                    one entry a line,
    ...                                                                                 in walk order
    {"footer": true, "entries": N, "sha256": "…"}                                       footer

The footer's ``sha256`` covers every (uncompressed) byte before the footer
line, so a truncated, shortened or edited file is refused; entries must be in
strictly increasing walk order (:func:`breachkit.host.baseline.rules.path_key`),
which is what lets ``check`` compare a database of any size with the live tree
in one streaming merge, with flat memory. The **database hash** printed by every
command is the SHA-256 of the file as stored: write it down off the host, or
sign it (``breachkit baseline create --sign-key``), because someone who can
rewrite the database can also recompute its footer.

Entry keys: ``p`` path (``pb`` base64 of the raw bytes when not UTF-8),
``t`` type, ``m`` mode, ``u`` uid, ``g`` gid, ``s`` size, ``i`` inode, ``n``
link count, ``mt``/``ct`` mtime/ctime in ns, ``l`` symlink target, ``h`` content
hash as ``algorithm:hex``, ``x`` extended attributes (name -> base64), ``a``
the attributes the rules selected. Only selected attributes are stored.

Version 1 is the only version; a database with another version is refused with
a message saying which version this tool reads.
"""

import base64
import gzip
import hashlib
import json
import os
from typing import IO, Any, Dict, Iterator, List, Optional, Tuple

from .rules import path_key

FORMAT = "breachkit-baseline"
VERSION = 1

_dumps = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode


class BaselineError(ValueError):
    """The database cannot be used; the message says why and what to do."""


class DatabaseTampered(BaselineError):
    """The database fails its self-check: truncated, edited or out of order."""


def encode_path(record: Dict[str, Any], path: str) -> None:
    record["p"] = path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        record["pb"] = base64.b64encode(os.fsencode(path)).decode("ascii")
        record["p"] = path.encode("utf-8", "replace").decode("utf-8")


def decode_path(record: Dict[str, Any]) -> str:
    if "pb" in record:
        return os.fsdecode(base64.b64decode(record["pb"]))
    path = record["p"]
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("bad path")
    return path


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Writer:
    """Writes a database atomically: to ``<path>.tmp``, fsynced, then renamed over ``path``."""

    def __init__(self, path: str, header: Dict[str, Any]) -> None:
        self.path = path
        self.tmp = path + ".tmp"
        self._raw = open(self.tmp, "wb")  # noqa: SIM115 - closed in finish()/abort()
        self._out: IO[bytes] = self._raw
        if path.endswith(".gz"):
            self._out = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)  # type: ignore[assignment,unused-ignore]
        self._digest = hashlib.sha256()
        self.entries = 0
        self._last: Optional[Tuple[str, ...]] = None
        data = dict(header)
        data["format"] = FORMAT
        data["version"] = VERSION
        self._line(_dumps(data))

    def _line(self, text: str) -> None:
        raw = text.encode("ascii") + b"\n"
        self._digest.update(raw)
        self._out.write(raw)

    def add(self, path: str, record: Dict[str, Any]) -> None:
        key = path_key(path)
        if self._last is not None and key <= self._last:
            raise BaselineError("internal error: entries out of order at %r" % path)
        self._last = key
        data = dict(record)
        encode_path(data, path)
        self._line(_dumps(data))
        self.entries += 1

    def finish(self) -> str:
        """Write the footer, make the file durable, put it in place; return the file's SHA-256."""
        footer = {"footer": True, "entries": self.entries, "sha256": self._digest.hexdigest()}
        self._out.write(_dumps(footer).encode("ascii") + b"\n")
        if self._out is not self._raw:
            self._out.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.tmp, self.path)
        _fsync_dir(os.path.dirname(os.path.abspath(self.path)))
        return file_sha256(self.path)

    def abort(self) -> None:
        try:
            self._raw.close()
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _open_text(path: str) -> IO[bytes]:
    raw = open(path, "rb")  # noqa: SIM115 - returned to the caller
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


class Database:
    """A database on disk; :meth:`verify` before trusting :meth:`entries`."""

    def __init__(self, path: str) -> None:
        self.path = path
        if not os.path.isfile(path):
            raise BaselineError("no baseline database at %s; create one with 'baseline create'" % path)
        self.header = self._read_header()
        self.sha256 = file_sha256(path)

    def _read_header(self) -> Dict[str, Any]:
        try:
            with _open_text(self.path) as handle:
                first = handle.readline(1 << 24)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise BaselineError("cannot read %s: %s" % (self.path, exc)) from None
        try:
            header = json.loads(first)
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BaselineError("%s is not a breachkit baseline database" % self.path)
        version = header.get("version")
        if version != VERSION:
            raise BaselineError(
                "%s is a baseline of format version %r; this breachkit reads version %d. "
                "Use the breachkit release that wrote it, or create a new baseline from a known-good state."
                % (self.path, version, VERSION)
            )
        return header

    def verify(self) -> int:
        """Check the footer hash and the order of entries; return the entry count."""
        count = 0
        for _ in self.entries():
            count += 1
        return count

    def entries(self) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """(path, record) per entry, in walk order; raises :class:`DatabaseTampered` at the first problem.

        The footer is checked when the last entry has been read, so a caller that
        must not act on a bad database calls :meth:`verify` first.
        """
        digest = hashlib.sha256()
        last: Optional[Tuple[str, ...]] = None
        footer: Optional[Dict[str, Any]] = None
        count = 0
        try:
            with _open_text(self.path) as handle:
                for number, raw in enumerate(_lines(handle), 1):
                    if footer is not None:
                        raise DatabaseTampered("%s: data after the footer (line %d)" % (self.path, number))
                    if not raw.endswith(b"\n"):
                        raise DatabaseTampered(
                            "%s is truncated (line %d is incomplete); do not trust it" % (self.path, number)
                        )
                    try:
                        data = json.loads(raw)
                    except ValueError:
                        raise DatabaseTampered("%s: line %d is not JSON" % (self.path, number)) from None
                    if not isinstance(data, dict):
                        raise DatabaseTampered("%s: line %d is not a JSON object" % (self.path, number))
                    if number == 1:
                        digest.update(raw)
                        continue
                    if data.get("footer") is True:
                        footer = data
                        continue
                    digest.update(raw)
                    try:
                        path = decode_path(data)
                    except (KeyError, ValueError, TypeError):
                        raise DatabaseTampered("%s: line %d has no valid path" % (self.path, number)) from None
                    key = path_key(path)
                    if last is not None and key <= last:
                        raise DatabaseTampered("%s: line %d is out of order" % (self.path, number))
                    last = key
                    count += 1
                    yield path, data
        except (OSError, EOFError, gzip.BadGzipFile, ValueError) as exc:
            if isinstance(exc, DatabaseTampered):
                raise
            raise DatabaseTampered("%s cannot be read to its end: %s" % (self.path, exc)) from None
        if footer is None:
            raise DatabaseTampered("%s has no footer: it was truncated; do not trust it" % self.path)
        if footer.get("sha256") != digest.hexdigest() or footer.get("entries") != count:
            raise DatabaseTampered(
                "%s fails its self-check (footer hash or entry count does not match the content): "
                "it was edited or damaged; do not trust it" % self.path
            )


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    yield from handle


def history_name(db_path: str, created: str, sha256: str) -> str:
    """Where ``update`` keeps a replaced database: ``<db>.history/<created>-<sha256[:16]><ext>``."""
    base = os.path.basename(db_path)
    ext = ".jsonl.gz" if base.endswith(".gz") else ".jsonl"
    stamp = "".join(ch for ch in created if ch.isalnum()) or "unknown"
    return os.path.join(db_path + ".history", "%s-%s%s" % (stamp, sha256[:16], ext))


def list_history(db_path: str) -> List[str]:
    folder = db_path + ".history"
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder))
