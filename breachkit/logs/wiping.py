"""Logs an intruder cut, emptied, rewrote or switched off – noticed from what the rest of the host kept.

Intruders with root clean up: ``sed -i '/their address/d'`` on a log, ``: >``
to empty one, a symlink from a shell history to ``/dev/null``. Each leaves a
mark that the log itself cannot hide, because something else went on writing:

* **cut** (``logs.log-cut``): a system log falls silent for hours – often across
  its rotation, when it was emptied – while the other logs the same syslog
  daemon writes kept going in almost every one of those hours. A machine that
  was off, or a syslog daemon that was stopped, silences all of them; that
  stays a plain hole (``logs.time-gap``, :mod:`breachkit.logs.run`).
* **stopped** (``logs.log-stopped``): a live log's last line is hours before
  the other logs of its kind end, far longer than it was ever silent before.
  ``sed -i`` writes a new file; the daemon that had the old one open (Apache
  until its next graceful restart, rsyslog until HUP) goes on writing into the
  deleted inode, so the file on disk stops at the edit. A site that moved away
  looks the same, so it is medium unless the file was also modified after its
  last line.
* **rewritten** (``logs.log-rewritten``): a log file born (statx birth time)
  well after the first line it holds. logrotate creates a log before its first
  line; an editor or ``sed -i`` creates it afterwards. Only judged where the
  birth times are genuine: its rotated predecessor must have been born before
  its own first line (a copied tree gives every file the copy's birth time).
* **history** (``logs.history-disabled``, ``logs.history-missing``): a shell
  history linked to ``/dev/null``; or an account that logged in (lastlog,
  wtmp, auth.log) with no history at all.

The lines come from the ``events`` table the log analysis just wrote; file
times from :func:`breachkit.artifacts.filestat.host_lstat`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from breachkit.artifacts.filestat import host_lstat
from breachkit.artifacts.linux.history import HistoryFile
from breachkit.findings import Evidence, Finding, Severity
from breachkit.logs.common import span
from breachkit.sources.base import Source
from breachkit.timetext import utc_text

HOUR_NS = 3_600_000_000_000
#: A cut log: the other system logs wrote in at least this share of the silent hours.
BUSY_SHARE = 0.75
#: A stopped log: silent this long at least before the others of its kind end …
MIN_STOP_NS = 6 * HOUR_NS
#: … and this many times longer than its longest silence before.
STOP_FACTOR = 3
#: Modified this long after its last line: written by something other than its daemon.
LATE_WRITE_NS = 60_000_000_000
#: A rewritten log: born this long after its first line (a long request can be logged after the rotation).
BORN_LATE_NS = HOUR_NS
#: The text logs one writer (rsyslog) keeps: if it stopped, all of them fall silent together. The journal
#: is left out – it goes on when rsyslog is stopped, which would make every such silence look cut.
SYSTEM_SOURCES = ("auth", "syslog", "cron")
#: Families judged for stopping and rewriting, by the kind whose end they are compared with.
_KINDS = {"web-access": "web", "auth": "system", "syslog": "system", "cron": "system"}
_FAMILY = "regexp_replace(source_file, '\\.[0-9]+(\\.(gz|bz2|xz|zst))?$', '')"


@dataclass(frozen=True, slots=True)
class Gap:
    """A long silence inside one system log family, between two of its lines."""

    family: str
    start_ns: int
    end_ns: int
    evidence: Evidence


def cut_logs(con: Any, table: str, gaps: Iterable[Gap]) -> tuple[list[Finding], list[Gap]]:
    """The gaps the other system logs contradict, as a finding; and the gaps they do not (plain holes)."""
    gaps = list(gaps)
    if not gaps:
        return [], []
    # which hours each system log family wrote in: small (families x hours), read once
    placeholders = ", ".join("?" for _ in SYSTEM_SOURCES)
    rows = con.execute(
        f'SELECT DISTINCT {_FAMILY}, time_ns // {HOUR_NS} FROM "{table}" '  # noqa: S608 - names are ours
        f"WHERE source IN ({placeholders}) AND source_file IS NOT NULL",
        list(SYSTEM_SOURCES),
    ).fetchall()
    hours_of: dict[str, list[int]] = {}
    for family, hour in rows:
        hours_of.setdefault(str(family), []).append(int(hour))
    for written in hours_of.values():
        written.sort()
    cut: list[Evidence] = []
    holes: list[Gap] = []
    for gap in gaps:
        # the clock hours the silence touches, and in how many of them the other logs wrote
        lo, hi = gap.start_ns // HOUR_NS, gap.end_ns // HOUR_NS
        span_hours = hi - lo + 1
        busy = len(
            {
                hour
                for family, written in hours_of.items()
                if family != gap.family
                for hour in written[bisect.bisect_left(written, lo) : bisect.bisect_right(written, hi)]
            }
        )
        if busy >= BUSY_SHARE * span_hours:
            note = f"{gap.evidence.note}; the other system logs wrote in {busy} of those {span_hours} hours"
            cut.append(Evidence(path=gap.evidence.path, line=gap.evidence.line, note=note))
        else:
            holes.append(gap)
    if not cut:
        return [], holes
    finding = Finding(
        check="logs.log-cut",
        title="System logs with hours cut out while the rest of the host kept logging",
        severity=Severity.HIGH,
        confidence=0.75,
        reason=(
            f"{len(cut)} silence(s) of hours in a log that cron alone writes to every hour, while the other system "
            "logs went on writing in almost every one of those hours: the machine was running. Lines were removed, "
            "or the file was emptied (': > log' leaves it starting long after its rotated copy ends). What happened "
            "in those hours is not in this file any more."
        ),
        evidence=tuple(cut[:25]),
        next_step=(
            "Read the other logs (syslog, the rotated copies, lastlog, wtmp) for those hours, and look for the "
            "same log on a central log server or in backups."
        ),
    )
    return [finding], holes


_STOPPED_SQL = """
WITH lines AS (
    SELECT {family} AS family, source, source_file, source_line, time_ns
    FROM "{table}"
    WHERE source IN ({sources}) AND source_file IS NOT NULL
),
silences AS (
    SELECT *, time_ns - lag(time_ns) OVER (PARTITION BY family ORDER BY time_ns, source_file, source_line) AS silence
    FROM lines
),
families AS (
    SELECT family, min(source) AS source, max(time_ns) AS last_ns, max(silence) AS longest,
           bool_or(source_file = family) AS live,
           arg_max(source_line, time_ns) FILTER (WHERE source_file = family) AS last_line
    FROM silences GROUP BY family
)
SELECT family, source, last_ns, coalesce(longest, 0), last_line FROM families WHERE live ORDER BY family
"""


def stopped_logs(con: Any, table: str, source: Source) -> Iterator[Finding]:
    """Live logs whose last line is far older than the end of the other logs of their kind."""
    sql = _STOPPED_SQL.format(family=_FAMILY, table=table, sources=", ".join("?" for _ in _KINDS))
    rows = con.execute(sql, list(_KINDS)).fetchall()
    ends: dict[str, list[tuple[str, int]]] = {}
    for family, kind_source, last_ns, _, _ in rows:
        ends.setdefault(_KINDS[str(kind_source)], []).append((str(family), int(last_ns)))
    evidence: list[Evidence] = []
    late = 0
    for family, kind_source, last_ns, longest, last_line in rows:
        others = [end for name, end in ends[_KINDS[str(kind_source)]] if name != family]
        if not others:
            continue
        end = max(others)
        stop = end - int(last_ns)
        if stop < max(MIN_STOP_NS, STOP_FACTOR * int(longest)):
            continue
        note = (
            f"last line {utc_text(int(last_ns))}; the other logs of its kind go on until {utc_text(end)}, "
            f"{stop / HOUR_NS:.1f} h later; its longest silence before was {int(longest) / HOUR_NS:.1f} h"
        )
        stat = host_lstat(source, str(family))
        if stat is not None and stat.mtime_ns - int(last_ns) > LATE_WRITE_NS:
            late += 1
            note += f"; the file was modified at {utc_text(stat.mtime_ns)}, after its last line"
        evidence.append(Evidence(path=str(family), line=int(last_line) if last_line is not None else None, note=note))
    if not evidence:
        return
    yield Finding(
        check="logs.log-stopped",
        title="Logs that stopped hours before the others",
        severity=Severity.HIGH if late else Severity.MEDIUM,
        confidence=0.7 if late else 0.45,
        reason=(
            f"{len(evidence)} live log(s) end hours before the other logs of their kind, far longer than they were "
            "ever silent. When a log is edited with 'sed -i' the server keeps writing into the old, now deleted "
            "file, so the log on disk stops at the edit and everything after it is lost"
            + (
                f"; {late} of them were modified after their last line, which the server never does."
                if late
                else ". A site that moved elsewhere or a service that stopped looks the same."
            )
        ),
        evidence=tuple(evidence[:25]),
        next_step=(
            "If the server still runs, its open file may still be readable: ls -l /proc/<pid>/fd shows '(deleted)' "
            "logs; copy them before anything restarts it. Otherwise look for the lines in a central log server."
        ),
    )


_FIRST_SQL = """
SELECT source_file, min(time_ns), arg_min(source_line, time_ns)
FROM "{table}"
WHERE source IN ({sources}) AND source_file IS NOT NULL AND coalesce(flags, '') NOT LIKE '%year-inferred%'
GROUP BY source_file
"""


def rewritten_logs(con: Any, table: str, source: Source) -> Iterator[Finding]:
    """Plain log files born well after their first line, where the file system's birth times are genuine."""
    sql = _FIRST_SQL.format(table=table, sources=", ".join("?" for _ in _KINDS))
    first = {str(path): (int(t), int(line)) for path, t, line in con.execute(sql, list(_KINDS)).fetchall()}
    born: dict[str, int] = {}
    for path in first:
        stat = host_lstat(source, path)
        if stat is not None and stat.btime_ns is not None and not path.endswith((".gz", ".bz2", ".xz", ".zst")):
            born[path] = stat.btime_ns
    genuine = {path for path, birth in born.items() if birth <= first[path][0] + BORN_LATE_NS}
    evidence: list[Evidence] = []
    for path, birth in sorted(born.items()):
        first_ns, line = first[path]
        if birth <= first_ns + BORN_LATE_NS or not _witness(path, genuine):
            continue
        evidence.append(
            Evidence(
                path=path,
                line=line,
                note=f"born {utc_text(birth)}, {(birth - first_ns) / HOUR_NS:.1f} h after its first line "
                f"({utc_text(first_ns)})",
            )
        )
    if not evidence:
        return
    yield Finding(
        check="logs.log-rewritten",
        title="Log files rewritten after they were written",
        severity=Severity.HIGH,
        confidence=0.75,
        reason=(
            f"{len(evidence)} log file(s) were created after the first line they hold, while their rotated "
            "neighbours were created before theirs. logrotate creates a log before anything is written to it; "
            "'sed -i', an editor or a copy writes a new file. Lines may have been removed, and a server that had "
            "the old file open went on writing into it after the edit."
        ),
        evidence=tuple(evidence[:25]),
        next_step="Compare the file with its rotated copies and a central log server: which lines are missing?",
    )


def _witness(path: str, genuine: set[str]) -> bool:
    """Another log in the same folder whose birth time is before its first line: births there are real."""
    folder = path.rsplit("/", 1)[0]
    return any(other != path and other.rsplit("/", 1)[0] == folder for other in genuine)


_LOGINS_SQL = """
SELECT "user", max(time_ns), arg_max(source_file, time_ns), arg_max(source_line, time_ns), arg_max(ip, time_ns)
FROM "{table}"
WHERE (source = 'lastlog' AND kind = 'last-login') OR (source = 'wtmp' AND kind = 'login')
   OR (source IN ('auth', 'journal') AND kind = 'ssh-accept')
GROUP BY "user"
"""


def history_findings(con: Any, table: str, files: Iterable[HistoryFile]) -> Iterator[Finding]:
    """Histories sent to /dev/null; and accounts that logged in but keep no history at all."""
    logins = {
        str(user): (int(t), str(path), int(line), ip)
        for user, t, path, line, ip in con.execute(_LOGINS_SQL.format(table=table)).fetchall()
        if user
    }
    disabled: list[Evidence] = []
    missing: list[Evidence] = []
    for item in files:
        changed = f"; changed {utc_text(item.stat.ctime_ns)}" if item.stat is not None else ""
        if item.state == "disabled":
            target = item.stat.target if item.stat is not None else "/dev/null"
            disabled.append(
                Evidence(path=item.path, note=f"{item.user}: symlink to {target}, nothing is recorded{changed}")
            )
            continue
        login = logins.get(item.user)
        if item.state in ("missing", "empty") and login is not None:
            when, path, line, ip = login
            folder = f"; {item.home} last changed {utc_text(item.home_stat.mtime_ns)}" if item.home_stat else ""
            what = "no shell history" if item.state == "missing" else "an empty shell history"
            missing.append(
                Evidence(
                    path=item.path,
                    note=f"{item.user} has {what}{changed}{folder}, yet logged in at {utc_text(when)}"
                    + (f" from {ip}" if ip else "")
                    + f" ({path}:{line})",
                )
            )
    if disabled:
        yield Finding(
            check="logs.history-disabled",
            title="Shell histories sent to /dev/null",
            severity=Severity.HIGH,
            confidence=0.8,
            reason=(
                f"{len(disabled)} shell history file(s) are symlinks to /dev/null: nothing typed in those accounts "
                "is recorded, and what the file held before is gone. Intruders do this; admins rarely."
            ),
            evidence=tuple(disabled[:25]),
            next_step="The link's change time is when it was made: read the other logs around that time.",
        )
    if missing:
        yield Finding(
            check="logs.history-missing",
            title="Accounts that logged in but keep no shell history",
            severity=Severity.MEDIUM,
            confidence=0.5,
            reason=(
                f"{len(missing)} account(s) with a login shell logged in, yet have no (or an empty) shell history. "
                "Deleting the history is how intruders hide what they typed; an account set up not to keep one "
                "looks the same."
            ),
            evidence=tuple(missing[:25]),
            next_step="Ask the account's owner; the home folder's change time may be when the history was deleted.",
        )


def gap_note(start_ns: int, end_ns: int, where: str) -> str:
    """How a gap reads in evidence: its span and the line before it."""
    return f"no line for {span(start_ns, end_ns)} before this one ({where})"
