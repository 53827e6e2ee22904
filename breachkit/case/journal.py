"""The case journal: an append-only, hash-chained record of everything done in a case.

Format (``journal.jsonl`` in the case folder): one entry per line, each line the
canonical JSON of the entry (``sort_keys``, no spaces, ASCII only) followed by
``\\n``. Entry ``seq`` 0 has ``prev`` = 64 zeros; every later entry's ``prev`` is
the SHA-256 of the previous line's exact bytes (without its newline). Changing,
removing or reordering any line therefore breaks the chain at the next line,
and :func:`verify` names that place.

The last line has no successor to pin it, and cutting lines off the end leaves
a valid chain. Two files beside the journal close that gap:

* ``journal.head`` — ``{"seq", "sha256"}`` of the last entry written, replaced
  atomically after every append. A journal that ends before the head was
  truncated; a last entry whose hash differs from the head was changed.
* ``journal.sig`` — optional Ed25519 signature of a head (see
  :mod:`breachkit.case.signing`). The head file can be forged by anyone who can
  write the folder; a signature checked against a key kept elsewhere cannot.

Appends take an exclusive ``flock`` on the journal, read only its last line
(seeking from the end, so a long journal costs nothing), write the new line
with one ``os.write`` on an ``O_APPEND`` descriptor and ``fsync`` it. A crash
can still leave a partial last line (a "torn tail"); appends then refuse to
build on it and :meth:`Journal.repair` sets the bytes aside, on the record.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from breachkit.errors import CaseError, UsageError
from breachkit.host.toolinfo import VERSION, examiner_name, tool_sha256

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from breachkit.case.signing import HeadSignature

JOURNAL_NAME = "journal.jsonl"
HEAD_NAME = "journal.head"
SIGNATURE_NAME = "journal.sig"
#: ``prev`` of entry 0.
GENESIS = "0" * 64

_TAIL_CHUNK = 64 * 1024
#: Longest journal line held in memory while reading; longer ones are hashed, not kept.
MAX_LINE = 16 * 1024 * 1024
_HASH_CHUNK = 1 << 20
_HEX = frozenset("0123456789abcdef")


class Output(TypedDict):
    """A file a command produced, pinned by its hash at the time of the entry."""

    path: str
    sha256: str
    size: int


class ToolInfo(TypedDict):
    name: str
    version: str
    sha256: str


class Entry(TypedDict):
    """One journal entry, exactly as it is serialised (a TypedDict, not a
    dataclass, because the JSON form *is* the record: its bytes are hashed)."""

    seq: int
    prev: str
    time_utc: str
    host_clock: str
    examiner: str
    host: str
    argv: list[str]
    tool: ToolInfo
    action: str
    details: dict[str, Any]
    outputs: list[Output]


ProblemKind = Literal[
    "bad_line",
    "hash_mismatch",
    "seq_gap",
    "seq_order",
    "truncated",
    "torn_tail",
    "head_missing",
    "head_invalid",
    "head_mismatch",
    "signature_missing",
    "signature_invalid",
    "signature_wrong_key",
    "signature_mismatch",
    "case_file_missing",
    "case_file_changed",
]

WarningKind = Literal["head_behind", "signature_unchecked"]

SignatureStatus = Literal["unsigned", "unchecked", "valid", "invalid"]


@dataclass(frozen=True, slots=True)
class JournalProblem:
    """One reason the journal cannot be trusted, with where it shows.

    ``line`` is 1-based (as editors count); ``seq`` is the entry's own number
    when the line could be read. Either may be ``None`` for problems that are
    about the journal as a whole (a missing head file, a truncation).
    """

    line: int | None
    seq: int | None
    kind: ProblemKind | WarningKind
    message: str


@dataclass(frozen=True, slots=True)
class TornTail:
    """Bytes at the end of the journal that do not form a complete entry."""

    offset: int
    size: int
    line: int


@dataclass(frozen=True, slots=True)
class Head:
    """The last entry written, as recorded in ``journal.head``."""

    seq: int
    sha256: str

    def to_bytes(self) -> bytes:
        return canonical_json({"seq": self.seq, "sha256": self.sha256}) + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> Head:
        """Parse a head file; ``ValueError`` when it is not one."""
        obj = json.loads(data)
        if not isinstance(obj, dict):
            raise ValueError("not a JSON object")
        seq, sha = obj.get("seq"), obj.get("sha256")
        if type(seq) is not int or seq < 0 or not is_sha256_hex(sha):
            raise ValueError("needs an integer 'seq' >= 0 and a hex 'sha256'")
        assert isinstance(sha, str)
        return cls(seq, sha)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What :func:`verify` found.

    ``ok`` is true only when there is no problem; ``warnings`` are things worth
    knowing that are not evidence of tampering (a crash between writing an
    entry and updating the head, a signature checked only against its own key).
    ``last_seq``/``last_sha256`` describe the last complete entry read.
    """

    ok: bool
    entries: int
    problems: tuple[JournalProblem, ...]
    warnings: tuple[JournalProblem, ...] = ()
    last_seq: int | None = None
    last_sha256: str | None = None
    head: Head | None = None
    torn_tail: TornTail | None = None
    signature: SignatureStatus = "unsigned"
    signature_seq: int | None = None
    signer: str | None = None


@dataclass(frozen=True, slots=True)
class RawLine:
    """One physical line of the journal file, newline stripped.

    ``sha256`` and ``size`` describe the whole line; ``data`` is only its first
    :data:`MAX_LINE` bytes when it is longer (no entry breachkit writes is).
    """

    line: int
    offset: int
    data: bytes
    sha256: str
    size: int
    terminated: bool
    last: bool


@dataclass(frozen=True, slots=True)
class _Tail:
    seq: int
    sha256: str


def canonical_json(value: Any) -> bytes:
    """The one serialisation whose bytes are hashed; any other would break the chain."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def line_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def file_sha256(path: str | os.PathLike[str]) -> tuple[str, int]:
    """SHA-256 and size of a file, streamed so size does not matter."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def default_examiner() -> str:
    """Who is at the keyboard (see :func:`breachkit.host.toolinfo.examiner_name`)."""
    return examiner_name()


def _clock() -> tuple[str, str]:
    """(UTC time with microseconds and ``Z``, the same instant in local time with offset).

    Both come from one clock reading; the local form keeps the offset the
    examiner's machine used, which matters when matching notes to local logs.
    """
    now = datetime.fromtimestamp(time.time(), tz=timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), now.astimezone().isoformat(timespec="microseconds")


def write_file_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so a reader sees the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_path_of(path: str | os.PathLike[str]) -> Path:
    """Accept a case folder or the journal file itself."""
    candidate = Path(path)
    return candidate / JOURNAL_NAME if candidate.is_dir() else candidate


def scan(path: str | os.PathLike[str]) -> Iterator[RawLine]:
    """Stream the physical lines of a journal, marking the last one.

    One line of look-ahead is held so callers can tell a damaged line in the
    middle (tampering) from a damaged line at the very end (a crash mid-write).
    Memory stays bounded by :data:`MAX_LINE` whatever the file holds: a longer
    line is hashed in pieces and kept only as its prefix.
    """
    with open(path, "rb") as handle:
        pending: RawLine | None = None
        offset = 0
        number = 0
        while raw := handle.readline(MAX_LINE):
            number += 1
            terminated = raw.endswith(b"\n")
            data = raw[:-1] if terminated else raw
            digest = hashlib.sha256(data)
            size = len(data)
            while not terminated and len(raw) == MAX_LINE:
                raw = handle.readline(MAX_LINE)
                terminated = raw.endswith(b"\n")
                piece = raw[:-1] if terminated else raw
                digest.update(piece)
                size += len(piece)
            line = RawLine(number, offset, data, digest.hexdigest(), size, terminated, False)
            offset += size + int(terminated)
            if pending is not None:
                yield pending
            pending = line
        if pending is not None:
            yield replace(pending, last=True)


def parse_entry(data: bytes) -> dict[str, Any] | None:
    """The entry on a line, or ``None`` when the line is not one."""
    try:
        obj = json.loads(data)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    seq = obj.get("seq")
    if type(seq) is not int or seq < 0 or not is_sha256_hex(obj.get("prev")):
        return None
    return obj


def read_head(path: Path) -> Head | None:
    """The head record beside a journal; ``None`` when there is none.

    Raises ``ValueError`` when the file exists but is not a head record.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return Head.from_bytes(data)


class Journal:
    """Appends to and checks one case journal.

    A handle holds no open file: every operation opens, locks and closes, so
    any number of processes can hold handles to the same journal.
    """

    __slots__ = ("base", "examiner", "path")

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        examiner: str | None = None,
        base: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = Path(path)
        #: Recorded in every entry this handle writes.
        self.examiner = examiner or default_examiner()
        #: Output paths inside ``base`` (the case folder) are recorded relative to it.
        self.base = Path(base) if base is not None else self.path.parent

    @property
    def head_path(self) -> Path:
        return self.path.with_name(HEAD_NAME)

    @property
    def signature_path(self) -> Path:
        return self.path.with_name(SIGNATURE_NAME)

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, examiner: str | None = None) -> Journal:
        """Create an empty journal; refuse if one exists (it might hold a chain)."""
        target = Path(path)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            raise CaseError(
                f"{target} already exists; a journal is never recreated. Open the existing case instead."
            ) from None
        os.close(fd)
        fsync_dir(target.parent)
        return cls(target, examiner=examiner)

    # -- appending -----------------------------------------------------------

    def append(
        self,
        action: str,
        details: Mapping[str, Any] | None = None,
        outputs: Sequence[str | os.PathLike[str]] = (),
        *,
        argv: Sequence[str] | None = None,
    ) -> Entry:
        """Record one action and return the entry as written.

        ``outputs`` are files the action produced; each is hashed now (before
        the lock is taken, since that can be slow) and pinned in the entry.
        """
        if not action or not isinstance(action, str):
            raise UsageError("a journal entry needs an action such as 'note' or 'collect'")
        described = [self._describe_output(Path(item)) for item in outputs]
        with _Locked(self.path) as fd:
            return self._append_locked(fd, action, dict(details or {}), described, argv)

    def _describe_output(self, path: Path) -> Output:
        try:
            sha, size = file_sha256(path)
        except OSError as exc:
            raise CaseError(f"cannot hash output {path}: {exc.strerror}") from exc
        absolute = path.absolute()
        try:
            shown = absolute.relative_to(self.base.absolute()).as_posix()
        except ValueError:
            shown = str(absolute)
        return {"path": shown, "sha256": sha, "size": size}

    def _append_locked(
        self,
        fd: int,
        action: str,
        details: dict[str, Any],
        outputs: list[Output],
        argv: Sequence[str] | None,
    ) -> Entry:
        tail = self._read_tail(fd)
        self._check_head(tail)
        time_utc, host_clock = _clock()
        entry: Entry = {
            "seq": 0 if tail is None else tail.seq + 1,
            "prev": GENESIS if tail is None else tail.sha256,
            "time_utc": time_utc,
            "host_clock": host_clock,
            "examiner": self.examiner,
            "host": socket.gethostname(),
            "argv": list(sys.argv if argv is None else argv),
            "tool": {
                "name": "breachkit",
                "version": VERSION,
                "sha256": tool_sha256(),
            },
            "action": action,
            "details": details,
            "outputs": outputs,
        }
        try:
            body = canonical_json(entry)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"journal details must be plain JSON data: {exc}") from exc
        line = body + b"\n"
        if len(line) > MAX_LINE:
            raise UsageError(
                f"a journal entry of {len(line)} bytes is too large (limit {MAX_LINE}); "
                "write bulky data to a file and pass it as an output"
            )
        written = os.write(fd, line)
        if written != len(line):
            raise CaseError(
                f"only {written} of {len(line)} bytes of the entry reached {self.path} "
                f"(disk full?); run 'breachkit case verify {self.base}'"
            )
        os.fsync(fd)
        write_file_atomic(self.head_path, Head(entry["seq"], line_sha256(body)).to_bytes())
        return entry

    def _read_tail(self, fd: int) -> _Tail | None:
        """The last entry, read by seeking back from the end (never the whole file)."""
        size = os.fstat(fd).st_size
        if size == 0:
            return None
        advice = (
            f"Run 'breachkit case verify {self.base}' to see the state of the journal; "
            f"'breachkit case repair {self.base}' sets a torn tail aside on the record."
        )
        if os.pread(fd, 1, size - 1) != b"\n":
            start = _line_start(fd, size)
            raise CaseError(
                f"{self.path} ends with a torn tail of {size - start} bytes at offset {start} "
                f"(a crash mid-write?); refusing to append after it. {advice}"
            )
        start = _line_start(fd, size - 1)
        data = os.pread(fd, size - 1 - start, start)
        entry = parse_entry(data)
        if entry is None:
            raise CaseError(
                f"the last line of {self.path} (offset {start}) is not a journal entry; "
                f"refusing to append after it. {advice}"
            )
        return _Tail(entry["seq"], line_sha256(data))

    def _check_head(self, tail: _Tail | None) -> None:
        """Refuse to append where appending would hide a truncation or an edit."""
        advice = f"Run 'breachkit case verify {self.base}'."
        try:
            head = read_head(self.head_path)
        except ValueError:
            raise CaseError(f"{self.head_path} is damaged. {advice}") from None
        if tail is None:
            if head is not None:
                raise CaseError(
                    f"{self.path} is empty but {HEAD_NAME} records entry {head.seq}: "
                    f"the journal was truncated. {advice}"
                )
            return
        if head is None:
            raise CaseError(
                f"{self.head_path} is missing, so a truncation of the journal cannot be "
                f"ruled out. {advice} If the chain is otherwise intact, "
                f"'breachkit case repair {self.base}' records the fact and rewrites the head."
            )
        if head.seq > tail.seq:
            raise CaseError(
                f"{self.path} ends at entry {tail.seq} but {HEAD_NAME} records entry "
                f"{head.seq}: the journal was truncated. {advice}"
            )
        if head.seq == tail.seq and head.sha256 != tail.sha256:
            raise CaseError(
                f"the last entry ({tail.seq}) of {self.path} does not match {HEAD_NAME}: "
                f"it was changed after it was written. {advice}"
            )

    # -- signing, checking, repairing ---------------------------------------

    def sign(self, private_key: Ed25519PrivateKey) -> HeadSignature:
        """Sign the current head and store it as ``journal.sig``.

        The whole chain is not re-read: the signed hash pins every earlier
        line through the chain, so a break that existed before signing still
        shows in :func:`verify` afterwards; signing cannot hide it.
        """
        from breachkit.case.signing import sign_head

        with _Locked(self.path) as fd:
            tail = self._read_tail(fd)
            self._check_head(tail)
            if tail is None:
                raise CaseError(f"{self.path} has no entries to sign yet")
            signature = sign_head(private_key, tail.seq, tail.sha256)
            write_file_atomic(self.signature_path, signature.to_bytes())
        return signature

    def verify(self, public_key: bytes | None = None) -> VerifyResult:
        return verify(self.path, public_key=public_key)

    def repair(self) -> Entry | None:
        """Recover from a crash: set a torn tail aside and rewrite a missing head.

        Only those two states are repaired, and only when the rest of the
        journal verifies; the repair itself is journaled with the hash of the
        bytes set aside, so nothing disappears from the record. Returns the
        repair entry, or ``None`` when there was nothing to repair.
        """
        with _Locked(self.path) as fd:
            result = verify(self.path)
            fixable = {"torn_tail", "head_missing"}
            others = [p for p in result.problems if p.kind not in fixable]
            if others:
                listed = "; ".join(p.message for p in others[:3])
                raise CaseError(
                    f"the journal shows problems a repair must not paper over ({listed}). "
                    "Keep this case folder unchanged as evidence and start a new case."
                )
            if not result.problems:
                return None
            details: dict[str, Any] = {}
            saved: list[str | os.PathLike[str]] = []
            torn = result.torn_tail
            if torn is not None:
                data = os.pread(fd, torn.size, torn.offset)
                aside = self.path.with_name(f"journal.torn-{torn.offset}.bin")
                side_fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
                try:
                    os.write(side_fd, data)
                    os.fsync(side_fd)
                finally:
                    os.close(side_fd)
                os.ftruncate(fd, torn.offset)
                os.fsync(fd)
                details["torn_tail"] = {
                    "offset": torn.offset,
                    "size": torn.size,
                    "sha256": line_sha256(data),
                    "saved_as": aside.name,
                }
                saved.append(aside)
            if result.last_seq is not None and (result.head is None or result.head.seq < result.last_seq):
                assert result.last_sha256 is not None
                details["head_rewritten"] = {
                    "was": None if result.head is None else result.head.seq,
                    "now": result.last_seq,
                }
                write_file_atomic(self.head_path, Head(result.last_seq, result.last_sha256).to_bytes())
            outputs = [self._describe_output(Path(item)) for item in saved]
            return self._append_locked(fd, "journal.repair", details, outputs, None)


class _Locked:
    """Open the journal for append and hold an exclusive ``flock`` until exit.

    The lock is on the journal itself, so every breachkit process that writes
    the case serialises on it; closing the descriptor releases it.
    """

    __slots__ = ("_fd", "_path")

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = -1

    def __enter__(self) -> int:
        try:
            self._fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        except FileNotFoundError:
            raise CaseError(
                f"{self._path} is missing: the journal was deleted or this is not a case folder. Nothing was written."
            ) from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:  # interrupted while waiting: do not leak the descriptor
            os.close(self._fd)
            raise
        return self._fd

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)


def _line_start(fd: int, end: int) -> int:
    """Offset just after the last ``\\n`` before ``end`` (0 if none), reading backwards."""
    pos = end
    while pos > 0:
        start = max(0, pos - _TAIL_CHUNK)
        index = os.pread(fd, pos - start, start).rfind(b"\n")
        if index >= 0:
            return start + index + 1
        pos = start
    return 0


# -- verification ---------------------------------------------------------------


class _Chain:
    """State while streaming the journal in :func:`verify`."""

    __slots__ = (
        "after_bad",
        "entries",
        "expected",
        "hashes",
        "last_line",
        "last_seq",
        "last_sha",
        "prev_hash",
        "prev_line",
        "problems",
        "watch",
    )

    def __init__(self, watch: set[int]) -> None:
        self.problems: list[JournalProblem] = []
        self.entries = 0
        self.expected = 0
        self.prev_hash = GENESIS
        self.prev_line = 0
        self.after_bad = False
        self.last_seq: int | None = None
        self.last_sha: str | None = None
        self.last_line = 0
        #: seq -> (sha256, line) for the entries the head and signature name.
        self.hashes: dict[int, tuple[str, int]] = {}
        self.watch = watch

    def problem(self, line: int | None, seq: int | None, kind: ProblemKind, text: str) -> None:
        self.problems.append(JournalProblem(line, seq, kind, text))

    def feed(self, raw: RawLine) -> None:
        entry = parse_entry(raw.data) if raw.size == len(raw.data) else None
        sha = raw.sha256
        if entry is None:
            self.problem(
                raw.line,
                None,
                "bad_line",
                f"line {raw.line} (offset {raw.offset}) is not a journal entry: it was edited or damaged",
            )
            self.prev_hash, self.prev_line, self.after_bad = sha, raw.line, True
            return
        seq: int = entry["seq"]
        self.entries += 1
        if not self.after_bad:
            self._check_link(raw.line, seq, entry["prev"])
        if seq in self.watch and seq not in self.hashes:
            self.hashes[seq] = (sha, raw.line)
        self.prev_hash, self.prev_line, self.after_bad = sha, raw.line, False
        self.expected = seq + 1
        self.last_seq, self.last_sha, self.last_line = seq, sha, raw.line

    def _check_link(self, line: int, seq: int, prev: str) -> None:
        expected = self.expected
        if seq > expected:
            missing = f"entry {expected}" if seq == expected + 1 else f"entries {expected}..{seq - 1}"
            self.problem(
                line,
                seq,
                "seq_gap",
                f"line {line} holds entry {seq} where entry {expected} was expected: "
                f"{missing} are missing here (deleted or moved)",
            )
        elif seq < expected:
            self.problem(
                line,
                seq,
                "seq_order",
                f"line {line} holds entry {seq} after entry {expected - 1}: entries are out "
                "of order (reordered or duplicated)",
            )
        elif prev != self.prev_hash:
            if seq == 0:
                text = f"line {line} (entry 0) does not start a chain ('prev' is not 64 zeros): it was changed"
            else:
                text = (
                    f"line {line} (entry {seq}): 'prev' does not match the SHA-256 of line "
                    f"{self.prev_line}, so entry {seq - 1} (line {self.prev_line}) was "
                    "changed, or this entry's 'prev' was"
                )
            self.problem(line, seq, "hash_mismatch", text)


def verify(path: str | os.PathLike[str], *, public_key: bytes | None = None) -> VerifyResult:
    """Check a journal (given as its file or its case folder), streaming it once.

    ``public_key`` is the raw 32-byte Ed25519 key the journal must be signed
    with; without it a signature is checked only against the key it carries,
    which proves consistency but not who signed.
    """
    journal = journal_path_of(path)
    if not journal.is_file():
        raise CaseError(f"{journal} not found: the journal was deleted, or {Path(path)} is not a case folder")
    head_path = journal.with_name(HEAD_NAME)
    problems: list[JournalProblem] = []
    warnings: list[JournalProblem] = []

    head: Head | None = None
    head_bad = False
    try:
        head = read_head(head_path)
    except (OSError, ValueError) as exc:
        head_bad = True
        problems.append(JournalProblem(None, None, "head_invalid", f"{HEAD_NAME} is unreadable or damaged: {exc}"))
    signature, sig_problem = _load_signature(journal.with_name(SIGNATURE_NAME))

    watch = {x.seq for x in (head, signature) if x is not None}
    chain = _Chain(watch)
    torn: TornTail | None = None
    for raw in scan(journal):
        if raw.last and (not raw.terminated or raw.size != len(raw.data) or parse_entry(raw.data) is None):
            torn = TornTail(raw.offset, raw.size + int(raw.terminated), raw.line)
            break
        chain.feed(raw)
    problems[:0] = chain.problems

    if torn is not None:
        upto = "no entry" if chain.last_seq is None else f"entry {chain.last_seq}"
        problems.append(
            JournalProblem(
                torn.line,
                None,
                "torn_tail",
                f"verified up to {upto}; torn tail of {torn.size} bytes at offset {torn.offset} (a crash mid-write?)",
            )
        )

    if head is None and not head_bad and chain.entries:
        problems.append(
            JournalProblem(
                None,
                None,
                "head_missing",
                f"{HEAD_NAME} is missing: it is rewritten after every entry, so it was deleted "
                "(or the case was copied without it); a truncated journal cannot be ruled out",
            )
        )
    if head is not None:
        _check_head(head, chain, problems, warnings)

    status: SignatureStatus = "unsigned"
    signer: str | None = None
    if sig_problem is not None:
        status = "invalid"
        problems.append(sig_problem)
    elif signature is None:
        if public_key is not None:
            problems.append(
                JournalProblem(
                    None,
                    None,
                    "signature_missing",
                    f"a signature was required but {SIGNATURE_NAME} is missing (deleted?)",
                )
            )
    else:
        status, signer = _check_signature(signature, public_key, chain, problems, warnings)

    return VerifyResult(
        ok=not problems,
        entries=chain.entries,
        problems=tuple(problems),
        warnings=tuple(warnings),
        last_seq=chain.last_seq,
        last_sha256=chain.last_sha,
        head=head,
        torn_tail=torn,
        signature=status,
        signature_seq=None if signature is None else signature.seq,
        signer=signer,
    )


def _check_head(head: Head, chain: _Chain, problems: list[JournalProblem], warnings: list[JournalProblem]) -> None:
    last = chain.last_seq
    if last is None or head.seq > last:
        ends = "has no entries" if last is None else f"ends at entry {last}"
        problems.append(
            JournalProblem(
                None,
                None,
                "truncated",
                f"the journal {ends} but {HEAD_NAME} records entry {head.seq}: "
                "entries were removed from the end (truncated)",
            )
        )
        return
    found = chain.hashes.get(head.seq)
    if found is None:
        problems.append(
            JournalProblem(
                None,
                head.seq,
                "head_mismatch",
                f"{HEAD_NAME} records entry {head.seq}, which is not in the journal",
            )
        )
        return
    sha, line = found
    if sha != head.sha256:
        which = "the last entry" if head.seq == last else "entry"
        problems.append(
            JournalProblem(
                line,
                head.seq,
                "head_mismatch",
                f"{which} {head.seq} (line {line}) does not match {HEAD_NAME}: it was changed after it was written",
            )
        )
    if head.seq < last:
        warnings.append(
            JournalProblem(
                None,
                head.seq,
                "head_behind",
                f"{HEAD_NAME} records entry {head.seq} but the journal goes on to entry {last}: "
                "a crash between writing an entry and updating the head, or entries written "
                "by something other than breachkit",
            )
        )


def _load_signature(path: Path) -> tuple[HeadSignature | None, JournalProblem | None]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, JournalProblem(None, None, "signature_invalid", f"{SIGNATURE_NAME} is unreadable: {exc.strerror}")
    from breachkit.case.signing import HeadSignature

    try:
        return HeadSignature.from_bytes(data), None
    except ValueError as exc:
        return None, JournalProblem(None, None, "signature_invalid", f"{SIGNATURE_NAME} is damaged: {exc}")


def _check_signature(
    signature: HeadSignature,
    public_key: bytes | None,
    chain: _Chain,
    problems: list[JournalProblem],
    warnings: list[JournalProblem],
) -> tuple[SignatureStatus, str]:
    from breachkit.case.signing import fingerprint, signature_is_valid

    signer = fingerprint(signature.public_key)
    if not signature_is_valid(signature):
        problems.append(
            JournalProblem(
                None,
                signature.seq,
                "signature_invalid",
                f"{SIGNATURE_NAME} does not verify: the signature or the head it signs was altered",
            )
        )
        return "invalid", signer
    status: SignatureStatus = "valid"
    if public_key is None:
        status = "unchecked"
        warnings.append(
            JournalProblem(
                None,
                signature.seq,
                "signature_unchecked",
                f"signed by key {signer}, checked only against the key in {SIGNATURE_NAME}; "
                "pass --verify-key to prove who signed",
            )
        )
    elif public_key != signature.public_key:
        problems.append(
            JournalProblem(
                None,
                signature.seq,
                "signature_wrong_key",
                f"{SIGNATURE_NAME} was made with key {signer}, not the trusted key {fingerprint(public_key)}",
            )
        )
        status = "invalid"
    last = chain.last_seq
    if last is None or signature.seq > last:
        problems.append(
            JournalProblem(
                None,
                signature.seq,
                "truncated",
                f"the signature covers entry {signature.seq} but the journal "
                f"{'has no entries' if last is None else f'ends at entry {last}'}: "
                "entries were removed from the end (truncated)",
            )
        )
        return "invalid", signer
    found = chain.hashes.get(signature.seq)
    if found is None or found[0] != signature.sha256:
        where = "is not in the journal" if found is None else f"(line {found[1]}) was changed"
        problems.append(
            JournalProblem(
                None if found is None else found[1],
                signature.seq,
                "signature_mismatch",
                f"signed entry {signature.seq} {where} after it was signed",
            )
        )
        return "invalid", signer
    return status, signer


def iter_entries(path: str | os.PathLike[str]) -> Iterator[tuple[RawLine, dict[str, Any] | None]]:
    """Each line of a journal with its parsed entry (``None`` when it is not one).

    For display; it checks nothing, :func:`verify` does.
    """
    for raw in scan(journal_path_of(path)):
        complete = raw.terminated and raw.size == len(raw.data)
        yield raw, parse_entry(raw.data) if complete else None
