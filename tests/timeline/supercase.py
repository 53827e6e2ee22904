"""Small hand-made cases for the super timeline: files, log events, findings and live tables as given.

:func:`make_case` writes a real case folder (``case.json``, journal) and fills
what the analyses would have left in it: the ``files`` table (loaded through the
real loader), ``events`` rows, ``db/findings.jsonl`` lines, ``report/*.json``
documents and a bundle with ``live/*.jsonl`` tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.case import Case
from breachkit.events import EVENT_COLUMNS, Event
from breachkit.host.records import FileStat
from breachkit.timeline.accounts import Accounts
from breachkit.timeline.build import load_entries

NS = 1_000_000_000
#: 2026-11-21 22:44:16 UTC, a Saturday night.
T0 = 1_795_301_056 * NS
PASSWD = b"root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
GROUP = b"root:x:0:\nwww-data:x:33:\n"


def make_case(
    dest: Path,
    *,
    files: Iterable[FileStat] = (),
    events: Iterable[Event] = (),
    findings: Iterable[dict[str, Any]] = (),
    reports: dict[str, Any] | None = None,
    live: dict[str, list[str]] | None = None,
    hostname: str = "web01",
) -> Path:
    """A case at ``dest``; ``live`` maps ``processes``/``sessions`` to raw JSONL lines of one bundle."""
    case = Case.init(dest, name="test", examiner="tester")
    files, events = list(files), list(events)
    if files or events:
        con = tables.connect(case.root)
        try:
            if files:
                load_entries(con, files, Accounts.parse(PASSWD, GROUP), "walk")
            if events:
                tables.create_table(con, "events", EVENT_COLUMNS)
                tables.append_rows(con, "events", EVENT_COLUMNS, (e.row() for e in events))
        finally:
            con.close()
    (case.root / "db").mkdir(exist_ok=True)
    with (case.root / "db" / "findings.jsonl").open("w", encoding="utf-8") as out:
        for finding in findings:
            out.write(json.dumps(finding) + "\n")
    for name, document in (reports or {}).items():
        case.report_dir.mkdir(parents=True, exist_ok=True)
        (case.report_dir / name).write_text(json.dumps(document), encoding="utf-8")
    if live is not None:
        bundle = case.root / "evidence" / "bundles" / f"{hostname}-20261122T204000Z"
        (bundle / "live").mkdir(parents=True)
        (bundle / "acquisition.json").write_text(json.dumps({"hostname": hostname}))
        for table, lines in live.items():
            (bundle / "live" / f"{table}.jsonl").write_text("".join(line + "\n" for line in lines))
    return case.root


def file_stat(path: str, uid: int = 33, *, btime_ns: int | None = T0, mtime_ns: int = T0, kind: str = "f") -> FileStat:
    import stat as st

    fmt = st.S_IFDIR if kind == "d" else st.S_IFREG
    return FileStat(
        path=path,
        type=kind,
        mode=fmt | 0o755,
        uid=uid,
        gid=uid,
        size=100,
        inode=abs(hash(path)) % 10**9,
        nlink=1,
        dev=2049,
        blocks=8,
        atime_ns=mtime_ns,
        mtime_ns=mtime_ns,
        ctime_ns=mtime_ns,
        btime_ns=btime_ns,
        target=None,
    )


def finding(check: str, title: str, severity: str = "high", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "check": check,
        "title": title,
        "severity": severity,
        "confidence": 0.8,
        "reason": extra.pop("reason", "because"),
        "evidence": extra.pop("evidence", []),
        "next_step": None,
    }
    data.update(extra)
    return data


def process(pid: int, program: str, start_utc: str | None, uid: int = 33, **extra: Any) -> str:
    record = {
        "pid": pid,
        "ppid": 1,
        "name": Path(program).name[:15],
        "state": "S",
        "uid": uid,
        "euid": uid,
        "gid": uid,
        "egid": uid,
        "threads": 1,
        "start_utc": start_utc,
        "cmdline": [program, "-c", "irc.example"],
        "cmdline_truncated": False,
        "exe": program,
        "exe_deleted": False,
        "cwd": "/tmp",
        "root": "/",
        "environ": {},
        "environ_count": 0,
        "maps_deleted": [],
        "maps_memfd": [],
        "anon_exec": 0,
        "fd_count": 4,
        "socket_inodes": [],
        "open_files": [],
        "netns": None,
        "kernel_thread": False,
        "missed": [],
    }
    record.update(extra)
    return json.dumps(record)
