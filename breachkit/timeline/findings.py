"""Timeline findings: what in the ``files`` table points at an intruder, ranked, with the reason.

Each check is a function over the DuckDB connection (and, where it reads file
contents, the source); :func:`analyse` runs them all. They work in SQL over
the whole table, so half a million entries take a few seconds.

* **Activity outside the usual pattern** (:func:`check_bursts`): every file's
  birth and change times (``touch`` can set neither back) are counted per
  hour; the hour x weekday heat map in the host's own time zone shows when the
  host is normally busy; an hour of a weekday/hour slot that is rarely active
  in other weeks, at night or on a weekend, is a burst. Bursts are ranked by
  what they contain (scripts in web roots, executables in temp or hidden
  folders, crontabs) over routine churn (logs, sessions, caches).
* **Timestomping** (:func:`check_timestomp`): a modification or access time
  before the birth time; whole-second values on a file system that keeps
  nanoseconds (``touch -d``); a file alone in its folder to be "older than
  it is". Package installs, unpacked archives, ``cp -p``/``rsync -a`` copies
  and compressed logs produce the same shape for many files at once: such
  cohorts are down-ranked and summarised with their likely cause.
* **Old times put back** (:func:`check_restored_mtime`): a program or web
  script whose inode changed long after its content's time, alone at that
  moment (edited, then ``touch -r``/``-d`` to its old time).
* **SUID/SGID and file capabilities** (:func:`check_privileged`).
* **Executables and scripts in temp and hidden folders** (:func:`check_temp_executables`).
* **World-writable files in web roots** (:func:`check_world_writable_web`).
* **Files owned by ids with no account** (:func:`check_orphans`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from breachkit.findings import Evidence, Finding, Severity, ranked
from breachkit.places import SCRIPT_EXT, SUID_HOMES, TEMP_DIRS, WEB_ROOTS
from breachkit.sources.base import Source
from breachkit.timeline.caps import dangerous
from breachkit.timeline.window import format_ns

NS = 1_000_000_000
HOUR_NS = 3600 * NS
DAY_NS = 24 * HOUR_NS
MAX_EVIDENCE = 25
#: Files born this close together in one folder were written together (an unpack, a copy, an install).
COHORT_NS = 120 * NS
#: A package database write this close to a file's birth dates a package unpack.
PACKAGE_NS = 300 * NS
#: More files than this born within COHORT_NS of a file: it came with an installer run.
BULK_BIRTHS = 20
#: Fewer active hours than this and there is no pattern to stand out from.
MIN_ACTIVE_HOURS = 48
#: Bursts examined file by file; the rest are listed with their counts only.
MAX_BURSTS = 60
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Routine churn: logs, sessions, caches, package and service state.
NOISE = re.compile(
    r"^/(var/log|var/cache|var/lib/(php|apt|dpkg|systemd|logrotate|dhcp|NetworkManager|ucf|man-db|private)|run|tmp/systemd-private)"
    r"|/(cache|caches|sessions?)/|/\.cache/|\.(log|gz|\d)$"
)
#: Folders whose files come from packages or images, in bulk.
SYSTEM_DIRS = (
    "/usr/",
    "/lib/",
    "/lib32/",
    "/lib64/",
    "/libx32/",
    "/bin/",
    "/sbin/",
    "/boot/",
    "/opt/",
    "/etc/",
    "/var/lib/",
)
#: Hidden folders that tools create by design; executables in them are expected.
BENIGN_HIDDEN = re.compile(
    r"/\.(git|svn|hg|cache|local|config|npm|cargo|rustup|nvm|pyenv|venv|virtualenvs|vscode-server|vscode|"
    r"gradle|m2|composer|yarn|bundle|gem|rbenv|ansible|github|well-known|mozilla|pki|dotnet|deno|bun)(/|$)"
)


def _sql_regex(pattern: re.Pattern[str]) -> str:
    """A Python regex as a DuckDB string literal (the patterns are ours, never evidence)."""
    return "'" + pattern.pattern.replace("'", "''") + "'"


def _like_any(prefixes: Iterable[str]) -> str:
    return "(" + " OR ".join(f"starts_with(path, '{p}')" for p in prefixes) + ")"


def _evidence(path: str, note: str) -> Evidence:
    return Evidence(path=path, note=note)


def _times(atime: int | None, mtime: int | None, ctime: int | None, btime: int | None) -> str:
    return f"m {format_ns(mtime)}, a {format_ns(atime)}, c {format_ns(ctime)}, b {format_ns(btime)}"


# -- heat map and bursts -----------------------------------------------------------------------


@dataclass
class HeatMap:
    """File births and changes per hour of the week, in the host's zone (``cells[weekday][hour]``)."""

    zone_name: str
    cells: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])
    #: per cell, the weeks with any activity in it (week number since the epoch)
    weeks: list[list[set[int]]] = field(default_factory=lambda: [[set() for _ in range(24)] for _ in range(7)])
    total_weeks: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "zone": self.zone_name,
            "rows": list(WEEKDAYS),
            "cells": self.cells,
            "active_weeks": [[len(w) for w in row] for row in self.weeks],
            "weeks_covered": self.total_weeks,
        }

    def render(self) -> list[str]:
        """A text heat map: one row per weekday, one character per hour (`` .:-=+*#%@``)."""
        ramp = " .:-=+*#%@"
        top = max((max(row) for row in self.cells), default=0) or 1
        lines = ["     " + "".join(f"{h:<3}" if h % 3 == 0 else "" for h in range(24))]
        for day, row in enumerate(self.cells):
            marks = "".join(ramp[min(len(ramp) - 1, (count * (len(ramp) - 1) + top - 1) // top)] for count in row)
            lines.append(f"{WEEKDAYS[day]}  {marks}")
        return lines


@dataclass(frozen=True, slots=True)
class Burst:
    start_ns: int
    end_ns: int
    files: int
    off_hours: bool
    label: str


def _local(hour_bucket: int, zone: tzinfo) -> datetime:
    """The start of a UTC hour, in the host's zone (zones with half-hour offsets shift it by 30 minutes)."""
    return (datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(hours=hour_bucket)).astimezone(zone)


def _hour_counts(con: Any) -> list[tuple[int, int]]:
    """(UTC hour since the epoch, number of files born or changed in it)."""
    return [
        (int(h), int(n))
        for h, n in con.execute(
            """
            WITH e AS (
                SELECT unnest(list_distinct([floor(btime_ns / 3600e9)::BIGINT, floor(ctime_ns / 3600e9)::BIGINT])) AS h
                FROM files WHERE path <> '/'
            )
            SELECT h, count(*) FROM e WHERE h BETWEEN -1000000 AND 10000000 GROUP BY h ORDER BY h
            """
        ).fetchall()
    ]


def heat_map(con: Any, zone: tzinfo, zone_name: str) -> tuple[HeatMap, list[tuple[int, int, datetime]]]:
    """The heat map, and the hour counts with their local time (for burst detection)."""
    counts = _hour_counts(con)
    result = HeatMap(zone_name)
    hours: list[tuple[int, int, datetime]] = []
    for bucket, number in counts:
        try:
            local = _local(bucket, zone)
        except (OverflowError, ValueError):
            continue
        day, hour = local.weekday(), local.hour
        result.cells[day][hour] += number
        result.weeks[day][hour].add(bucket // (24 * 7))
        hours.append((bucket, number, local))
    if hours:
        result.total_weeks = hours[-1][0] // (24 * 7) - hours[0][0] // (24 * 7) + 1
    return result, hours


def _off_hours(local: datetime) -> bool:
    return local.weekday() >= 5 or local.hour < 7 or local.hour >= 20


def usual_slots(hours: list[tuple[int, int, datetime]]) -> tuple[list[bool], list[bool]]:
    """Which hours of the day and which weekdays this host is normally active at.

    Counted in *active hours* (an hour with any birth or change counts once,
    however many files): a package upgrade touching 5,000 files must not make
    its hour look like a habit. An hour of the day or a weekday with less than
    half its even share of the active hours is quiet.
    """
    by_hour = [0] * 24
    by_day = [0] * 7
    for _, _, local in hours:
        by_hour[local.hour] += 1
        by_day[local.weekday()] += 1
    total = len(hours)
    return (
        [count >= max(2, total / 48) for count in by_hour],
        [count >= max(2, total / 14) for count in by_day],
    )


def find_bursts(heat: HeatMap, hours: list[tuple[int, int, datetime]], min_files: int = 3) -> list[Burst]:
    """Hours with at least ``min_files`` births or changes at a quiet hour or weekday, merged when adjacent."""
    usual_hour, usual_day = usual_slots(hours)
    bursts: list[Burst] = []
    for bucket, number, local in hours:
        if number < min_files or (usual_hour[local.hour] and usual_day[local.weekday()]):
            continue
        off = _off_hours(local)
        if bursts and bucket * HOUR_NS <= bursts[-1].end_ns + 1:
            last = bursts[-1]
            bursts[-1] = Burst(
                last.start_ns, (bucket + 1) * HOUR_NS - 1, last.files + number, last.off_hours or off, last.label
            )
            continue
        label = local.strftime("%A %Y-%m-%d %H:00") + f" ({local.strftime('%Z') or 'host time'})"
        bursts.append(Burst(bucket * HOUR_NS, (bucket + 1) * HOUR_NS - 1, number, off, label))
    return bursts


#: Hidden folders every X session or boot creates in /tmp.
X11_DIRS = frozenset([".X11-unix", ".ICE-unix", ".XIM-unix", ".font-unix", ".Test-unix"])


def _interest(path: str, type_code: str, mode: int) -> tuple[int, str]:
    """How much a file in a burst matters, and why (0: routine churn)."""
    if type_code == "d":
        parts = path.split("/")[1:]
        if path.startswith(TEMP_DIRS) and any(p.startswith(".") and p not in X11_DIRS for p in parts):
            return 4, "hidden folder in a temp folder"
        return 0, "folder"
    if type_code == "f" and path.startswith(TEMP_DIRS) and (mode & 0o111 or SCRIPT_EXT.search(path)):
        return 5, "executable or script in a temp folder"
    if path.startswith("/var/spool/cron/") or path.startswith("/etc/cron") or "/systemd/system/" in path:
        return 5, "scheduled job or service (persistence)"
    if type_code == "f" and WEB_ROOTS.match(path) and SCRIPT_EXT.search(path) and not NOISE.search(path):
        return 4, "server-side script in a web root"
    if type_code == "f" and mode & 0o6000:
        return 4, "SUID/SGID file"
    if "/.ssh/" in path or path.startswith(("/etc/passwd", "/etc/shadow", "/etc/sudoers", "/etc/ld.so.preload")):
        return 4, "accounts, keys or loader configuration"
    if NOISE.search(path):
        return 0, "logs, sessions or caches"
    if WEB_ROOTS.match(path):
        return 2, "web root content"
    if type_code == "f" and mode & 0o111:
        return 2, "executable"
    return 1, "other"


def check_bursts(con: Any, zone: tzinfo, zone_name: str, zone_how: str) -> list[Finding]:
    heat, hours = heat_map(con, zone, zone_name)
    found: list[Finding] = []
    if not hours:
        return found
    routine: list[Evidence] = []
    history = len(hours) >= MIN_ACTIVE_HOURS
    bursts = find_bursts(heat, hours) if history else []
    # Each burst costs a query over the table: look closely at the off-hours
    # ones and the biggest first, and only count the rest.
    bursts.sort(key=lambda b: (not b.off_hours, -b.files))
    for extra in bursts[MAX_BURSTS:]:
        routine.append(
            Evidence(note=f"{extra.label}: {extra.files} file(s), not examined (more than {MAX_BURSTS} bursts)")
        )
    for burst in bursts[:MAX_BURSTS]:
        rows = con.execute(
            """
            SELECT path, type, mode,
                   CASE WHEN btime_ns BETWEEN $1 AND $2 THEN btime_ns ELSE ctime_ns END AS t,
                   btime_ns BETWEEN $1 AND $2 AS born
            FROM files
            WHERE path <> '/' AND ((btime_ns BETWEEN $1 AND $2) OR (ctime_ns BETWEEN $1 AND $2))
            ORDER BY t LIMIT 20000
            """,
            [burst.start_ns, burst.end_ns],
        ).fetchall()
        scored = [(_interest(path, kind, mode), path, t, born) for path, kind, mode, t, born in rows]
        notable = sorted((s for s in scored if s[0][0] >= 4), key=lambda s: (-s[0][0], s[2]))
        content = sum(1 for s in scored if s[0][0] >= 2)
        folders = _top_folders([s[1] for s in scored if s[0][0] > 0] or [s[1] for s in scored])
        if notable:
            severity, confidence = (Severity.HIGH, 0.8) if burst.off_hours else (Severity.MEDIUM, 0.5)
        elif content and burst.off_hours:
            severity, confidence = Severity.LOW, 0.3
        else:
            routine.append(
                Evidence(note=f"{burst.label}: {burst.files} file(s), mostly in {', '.join(folders[:2]) or '-'}")
            )
            continue
        when = "outside office hours, " if burst.off_hours else "at a quiet time, "
        evidence = [
            _evidence(path, f"{why}; {'born' if born else 'changed'} {format_ns(t, zone)}")
            for (_, why), path, t, born in notable[:MAX_EVIDENCE]
        ]
        shown = {e.path for e in evidence}
        for (level, why), path, t, born in sorted(scored, key=lambda s: (-s[0][0], s[2])):
            if len(evidence) >= MAX_EVIDENCE or level <= 0:
                break
            if path not in shown:
                evidence.append(_evidence(path, f"{why}; {'born' if born else 'changed'} {format_ns(t, zone)}"))
        found.append(
            Finding(
                check="timeline.burst",
                title=f"Burst of file activity {when}{burst.label}",
                severity=severity,
                confidence=confidence,
                reason=(
                    f"{burst.files} file(s) were created or changed in an hour of the week this host is rarely "
                    f"busy at (zone: {zone_how}). Most activity in: {', '.join(folders)}."
                    + (
                        f" {len(notable)} of them are scripts, programs, jobs or account files in places attackers use."
                        if notable
                        else ""
                    )
                ),
                evidence=tuple(evidence),
                next_step=(
                    f"List the window: breachkit timeline … --from '{format_ns(burst.start_ns)}' --to "
                    f"'{format_ns(burst.end_ns)}' --times cb; then read the web and auth logs for the same minutes."
                ),
            )
        )
    if routine:
        found.append(
            Finding(
                check="timeline.burst-routine",
                title="Activity at quiet times with only routine content",
                severity=Severity.INFO,
                confidence=0.5,
                reason=(
                    f"{len(routine)} hour(s) at quiet times saw births or changes of logs, sessions, caches, "
                    "folders or ordinary files only."
                ),
                evidence=tuple(routine[:MAX_EVIDENCE]),
            )
        )
    found.append(
        Finding(
            check="timeline.heatmap",
            title=f"When this host is busy (births and changes per weekday and hour, {zone_name})",
            severity=Severity.INFO,
            confidence=1.0,
            reason=f"Zone: {zone_how}. Columns are hours 0-23, darker is busier."
            + (
                ""
                if history
                else f" Only {len(hours)} active hour(s) on record: too little history to tell usual from unusual."
            ),
            evidence=tuple(Evidence(note=line) for line in heat.render()),
        )
    )
    return found


def _top_folders(paths: list[str], limit: int = 4) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for path in paths:
        parent = path.rsplit("/", 1)[0] or "/"
        counts[parent] += 1
    best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [f"{folder} ({count})" for folder, count in best]


# -- timestomping ------------------------------------------------------------------------------


#: Where dpkg records an install or upgrade: a write here dates a package unpack.
PACKAGE_DB = r"^/var/lib/dpkg/info/[^/]+\.(list|md5sums)$"

_TIMESTOMP_SQL = f"""
WITH births AS (
    -- Window sums over one row per distinct birth time, not over every file with its path:
    -- the same counts, in a few megabytes however large the tree (a window's rows stay in memory).
    SELECT born, count(*) AS n FROM (
        SELECT coalesce(btime_ns, ctime_ns) AS born FROM files WHERE coalesce(btime_ns, ctime_ns) IS NOT NULL
    ) GROUP BY born
), near AS (
    SELECT born, sum(n) OVER (ORDER BY born RANGE BETWEEN {COHORT_NS} PRECEDING AND {COHORT_NS} FOLLOWING)
        AS born_near
    FROM births
), c AS (
    SELECT path, mode, atime_ns, mtime_ns, ctime_ns, btime_ns, coalesce(btime_ns, ctime_ns) AS born,
           btime_ns IS NULL AS by_ctime
    FROM files
    WHERE type = 'f' AND precision_ns = 1 AND (
        (btime_ns IS NOT NULL AND (mtime_ns < btime_ns - {NS} OR atime_ns < btime_ns - {NS}))
        OR (btime_ns IS NULL AND mtime_ns < ctime_ns - {30 * DAY_NS} AND mtime_ns % {NS} = 0 AND ctime_ns % {NS} <> 0)
    )
), pk AS (
    SELECT DISTINCT unnest([btime_ns, ctime_ns]) AS t FROM files WHERE regexp_matches(path, '{PACKAGE_DB}')
), near_pk AS (
    SELECT DISTINCT c.path FROM c JOIN pk ON pk.t BETWEEN c.born - {PACKAGE_NS} AND c.born + {PACKAGE_NS}
), cohorts AS (
    SELECT born, sum(n) OVER (ORDER BY born RANGE BETWEEN {COHORT_NS} PRECEDING AND {COHORT_NS} FOLLOWING) AS cohort
    FROM (SELECT born, count(*) AS n FROM c GROUP BY born)
), mtimes AS (
    SELECT mtime_ns, count(*) AS same_mtime FROM c GROUP BY mtime_ns
)
SELECT c.path, mode, atime_ns, c.mtime_ns, ctime_ns, btime_ns, by_ctime, cohorts.cohort, mtimes.same_mtime,
    (c.mtime_ns % {NS} = 0 AND c.born % {NS} <> 0) AS whole_second,
    atime_ns = c.mtime_ns AS a_eq_m,
    near.born_near,
    near_pk.path IS NOT NULL AS package
FROM c
JOIN near ON near.born = c.born
JOIN cohorts ON cohorts.born = c.born
JOIN mtimes ON mtimes.mtime_ns = c.mtime_ns
LEFT JOIN near_pk ON near_pk.path = c.path
"""  # noqa: S608 - built from constants, never from evidence text


@dataclass
class _Stomp:
    path: str
    score: int
    cause: str | None
    note: str


def _stomp_score(row: tuple[Any, ...]) -> _Stomp:
    path, mode, atime, mtime, ctime, btime, by_ctime, cohort, same_mtime, whole_second, a_eq_m, born_near, package = row
    score = 0
    signs: list[str] = []
    if whole_second:
        score += 3
        signs.append("whole-second time on a nanosecond file system")
    if a_eq_m and whole_second:
        score += 1
        signs.append("atime = mtime (as touch -d sets both)")
    if cohort <= 2:
        score += 3
        signs.append("no other back-dated file born within 2 minutes")
    elif cohort <= 5:
        score += 1
    if same_mtime == 1:
        score += 1
    if SCRIPT_EXT.search(path) or mode & 0o111:
        score += 1
    if WEB_ROOTS.match(path) or path.startswith(("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/etc/")):
        score += 1
    if by_ctime:
        score -= 2
        signs.append("no birth time: judged by ctime")
    cause: str | None = None
    if path.startswith("/var/log/") and (path.endswith(".gz") or re.search(r"\.\d+$", path)):
        cause = "rotated or compressed logs (logrotate, gzip keep the original time)"
        score -= 5
    elif package and path.startswith(SYSTEM_DIRS):
        cause = "package installs and upgrades (dpkg sets the packaged time; its database was written then)"
        score -= 5
    elif (cohort > 5 or born_near > BULK_BIRTHS) and path.startswith(SYSTEM_DIRS):
        cause = "system files installed or copied together (packages, images)"
        score -= 4
    elif cohort > 5:
        cause = "copied or unpacked with their times (tar, unzip, cp -p, rsync -a)"
        score -= 4
    elif not whole_second and cohort > 2:
        cause = "copied with their times (nanoseconds preserved, as cp -p and rsync -a do)"
        score -= 2
    born = ctime if by_ctime else btime
    note = f"mtime {format_ns(mtime)} < {'ctime' if by_ctime else 'birth'} {format_ns(born)}; atime {format_ns(atime)}"
    if signs:
        note += "; " + "; ".join(signs)
    return _Stomp(path, score, cause, note)


def check_timestomp(con: Any) -> list[Finding]:
    cursor = con.cursor()
    strong: list[_Stomp] = []
    weak: list[_Stomp] = []
    benign: dict[str, list[_Stomp]] = defaultdict(list)
    benign_counts: dict[str, int] = defaultdict(int)
    try:
        cursor.execute(_TIMESTOMP_SQL)
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                item = _stomp_score(row)
                if item.score >= 7:
                    strong.append(item)
                elif item.score >= 4:
                    weak.append(item)
                else:
                    cause = item.cause or "a time set back by a program that preserves times"
                    benign_counts[cause] += 1
                    if len(benign[cause]) < 5:
                        benign[cause].append(item)
    finally:
        cursor.close()
    found: list[Finding] = []
    if strong:
        strong.sort(key=lambda s: (-s.score, s.path))
        found.append(
            Finding(
                check="timeline.timestomp",
                title="Files with forged (back-dated) times",
                severity=Severity.HIGH,
                confidence=0.8,
                reason=(
                    f"{len(strong)} file(s) claim to have been modified before they were created, set to a whole "
                    "second on a file system that records nanoseconds, with no package install, unpack or copy "
                    "around their birth: the marks 'touch -d' leaves. Birth and change times cannot be set back this way, and they "
                    "date the real writing."
                ),
                evidence=tuple(_evidence(s.path, s.note) for s in strong[:MAX_EVIDENCE]),
                next_step="Read these files (do not run them); look for the requests or logins at their birth time.",
            )
        )
    if weak:
        weak.sort(key=lambda s: (-s.score, s.path))
        found.append(
            Finding(
                check="timeline.timestomp",
                title="Files whose modification time is earlier than their birth",
                severity=Severity.MEDIUM,
                confidence=0.4,
                reason=(
                    f"{len(weak)} file(s) have an mtime or atime before their birth time with some, not all, "
                    "signs of forging (lone in the folder, whole seconds). Restoring a backup or copying one "
                    "file with 'cp -p' does the same."
                ),
                evidence=tuple(_evidence(s.path, s.note) for s in weak[:MAX_EVIDENCE]),
            )
        )
    if benign_counts:
        total = sum(benign_counts.values())
        parts = [f"{count} {cause}" for cause, count in sorted(benign_counts.items(), key=lambda kv: -kv[1])]
        examples = [item for cause in benign for item in benign[cause][:3]]
        found.append(
            Finding(
                check="timeline.timestomp-benign",
                title="Back-dated times with ordinary causes",
                severity=Severity.INFO,
                confidence=0.7,
                reason=(
                    f"{total} file(s) have times earlier than their birth, in groups typical of normal work: "
                    + "; ".join(parts)
                    + ". Listed for completeness; the forged ones stand alone."
                ),
                evidence=tuple(_evidence(s.path, s.note) for s in examples[:MAX_EVIDENCE]),
            )
        )
    return found


# -- contents changed in place, times put back ------------------------------------------------

#: Where a quietly replaced file matters most: programs and the server's own code.
SENSITIVE = (
    "/usr/bin/",
    "/usr/sbin/",
    "/bin/",
    "/sbin/",
    "/usr/lib/",
    "/lib/",
    "/usr/local/bin/",
    "/usr/local/sbin/",
    "/etc/",
)


def check_restored_mtime(con: Any) -> list[Finding]:
    """Old files whose inode changed long after their content claims it did, alone at that moment.

    Editing a program or a web script and putting its old mtime back (``touch -r``
    or ``touch -d``) leaves the birth old, the mtime old, and only the change
    time new. ``chmod``/``chown`` do the same legitimately, usually to many
    files at once, so only changes with at most two others within two
    minutes are kept.
    """
    rows = con.execute(
        f"""
        WITH near AS (
            -- One row per distinct change time (a window keeps its rows in memory: no paths in it).
            SELECT ctime_ns, sum(n) OVER (ORDER BY ctime_ns RANGE BETWEEN {COHORT_NS} PRECEDING AND {COHORT_NS} FOLLOWING)
                AS changed_near
            FROM (SELECT ctime_ns, count(*) AS n FROM files WHERE ctime_ns IS NOT NULL GROUP BY ctime_ns)
        ), a AS (
            SELECT path, mode, atime_ns, mtime_ns, ctime_ns, btime_ns FROM files
            WHERE type = 'f' AND precision_ns = 1 AND btime_ns IS NOT NULL
              AND ctime_ns - mtime_ns > {30 * DAY_NS} AND ctime_ns - btime_ns > {30 * DAY_NS} AND mtime_ns >= btime_ns
              AND ({_like_any(SENSITIVE)} OR regexp_matches(path, {_sql_regex(WEB_ROOTS)}))
        )
        SELECT path, mode, atime_ns, mtime_ns, a.ctime_ns, btime_ns, mtime_ns % {NS} = 0 AS whole_second
        FROM a JOIN near ON near.ctime_ns = a.ctime_ns
        WHERE changed_near <= 3
        ORDER BY a.ctime_ns DESC
        """  # noqa: S608 - built from constants
    ).fetchall()
    strong: list[Evidence] = []
    weak: list[Evidence] = []
    for path, mode, _atime, mtime, ctime, btime, whole_second in rows:
        code = bool(mode & 0o111) or bool(SCRIPT_EXT.search(path))
        note = f"changed {format_ns(ctime)}, content dated {format_ns(mtime)}, born {format_ns(btime)}"
        if whole_second:
            note += "; whole-second mtime"
        (strong if code and whole_second else weak).append(_evidence(path, note))
    found: list[Finding] = []
    if strong:
        found.append(
            Finding(
                "timeline.restored-mtime",
                "Programs or scripts changed in place with their old time put back",
                Severity.HIGH,
                0.6,
                f"{len(strong)} program(s) or script(s) in system or web folders had their inode changed long "
                "after their content's stated time, alone at that moment, with a whole-second mtime: how a "
                "file looks after it was edited and 'touch -d' set its old time back. A lone chmod or chown "
                "looks the same.",
                tuple(strong[:MAX_EVIDENCE]),
                "Compare these files with the package checksums or a known-good copy.",
            )
        )
    if weak:
        found.append(
            Finding(
                "timeline.restored-mtime",
                "Old files changed alone, long after their content",
                Severity.LOW,
                0.3,
                f"{len(weak)} file(s) in system or web folders had their inode changed (owner, mode, links, or "
                "content with the time put back) long after their content's time, with no other change around.",
                tuple(weak[:MAX_EVIDENCE]),
            )
        )
    return found


# -- privileged files ---------------------------------------------------------------------------


def check_privileged(con: Any) -> list[Finding]:
    newest = con.execute("SELECT max(ctime_ns) FROM files").fetchone()[0] or 0
    rows = con.execute(
        """
        SELECT path, mode, uid, coalesce(user_name, uid::VARCHAR), ctime_ns, btime_ns, capability FROM files
        WHERE type = 'f' AND ((mode & 3072) <> 0 OR capability IS NOT NULL)
        ORDER BY path
        """
    ).fetchall()
    outside: list[Evidence] = []
    recent: list[Evidence] = []
    caps_bad: list[Evidence] = []
    inventory: list[Evidence] = []
    for path, mode, _uid, owner, ctime, btime, capability in rows:
        bits = "+".join(name for bit, name in ((0o4000, "SUID"), (0o2000, "SGID")) if mode & bit)
        note = f"{bits or 'capability'} {owner}; ctime {format_ns(ctime)}; birth {format_ns(btime)}"
        if capability:
            note += f"; capabilities {capability}"
        item = _evidence(path, note)
        in_system = path.startswith(SUID_HOMES)
        if capability and (dangerous(capability) or not in_system):
            caps_bad.append(item)
        elif mode & 0o6000 and not in_system:
            outside.append(item)
        elif mode & 0o6000 and newest and max(ctime or 0, btime or 0) >= newest - 30 * DAY_NS:
            recent.append(item)
        else:
            inventory.append(item)
    found: list[Finding] = []
    if outside:
        found.append(
            Finding(
                "timeline.suid",
                "SUID/SGID files outside the system folders",
                Severity.HIGH,
                0.7,
                f"{len(outside)} file(s) run with their owner's or group's rights and are not where packages put "
                "such programs: a classic way to keep root access.",
                tuple(outside[:MAX_EVIDENCE]),
                "Compare each with the package manager (dpkg -S); copy it out for analysis, do not run it.",
            )
        )
    if caps_bad:
        found.append(
            Finding(
                "timeline.capabilities",
                "Files with powerful capabilities",
                Severity.HIGH,
                0.7,
                f"{len(caps_bad)} file(s) carry file capabilities that amount to root (setuid, sys_admin, "
                "dac_override …) or sit outside system folders. 'find -perm -4000' does not see them.",
                tuple(caps_bad[:MAX_EVIDENCE]),
                "Check whether a package sets them (getcap on a clean install of the same version).",
            )
        )
    if recent:
        found.append(
            Finding(
                "timeline.suid",
                "SUID/SGID files changed in the last 30 days",
                Severity.MEDIUM,
                0.4,
                f"{len(recent)} privileged file(s) in system folders were created or changed in the 30 days "
                "before the newest change on this host. Updates do this; so does replacing su or passwd.",
                tuple(recent[:MAX_EVIDENCE]),
                "Verify them against the package checksums (breachkit's integrity check or debsums).",
            )
        )
    if inventory:
        found.append(
            Finding(
                "timeline.suid-inventory",
                "SUID/SGID and capability files in system folders",
                Severity.INFO,
                1.0,
                f"{len(inventory)} privileged file(s) where packages install them, unchanged for at least 30 days.",
                tuple(inventory[:MAX_EVIDENCE]),
            )
        )
    return found


# -- temp and hidden executables ----------------------------------------------------------------

ELF = b"\x7fELF"


def check_temp_executables(con: Any, source: Source | None = None) -> list[Finding]:
    temp = _like_any(TEMP_DIRS)
    rows = con.execute(
        f"""
        SELECT path, mode, size, coalesce(user_name, uid::VARCHAR), btime_ns, ctime_ns FROM files
        WHERE type = 'f' AND (
            {temp}
            OR (regexp_matches(path, '/\\.[^/]+/') AND NOT {_like_any(("/home/", "/root/", "/proc/", "/sys/"))})
        )
        ORDER BY path
        """  # noqa: S608
    ).fetchall()
    hidden: list[Evidence] = []
    plain: list[Evidence] = []
    elsewhere: list[Evidence] = []
    reads = 0
    for path, mode, size, owner, btime, ctime in rows:
        executable = bool(mode & 0o111)
        script = bool(SCRIPT_EXT.search(path))
        magic = ""
        in_temp = path.startswith(TEMP_DIRS)
        if in_temp and not executable and not script and source is not None and size >= 4 and reads < 2000:
            reads += 1
            try:
                head, _ = source.read_bytes(path, 4)
            except OSError:
                head = b""
            if head == ELF:
                magic = "ELF program without execute bit"
        if not (executable or script or magic):
            continue
        parts = path.split("/")[1:-1]
        hidden_dir = any(p.startswith(".") for p in parts)
        note = f"{'executable' if executable else magic or 'script'}; owner {owner}; {size} bytes; born {format_ns(btime)}; ctime {format_ns(ctime)}"
        item = _evidence(path, note)
        if in_temp:
            (hidden if hidden_dir else plain).append(item)
        elif hidden_dir and not BENIGN_HIDDEN.search(path) and not NOISE.search(path):
            elsewhere.append(item)
    found: list[Finding] = []
    if hidden:
        found.append(
            Finding(
                "timeline.temp-executables",
                "Programs and scripts in hidden folders under /tmp, /var/tmp or /dev/shm",
                Severity.HIGH,
                0.85,
                f"{len(hidden)} executable(s) or script(s) in dot-folders of world-writable temp folders. Attackers "
                "drop tools there: every account (the web server's too) may write, and a leading dot hides the "
                "folder from a plain 'ls'.",
                tuple(hidden[:MAX_EVIDENCE]),
                "Do not run or delete them: hash and copy them out; find the process or request that created them.",
            )
        )
    if plain:
        found.append(
            Finding(
                "timeline.temp-executables",
                "Programs and scripts in /tmp, /var/tmp or /dev/shm",
                Severity.MEDIUM,
                0.5,
                f"{len(plain)} executable(s) or script(s) in temp folders. Installers leave some; dropped tools "
                "look the same.",
                tuple(plain[:MAX_EVIDENCE]),
            )
        )
    if elsewhere:
        found.append(
            Finding(
                "timeline.hidden-executables",
                "Programs and scripts in hidden folders",
                Severity.MEDIUM,
                0.5,
                f"{len(elsewhere)} executable(s) or script(s) inside folders whose names start with a dot, outside "
                "home folders and the usual tool folders (.git, .cache …).",
                tuple(elsewhere[:MAX_EVIDENCE]),
            )
        )
    return found


# -- web roots ------------------------------------------------------------------------------------


def check_world_writable_web(con: Any) -> list[Finding]:
    rows = con.execute(
        f"""
        SELECT path, type, mode, coalesce(user_name, uid::VARCHAR) FROM files
        WHERE type IN ('f', 'd') AND (mode & 2) <> 0 AND NOT (type = 'd' AND (mode & 512) <> 0)
          AND regexp_matches(path, {_sql_regex(WEB_ROOTS)})
        ORDER BY type = 'd', path
        """  # noqa: S608
    ).fetchall()
    if not rows:
        return []
    scripts = sum(1 for path, kind, _, _ in rows if kind == "f" and SCRIPT_EXT.search(path))
    return [
        Finding(
            "timeline.web-world-writable",
            "World-writable files or folders in web roots",
            Severity.MEDIUM if scripts or len(rows) > 0 else Severity.LOW,
            0.6,
            f"{len(rows)} entr(y/ies) in web roots any local account may change ({scripts} server-side script(s)). "
            "Any process on the host, a compromised neighbour site included, can plant code there.",
            tuple(
                _evidence(path, f"{'folder' if kind == 'd' else 'file'} mode {mode & 0o7777:o}, owner {owner}")
                for path, kind, mode, owner in rows[:MAX_EVIDENCE]
            ),
            "After the investigation: make web roots owned by a deploy user and writable only where uploads go.",
        )
    ]


# -- owners without account --------------------------------------------------------------------


def check_orphans(con: Any, accounts_found: bool) -> list[Finding]:
    if not accounts_found:
        return []
    rows = con.execute(
        """
        SELECT uid, gid, user_name IS NULL AS no_user, count(*) AS n, min(path) AS example,
               arg_max(path, coalesce(btime_ns, ctime_ns)) AS newest, max(coalesce(btime_ns, ctime_ns)) AS newest_t
        FROM files WHERE user_name IS NULL OR group_name IS NULL
        GROUP BY uid, gid, no_user ORDER BY n DESC
        """
    ).fetchall()
    if not rows:
        return []
    evidence = []
    total = 0
    for uid, gid, no_user, number, example, newest, newest_t in rows:
        total += number
        who = f"uid {uid}" if no_user else f"gid {gid}"
        evidence.append(
            _evidence(example, f"{number} file(s) of {who} (no such account); newest {newest} at {format_ns(newest_t)}")
        )
    return [
        Finding(
            "timeline.orphan-owner",
            "Files owned by users or groups that do not exist",
            Severity.LOW,
            0.4,
            f"{total} file(s) belong to ids with no entry in the host's /etc/passwd or /etc/group. Archives "
            "unpacked as root keep their creator's ids and deleted accounts leave files behind; an intruder "
            "who removed an account they used leaves the same trace.",
            tuple(evidence[:MAX_EVIDENCE]),
        )
    ]


# -- all of them ----------------------------------------------------------------------------------


def analyse(
    con: Any,
    zone: tzinfo,
    zone_name: str,
    zone_how: str,
    *,
    source: Source | None = None,
    accounts_found: bool = True,
) -> list[Finding]:
    """Every timeline check over the ``files`` table, ranked."""
    found: list[Finding] = []
    found += check_bursts(con, zone, zone_name, zone_how)
    found += check_timestomp(con)
    found += check_restored_mtime(con)
    found += check_privileged(con)
    found += check_temp_executables(con, source)
    found += check_world_writable_web(con)
    found += check_orphans(con, accounts_found)
    return ranked(found)
