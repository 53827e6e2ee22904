"""Logins that auth.log or lastlog saw and wtmp does not: a login record removed to hide a session.

``last`` reads wtmp; tools that hide an intruder from it delete or zero the
record, and the zeroed case is caught while reading wtmp
(:mod:`breachkit.artifacts.linux.utmp`). A deleted record leaves no hole —
but sshd also wrote "Accepted … for USER from IP" to auth.log, and the
account's last login (time, terminal, address) to lastlog, which cleaners
often forget (https://man7.org/linux/man-pages/man8/lastlog.8.html). Every
accepted SSH login and every lastlog entry inside the period wtmp covers
should have a wtmp login for the same user within a few seconds; one without
it was hidden, or wtmp was rotated or replaced. Reads the ``events`` table the
log analysis just wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from breachkit.findings import Evidence, Finding, Severity

#: sshd logs the acceptance and login(1)/sshd writes wtmp within a second; allow for slow hosts.
SKEW_NS = 10_000_000_000

_SQL = """
WITH logins AS (SELECT time_ns, "user" FROM "{table}" WHERE source = 'wtmp' AND kind = 'login'),
     covered AS (SELECT min(time_ns) AS lo, max(time_ns) AS hi FROM "{table}" WHERE source = 'wtmp')
SELECT a.time_ns, a."user", a.ip, a.message, a.source_file, a.source_line
FROM "{table}" a, covered
WHERE a.source = 'auth' AND a.kind = 'ssh-accept' AND a.time_ns BETWEEN covered.lo AND covered.hi
  AND NOT EXISTS (
      SELECT 1 FROM logins l WHERE l."user" = a."user" AND abs(l.time_ns - a.time_ns) <= ?
  )
ORDER BY a.time_ns
LIMIT 1000
"""


def hidden_logins(con: Any, table: str) -> Iterator[Finding]:
    """A finding for accepted SSH logins with no wtmp record in the period wtmp covers."""
    rows = con.execute(_SQL.format(table=table), [SKEW_NS]).fetchall()
    if not rows:
        return
    users = sorted({str(user) for _, user, _, _, _, _ in rows})
    yield Finding(
        check="logs.login-missing-from-wtmp",
        title="SSH logins that wtmp does not show",
        severity=Severity.HIGH,
        confidence=0.6,
        reason=(
            f"{len(rows)} SSH login(s) accepted according to auth.log ({', '.join(users)}) have no login record in "
            "wtmp, although wtmp covers that time: 'last' will not show them. Removing the record is how intruders "
            "hide a session; a replaced or restored wtmp does the same."
        ),
        evidence=tuple(
            Evidence(path=source_file, line=source_line, excerpt=message, note=f"from {ip}")
            for _, _, ip, message, source_file, source_line in rows[:25]
        ),
        next_step="Treat these sessions as the intruder's until shown otherwise; read what happened in them.",
    )


_LASTLOG_SQL = """
WITH logins AS (SELECT time_ns, "user" FROM "{table}" WHERE source = 'wtmp' AND kind = 'login'),
     covered AS (SELECT min(time_ns) AS lo, max(time_ns) AS hi FROM "{table}" WHERE source = 'wtmp')
SELECT l.time_ns, l."user", l.ip, l.message, l.source_file, l.source_line,
    (SELECT min(a.source_file || ':' || a.source_line) FROM "{table}" a
     WHERE a.source IN ('auth', 'journal') AND a.kind = 'ssh-accept' AND a."user" = l."user"
       AND abs(a.time_ns - l.time_ns) <= ?) AS seen
FROM "{table}" l, covered
WHERE l.source = 'lastlog' AND l.kind = 'last-login' AND l.time_ns BETWEEN covered.lo AND covered.hi
  AND NOT EXISTS (
      SELECT 1 FROM logins w WHERE w."user" = l."user" AND abs(w.time_ns - l.time_ns) <= ?
  )
ORDER BY l.time_ns
LIMIT 1000
"""


def lastlog_not_in_wtmp(con: Any, table: str) -> Iterator[Finding]:
    """A finding for last logins lastlog remembers and wtmp, although it covers their time, does not."""
    rows = con.execute(_LASTLOG_SQL.format(table=table), [SKEW_NS, SKEW_NS]).fetchall()
    if not rows:
        return
    evidence = []
    for _, user, ip, message, source_file, source_line, seen in rows:
        also = f"auth.log has it ({seen})" if seen else "auth.log has no such login either"
        evidence.append(
            Evidence(path=source_file, line=source_line, excerpt=message, note=f"{user} from {ip or '-'}; {also}")
        )
    hidden = [e for e, row in zip(evidence, rows, strict=True) if not row[6]]
    yield Finding(
        check="logs.lastlog-not-in-wtmp",
        title="Last logins that lastlog remembers and wtmp does not show",
        severity=Severity.HIGH,
        confidence=0.7 if hidden else 0.6,
        reason=(
            f"{len(rows)} account(s) last logged in, according to lastlog, at a time wtmp covers, but wtmp has no "
            "such login: its record was removed or zeroed. "
            + (
                f"For {len(hidden)} of them auth.log has no trace either: lastlog is the only record left of "
                "that session and of the address it came from."
                if hidden
                else "auth.log still shows them."
            )
        ),
        evidence=tuple(evidence[:25]),
        next_step="Treat the address as the intruder's; search every log and the other servers for it.",
    )
