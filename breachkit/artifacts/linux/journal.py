"""systemd journal files, read through the analyst machine's ``journalctl``.

Persistent journals live in ``/var/log/journal/<machine-id>/*.journal`` (and
``*.journal~`` for files closed uncleanly), volatile ones in
``/run/log/journal``. The format
(https://systemd.io/JOURNAL_FILE_FORMAT/) is read by ``journalctl
--file=<file> -o json`` (https://www.freedesktop.org/software/systemd/man/latest/journalctl.html),
which opens the file read-only and never writes to it. Each entry becomes a
:class:`breachkit.artifacts.linux.syslog.SyslogLine` (microsecond precision),
so auth messages in the journal (a Debian 12 host without rsyslog has no
auth.log at all) go through the same auth classification.

Without ``journalctl`` on the analyst machine the journal is skipped with a
``journalctl-missing`` problem that says how to get it. journalctl never
touches the evidence: each file is first copied, through the source's
in-root, no-atime reader, to a private temporary file, and journalctl reads
that copy. A corrupt file gives the entries journalctl can read and a
``corrupt-journal`` problem.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

from breachkit.artifacts.linux.syslog import SyslogLine
from breachkit.artifacts.rotated import Problems, open_stream
from breachkit.artifacts.years import TimeContext
from breachkit.sources.base import Source

JOURNAL_DIRS = ("/var/log/journal", "/run/log/journal")
MAX_FILES = 5000
MAX_MESSAGE = 64 * 1024
#: Largest journal file copied for journalctl (journald's own default cap is far below).
MAX_JOURNAL = 4 * 1024 * 1024 * 1024


def journal_files(source: Source) -> list[str]:
    """Host paths of journal files, sorted (journald names them by sequence and time)."""
    found: list[str] = []
    for top in JOURNAL_DIRS:
        try:
            machines = source.listdir(top)
        except OSError:
            continue
        for machine in machines:
            folder = f"{top}/{machine}"
            try:
                names = source.listdir(folder)
            except OSError:
                if machine.endswith((".journal", ".journal~")):
                    found.append(folder)
                continue
            found += [f"{folder}/{name}" for name in names if name.endswith((".journal", ".journal~"))]
    return sorted(found)[:MAX_FILES]


def read_journal(source: Source, time: TimeContext, problems: Problems) -> Iterator[SyslogLine]:
    """Entries of every journal file of the source, file by file."""
    files = journal_files(source)
    if not files:
        return
    tool = shutil.which("journalctl")
    if tool is None:
        problems.add(
            files[0], "journalctl-missing", f"{len(files)} journal file(s) not read: install systemd (journalctl)"
        )
        return
    for path in files:
        with tempfile.TemporaryDirectory(prefix="breachkit-journal-") as work:
            copy = os.path.join(work, "copy.journal")
            if _copy(source, path, copy, problems):
                yield from _entries(tool, copy, path, time, problems)


def _copy(source: Source, path: str, copy: str, problems: Problems) -> bool:
    """Copy one journal file out of the root (O_NOATIME, in-root, regular files only).

    journalctl itself would move the file's access time and follow symlinks
    on the analyst's machine; it only ever sees this private copy.
    """
    try:
        with open_stream(source, path) as handle, open(copy, "wb") as out:
            copied = 0
            while chunk := handle.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_JOURNAL:
                    problems.add(path, "journal-cut", f"larger than {MAX_JOURNAL} bytes: read the first part only")
                    break
                out.write(chunk)
    except OSError as exc:
        problems.add(path, "unreadable-log", exc.strerror or str(exc))
        return False
    return True


def _entries(tool: str, real: str, path: str, time: TimeContext, problems: Problems) -> Iterator[SyslogLine]:
    flags = time.flags()
    command = [tool, "--file", real, "-o", "json", "--no-pager", "--all"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={"LANG": "C", "SYSTEMD_PAGER": ""}
    ) as proc:
        assert proc.stdout is not None
        for number, raw in enumerate(proc.stdout, 1):
            try:
                entry = json.loads(raw)
                micros = int(entry["__REALTIME_TIMESTAMP"])
            except (ValueError, KeyError, TypeError):
                problems.add(path, "unparsed-entry", f"entry {number}: no readable time")
                continue
            pid = entry.get("_PID") or entry.get("SYSLOG_PID")
            yield SyslogLine(
                time_ns=micros * 1000 + time.clock_offset_ns,
                precision_ns=1000,
                host=str(entry.get("_HOSTNAME", "")),
                program=str(entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM") or ""),
                pid=int(pid) if isinstance(pid, str) and pid.isdigit() else None,
                message=_message(entry.get("MESSAGE")),
                source_file=path,
                source_line=number,
                flags=flags,
            )
        _, errors = proc.communicate()
        if proc.returncode not in (0, None):
            detail = errors.decode("utf-8", "backslashreplace").strip()[:300]
            problems.add(path, "corrupt-journal", f"journalctl exit {proc.returncode}: {detail}")


def _message(value: object) -> str:
    """MESSAGE is a string, or a list of byte values when it is not valid UTF-8."""
    if isinstance(value, list):
        data = bytes(v for v in value[:MAX_MESSAGE] if isinstance(v, int) and 0 <= v < 256)
        return data.decode("utf-8", "backslashreplace")
    return str(value)[:MAX_MESSAGE] if value is not None else ""
