"""Typed records the host half produces, and their JSON form.

NamedTuples rather than dataclasses: they are cheap to create by the million in
a file walk and exist on Python 3.8. Paths are host paths (starting with ``/``,
relative to the examined root) decoded with ``surrogateescape``, so a name that
is not valid UTF-8 survives the round trip; its JSON form adds ``path_b64``
with the raw bytes so tools that reject lone surrogates lose nothing.
"""

import base64
import json
import os
import stat
from json.encoder import encode_basestring_ascii
from typing import Any, Dict, NamedTuple, Optional

#: One-letter file types, as in ``find -printf %y``.
TYPE_CODES = (
    (stat.S_ISREG, "f"),
    (stat.S_ISDIR, "d"),
    (stat.S_ISLNK, "l"),
    (stat.S_ISFIFO, "p"),
    (stat.S_ISSOCK, "s"),
    (stat.S_ISCHR, "c"),
    (stat.S_ISBLK, "b"),
)


def type_code(mode: int) -> str:
    for test, code in TYPE_CODES:
        if test(mode):
            return code
    return "?"


_dumps = json.JSONEncoder(ensure_ascii=True).encode

#: One :class:`FileStat` as a JSON line (no newline): keys sorted, no spaces,
#: ASCII only, exactly what ``json.dumps(to_json(), sort_keys=True,
#: separators=(",", ":"))`` gives. The two ``%s`` after ``path`` and
#: ``target`` take :func:`json_text`, which adds the ``*_b64`` key where needed.
JSONL_FORMAT = (
    '{"atime_ns":%d,"blocks":%d,"btime_ns":%s,"ctime_ns":%d,"dev":%d,"gid":%d,"inode":%d,'
    '"mode":%d,"mtime_ns":%d,"nlink":%d,"path":%s,"size":%d,"target":%s,"type":%s,"uid":%d}'
)


def raw_b64(text: str) -> Optional[str]:
    """The base64 of ``text``'s raw bytes when it does not round-trip as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return base64.b64encode(os.fsencode(text)).decode("ascii")
    return None


def json_text(text: str, key: str) -> str:
    """``text`` as a JSON string, followed by ``,"<key>_b64":"..."`` when it is not valid UTF-8."""
    if text.isascii():  # the common case, and one that never needs base64
        return encode_basestring_ascii(text)
    b64 = raw_b64(text)
    if b64 is None:
        return encode_basestring_ascii(text)
    return '%s,"%s_b64":"%s"' % (encode_basestring_ascii(text), key, b64)


class FileStat(NamedTuple):
    """One file system entry, with all four times to the nanosecond."""

    path: str
    type: str
    mode: int
    uid: int
    gid: int
    size: int
    inode: int
    nlink: int
    dev: int
    blocks: int
    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    #: ``None`` when the file system or kernel keeps no birth time.
    btime_ns: Optional[int]
    #: Symlink target, only for ``type == "l"``.
    target: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        data = self._asdict()
        b64 = raw_b64(self.path)
        if b64 is not None:
            data["path_b64"] = b64
        if self.target is not None:
            tb64 = raw_b64(self.target)
            if tb64 is not None:
                data["target_b64"] = tb64
        return data

    def to_jsonl(self) -> str:
        """``json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))``, built directly.

        The walk writes one of these per file, millions on a big server; building
        the line by hand is several times faster than a dict plus ``json.dumps``
        and gives the same bytes (a test holds them equal).
        """
        return JSONL_FORMAT % (
            self.atime_ns,
            self.blocks,
            "null" if self.btime_ns is None else "%d" % self.btime_ns,
            self.ctime_ns,
            self.dev,
            self.gid,
            self.inode,
            self.mode,
            self.mtime_ns,
            self.nlink,
            json_text(self.path, "path"),
            self.size,
            "null" if self.target is None else json_text(self.target, "target"),
            _dumps(self.type),
            self.uid,
        )

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "FileStat":
        """Rebuild from :meth:`to_json` output; raises ``ValueError`` on a malformed record."""
        try:
            path = data["path"]
            target = data.get("target")
            if "path_b64" in data:
                path = os.fsdecode(base64.b64decode(data["path_b64"]))
            if "target_b64" in data:
                target = os.fsdecode(base64.b64decode(data["target_b64"]))
            btime = data.get("btime_ns")
            if not isinstance(path, str) or not path.startswith("/"):
                raise ValueError("path must be a host path starting with /")
            numbers = {name: int(data[name]) for name in _INT_FIELDS}
            return cls(
                path=path,
                type=str(data["type"]),
                btime_ns=None if btime is None else int(btime),
                target=None if target is None else str(target),
                **numbers,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("malformed file record: %s" % exc) from None


_INT_FIELDS = ("mode", "uid", "gid", "size", "inode", "nlink", "dev", "blocks", "atime_ns", "mtime_ns", "ctime_ns")


class WarningRecord(NamedTuple):
    """A per-item problem: recorded with its location, counted, never fatal."""

    path: str
    kind: str
    detail: str

    def to_json(self) -> Dict[str, Any]:
        data = self._asdict()
        b64 = raw_b64(self.path)
        if b64 is not None:
            data["path_b64"] = b64
        return data
