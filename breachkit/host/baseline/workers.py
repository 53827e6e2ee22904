"""A small pool of forked worker processes that run one function on batches, results in submission order.

Hashing a tree is a few gigabytes of ``hashlib`` work plus a few
microseconds of Python per file. Threads share one interpreter lock, so the
per-file Python work never overlaps and the lock's hand-offs cost more than
the work itself; forked processes run side by side. The function and
everything it needs (the open :class:`~breachkit.host.rootfs.RootFS`, the
rules) are inherited through ``fork``, so only the batches and their results
cross the pipes, pickled: data this process made, never read from the
evidence.

Each worker has a request pipe and a response pipe. Batches go to the worker
with the least work queued (the caller says what a batch costs, say its bytes;
at most :data:`IN_FLIGHT` batches each); every write to a worker is non-blocking and
drains the responses while it waits, so a full pipe in either direction can
never deadlock the two sides.

Forking a process that runs other threads can hang the child on a lock one of
them held, so :func:`can_fork` refuses then; callers do the work in-process
instead, with the same function, so both paths give the same results.
"""

import collections
import errno
import fcntl
import os
import pickle
import select
import signal
import struct
import sys
import threading
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

#: Batches one worker holds at most: enough queued that the caller can run ahead (walking a
#: folder of small files while the workers hash big ones), few enough to bound memory.
IN_FLIGHT = 4
#: Workers per CPU by default. More than one: when the files are not in the page cache, each
#: worker waits for the disk most of the time, and only many reads in flight keep it busy.
PER_CPU = 4
MAX_WORKERS = 16
#: How much nicer than the caller the workers run. The caller walks the tree and writes the
#: results: it is on the critical path, and with several workers per CPU it would otherwise get
#: only its share of each CPU; when the cache is warm the workers just take turns.
NICE = 5
_HEADER = struct.Struct("<Q")
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, which Python names only from 3.10


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_count() -> int:
    """Workers to start by default: :data:`PER_CPU` per CPU, at most :data:`MAX_WORKERS`; 1 (none) on one CPU."""
    count = cpus()
    return 1 if count < 2 else min(MAX_WORKERS, PER_CPU * count)


def can_fork() -> bool:
    """Whether worker processes may be forked: Linux-like, and this process runs a single thread."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:  # threads started by C libraries are invisible to the threading module
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return sys.platform != "linux"


def _big_pipe() -> Tuple[int, int]:
    read_fd, write_fd = os.pipe()
    if sys.platform.startswith("linux"):
        try:
            fcntl.fcntl(write_fd, _F_SETPIPE_SZ, _PIPE_SIZE)
        except OSError:  # above /proc/sys/fs/pipe-max-size: the default works, only slower
            pass
    return read_fd, write_fd


class WorkerError(OSError):
    """A worker failed: it raised (the message says what) or it ended unexpectedly."""


class _Worker:
    __slots__ = ("buffer", "costs", "pid", "queued", "request", "response", "tickets")

    def __init__(self, pid: int, request: int, response: int) -> None:
        self.pid = pid
        self.request = request
        self.response = response
        self.tickets: Deque[int] = collections.deque()
        self.costs: Deque[int] = collections.deque()
        self.queued = 0
        self.buffer = bytearray()


class Pool:
    """``count`` forked processes running ``function(batch)``; see the module docstring.

    Use as a context manager: leaving it stops the workers (killed if the
    block is left by an exception). Raises ``OSError`` when no process can
    be made; the caller then works in-process.
    """

    def __init__(self, function: Callable[[Any], Any], count: int) -> None:
        self._workers: List[_Worker] = []
        self._results: Dict[int, Any] = {}
        self._next_ticket = 0
        try:
            for _ in range(max(1, count)):
                self._start(function)
        except BaseException:
            self.close(kill=True)
            raise

    def _start(self, function: Callable[[Any], Any]) -> None:
        req_r, req_w = _big_pipe()
        resp_r, resp_w = _big_pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (req_r, req_w, resp_r, resp_w):
                os.close(fd)
            raise
        if pid == 0:  # pragma: no cover - the child; its work is checked through the parent's results
            try:
                # The parent's ends of every pipe: a worker holding another's
                # request pipe open would keep that worker from ever seeing EOF.
                for worker in self._workers:
                    os.close(worker.request)
                    os.close(worker.response)
                os.close(req_w)
                os.close(resp_r)
            finally:
                _serve(function, req_r, resp_w)
        os.close(req_r)
        os.close(resp_w)
        os.set_blocking(req_w, False)
        self._workers.append(_Worker(pid, req_w, resp_r))

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        self.close(kill=kind is not None)

    # -- work ---------------------------------------------------------------

    def submit(self, batch: Any, cost: int = 1) -> int:
        """Hand ``batch`` to the worker with the least ``cost`` queued (waiting for room); returns its ticket."""
        while True:
            free = [w for w in self._workers if len(w.tickets) < IN_FLIGHT]
            if free:
                worker = min(free, key=lambda w: w.queued)
                break
            self._collect(block=True)
        ticket = self._next_ticket
        self._next_ticket += 1
        payload = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        worker.tickets.append(ticket)
        worker.costs.append(cost)
        worker.queued += cost
        self._send(worker, _HEADER.pack(len(payload)) + payload)
        return ticket

    def ready(self, ticket: int) -> bool:
        """Whether the result of ``ticket`` is in (collects whatever has arrived, without waiting)."""
        if ticket not in self._results:
            self._collect(block=False)
        return ticket in self._results

    def result(self, ticket: int) -> Any:
        """The result of ``ticket`` (waiting for it); each ticket's result can be taken once."""
        while ticket not in self._results:
            self._collect(block=True)
        status, value = self._results.pop(ticket)
        if status != "ok":
            raise WorkerError(errno.EIO, "a worker process failed: %s" % value)
        return value

    def _send(self, worker: _Worker, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(worker.request, view)
            except BlockingIOError:
                written = 0
            except BrokenPipeError:
                raise WorkerError(errno.EIO, "a worker process ended unexpectedly") from None
            view = view[written:]
            if view:
                self._collect(block=True, writable=worker.request)

    def _collect(self, block: bool, writable: Optional[int] = None) -> None:
        """Read every response that has arrived; with ``block``, wait until one has (or ``writable`` can be)."""
        poller = select.poll()
        by_fd: Dict[int, _Worker] = {}
        for worker in self._workers:
            if worker.tickets:
                poller.register(worker.response, select.POLLIN)
                by_fd[worker.response] = worker
        if writable is not None:
            poller.register(writable, select.POLLOUT)
        if not by_fd and writable is None:
            return
        while True:
            try:
                events = poller.poll(None if block else 0)
                break
            except InterruptedError:  # pragma: no cover - retried by Python since 3.5; kept for clarity
                continue
        for fd, _event in events:
            if fd not in by_fd:
                continue
            worker = by_fd[fd]
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerError(errno.EIO, "a worker process ended unexpectedly")
            worker.buffer += chunk
            self._parse(worker)

    def _parse(self, worker: _Worker) -> None:
        buffer = worker.buffer
        start = 0
        while len(buffer) - start >= _HEADER.size:
            size = _HEADER.unpack_from(buffer, start)[0]
            end = start + _HEADER.size + size
            if len(buffer) < end:
                break
            # Pickled by our own forked worker from data it made, never from the evidence.
            self._results[worker.tickets.popleft()] = pickle.loads(buffer[start + _HEADER.size : end])  # noqa: S301
            worker.queued -= worker.costs.popleft()
            start = end
        if start:
            del buffer[:start]

    # -- end ----------------------------------------------------------------

    def close(self, kill: bool = False) -> None:
        """Stop the workers: they finish when their request pipe closes, or are killed (``kill``)."""
        workers, self._workers = self._workers, []
        for worker in workers:
            os.close(worker.request)
            if kill:
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except OSError:
                    pass
        for worker in workers:
            os.close(worker.response)
            try:
                os.waitpid(worker.pid, 0)
            except ChildProcessError:
                pass


def _serve(function: Callable[[Any], Any], request: int, response: int) -> None:  # pragma: no cover - child
    """The worker's loop: read a batch, run the function, write the result; exit (``os._exit``) at EOF."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
        if NICE:
            try:
                os.nice(NICE)
            except OSError:  # pragma: no cover - lowering one's own priority is always allowed
                pass
        source = os.fdopen(request, "rb", buffering=1 << 16)
        while True:
            header = source.read(_HEADER.size)
            if len(header) < _HEADER.size:
                break
            size = _HEADER.unpack(header)[0]
            payload = source.read(size)
            if len(payload) < size:
                break
            try:
                result: Any = ("ok", function(pickle.loads(payload)))  # noqa: S301 - from our parent
            except Exception as exc:  # any bug: the parent raises it
                result = ("error", "%s: %s" % (type(exc).__name__, exc))
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(_HEADER.pack(len(data)) + data)
            while view:
                view = view[os.write(response, view) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)
