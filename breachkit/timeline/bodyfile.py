"""Reading TSK bodyfiles: the interchange format of file system timelines.

A bodyfile has one line per file system entry, ``|``-separated (TSK 3.x+,
https://wiki.sleuthkit.org/index.php?title=Body_file)::

    MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime

``fls -m``, ``ils -m``, UAC, plaso's ``psort -o bodyfile`` and many scripts write
it. The variations seen in the field are all read:

* ``mode_as_string`` as TSK writes it (``r/rrwxr-xr-x``: name type, meta type,
  permissions) or as ``ls``/``find %M``/``stat %A`` do (``-rwxr-xr-x``);
* symlinks as ``name -> target``, and names quoted the way ``stat %N`` quotes
  them (``'/etc/localtime' -> '/usr/share/zoneinfo/UTC'``);
* times as whole seconds (TSK) or with a fraction (``find %T@``:
  ``1700000000.1234567890``), kept to the nanosecond; a crtime of ``0`` means
  "no birth time";
* names holding ``|`` (the format has no escaping: the nine fields after the
  name are taken from the right);
* NTFS-style inode fields (``1234-128-4``): the leading number is the inode.

A line that does not parse becomes a :class:`WarningRecord` with its line
number and the rest of the file is used.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

from breachkit.errors import SourceError
from breachkit.host.records import FileStat, WarningRecord

NS = 1_000_000_000
MAX_LINE = 64 * 1024

#: TSK and ls type letters -> (FileStat type code, S_IFMT bits)
_TYPES = {
    "r": ("f", stat.S_IFREG),
    "-": ("f", stat.S_IFREG),
    "d": ("d", stat.S_IFDIR),
    "l": ("l", stat.S_IFLNK),
    "p": ("p", stat.S_IFIFO),
    "c": ("c", stat.S_IFCHR),
    "b": ("b", stat.S_IFBLK),
    "s": ("s", stat.S_IFSOCK),
    "h": ("s", stat.S_IFSOCK),  # TSK "shadow" / socket on some file systems
}
_TIME = re.compile(r"^-?\d+(?:\.\d+)?$")
_INODE = re.compile(r"^(\d+)")


class BodyfileReader:
    """Streams the entries of one bodyfile; ``precision_ns`` is that of the entry just yielded."""

    def __init__(self, path: Path, label: str | None = None) -> None:
        self.path = Path(path)
        self.label = label or str(self.path)
        self.precision_ns = NS
        if not self.path.is_file():
            raise SourceError(f"{self.path} is not a file: give the path of a TSK bodyfile (fls -m, UAC bodyfile.txt)")

    def __iter__(self) -> Iterator[FileStat | WarningRecord]:
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                if len(raw) > MAX_LINE:
                    yield WarningRecord(
                        f"({self.label})", "malformed-line", f"line {number} is longer than {MAX_LINE} bytes; skipped"
                    )
                    continue
                line = raw.rstrip(b"\r\n").decode("utf-8", "surrogateescape")
                if not line.strip() or line.startswith("#"):
                    continue
                try:
                    entry, self.precision_ns = parse_line(line)
                except ValueError as exc:
                    yield WarningRecord(f"({self.label})", "malformed-line", f"line {number}: {exc}; skipped")
                    continue
                yield entry


def parse_line(line: str) -> tuple[FileStat, int]:
    """One bodyfile line -> (entry, precision in ns); ``ValueError`` says what is wrong."""
    fields = line.split("|")
    if len(fields) < 11:
        raise ValueError(f"{len(fields)} fields, a bodyfile line has 11")
    name = "|".join(fields[1:-9])
    inode_text, mode_text, uid_text, gid_text, size_text = fields[-9:-4]
    times = fields[-4:]
    inode_match = _INODE.match(inode_text.strip())
    inode = int(inode_match.group(1)) if inode_match else 0
    type_code, mode = parse_mode(mode_text.strip())
    try:
        uid, gid, size = int(uid_text), int(gid_text), int(size_text)
    except ValueError:
        raise ValueError("UID, GID and size must be whole numbers") from None
    values: list[int] = []
    precision = NS
    for text in times:
        text = text.strip()
        if not _TIME.match(text):
            raise ValueError(f"time {text[:40]!r} is not a number of seconds")
        ns, digits = _seconds_to_ns(text)
        values.append(ns)
        if digits:
            precision = min(precision, 10 ** (9 - min(digits, 9)))
    atime, mtime, ctime, crtime = values
    path, target = split_name(name, type_code)
    if not path:
        raise ValueError("empty name")
    if not path.startswith("/"):
        path = "/" + path
    entry = FileStat(
        path=path,
        type=type_code,
        mode=mode,
        uid=uid,
        gid=gid,
        size=size,
        inode=inode,
        nlink=0,
        dev=0,
        blocks=0,
        atime_ns=atime,
        mtime_ns=mtime,
        ctime_ns=ctime,
        btime_ns=crtime if crtime != 0 else None,
        target=target,
    )
    return entry, precision


def _seconds_to_ns(text: str) -> tuple[int, int]:
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    ns = int(whole) * NS + int((fraction[:9] or "0").ljust(9, "0"))
    return (-ns if negative else ns), len(fraction)


def parse_mode(text: str) -> tuple[str, int]:
    """``r/rrwxr-xr-x`` or ``-rwxr-xr-x`` -> (type code, st_mode)."""
    if len(text) >= 3 and text[1] == "/":
        letter, perms = text[2], text[3:]
        if letter == "-":
            letter = text[0]
    elif len(text) == 10:
        letter, perms = text[0], text[1:]
    else:
        raise ValueError(f"mode {text[:20]!r} is neither TSK (r/rrwxr-xr-x) nor ls (-rwxr-xr-x) form")
    if len(perms) != 9:
        raise ValueError(f"mode {text[:20]!r} does not have nine permission letters")
    code, fmt = _TYPES.get(letter, ("?", 0))
    return code, fmt | _perm_bits(perms)


def _perm_bits(perms: str) -> int:
    bits = 0
    for index, (char, flag) in enumerate(zip(perms, "rwxrwxrwx", strict=True)):
        shift = 8 - index
        if char == flag or (flag == "x" and char in "sStT" and char.islower()):
            bits |= 1 << shift
        elif char not in "-" + ("sStT" if flag == "x" else ""):
            raise ValueError(f"permission letters {perms!r} are not valid")
    for position, special, letters in ((2, stat.S_ISUID, "sS"), (5, stat.S_ISGID, "sS"), (8, stat.S_ISVTX, "tT")):
        if perms[position] in letters:
            bits |= special
    return bits


def split_name(name: str, type_code: str) -> tuple[str, str | None]:
    """The path and, for a symlink, its target (``a -> b``; ``stat %N`` quotes both)."""
    target: str | None = None
    if type_code == "l" and " -> " in name:
        name, target = name.split(" -> ", 1)
        target = _unquote(target)
    return _unquote(name), target


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace("'\\''", "'")
    return text
