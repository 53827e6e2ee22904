"""The file walk as JSON lines (``walk.jsonl``), fast: one format per entry, on two CPUs when there are two.

Each line is :meth:`FileStat.to_jsonl <breachkit.host.records.FileStat.to_jsonl>`
of an entry, byte for byte, but built straight from the raw ``statx`` record
(:class:`~breachkit.host.statx.StatRun`) with no record object in between, and
written a thousand lines at a time. That leaves two costs of about the same
size: walking (one ``statx`` per entry) and formatting the line. On a machine
with two or more CPUs they run side by side: a forked process walks and hands
the raw runs over a pipe (:mod:`marshal`, in walk order), and this process
formats and writes them, so the output is identical to the one-process walk.
Every read of the examined root still happens in one process, through
:class:`~breachkit.host.rootfs.RootFS`.

The walker is only forked when a second CPU is idle and this process runs a
single thread (see :func:`can_fork`); otherwise, and with ``workers=1``,
everything runs here.
"""

import errno
import fcntl
import marshal
import os
import signal
import struct
import sys
import threading
from json.encoder import encode_basestring_ascii
from typing import IO, Any, Callable, Generator, Iterator, List, Optional, Union

from .records import JSONL_FORMAT, FileStat, WarningRecord, json_text
from .rootfs import entries_of
from .statx import LAYOUT, RECORD_SIZE, STATX_BTIME, StatRun, filestat

Runs = Iterator[Union[StatRun, WarningRecord]]
#: Makes a walk; the argument is :meth:`RootFS.walk_runs <breachkit.host.rootfs.RootFS.walk_runs>`'s ``batch``.
MakeRuns = Callable[[bool], Runs]
Write = Callable[[bytes], object]
Warn = Callable[[WarningRecord], None]

#: Lines joined into one ``write``.
_LINES_PER_WRITE = 1024
#: Raw record bytes the walk process gathers before it sends them (one pipe
#: message): small enough that formatting starts early and ends soon after the walk.
_BYTES_PER_MESSAGE = 1 << 17
#: Pipe capacity asked for (Linux's default, 64 KiB, costs a process switch every 64 KiB).
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, which Python names only from 3.10
_HEADER = struct.Struct("<I")
_LINE = JSONL_FORMAT + "\n"
_GIGA = 1_000_000_000
_TYPE_JSON = {
    0o100000: '"f"',
    0o040000: '"d"',
    0o120000: '"l"',
    0o010000: '"p"',
    0o140000: '"s"',
    0o020000: '"c"',
    0o060000: '"b"',
}


class Walk(Iterator[Union[FileStat, WarningRecord]]):
    """A walk not started yet: iterate it for records, or have it write its JSON lines.

    ``runs`` makes the walk (:meth:`RootFS.walk_runs
    <breachkit.host.rootfs.RootFS.walk_runs>` or a chain of them); it is
    called once, by whichever use comes first: without batching for the
    records (each directory's entry is handed out before the walk looks
    inside), with it for the lines.
    """

    def __init__(self, runs: MakeRuns) -> None:
        self._runs = runs
        self._entries: Optional[Generator[Union[FileStat, WarningRecord], None, None]] = None

    def __iter__(self) -> "Walk":
        return self

    def __next__(self) -> Union[FileStat, WarningRecord]:
        if self._entries is None:
            self._entries = entries_of(self._runs(False))
        return next(self._entries)

    def close(self) -> None:
        """Stop a walk that was iterated part way (its directory fds are closed)."""
        if self._entries is not None:
            self._entries.close()

    def write_jsonl(
        self,
        write: Write,
        warn: Warn,
        progress: Optional[Callable[[int], None]] = None,
        executables: Optional[Callable[[FileStat], None]] = None,
        workers: Optional[int] = None,
    ) -> int:
        """Write every entry as a JSON line; return how many. See :func:`write_jsonl`."""
        if self._entries is not None:
            raise RuntimeError("the walk was already iterated")
        return write_jsonl(lambda: self._runs(True), write, warn, progress, executables, workers)


def write_jsonl(
    runs: Callable[[], Runs],
    write: Write,
    warn: Warn,
    progress: Optional[Callable[[int], None]] = None,
    executables: Optional[Callable[[FileStat], None]] = None,
    workers: Optional[int] = None,
) -> int:
    """Write the walk ``runs()`` makes as JSON lines to ``write``; return the number of entries.

    Warnings go to ``warn`` in walk order. ``progress`` is told the number of
    entries written so far after each write. ``executables`` is called with
    the :class:`FileStat` of every regular file with an execute, SUID or SGID
    bit, in this process (for checks that read more of such files).
    ``workers``: 2 walks in a forked process while this one formats, 1 does
    everything here, ``None`` picks 2 where it is safe and helps (see
    :func:`can_fork`).
    """
    if workers is None:
        workers = 2 if can_fork() else 1
    items = _forked(runs) if workers > 1 else None
    if items is None:
        items = runs()
    lines: List[str] = []
    count = 0

    def flush() -> None:
        nonlocal lines
        if lines:
            data, lines = "".join(lines).encode("ascii"), []
            write(data)
            if progress is not None:
                progress(count)

    try:
        for item in items:
            if isinstance(item, WarningRecord):
                warn(item)
                continue
            count += add_lines(item, lines, executables)
            if len(lines) >= _LINES_PER_WRITE:
                flush()
    finally:
        try:
            flush()  # what was walked before an error is kept, as a walk that stops
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # directory fds, or the walk process, released now even when a write failed
    return count


def add_lines(run: StatRun, lines: List[str], executables: Optional[Callable[[FileStat], None]] = None) -> int:
    """Append the JSON line of each entry of ``run`` to ``lines``; return how many."""
    paths, records, targets = run
    # Locals, not globals and attributes: this loop runs once per file.
    unpack, line, text, quote = LAYOUT.unpack_from, _LINE, json_text, encode_basestring_ascii
    types, giga, makedev, append = _TYPE_JSON, _GIGA, os.makedev, lines.append
    offset = 0
    for index, path in enumerate(paths):
        fields = unpack(records, offset)
        (mask, nlink, uid, gid, mode, ino, size, blocks, a_s, a_n, b_s, b_n, c_s, c_n, m_s, m_n, major, minor) = fields
        offset += RECORD_SIZE
        target = targets.get(index) if targets else None
        append(
            line
            % (
                a_s * giga + a_n,
                blocks,
                b_s * giga + b_n if mask & STATX_BTIME else "null",
                c_s * giga + c_n,
                makedev(major, minor),
                gid,
                ino,
                mode,
                m_s * giga + m_n,
                nlink,
                quote(path) if path.isascii() else text(path, "path"),
                size,
                "null" if target is None else text(target, "target"),
                types.get(mode & 0o170000, '"?"'),
                uid,
            )
        )
        if executables is not None and mode & 0o170000 == 0o100000 and mode & 0o6111:
            executables(filestat(records, index, path))
    return len(paths)


def can_fork() -> bool:
    """Whether :func:`write_jsonl` should fork its walker.

    Only when a second CPU is idle (two processes on one CPU are slower
    than one: they add the pipe's work) and this process runs no other
    thread (a forked copy of a threaded process can hang on a lock another
    thread held).
    """
    if not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]  # runnable processes, this one included
    except (AttributeError, OSError):
        busy = float(cpus)
    if cpus < 2 or busy > cpus - 0.5 or threading.active_count() != 1:
        return False
    try:  # threads started by C libraries are invisible to the threading module
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _forked(runs: Callable[[], Runs]) -> Optional[Runs]:
    """The items of ``runs()``, walked by a forked process; None if no process can be made."""
    read_fd, write_fd = os.pipe()
    try:
        if sys.platform.startswith("linux"):
            fcntl.fcntl(write_fd, _F_SETPIPE_SZ, _PIPE_SIZE)
    except OSError:  # above /proc/sys/fs/pipe-max-size: the default works, only slower
        pass
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory: the caller walks in this process
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # pragma: no cover - the child; its work is checked through the parent's output
        os.close(read_fd)
        _child(runs, write_fd)
    os.close(write_fd)
    return _read_walk(pid, os.fdopen(read_fd, "rb", buffering=1 << 16))


def _read_walk(pid: int, stream: IO[bytes]) -> Runs:
    """The forked walker's items, in order; it is stopped and reaped however this ends."""
    finished = False
    try:
        while True:
            message = _read_message(stream)
            if message is None:
                finished = True
                return
            if isinstance(message, tuple):  # the child's walk raised: raise it here
                number, text = message
                raise OSError(number, text)
            for item in message:
                kind, *fields = item
                yield StatRun(*fields) if kind == "run" else WarningRecord(*fields)
    finally:
        stream.close()
        if not finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        os.waitpid(pid, 0)


def _read_message(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise OSError(errno.EIO, "the walk process ended before the walk did")
    size = _HEADER.unpack(header)[0]
    payload = stream.read(size)
    if len(payload) < size:
        raise OSError(errno.EIO, "the walk process ended in the middle of a message")
    return marshal.loads(payload)  # noqa: S302 - written by our own forked walker, not read from the evidence


def _child(runs: Callable[[], Runs], write_fd: int) -> None:  # pragma: no cover - runs in the forked child
    """Walk, send the items in batches, exit without running the parent's clean-up (``os._exit``)."""
    code = 0
    try:
        out = os.fdopen(write_fd, "wb", buffering=1 << 16)

        def send(message: Any) -> None:
            payload = marshal.dumps(message)
            out.write(_HEADER.pack(len(payload)))
            out.write(payload)

        batch: List[Any] = []
        size = 0
        error = None
        try:
            for item in runs():
                batch.append(("run" if isinstance(item, StatRun) else "warning", *item))
                if isinstance(item, StatRun):
                    size += len(item.records)
                    if size >= _BYTES_PER_MESSAGE:
                        send(batch)
                        batch, size = [], 0
        except OSError as exc:
            error = (exc.errno or errno.EIO, exc.strerror or str(exc))
        except Exception as exc:  # any bug: the parent raises it as a walk error
            error = (errno.EIO, "%s: %s" % (type(exc).__name__, exc))
        send(batch)  # what was walked before an error is written, as without a walk process
        send(error)  # None: the walk is complete
        out.flush()
    except BaseException:  # pipe gone (parent stopped) or interrupted
        code = 1
    finally:
        os._exit(code)
