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

FORMAT = "breachkit-baseline"
VERSION = 1

_dumps = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode
#: Lines joined into one write (and one update of the footer's digest).
_LINES_PER_WRITE = 512
#: Bytes read from a database at a time.
_READ_BLOCK = 1 << 20


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
    """The path of an entry; ``ValueError`` unless it is absolute and normal (as every walk writes it)."""
    if "pb" in record:
        path = os.fsdecode(base64.b64decode(record["pb"]))
    else:
        path = record["p"]
    if not isinstance(path, str) or not is_normal(path):
        raise ValueError("bad path")
    return path


def is_normal(path: str) -> bool:
    """Whether ``path`` is absolute with no empty, ``.`` or ``..`` component (``/`` alone is)."""
    if path == "/":
        return True
    if not path.startswith("/") or path.endswith("/") or "//" in path or "\0" in path:
        return False
    return not ("/./" in path or "/../" in path or path.endswith(("/.", "/..")))


def order_key(path: str) -> str:
    """:func:`~breachkit.host.baseline.rules.path_key`'s order as one string, for normal paths (:func:`is_normal`).

    Comparing the components one by one is comparing the path with ``/``
    replaced by a character that sorts before every character of a name:
    ``\0``, which no name holds.
    """
    return path.replace("/", "\0")


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
        self._last_line_key = ""
        self._pending: List[str] = []
        data = dict(header)
        data["format"] = FORMAT
        data["version"] = VERSION
        self._line(_dumps(data))

    def _line(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) >= _LINES_PER_WRITE:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            raw = ("\n".join(self._pending) + "\n").encode("ascii")
            self._pending = []
            self._digest.update(raw)
            self._out.write(raw)

    def add(self, path: str, record: Dict[str, Any]) -> None:
        data = dict(record)
        encode_path(data, path)
        self.add_line(path, _dumps(data))

    def add_line(self, path: str, line: str) -> None:
        """Add an entry already encoded (as :meth:`add` would encode it: sorted keys, ASCII, no newline)."""
        key = order_key(path)
        if self.entries and key <= self._last_line_key:
            raise BaselineError("internal error: entries out of order at %r" % path)
        self._last_line_key = key
        self._line(line)
        self.entries += 1

    def finish(self) -> str:
        """Write the footer, make the file durable, put it in place; return the file's SHA-256."""
        self._flush()
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
        """Check the footer hash and entry count, then the entries; return the entry count.

        The footer's hash and count are checked over the raw bytes first (a
        fraction of the cost of reading each entry); when they match, the
        file is byte for byte what a writer wrote or a forgery by someone who
        recomputed the footer, and the remaining checks (each line a JSON
        object with a valid path, strictly in order) are left to
        :meth:`entries`, which raises :class:`DatabaseTampered` at the first
        entry that fails them. When they do not match, every entry is read
        here so the message names the first problem.
        """
        count = self._footer_matches()
        if count is not None:
            return count
        count = 0
        for _ in self.entries():
            count += 1
        return count  # pragma: no cover - entries() raised: the footer did not match

    def _footer_matches(self) -> Optional[int]:
        """The entry count if the footer's hash and count match the bytes before it, else None."""
        digest = hashlib.sha256()
        newlines = 0
        held = b""  # the last line seen so far: the footer, once the end is reached
        try:
            with _open_text(self.path) as handle:
                while True:
                    chunk = handle.read(_READ_BLOCK)
                    if not chunk:
                        break
                    data = held + chunk
                    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
                    if cut:
                        digest.update(data[:cut])
                        newlines += data.count(b"\n", 0, cut)
                    held = data[cut:]
            footer = json.loads(held) if held.endswith(b"\n") else None
        except (OSError, EOFError, gzip.BadGzipFile, ValueError):
            return None
        if not isinstance(footer, dict) or footer.get("footer") is not True or newlines < 1:
            return None
        entries = newlines - 1  # the header is hashed, not counted
        if footer.get("sha256") != digest.hexdigest() or footer.get("entries") != entries:
            return None
        return entries

    def entries(self) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """(path, record) per entry, in walk order; raises :class:`DatabaseTampered` at the first problem.

        The footer is checked when the last entry has been read, so a caller that
        must not act on a bad database calls :meth:`verify` first.
        """
        for path, data, _line in self.entry_lines():
            yield path, data

    def entry_lines(self) -> Iterator[Tuple[str, Dict[str, Any], str]]:
        """:meth:`entries` with each entry's line as stored (without the newline)."""
        digest = hashlib.sha256()
        last = ""
        footer: Optional[Dict[str, Any]] = None
        count = 0
        number = 0
        decode = json.JSONDecoder().decode
        try:
            with _open_text(self.path) as handle:
                tail = b""
                while True:
                    chunk = handle.read(_READ_BLOCK)
                    if not chunk:
                        break
                    block = tail + chunk
                    cut = block.rfind(b"\n") + 1
                    tail = block[cut:]
                    if not cut:
                        continue
                    block = block[:cut]
                    lines = block.split(b"\n")
                    lines.pop()  # after the last newline
                    hashed = footer is None
                    for index, raw in enumerate(lines):
                        number += 1
                        if footer is not None:
                            raise DatabaseTampered("%s: data after the footer (line %d)" % (self.path, number))
                        try:
                            text = raw.decode("utf-8")
                            data = decode(text)
                        except ValueError:  # UnicodeDecodeError too
                            raise DatabaseTampered("%s: line %d is not JSON" % (self.path, number)) from None
                        if not isinstance(data, dict):
                            raise DatabaseTampered("%s: line %d is not a JSON object" % (self.path, number))
                        if number == 1:
                            continue
                        if data.get("footer") is True:
                            footer = data
                            # Everything before the footer is covered by its hash, the footer itself is not.
                            digest.update(b"".join(line + b"\n" for line in lines[:index]))
                            hashed = False
                            continue
                        try:
                            path = decode_path(data)
                        except (KeyError, ValueError, TypeError):
                            raise DatabaseTampered("%s: line %d has no valid path" % (self.path, number)) from None
                        key = path.replace("/", "\0")  # the order of path_key, as a string (see order_key)
                        if key <= last:
                            raise DatabaseTampered("%s: line %d is out of order" % (self.path, number))
                        last = key
                        count += 1
                        yield path, data, text
                    if hashed:
                        digest.update(block)
                if tail:
                    raise DatabaseTampered(
                        "%s is truncated (line %d is incomplete); do not trust it" % (self.path, number + 1)
                    )
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
