"""Web access logs into the case's ``web_requests`` table, parsed by DuckDB in bulk.

Access logs are the biggest logs on a web server (gigabytes a week), so they do
not go through Python line by line. For each log file (rotated members one by
one, oldest first):

1. Python streams the file through the source (in-root, no atime change,
   decompressed, over-long lines cut: :mod:`breachkit.artifacts.rotated`) into
   a private scratch file, each line prefixed with its number and made safe for
   DuckDB's reader (invalid UTF-8, NUL and CR escaped as ``\\xNN`` text);
2. DuckDB parses the scratch file in parallel: the standard formats
   (``combined``, ``common``, ``vhost_combined``, nginx ``combined``) with its
   CSV reader (space-separated, ``"``-quoted fields; a line with an escaped
   ``\\"`` is left to step 3, ``\\xhh`` escapes stay as written), any custom
   ``LogFormat``/``log_format`` with the RE2 form of the compiled pattern
   (:mod:`breachkit.artifacts.web.access`);
3. lines DuckDB could not take (a second format mixed in, garbage) are read
   again and given to the Python :class:`~breachkit.artifacts.web.access.AccessParser`,
   which tries every format; what still fails is an ``unparsed-line`` problem.

``web_requests`` keeps one typed row per request (site, client, method,
target, status, size, agent, file and line): the detections
(:mod:`breachkit.logs.web`) are SQL over it, and correlation can join it with
the file timeline. :func:`copy_to_events` then adds the requests to the
``events`` timeline table.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from breachkit import tables
from breachkit.artifacts.rotated import Problems, read_batches
from breachkit.artifacts.web.access import (
    COMBINED,
    COMMON,
    NGINX_COMBINED,
    VHOST_COMBINED,
    AccessParser,
    AccessRequest,
    LogFormat,
)
from breachkit.artifacts.years import TimeContext
from breachkit.sources.base import Source

WEB_TABLE = "web_requests"
WEB_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_ns", "BIGINT"),
    ("site", "VARCHAR"),
    ("ip", "VARCHAR"),
    ("user", "VARCHAR"),
    ("method", "VARCHAR"),
    ("target", "VARCHAR"),
    ("path", "VARCHAR"),
    ("protocol", "VARCHAR"),
    ("status", "INTEGER"),
    ("size", "BIGINT"),
    ("referer", "VARCHAR"),
    ("agent", "VARCHAR"),
    ("vhost", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("flags", "VARCHAR"),
)
_FIELDS = ("ip", "ident", "user", "t1", "t2", "request_raw", "status", "size", "referer", "agent")
#: CSV columns of the formats DuckDB's CSV reader handles (common = combined without the last two).
CSV_LAYOUTS: dict[str, tuple[str, ...]] = {
    COMBINED: _FIELDS,
    COMMON: _FIELDS,
    NGINX_COMBINED: _FIELDS,
    VHOST_COMBINED: ("vhostport", *_FIELDS),
}
#: Lines queued in one scratch file before DuckDB loads it (bounds scratch disk and DuckDB memory).
GROUP_LINES = 2_000_000
#: Longest scratch line DuckDB accepts (the reader cut lines at 64 KiB already).
MAX_LINE_SIZE = 1 << 20
#: ``METHOD TARGET PROTOCOL`` (or ``METHOD TARGET`` with an upper-case method); anything else stays whole.
_REQUEST = r"^(\S+) (\S+)(?: (\S+))?$"


@dataclass
class _Group:
    """Log files of one format waiting in one scratch file for one DuckDB statement."""

    fmt: LogFormat | None
    layout: tuple[str, ...] | None
    path: str
    handle: IO[bytes]
    lines: int = 0


@dataclass(frozen=True, slots=True)
class _File:
    path: str
    site: str
    fmt: LogFormat | None


class WebLoader:
    """Loads access-log families into ``web_requests`` on one DuckDB connection.

    Files are appended to one scratch file per format, each line prefixed
    with the file's id and its line number, and a scratch file goes to DuckDB
    in one statement when it holds :data:`GROUP_LINES` lines or at
    :meth:`finish`: DuckDB's fixed cost per statement is paid per batch, not
    per file (a server with hundreds of sites has thousands of small rotated
    logs).
    """

    def __init__(
        self, con: Any, source: Source, time: TimeContext, problems: Problems, start_ns: int | None, end_ns: int | None
    ) -> None:
        self.con = con
        self.source = source
        self.time = time
        self.problems = problems
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.flags = time.flags()
        # DuckDB draws a progress bar on stdout for long statements: it would corrupt --format json.
        con.execute("SET enable_progress_bar = false")
        tables.create_table(con, WEB_TABLE, WEB_COLUMNS)
        con.execute("CREATE OR REPLACE TEMP TABLE bk_web_files (fid BIGINT, path VARCHAR, site VARCHAR)")
        self._work = tempfile.TemporaryDirectory(prefix="breachkit-web-")
        self._files: list[_File] = []
        self._groups: dict[str, _Group] = {}
        self._serial = 0

    def close(self) -> None:
        for group in self._groups.values():
            group.handle.close()
        self._work.cleanup()

    def load(self, members: Iterable[str], fmt: LogFormat | None, site: str) -> None:
        """Queue every member of one log family (see :meth:`finish`)."""
        key = fmt.text if fmt is not None else COMBINED
        for path in members:
            fid = len(self._files)
            self._files.append(_File(path, site, fmt))
            for first, lines in read_batches(self.source, path, self.problems):
                group = self._group(key, fmt)
                separator = b" " if group.layout is not None else b"\x1f"
                prefix = (b"%d" + separator + b"%d" + separator + b"%b\n").__mod__
                lines = _safe(lines, separator)
                group.handle.write(b"".join([prefix((fid, number, line)) for number, line in enumerate(lines, first)]))
                group.lines += len(lines)
                if group.lines >= GROUP_LINES:
                    self._run(key)  # a big file spans groups: memory and scratch space stay bounded

    def _group(self, key: str, fmt: LogFormat | None) -> _Group:
        group = self._groups.get(key)
        if group is None:
            self._serial += 1
            scratch = os.path.join(self._work.name, f"group-{self._serial}.txt")
            group = _Group(fmt, CSV_LAYOUTS.get(key), scratch, open(scratch, "wb"))  # noqa: SIM115 - closed in _run
            self._groups[key] = group
        return group

    def finish(self) -> int:
        """Load what is queued; returns the number of rows in ``web_requests``."""
        for key in list(self._groups):
            self._run(key)
        row = self.con.execute(f'SELECT count(*) FROM "{WEB_TABLE}"').fetchone()  # noqa: S608
        return int(row[0]) if row else 0

    def _run(self, key: str) -> None:
        group = self._groups.pop(key)
        group.handle.close()
        if group.lines:
            self._register_files()
            if group.layout is not None:
                rejected = self._load_csv(group.path, group.layout)
            else:
                assert group.fmt is not None
                rejected = self._load_regex(group.path, group.fmt)
            failed = self.con.execute(
                f'SELECT source_file, source_line FROM "{WEB_TABLE}" WHERE time_ns IS NULL'  # noqa: S608
            ).fetchall()
            self.con.execute(
                f'DELETE FROM "{WEB_TABLE}" WHERE time_ns IS NULL OR time_ns < ? OR time_ns >= ?',  # noqa: S608
                self._window_args(),
            )
            retry: dict[str, set[int]] = {}
            for path, line in failed:
                retry.setdefault(str(path), set()).add(int(line))
            for fid, line in rejected:
                retry.setdefault(self._files[fid].path, set()).add(line)
            by_path = {f.path: f for f in self._files}
            for path, numbers in retry.items():
                self._fallback(by_path[path], sorted(numbers))
        os.unlink(group.path)

    def _register_files(self) -> None:
        known = self.con.execute("SELECT count(*) FROM bk_web_files").fetchone()
        start = int(known[0]) if known else 0
        rows = [(fid, f.path, f.site) for fid, f in enumerate(self._files) if fid >= start]
        if rows:
            self.con.executemany("INSERT INTO bk_web_files VALUES (?, ?, ?)", rows)

    def _load_csv(self, scratch: str, layout: tuple[str, ...]) -> list[tuple[int, int]]:
        columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in ("fid", "n", *layout)) + "}"
        vhost = "split_part(vhostport, ':', 1)" if "vhostport" in layout else "NULL"
        # All SQL text below is built from constants; the file name, offset and flags are bound parameters.
        sql = f"""
            INSERT INTO "{WEB_TABLE}"
            SELECT
                CASE WHEN ok THEN ts + ? END, f.site, ip, user, method, target, split_part(target, '?', 1), protocol,
                TRY_CAST(status AS INTEGER), TRY_CAST(size AS BIGINT), referer, agent, vhost, f.path, n, ?
            FROM (
                SELECT *,
                    CASE WHEN r.m <> '' AND (r.p <> '' OR regexp_full_match(r.m, '[A-Z]+')) THEN r.m END AS method,
                    CASE WHEN r.m <> '' AND (r.p <> '' OR regexp_full_match(r.m, '[A-Z]+')) THEN r.t ELSE request END AS target,
                    NULLIF(r.p, '') AS protocol,
                    ts IS NOT NULL AND request IS NOT NULL AND (status_raw = '-' OR TRY_CAST(status_raw AS SMALLINT) BETWEEN 100 AND 999)
                        AND (size IS NULL OR TRY_CAST(size AS BIGINT) IS NOT NULL) AS ok
                FROM (
                    SELECT *, regexp_extract(request, '{_REQUEST}', ['m', 't', 'p']) AS r
                    FROM (
                        SELECT CAST(fid AS BIGINT) AS fid, CAST(n AS BIGINT) AS n, ip, NULLIF(user, '-') AS user,
                            replace(request_raw, '\\\\', '\\') AS request,
                            status AS status_raw, NULLIF(status, '-') AS status, NULLIF(size, '-') AS size,
                            replace(NULLIF(referer, '-'), '\\\\', '\\') AS referer,
                            replace(NULLIF(agent, '-'), '\\\\', '\\') AS agent, {vhost} AS vhost,
                            epoch_ns(try_strptime(t1 || ' ' || t2, '[%d/%b/%Y:%H:%M:%S %z]')) AS ts
                        FROM read_csv(?, delim = ' ', quote = '"', escape = '', header = false, columns = {columns},
                            auto_detect = false, strict_mode = true, null_padding = true, max_line_size = {MAX_LINE_SIZE},
                            store_rejects = true, rejects_table = 'bk_web_rejects', rejects_scan = 'bk_web_scans')
                    )
                )
            ) JOIN bk_web_files f USING (fid)
        """  # noqa: S608
        try:
            self.con.execute(sql, [self.time.clock_offset_ns, self.flags, scratch])
            lines = [str(row[0]) for row in self.con.execute("SELECT DISTINCT csv_line FROM bk_web_rejects").fetchall()]
        finally:
            self.con.execute("DROP TABLE IF EXISTS bk_web_rejects")
            self.con.execute("DROP TABLE IF EXISTS bk_web_scans")
        rejected = []
        for text in lines:
            fid, number, _ = (text.split(" ", 2) + ["", ""])[:3]
            if fid.isdigit() and number.isdigit():
                rejected.append((int(fid), int(number)))
        return rejected

    def _load_regex(self, scratch: str, fmt: LogFormat) -> list[tuple[int, int]]:
        names = [name for name, _ in sorted(fmt.pattern.groupindex.items(), key=lambda item: item[1])]
        field = {name: f"NULLIF(x.{name}, '')" for name in names}

        def pick(name: str) -> str:
            return field.get(name, "NULL")

        if "time" in field:
            ts = "epoch_ns(try_strptime(x.time, '%d/%b/%Y:%H:%M:%S %z'))"
        elif "iso" in field:
            ts = "epoch_ns(try_strptime(replace(x.iso, 'Z', '+00:00'), '%Y-%m-%dT%H:%M:%S%z'))"
        else:
            ts = "CAST(NULL AS BIGINT)"
        if "request" in field:
            split = "r.m <> '' AND (r.p <> '' OR regexp_full_match(r.m, '[A-Z]+'))"
            method = f"CASE WHEN {split} THEN r.m END"
            target = f"CASE WHEN {split} THEN r.t ELSE x.request END"
            protocol = "NULLIF(r.p, '')"
            request = "x.request"
        else:
            method, protocol, request = pick("method"), pick("protocol"), "''"
            if "target" in field:
                target = pick("target")
            else:
                query = (
                    "CASE WHEN coalesce(x.query, '') IN ('', '?') THEN '' WHEN x.query LIKE '?%' THEN x.query "
                    "ELSE '?' || x.query END"
                    if "query" in field
                    else "''"
                )
                target = f"coalesce(x.urlpath, '') || {query}"
        sql = f"""
            INSERT INTO "{WEB_TABLE}"
            SELECT CASE WHEN ts IS NOT NULL THEN ts + ? END, f.site, ip, user, method, target, split_part(target, '?', 1),
                protocol, TRY_CAST(status AS INTEGER), TRY_CAST(size AS BIGINT), referer, agent, vhost, f.path, n, ?
            FROM (
                SELECT fid, n, {ts} AS ts, coalesce({pick("ip")}, '-') AS ip, NULLIF({pick("user")}, '-') AS user,
                    {method} AS method, {target} AS target, {protocol} AS protocol,
                    NULLIF({pick("status")}, '-') AS status, NULLIF({pick("size")}, '-') AS size,
                    NULLIF({pick("referer")}, '-') AS referer, NULLIF({pick("agent")}, '-') AS agent,
                    {pick("vhost")} AS vhost
                FROM (
                    SELECT fid, n, x, regexp_extract({request}, '{_REQUEST}', ['m', 't', 'p']) AS r
                    FROM (
                        SELECT fid, n, regexp_extract(coalesce(line, ''), ?, ?) AS x
                        FROM read_csv(?, delim = '\x1f', quote = '', escape = '', header = false,
                            columns = {{'fid': 'BIGINT', 'n': 'BIGINT', 'line': 'VARCHAR'}}, auto_detect = false,
                            strict_mode = false, null_padding = true, max_line_size = {MAX_LINE_SIZE})
                    )
                )
            ) JOIN bk_web_files f USING (fid)
        """  # noqa: S608
        pattern = "^" + _re2(fmt.pattern.pattern)
        self.con.execute(sql, [self.time.clock_offset_ns, self.flags, pattern, names, scratch])
        return []

    def _fallback(self, file: _File, numbers: list[int]) -> None:
        """Give the lines DuckDB could not take to the Python parser (every format), in one more pass."""
        parser = AccessParser(self.source, self.time, self.problems, file.fmt)
        wanted = iter(numbers)
        next_number = next(wanted, None)
        rows: list[tuple[Any, ...]] = []
        for first, lines in read_batches(self.source, file.path, Problems()):  # problems were counted on the first pass
            while next_number is not None and next_number < first + len(lines):
                text = lines[next_number - first].decode("utf-8", "backslashreplace")
                request = parser.parse(text, file.path, next_number)
                if request is None:
                    if text.strip():
                        self.problems.add(file.path, "unparsed-line", f"line {next_number}: not an access-log line")
                elif self._in_window(request.time_ns):
                    rows.append(self._row(request, file.site, file.path, next_number))
                next_number = next(wanted, None)
            if next_number is None:
                break
        tables.append_rows(self.con, WEB_TABLE, WEB_COLUMNS, rows)

    def _row(self, request: AccessRequest, site: str, path: str, number: int) -> tuple[Any, ...]:
        return (
            request.time_ns,
            site,
            request.ip,
            request.user,
            request.method,
            request.target,
            request.path,
            request.protocol,
            request.status,
            request.size,
            request.referer,
            request.agent,
            request.vhost,
            path,
            number,
            self.flags,
        )

    def _in_window(self, time_ns: int) -> bool:
        return (self.start_ns is None or time_ns >= self.start_ns) and (self.end_ns is None or time_ns < self.end_ns)

    def _window_args(self) -> list[int]:
        return [
            self.start_ns if self.start_ns is not None else -(2**63),
            self.end_ns if self.end_ns is not None else 2**63 - 1,
        ]


def copy_to_events(con: Any, events_table: str) -> int:
    """Add this run's ``web_requests`` rows to the events timeline; returns the rows added.

    The event carries method, target and status in its message; the rest of
    the request (agent, referer, size, protocol) stays in ``web_requests``,
    joined on ``(source_file, source_line)`` (building JSON for millions of
    rows would triple the load time).
    """
    sql = f"""
        INSERT INTO "{events_table}"
        SELECT time_ns, 1000000000, 'web-access', 'request',
            CASE WHEN site LIKE '/%' THEN vhost ELSE coalesce(vhost, site) END,
            path, user, ip,
            coalesce(method, '?') || ' ' || target || ' -> ' || coalesce(CAST(status AS VARCHAR), '-'),
            source_file, source_line, flags, NULL
        FROM "{WEB_TABLE}"
    """  # noqa: S608
    before = con.execute(f'SELECT count(*) FROM "{events_table}"').fetchone()  # noqa: S608
    con.execute(sql)
    after = con.execute(f'SELECT count(*) FROM "{events_table}"').fetchone()  # noqa: S608
    return int(after[0]) - int(before[0]) if after and before else 0


def excerpts(source: Source, wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """The text of the given lines (file -> line numbers), read in one pass per file."""
    found: dict[tuple[str, int], str] = {}
    for path, numbers in wanted.items():
        remaining = set(numbers)
        last = max(numbers) if numbers else 0
        for first, lines in read_batches(source, path, Problems()):
            for number in [n for n in remaining if first <= n < first + len(lines)]:
                found[(path, number)] = lines[number - first].decode("utf-8", "backslashreplace")
                remaining.discard(number)
            if not remaining or first + len(lines) > last:
                break
    return found


def _safe(lines: list[bytes], separator: bytes) -> list[bytes]:
    """Lines DuckDB's reader takes as one value each: valid UTF-8, no NUL, CR or separator byte."""
    block = b"\n".join(lines)
    bad = b"\x00" in block or b"\r" in block or b"\x1f" in block  # as access.clean() does
    if block.isascii() and not bad:
        return lines
    try:
        block.decode("utf-8")
        if not bad:
            return lines
    except UnicodeDecodeError:
        pass
    text = (
        block.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").replace("\r", "\\r").replace("\x1f", "\\x1f")
    )
    return text.encode("utf-8").split(b"\n")


def _re2(pattern: str) -> str:
    """A Python pattern from :mod:`breachkit.artifacts.web.access` in RE2 syntax.

    ``re.escape`` escapes spaces and other characters RE2 does not accept
    escaped; ``\\Z`` is Python's end of text.
    """
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            following = pattern[index + 1]
            if following == "Z":
                out.append("$")
            elif following.isalnum() or following in "\\.^$|?*+()[]{}-/":
                out.append(char + following)
            else:
                out.append(following)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)
