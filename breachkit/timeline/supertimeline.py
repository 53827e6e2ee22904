"""The super timeline of a case: file times, log lines, live state and findings in one ordered view.

Library first::

    from breachkit import tables
    from breachkit.timeline.supertimeline import Filters, refresh, rows, undated
    con = tables.connect(case_root)
    merged = refresh(con, case_root)
    for row in rows(con, Filters(ip="203.0.113.77", severity=Severity.HIGH)):
        print(row.time_ns, row.source, row.message, row.pointer)

:func:`refresh` (re)builds, in the case database, the view ``super_timeline``
(one row per event, :data:`COLUMNS`) and ``super_undated`` (findings no
evidence dates) over:

* ``fs_events`` — the file timeline (``files``), one row per distinct time of a
  file, never copied: millions of files stay one table;
* ``events`` — log lines, logins, shell history, package logs (the log analysis);
* ``live_events`` — process starts and login sessions from the ``live/`` tables
  of the case's bundles (:mod:`breachkit.timeline.superinputs`), rebuilt here;
* the case's findings (``db/findings.jsonl`` and the other finding files), each
  as one row dated by its own evidence: the time of the log line it cites (file
  and line number in ``events``), else the birth (else change, else
  modification) time of the file it names, as correlation dates a file, else
  the start of a process whose executable it names — the earliest of these.
  ``flags`` says which (``time-of-log-line``, ``time-of-file-birth`` …).

Every row also carries the severity of the findings that point at it (and
their check names): a log line cited by file and line number, a file named by
its path, any row with an address a finding names. Those small tag tables
(``super_tags_*``) and the finding tables (``super_findings``,
``super_evidence``, ``super_finding_ips``) are rebuilt on each refresh, so the
view never goes stale for longer than one command; the big tables are only
read.

``source`` groups the origins into the kinds a responder asks for
(:data:`EVENT_GROUPS`, :data:`FINDING_GROUPS`); ``origin`` keeps the exact one
(``web-access``, ``auth``, ``detect.file`` …). :class:`Filters` select on
either, and on host, user, address, path, severity and time.

The SQL text here is assembled from this module's constants and checked table
names only; every value from the evidence or the command line is a bound
parameter (hence the ``noqa: S608`` marks).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.errors import UsageError
from breachkit.events import EVENT_COLUMNS
from breachkit.findings import Severity
from breachkit.hostzone import HostZone
from breachkit.timeline.superinputs import (
    CaseFinding,
    InputProblems,
    bundle_hosts,
    bundles,
    live_events,
    read_findings,
)
from breachkit.timeline.window import TIME_LETTERS, Window

BATCH = 10_000

#: Event origins (``events.source`` values) by the group ``--source`` names.
EVENT_GROUPS: dict[str, tuple[str, ...]] = {
    "fs": ("fs",),
    "web": ("web-access", "web-error"),
    "auth": ("auth",),
    "syslog": ("syslog", "journal", "cron"),
    "login": ("wtmp", "btmp", "utmp", "lastlog"),
    "audit": ("audit",),
    "history": ("shell-history",),
    "packages": ("dpkg", "apt", "yum"),
    "live": ("live-process", "live-session"),
}
#: Finding check families (the part of ``check`` before the dot) by group.
FINDING_GROUPS: dict[str, tuple[str, ...]] = {
    "detection": ("detect", "persistence", "hunt", "sigma", "logs", "timeline", "quick"),
    "integrity": ("integrity", "baseline"),
    "live": ("live",),
    "correlation": ("correlate",),
}
#: Group of findings whose family is in no group above.
OTHER_FINDINGS = "finding"
#: ``--source findings``: every finding row, whatever its group.
ALL_FINDINGS = "findings"

#: Columns of ``super_timeline`` and ``super_undated``, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_ns", "BIGINT"),
    ("precision_ns", "BIGINT"),
    ("source", "VARCHAR"),
    ("origin", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("host", "VARCHAR"),
    ("user", "VARCHAR"),
    ("ip", "VARCHAR"),
    ("path", "VARCHAR"),
    ("severity_rank", "INTEGER"),
    ("severity", "VARCHAR"),
    ("checks", "VARCHAR"),
    ("message", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("flags", "VARCHAR"),
    ("finding_id", "INTEGER"),
)

_FINDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("fid", "INTEGER"),
    ("check_name", "VARCHAR"),
    ("title", "VARCHAR"),
    ("severity_rank", "INTEGER"),
    ("confidence", "DOUBLE"),
    ("reason", "VARCHAR"),
    ("next_step", "VARCHAR"),
    ("grp", "VARCHAR"),
    ("stored_in", "VARCHAR"),
    ("first_ip", "VARCHAR"),
    ("first_path", "VARCHAR"),
    ("first_line", "BIGINT"),
    ("evidence_count", "INTEGER"),
)
_EVIDENCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("fid", "INTEGER"),
    ("idx", "INTEGER"),
    ("path", "VARCHAR"),
    ("line", "BIGINT"),
    ("sha256", "VARCHAR"),
    ("excerpt", "VARCHAR"),
    ("note", "VARCHAR"),
)
_IP_COLUMNS: tuple[tuple[str, str], ...] = (("fid", "INTEGER"), ("ip", "VARCHAR"))
_GLOB = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class SuperRow:
    """One row of the super timeline (``time_ns`` is None for an undated finding)."""

    time_ns: int | None
    precision_ns: int | None
    #: group: fs, web, auth, syslog, login, live, detection, integrity, correlation …
    source: str
    #: exact origin: ``fs``, an ``events`` source (``web-access``), or a finding's check
    origin: str
    #: MACB for files, the event kind (``request``, ``ssh-accept``), ``finding`` for findings
    kind: str
    host: str | None
    user: str | None
    ip: str | None
    path: str | None
    severity_rank: int | None
    severity: str | None
    #: the checks of the findings behind ``severity`` (for a finding row, its own check)
    checks: str | None
    message: str
    source_file: str | None
    source_line: int | None
    flags: str | None
    finding_id: int | None

    @property
    def pointer(self) -> str:
        """Where the raw evidence is: ``file:line`` for a log line, else the host path."""
        if self.source_file is not None:
            return self.source_file + (f":{self.source_line}" if self.source_line is not None else "")
        if self.path is not None:
            return self.path
        return ""

    def to_json(self) -> dict[str, Any]:
        from breachkit.timeline.window import format_ns

        data = {name: getattr(self, name) for name in self.__slots__}
        data["time_utc"] = format_ns(self.time_ns) if self.time_ns is not None else None
        data["evidence"] = self.pointer
        return data


@dataclass(frozen=True, slots=True)
class Filters:
    """What to keep. Empty fields keep everything; text fields with ``* ? [`` are globs."""

    #: groups (``web``, ``detection``), exact origins (``web-access``, ``detect.file``) or check
    #: families (``persistence``); ``findings`` selects every finding row
    sources: tuple[str, ...] = ()
    #: host the row names (case-insensitive)
    host: str | None = None
    user: str | None = None
    #: an address (exact) or a glob (``203.0.113.*``); finding rows match any address they name
    ip: str | None = None
    #: a host path prefix or glob, matched against the path, the evidence file and a finding's evidence paths
    path: str | None = None
    #: the least severity; rows without one are left out when set
    severity: Severity | None = None
    window: Window = field(default_factory=Window)
    #: keep finding rows (off: only the events themselves, still tagged)
    findings: bool = True


@dataclass(frozen=True, slots=True)
class Merged:
    """What :func:`refresh` found in the case."""

    #: the inputs present: ``files``, ``events``, ``live_events``
    inputs: tuple[str, ...]
    findings: int
    dated: int
    undated: int
    live_events: int
    #: the examined host's name when the case's bundles agree on one
    host: str | None
    #: lines of finding and live files that could not be read
    problems: int
    notes: tuple[str, ...]


def refresh(con: Any, case_root: Path) -> Merged:
    """(Re)build the finding and tag tables and the ``super_timeline`` / ``super_undated`` views."""
    root = Path(case_root)
    problems = InputProblems()
    present = _tables(con)
    notes: list[str] = []
    findings = read_findings(root, problems)
    _store_findings(con, findings)
    live_count = _store_live(con, root, present, problems)
    present = _tables(con)
    hosts = bundle_hosts(root)
    host = hosts[0] if len(hosts) == 1 else None
    if len(hosts) > 1:
        notes.append(f"the case holds bundles of {len(hosts)} hosts: file rows carry no host name")
    tables.create_table(con, "super_host", (("host", "VARCHAR"),))
    tables.append_rows(con, "super_host", (("host", "VARCHAR"),), [(host,)])
    has_files = "files" in present and "fs_events" in present
    has_events = "events" in present
    _build_tags(con, has_events)
    _date_findings(con, has_events, has_files)
    _build_views(con, has_events, has_files)
    dated = int(con.execute("SELECT count(*) FROM super_finding_times").fetchone()[0])
    if not has_files:
        notes.append("no file timeline in the case: run 'breachkit triage' or 'breachkit timeline --bundle B --case C'")
    if not has_events:
        notes.append("no log events in the case: run 'breachkit triage' or 'breachkit logs --case C'")
    if not findings:
        notes.append("no findings in the case (db/findings.jsonl): run 'breachkit triage'")
    if problems.count:
        notes.append(
            f"{problems.count} record(s) of the case's finding and live files could not be read, e.g. "
            + "; ".join(problems.examples[:3])
        )
    inputs = tuple(
        name for name, there in (("files", has_files), ("events", has_events), ("live_events", True)) if there
    )
    return Merged(inputs, len(findings), dated, len(findings) - dated, live_count, host, problems.count, tuple(notes))


def rows(con: Any, filters: Filters, limit: int | None = None) -> Iterator[SuperRow]:
    """The dated rows that pass ``filters``, oldest first (evidence before the finding it dates)."""
    where, params = _where(filters, dated=True)
    sql = (
        f"SELECT {_names()} FROM super_timeline WHERE {where} "  # noqa: S608 - fixed names; values are parameters
        "ORDER BY time_ns, finding_id IS NOT NULL, source, origin, path, source_file, source_line, message"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    yield from _stream(con, sql, params)


def undated(con: Any, filters: Filters) -> Iterator[SuperRow]:
    """Findings no evidence dates that pass ``filters`` (the time window aside), most severe first."""
    where, params = _where(filters, dated=False)
    sql = (
        f"SELECT {_names()} FROM super_undated WHERE {where} "  # noqa: S608 - fixed names; values are parameters
        "ORDER BY severity_rank DESC, origin, message"
    )
    yield from _stream(con, sql, params)


def counts(con: Any, filters: Filters) -> dict[str, int]:
    """Dated rows that pass ``filters``, by source group."""
    where, params = _where(filters, dated=True)
    sql = f"SELECT source, count(*) FROM super_timeline WHERE {where} GROUP BY source ORDER BY source"  # noqa: S608
    return {str(name): int(number) for name, number in con.execute(sql, params).fetchall()}


def finding_details(con: Any) -> dict[int, dict[str, Any]]:
    """Reason, confidence, next step, addresses and all evidence of each finding, by ``finding_id`` (for JSON)."""
    details: dict[int, dict[str, Any]] = {}
    for fid, check, title, confidence, reason, next_step, stored_in in con.execute(
        "SELECT fid, check_name, title, confidence, reason, next_step, stored_in FROM super_findings"
    ).fetchall():
        details[int(fid)] = {
            "check": check,
            "title": title,
            "confidence": confidence,
            "reason": reason,
            "next_step": next_step,
            "stored_in": stored_in,
            "ips": [],
            "evidence": [],
        }
    for fid, ip in con.execute("SELECT fid, ip FROM super_finding_ips ORDER BY fid, ip").fetchall():
        details[int(fid)]["ips"].append(ip)
    for fid, path, line, sha256, excerpt, note in con.execute(
        "SELECT fid, path, line, sha256, excerpt, note FROM super_evidence ORDER BY fid, idx"
    ).fetchall():
        item = {"path": path, "line": line, "sha256": sha256, "excerpt": excerpt, "note": note}
        details[int(fid)]["evidence"].append({k: v for k, v in item.items() if v is not None})
    return details


def available_sources(con: Any) -> list[str]:
    """Every value ``--source`` accepts in this case: groups, origins present, check families present."""
    names = set(EVENT_GROUPS) | set(FINDING_GROUPS) | {OTHER_FINDINGS, ALL_FINDINGS}
    present = _tables(con)
    for table in ("events", "live_events"):
        if table in present:
            names.update(str(r[0]) for r in con.execute(f'SELECT DISTINCT source FROM "{table}"').fetchall() if r[0])  # noqa: S608
    for (check,) in con.execute("SELECT DISTINCT check_name FROM super_findings").fetchall():
        names.add(str(check))
        names.add(str(check).split(".", 1)[0])
    return sorted(names)


def parse_severity(text: str) -> Severity:
    """``--severity``: info, low, medium, high or critical."""
    try:
        return Severity[text.strip().upper()]
    except KeyError:
        labels = ", ".join(s.label for s in Severity)
        raise UsageError(f"unknown severity {text!r}: give one of {labels}") from None


def check_ip(text: str) -> str:
    """``--ip``: an address or a glob of one; anything else is a usage error."""
    if _GLOB & set(text):
        if not set(text) <= set("0123456789abcdefABCDEF.:*?[]-!"):
            raise UsageError(f"--ip {text!r} is not an address pattern: use 203.0.113.* or 2001:db8:*")
        return text
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise UsageError(f"--ip {text!r} is not an IP address: give one like 203.0.113.77 or a glob") from None


def group_of_check(check: str) -> str:
    family = check.split(".", 1)[0]
    for group, families in FINDING_GROUPS.items():
        if family in families:
            return group
    return OTHER_FINDINGS


def _tables(con: Any) -> set[str]:
    return {str(r[0]) for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _names() -> str:
    return ", ".join(f'"{name}"' for name, _ in COLUMNS)


def _stream(con: Any, sql: str, params: list[Any]) -> Iterator[SuperRow]:
    cursor = con.cursor()
    try:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                break
            for values in batch:
                row = SuperRow(*values)
                if row.checks is not None and "," in row.checks:
                    # Tags from a line and from an address can name the same check twice.
                    row = _dedupe_checks(row)
                yield row
    finally:
        cursor.close()


def _dedupe_checks(row: SuperRow) -> SuperRow:
    assert row.checks is not None
    return replace(row, checks=",".join(dict.fromkeys(row.checks.split(","))))


def _where(filters: Filters, *, dated: bool) -> tuple[str, list[Any]]:
    """SQL condition and its parameters; only fixed column names go into the text."""
    clauses: list[str] = []
    params: list[Any] = []
    window = filters.window
    if dated:
        if window.start_ns is not None:
            clauses.append("time_ns >= ?")
            params.append(int(window.start_ns))
        if window.end_ns is not None:
            clauses.append("time_ns <= ?")
            params.append(int(window.end_ns))
        if window.times != TIME_LETTERS:
            # --times picks which of a file's times count; other rows have one time only.
            clauses.append("(source <> 'fs' OR regexp_matches(kind, ?))")
            params.append("[" + "".join(c for c in window.times if c in TIME_LETTERS) + "]")
    if filters.sources:
        ors = []
        for value in filters.sources:
            if value == ALL_FINDINGS:
                ors.append("finding_id IS NOT NULL")
            else:
                ors.append("(source = ? OR origin = ? OR starts_with(origin, ?))")
                params.extend([value, value, value + "."])
        clauses.append("(" + " OR ".join(ors) + ")")
    if filters.host is not None:
        sql, values = _match("lower(host)", filters.host.lower())
        clauses.append(sql)
        params.extend(values)
    if filters.user is not None:
        sql, values = _match('"user"', filters.user)
        clauses.append(sql)
        params.extend(values)
    if filters.ip is not None:
        row_sql, row_values = _match("lower(ip)", filters.ip.lower())
        finding_sql, finding_values = _match("lower(ip)", filters.ip.lower())
        clauses.append(f"({row_sql} OR finding_id IN (SELECT fid FROM super_finding_ips WHERE {finding_sql}))")  # noqa: S608
        params.extend(row_values + finding_values)
    if filters.path is not None:
        ors = []
        for column in ("path", "source_file"):
            sql, values = _match(column, filters.path, prefix=True)
            ors.append(sql)
            params.extend(values)
        sql, values = _match("path", filters.path, prefix=True)
        ors.append(f"finding_id IN (SELECT fid FROM super_evidence WHERE {sql})")  # noqa: S608
        params.extend(values)
        clauses.append("(" + " OR ".join(ors) + ")")
    if filters.severity is not None:
        clauses.append("severity_rank >= ?")
        params.append(int(filters.severity))
    if not filters.findings:
        clauses.append("finding_id IS NULL")
    return (" AND ".join(clauses) or "true"), params


def _match(column: str, value: str, *, prefix: bool = False) -> tuple[str, list[Any]]:
    """``column`` equal to (or starting with) ``value``, or matching it as a glob when it has ``* ? [``.

    Both, not either: a user or file name from the evidence may itself hold a ``[``.
    """
    plain = f"starts_with({column}, ?)" if prefix else f"{column} = ?"
    if not _GLOB & set(value):
        return plain, [value]
    return f"({plain} OR {column} GLOB ?)", [value, value]


def _store_findings(con: Any, findings: list[CaseFinding]) -> None:
    tables.create_table(con, "super_findings", _FINDING_COLUMNS)
    tables.create_table(con, "super_evidence", _EVIDENCE_COLUMNS)
    tables.create_table(con, "super_finding_ips", _IP_COLUMNS)

    def finding_rows() -> Iterator[tuple[Any, ...]]:
        for fid, f in enumerate(findings, 1):
            first = next((e for e in f.evidence if e.path), None)
            yield (
                fid,
                f.check,
                f.title,
                int(f.severity),
                f.confidence,
                f.reason,
                f.next_step,
                group_of_check(f.check),
                f.stored_in,
                f.ips[0] if f.ips else None,
                first.path if first is not None else None,
                first.line if first is not None else None,
                len(f.evidence),
            )

    tables.append_rows(con, "super_findings", _FINDING_COLUMNS, finding_rows())
    tables.append_rows(
        con,
        "super_evidence",
        _EVIDENCE_COLUMNS,
        (
            (fid, idx, e.path, e.line, e.sha256, e.excerpt, e.note)
            for fid, f in enumerate(findings, 1)
            for idx, e in enumerate(f.evidence)
        ),
    )
    tables.append_rows(
        con, "super_finding_ips", _IP_COLUMNS, ((fid, ip) for fid, f in enumerate(findings, 1) for ip in f.ips)
    )


def _store_live(con: Any, root: Path, present: set[str], problems: InputProblems) -> int:
    """``live_events`` from the bundles' live tables (owned here: replaced on every refresh)."""
    tables.create_table(con, "live_events", EVENT_COLUMNS)
    if not any((bundle / "live").is_dir() for bundle in bundles(root)):
        return 0
    users: dict[int, str] = {}
    if "accounts_users" in present:  # the examined host's own names, loaded with the file timeline
        users = {int(uid): str(name) for uid, name in con.execute("SELECT uid, name FROM accounts_users").fetchall()}
    return tables.append_rows(con, "live_events", EVENT_COLUMNS, (e.row() for e in live_events(root, users, problems)))


def _build_tags(con: Any, has_events: bool) -> None:
    # A log file cited at a line is a container of evidence, not evidence itself:
    # only files named without a line, or that are no log, tag their file rows.
    not_a_log = (
        " AND (e.line IS NULL OR e.path NOT IN (SELECT source_file FROM events WHERE source_file IS NOT NULL))"
        if has_events
        else ""
    )
    agg = (
        "max(f.severity_rank) AS severity_rank, string_agg(DISTINCT f.check_name, ',' ORDER BY f.check_name) AS checks"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE super_tags_line AS SELECT e.path AS source_file, e.line AS source_line, {agg} "  # noqa: S608
        "FROM super_evidence e JOIN super_findings f USING (fid) "
        "WHERE e.path IS NOT NULL AND e.line IS NOT NULL GROUP BY ALL"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE super_tags_path AS SELECT e.path, {agg} "  # noqa: S608
        f"FROM super_evidence e JOIN super_findings f USING (fid) WHERE e.path IS NOT NULL{not_a_log} GROUP BY ALL"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE super_tags_ip AS SELECT i.ip, {agg} "  # noqa: S608
        "FROM super_finding_ips i JOIN super_findings f USING (fid) GROUP BY ALL"
    )


def _date_findings(con: Any, has_events: bool, has_files: bool) -> None:
    """``super_finding_times``: each finding's earliest dated evidence, and how it was dated."""
    select = 'SELECT e.fid, e.idx, {time} AS time_ns, {precision} AS precision_ns, {host} AS host, {user} AS "user", {ip} AS ip, e.path, e.line, {how} AS how'
    parts = [
        # No events or files: an empty part keeps the table's shape.
        "SELECT NULL::INTEGER AS fid, NULL::INTEGER AS idx, NULL::BIGINT AS time_ns, NULL::BIGINT AS precision_ns, "
        'NULL::VARCHAR AS host, NULL::VARCHAR AS "user", NULL::VARCHAR AS ip, NULL::VARCHAR AS path, '
        "NULL::BIGINT AS line, NULL::VARCHAR AS how WHERE false"
    ]
    live = select.format(
        time="v.time_ns",
        precision="v.precision_ns",
        host="v.host",
        user='v."user"',
        ip="v.ip",
        how="'time-of-process-start'",
    )
    parts.append(f"{live} FROM super_evidence e JOIN live_events v ON v.kind = 'process-start' AND v.path = e.path")
    parts.append(
        f"{live} FROM super_evidence e JOIN live_events v "
        "ON v.kind = 'process-start' AND e.path = '/proc/' || json_extract_string(v.extra, '$.pid')"
    )
    if has_events:
        line = select.format(
            time="v.time_ns",
            precision="v.precision_ns",
            host="v.host",
            user='v."user"',
            ip="v.ip",
            how="'time-of-log-line'",
        )
        parts.append(f"{line} FROM super_evidence e JOIN events v ON v.source_file = e.path AND v.source_line = e.line")
    if has_files:
        when = "coalesce(f.btime_ns, f.ctime_ns, f.mtime_ns)"
        how = (
            "CASE WHEN f.btime_ns IS NOT NULL THEN 'time-of-file-birth' "
            "WHEN f.ctime_ns IS NOT NULL THEN 'time-of-file-change' ELSE 'time-of-file-modification' END"
        )
        not_a_log = (
            " AND (e.line IS NULL OR e.path NOT IN (SELECT source_file FROM events WHERE source_file IS NOT NULL))"
            if has_events
            else ""
        )
        file_part = select.format(
            time=when,
            precision="f.precision_ns",
            host="NULL",
            user="coalesce(f.user_name, f.uid::VARCHAR)",
            ip="NULL",
            how=how,
        )
        parts.append(
            f"{file_part} FROM super_evidence e JOIN files f ON f.path = e.path WHERE {when} IS NOT NULL{not_a_log}"
        )
    con.execute(
        "CREATE OR REPLACE TABLE super_finding_times AS SELECT * EXCLUDE (idx) FROM ("  # noqa: S608
        + " UNION ALL ".join(parts)
        + ") QUALIFY row_number() OVER (PARTITION BY fid ORDER BY time_ns, idx) = 1"
    )


def _group_case(column: str) -> str:
    """SQL mapping an ``events.source`` to its group (constants from :data:`EVENT_GROUPS` only)."""
    whens = " ".join(
        f"WHEN {column} IN ({', '.join(repr(origin) for origin in origins)}) THEN '{group}'"
        for group, origins in EVENT_GROUPS.items()
    )
    return f"CASE {whens} ELSE {column} END"


_SEVERITY_CASE = (
    "CASE severity_rank " + " ".join(f"WHEN {int(s)} THEN '{s.label}'" for s in Severity) + " ELSE NULL END"
)


def _build_views(con: Any, has_events: bool, has_files: bool) -> None:
    host = "(SELECT host FROM super_host LIMIT 1)"
    parts = []
    if has_files:
        parts.append(
            f"SELECT f.time_ns, f.precision_ns, 'fs' AS source, 'fs' AS origin, f.kind, {host} AS host, f.\"user\", "  # noqa: S608
            "NULL::VARCHAR AS ip, f.path, t.severity_rank, t.checks, f.message, NULL::VARCHAR AS source_file, "
            "NULL::BIGINT AS source_line, f.flags, NULL::INTEGER AS finding_id "
            "FROM fs_events f LEFT JOIN super_tags_path t ON t.path = f.path"
        )
    # A live process's path is its executable on the host, so findings about that file tag it;
    # a log event's path can be a URL (web requests), which host paths must not match.
    for table, by_path in (("events", False), ("live_events", True)) if has_events else (("live_events", True),):
        ranks, checks, join = "l.severity_rank, i.severity_rank", "l.checks, i.checks", ""
        if by_path:
            ranks, checks = ranks + ", p.severity_rank", checks + ", p.checks"
            join = " LEFT JOIN super_tags_path p ON p.path = v.path"
        parts.append(
            f"SELECT v.time_ns, v.precision_ns, {_group_case('v.source')} AS source, v.source AS origin, v.kind, "  # noqa: S608
            f'v.host, v."user", v.ip, v.path, greatest({ranks}) AS severity_rank, '
            f"nullif(concat_ws(',', {checks}), '') AS checks, v.message, v.source_file, v.source_line, "
            f'v.flags, NULL::INTEGER AS finding_id FROM "{table}" v '
            "LEFT JOIN super_tags_line l ON l.source_file = v.source_file AND l.source_line = v.source_line "
            f"LEFT JOIN super_tags_ip i ON i.ip = v.ip{join}"
        )
    parts.append(
        f"SELECT t.time_ns, t.precision_ns, f.grp AS source, f.check_name AS origin, 'finding' AS kind, "  # noqa: S608
        f'coalesce(t.host, {host}) AS host, t."user", coalesce(t.ip, f.first_ip) AS ip, t.path, f.severity_rank, '
        "f.check_name AS checks, f.title AS message, CASE WHEN t.line IS NOT NULL THEN t.path END AS source_file, "
        "t.line AS source_line, t.how AS flags, f.fid AS finding_id "
        "FROM super_findings f JOIN super_finding_times t USING (fid)"
    )
    names = ", ".join(f'"{name}"' for name, _ in COLUMNS).replace('"severity"', f"{_SEVERITY_CASE} AS severity")
    con.execute(f"CREATE OR REPLACE VIEW super_timeline AS SELECT {names} FROM ({' UNION ALL '.join(parts)})")  # noqa: S608
    con.execute(
        f"CREATE OR REPLACE VIEW super_undated AS SELECT {names} FROM ("  # noqa: S608
        f"SELECT NULL::BIGINT AS time_ns, NULL::BIGINT AS precision_ns, f.grp AS source, f.check_name AS origin, "
        f"'finding' AS kind, {host} AS host, NULL::VARCHAR AS \"user\", f.first_ip AS ip, f.first_path AS path, "
        "f.severity_rank, f.check_name AS checks, f.title AS message, "
        "CASE WHEN f.first_line IS NOT NULL THEN f.first_path END AS source_file, f.first_line AS source_line, "
        "'undated' AS flags, f.fid AS finding_id "
        "FROM super_findings f WHERE f.fid NOT IN (SELECT fid FROM super_finding_times))"
    )


def case_zone(case_root: Path) -> HostZone | None:
    """The examined host's time zone, read from the case's newest bundle (None without one)."""
    from breachkit.correlate import newest_bundle
    from breachkit.hostzone import host_zone
    from breachkit.sources.bundle import BundleSource

    bundle = newest_bundle(Path(case_root))
    if bundle is None:
        return None
    source = BundleSource(bundle)
    try:
        return host_zone(source)
    finally:
        source.close()
