"""Load a file walk into the ``files`` table: one row per entry, all four times in nanoseconds.

Every input ends up as the same table in the case database (or an in-memory
one), so windows, output formats and findings are SQL over one schema:

* an evidence bundle's ``walk.jsonl`` (:class:`breachkit.host.records.FileStat`
  lines written by the collector) goes straight into DuckDB with ``read_json``:
  no Python object per entry, memory flat however many millions of lines;
* a live root or a mounted image (``--root``) is walked with
  :func:`breachkit.host.collect.walk_root` and written as the same JSON lines
  to a temporary file first, then loaded the same way; the walk also reads the
  ``security.capability`` extended attribute of executables (see
  :func:`read_capability`), which bundles do not carry;
* a TSK bodyfile or UAC output (:mod:`breachkit.timeline.bodyfile`,
  :mod:`breachkit.timeline.uac`) is parsed line by line into the same lines.

Owner and group names come from the *examined* root's ``/etc/passwd`` and
``/etc/group`` (:mod:`breachkit.timeline.accounts`), never from the analyst's
machine. Paths that are not valid UTF-8 are stored with each undecodable byte
written as ``\\xNN`` (as :mod:`breachkit.tables` does), so a name survives as
visible text.

The ``fs_events`` view turns each row into one event per distinct time with
its MACB string, in :data:`breachkit.events.EVENT_COLUMNS` order, so log and
correlation work can ``UNION ALL`` it with their own events.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.events import EVENT_COLUMNS
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.walklines import Walk
from breachkit.tables import append_rows, create_table
from breachkit.timeline.accounts import Accounts

#: Columns of the ``files`` table, in order, with their DuckDB types. ``mode``
#: is ``st_mode`` (type and permission bits); ``precision_ns`` is 1 for a
#: stat with nanoseconds, 10**9 for a bodyfile with whole seconds;
#: ``capability`` is the decoded ``security.capability`` attribute (NULL when
#: absent or not read); ``origin`` names the input (``walk``, ``bundle``,
#: ``bodyfile``, ``uac``).
FILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "VARCHAR"),
    ("type", "VARCHAR"),
    ("mode", "BIGINT"),
    ("uid", "BIGINT"),
    ("gid", "BIGINT"),
    ("user_name", "VARCHAR"),
    ("group_name", "VARCHAR"),
    ("size", "BIGINT"),
    ("inode", "UBIGINT"),
    ("nlink", "BIGINT"),
    ("dev", "UBIGINT"),
    ("blocks", "BIGINT"),
    ("atime_ns", "BIGINT"),
    ("mtime_ns", "BIGINT"),
    ("ctime_ns", "BIGINT"),
    ("btime_ns", "BIGINT"),
    ("target", "VARCHAR"),
    ("precision_ns", "BIGINT"),
    ("capability", "VARCHAR"),
    ("origin", "VARCHAR"),
)

#: The JSON keys read from a walk line and the type they are read as. Times
#: and sizes are read as HUGEINT so a forged time beyond 2262 (past what a
#: signed 64-bit nanosecond count holds) becomes NULL with a warning instead
#: of failing the load.
_JSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "VARCHAR"),
    ("type", "VARCHAR"),
    ("mode", "HUGEINT"),
    ("uid", "HUGEINT"),
    ("gid", "HUGEINT"),
    ("size", "HUGEINT"),
    ("inode", "HUGEINT"),
    ("nlink", "HUGEINT"),
    ("dev", "HUGEINT"),
    ("blocks", "HUGEINT"),
    ("atime_ns", "HUGEINT"),
    ("mtime_ns", "HUGEINT"),
    ("ctime_ns", "HUGEINT"),
    ("btime_ns", "HUGEINT"),
    ("target", "VARCHAR"),
    ("precision_ns", "HUGEINT"),
)

#: Fields a walk line must have (as :meth:`FileStat.from_json` requires).
_REQUIRED = (
    "type",
    "mode",
    "uid",
    "gid",
    "size",
    "inode",
    "nlink",
    "dev",
    "blocks",
    "atime_ns",
    "mtime_ns",
    "ctime_ns",
)

_I64 = (-(2**63), 2**63 - 1)
_U64 = (0, 2**64 - 1)
_RANGES = {name: _U64 if kind == "UBIGINT" else _I64 for name, kind in FILE_COLUMNS if kind.endswith("BIGINT")}

#: DuckDB's memory cap for the timeline work; beyond it, it spills to disk.

#: Most warnings kept as examples (all are counted, and all go to ``timeline_warnings``).
MAX_WARNING_EXAMPLES = 50

WARNING_COLUMNS: tuple[tuple[str, str], ...] = (("path", "VARCHAR"), ("kind", "VARCHAR"), ("detail", "VARCHAR"))


@dataclass
class LoadResult:
    """What a load put in the ``files`` table, and the trouble met on the way."""

    origin: str
    entries: int = 0
    warnings: int = 0
    warning_kinds: Counter[str] = field(default_factory=Counter)
    examples: list[WarningRecord] = field(default_factory=list)
    #: entries without a birth time (the file system or kernel keeps none)
    no_birth: int = 0
    #: whether ``security.capability`` was read (only for ``--root``)
    capabilities_read: bool = False
    accounts_found: bool = False
    notes: list[str] = field(default_factory=list)

    def warn(self, record: WarningRecord) -> None:
        self.warnings += 1
        self.warning_kinds[record.kind] += 1
        if len(self.examples) < MAX_WARNING_EXAMPLES:
            self.examples.append(record)

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "entries": self.entries,
            "warnings": self.warnings,
            "warning_kinds": dict(sorted(self.warning_kinds.items())),
            "no_birth_time": self.no_birth,
            "capabilities_read": self.capabilities_read,
            "accounts_found": self.accounts_found,
            "notes": list(self.notes),
        }


def load_walk_jsonl(
    con: Any, walk: Path, accounts: Accounts, origin: str, result: LoadResult | None = None
) -> LoadResult:
    """Replace ``files`` with the FileStat JSON lines of ``walk`` (a bundle's ``walk.jsonl``).

    DuckDB parses the file; lines it cannot take (not JSON, or a name with
    undecodable bytes, which JSON can only hold as a lone surrogate escape)
    come back as empty rows and are redone in Python, so a hostile name is
    kept and a broken line is reported with its line number.
    """
    result = result if result is not None else LoadResult(origin)
    tables.tune(con)
    _load_accounts(con, accounts)
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in _JSON_COLUMNS)
    con.execute(
        "CREATE OR REPLACE TABLE files_stage AS SELECT * FROM read_json(?, format='newline_delimited', "  # noqa: S608
        f"columns={{{types}}}, ignore_errors=true, maximum_object_size=16777216)",
        [str(walk)],
    )
    required = " AND ".join(f'"{name}" IS NOT NULL' for name in _REQUIRED)
    failed = con.execute(
        f"DELETE FROM files_stage WHERE NOT coalesce(starts_with(path, '/') AND {required}, false)"  # noqa: S608
    ).fetchone()[0]
    if failed:
        _redo_failed_lines(con, walk, result)
    _finish(con, origin, result)
    return result


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _redo_failed_lines(con: Any, walk: Path, result: LoadResult) -> None:
    """Parse in Python the lines DuckDB could not; report the ones nobody can.

    DuckDB rejects a line that is not JSON and a line holding a lone surrogate
    escape (``"\\udcff"``: how JSON carries a byte of a name that is not UTF-8),
    and rows missing a field were dropped; every other line is already staged,
    so only names with undecodable bytes are added here, and the rest reported.
    """

    def rows() -> Iterator[tuple[Any, ...]]:
        with walk.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = None
                if isinstance(data, dict):
                    try:
                        entry = FileStat.from_json(data)
                    except ValueError:
                        entry = None
                    if entry is not None:
                        if any(isinstance(v, str) and _has_surrogate(v) for v in data.values()):
                            yield _stage_row(entry, data.get("precision_ns"))
                        continue  # otherwise DuckDB read it
                result.warn(
                    WarningRecord(f"({walk.name})", "malformed-record", f"line {number} is not a file record; skipped")
                )

    append_rows(con, "files_stage", _JSON_COLUMNS, rows())


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def visible(text: str) -> str:
    """A name with undecodable bytes as ``\\xNN`` text (valid UTF-8 for the tables)."""
    if not _has_surrogate(text):
        return text
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte (hostile JSON)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _stage_row(entry: FileStat, precision: object = None) -> tuple[Any, ...]:
    return (
        visible(entry.path),
        entry.type,
        entry.mode,
        entry.uid,
        entry.gid,
        entry.size,
        entry.inode,
        entry.nlink,
        entry.dev,
        entry.blocks,
        entry.atime_ns,
        entry.mtime_ns,
        entry.ctime_ns,
        entry.btime_ns,
        None if entry.target is None else visible(entry.target),
        precision if isinstance(precision, int) else None,
    )


def load_entries(
    con: Any,
    entries: Iterable[FileStat | WarningRecord],
    accounts: Accounts,
    origin: str,
    *,
    precision: Callable[[FileStat], int] | None = None,
    capability: Callable[[FileStat], str | None] | None = None,
    scratch: Path | None = None,
) -> LoadResult:
    """Replace ``files`` with ``entries`` (a walk, or records parsed from a bodyfile).

    The entries are written as walk JSON lines to a temporary file in
    ``scratch`` (the analyst's temp folder by default) and loaded like a
    bundle, which is faster than inserting rows and keeps memory flat.
    Warnings are counted and stored in ``timeline_warnings``.
    """
    result = LoadResult(origin)
    caps: list[tuple[str, str]] = []
    create_table(con, "timeline_warnings", WARNING_COLUMNS)
    pending: list[tuple[str, str, str]] = []

    def warn(record: WarningRecord) -> None:
        nonlocal pending
        result.warn(record)
        pending.append((record.path, record.kind, record.detail))
        if len(pending) >= 10_000:
            append_rows(con, "timeline_warnings", WARNING_COLUMNS, pending)
            pending = []

    def read_capability(entry: FileStat) -> None:
        if capability is not None:
            cap = capability(entry)
            if cap is not None:
                caps.append((visible(entry.path), cap))

    fd, name = tempfile.mkstemp(prefix="breachkit-walk-", suffix=".jsonl", dir=scratch)
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(entries, Walk) and precision is None:
                # A root's walk writes its lines itself, straight from the stat
                # records; only executables become FileStat (for their capability).
                entries.write_jsonl(out.write, warn, executables=read_capability if capability is not None else None)
            else:
                for entry in entries:
                    if isinstance(entry, WarningRecord):
                        warn(entry)
                        continue
                    line = entry.to_jsonl()
                    if precision is not None:
                        line = line[:-1] + f',"precision_ns":{int(precision(entry))}}}'
                    out.write((line + "\n").encode("ascii"))
                    read_capability(entry)
        append_rows(con, "timeline_warnings", WARNING_COLUMNS, pending)
        load_walk_jsonl(con, Path(name), accounts, origin, result)
    finally:
        os.unlink(name)
    if capability is not None:
        result.capabilities_read = True
        if caps:
            create_table(con, "file_caps", (("path", "VARCHAR"), ("capability", "VARCHAR")))
            append_rows(con, "file_caps", (("path", "VARCHAR"), ("capability", "VARCHAR")), caps)
            con.execute("UPDATE files SET capability = c.capability FROM file_caps c WHERE files.path = c.path")
            con.execute("DROP TABLE file_caps")
    return result


def store_warnings(con: Any, records: Iterable[WarningRecord], result: LoadResult) -> None:
    """Add warnings met outside the walk (a bundle's ``warnings.jsonl``) to the count and table."""
    create_table(con, "timeline_warnings", WARNING_COLUMNS, replace=False)
    rows: list[tuple[str, str, str]] = []
    for record in records:
        result.warn(record)
        rows.append((record.path, record.kind, record.detail))
    append_rows(con, "timeline_warnings", WARNING_COLUMNS, rows)


def _load_accounts(con: Any, accounts: Accounts) -> None:
    create_table(con, "accounts_users", (("uid", "BIGINT"), ("name", "VARCHAR")), replace=True)
    create_table(con, "accounts_groups", (("gid", "BIGINT"), ("name", "VARCHAR")), replace=True)
    append_rows(con, "accounts_users", (("uid", "BIGINT"), ("name", "VARCHAR")), sorted(accounts.users.items()))
    append_rows(con, "accounts_groups", (("gid", "BIGINT"), ("name", "VARCHAR")), sorted(accounts.groups.items()))


def _finish(con: Any, origin: str, result: LoadResult) -> None:
    """Staged lines -> ``files``: ranges checked, names joined, sorted by path; the events view."""
    out_of_range = []
    for name, _ in _JSON_COLUMNS:
        bounds = _RANGES.get(name)
        if bounds is None:
            continue
        count = con.execute(
            f'SELECT count(*) FROM files_stage WHERE "{name}" < {bounds[0]} OR "{name}" > {bounds[1]}'  # noqa: S608
        ).fetchone()[0]
        if count:
            out_of_range.append((name, count))
    for name, count in out_of_range:
        examples = con.execute(
            f'SELECT path FROM files_stage WHERE "{name}" < {_RANGES[name][0]} OR "{name}" > {_RANGES[name][1]} LIMIT 5'  # noqa: S608
        ).fetchall()
        for (path,) in examples:
            result.warn(WarningRecord(path, "out-of-range", f"{name} does not fit 64 bits; left empty"))
        if count > len(examples):
            result.warning_kinds["out-of-range"] += count - len(examples)
            result.warnings += count - len(examples)

    def cast(name: str, kind: str) -> str:
        if name in _RANGES and name != "precision_ns":
            lo, hi = _RANGES[name]
            return f'CASE WHEN s."{name}" BETWEEN {lo} AND {hi} THEN s."{name}"::{kind} END AS "{name}"'
        return f's."{name}"::{kind} AS "{name}"'

    select = []
    for name, kind in FILE_COLUMNS:
        if name == "user_name":
            select.append('u.name AS "user_name"')
        elif name == "group_name":
            select.append('g.name AS "group_name"')
        elif name == "precision_ns":
            select.append(
                'coalesce(CASE WHEN s.precision_ns BETWEEN 1 AND 1000000000 THEN s.precision_ns::BIGINT END, 1) AS "precision_ns"'
            )
        elif name == "capability":
            select.append('NULL::VARCHAR AS "capability"')
        elif name == "origin":
            select.append('?::VARCHAR AS "origin"')
        else:
            select.append(cast(name, kind))
    con.execute(
        f"CREATE OR REPLACE TABLE files AS SELECT {', '.join(select)} FROM files_stage s "  # noqa: S608
        "LEFT JOIN accounts_users u ON u.uid = s.uid LEFT JOIN accounts_groups g ON g.gid = s.gid",
        [origin],
    )
    con.execute("DROP TABLE files_stage")
    result.entries = con.execute("SELECT count(*) FROM files").fetchone()[0]
    result.no_birth = con.execute("SELECT count(*) FROM files WHERE btime_ns IS NULL").fetchone()[0]
    if result.entries and result.no_birth:
        result.notes.append(
            f"{result.no_birth} of {result.entries} entries have no birth time (the file system or kernel "
            "does not record it, or the input does not carry it): birth-time checks skip them"
        )
    create_events_view(con)


def create_events_view(con: Any) -> None:
    """``fs_events``: one row per distinct time of each file, columns as :data:`EVENT_COLUMNS`.

    ``kind`` is the MACB string of the times equal to that instant (``m.c.``),
    ``source`` is ``fs``, ``extra`` holds inode, size, mode and owner.
    """
    names = [name for name, _ in EVENT_COLUMNS]
    assert names[:3] == ["time_ns", "precision_ns", "source"]
    con.execute(
        """
        CREATE OR REPLACE VIEW fs_events AS
        WITH t AS (
            SELECT f.*, unnest(list_distinct([mtime_ns, atime_ns, ctime_ns, btime_ns])) AS at_ns
            FROM files f
        )
        SELECT
            at_ns AS time_ns,
            precision_ns,
            'fs' AS source,
            (CASE WHEN mtime_ns = at_ns THEN 'm' ELSE '.' END || CASE WHEN atime_ns = at_ns THEN 'a' ELSE '.' END ||
             CASE WHEN ctime_ns = at_ns THEN 'c' ELSE '.' END || CASE WHEN btime_ns = at_ns THEN 'b' ELSE '.' END) AS kind,
            NULL::VARCHAR AS host,
            path,
            coalesce(user_name, uid::VARCHAR) AS "user",
            NULL::VARCHAR AS ip,
            path AS message,
            NULL::VARCHAR AS source_file,
            NULL::BIGINT AS source_line,
            '' AS flags,
            json_object('inode', inode, 'size', size, 'mode', mode, 'uid', uid, 'gid', gid, 'type', type) AS extra
        FROM t
        """
    )
