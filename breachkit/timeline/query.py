"""Window queries over the ``files`` table: per entry (with its MACB string) or per event.

Two shapes, both streamed in batches (memory flat for any size):

* :func:`entries` — one :class:`TimelineRow` per file with any chosen time in
  the window, ``macb`` saying which (``m.cb``), ordered by the first of them;
* :func:`events` — one row per distinct time of each file (what ``mactime``
  prints), ``macb`` marking the times equal to that instant, ordered by time.

DuckDB sorts up to :data:`CHUNK_ROWS` files in one query. A sort of millions of
wide rows needs memory that grows with them (the merge pins blocks of every
sorted run) and fails under the case's memory cap, so beyond that the files are
sorted in slices of rows, each slice spooled to a temporary file, and the slices
merged here, holding one row per slice.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from breachkit.timeline.window import Window

BATCH = 10_000
#: Files sorted by DuckDB in one query at most (2.8M sorted fine under the 1 GB cap, 5.7M did not).
CHUNK_ROWS = 1_000_000
#: Stands for the slice condition in a query before it is known.
_SLICE = "__SLICE__"

_FIELDS = (
    "path, type, mode, uid, gid, user_name, group_name, size, inode, target, "
    "atime_ns, mtime_ns, ctime_ns, btime_ns, precision_ns, capability"
)


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """A file and the instant it is listed at (``time_ns``), with its MACB string."""

    time_ns: int
    macb: str
    path: str
    type: str
    mode: int
    uid: int
    gid: int
    user: str | None
    group: str | None
    size: int
    inode: int
    target: str | None
    atime_ns: int | None
    mtime_ns: int | None
    ctime_ns: int | None
    btime_ns: int | None
    precision_ns: int
    capability: str | None

    def to_json(self) -> dict[str, Any]:
        from breachkit.timeline.window import format_ns

        data = {name: getattr(self, name) for name in self.__slots__}
        for name in ("time", "atime", "mtime", "ctime", "btime"):
            data[f"{name}_utc"] = format_ns(data[f"{name}_ns"]) if data[f"{name}_ns"] is not None else None
        return data


def _macb_sql(window: Window, at: str | None = None) -> str:
    """SQL for the MACB string: per letter, chosen and in the window (and equal to ``at`` when given)."""
    parts = []
    for letter, column in (("m", "mtime_ns"), ("a", "atime_ns"), ("c", "ctime_ns"), ("b", "btime_ns")):
        if letter not in window.times:
            parts.append("'.'")
            continue
        cond = window.sql_in(column) if at is None else f"({column} IS NOT NULL AND {column} = {at})"
        parts.append(f"CASE WHEN {cond} THEN '{letter}' ELSE '.' END")
    return " || ".join(parts)


def _first_sql(window: Window) -> str:
    columns = {"m": "mtime_ns", "a": "atime_ns", "c": "ctime_ns", "b": "btime_ns"}
    picks = [f"CASE WHEN {window.sql_in(columns[letter])} THEN {columns[letter]} END" for letter in window.times]
    return f"least({', '.join(picks)})"


def count(con: Any, window: Window) -> int:
    return int(con.execute(f"SELECT count(*) FROM files WHERE {window.sql_any()}").fetchone()[0])  # noqa: S608


def entries(con: Any, window: Window, limit: int | None = None) -> Iterator[TimelineRow]:
    """Files with a chosen time in ``window``, ordered by the first such time, then path."""
    sql = (
        f"SELECT {_first_sql(window)} AS at_ns, {_macb_sql(window)} AS macb, {_FIELDS} "  # noqa: S608
        f"FROM files WHERE {window.sql_any()} AND {_SLICE}"
    )
    yield from _sorted(con, sql, limit)


def events(con: Any, window: Window, limit: int | None = None) -> Iterator[TimelineRow]:
    """One row per distinct chosen time in ``window`` of each file, ordered by time, then path."""
    columns = {"m": "mtime_ns", "a": "atime_ns", "c": "ctime_ns", "b": "btime_ns"}
    # list_distinct drops the NULLs: the times not chosen or outside the window.
    listed = ", ".join(
        f"CASE WHEN {window.sql_in(columns[letter])} THEN {columns[letter]} END" for letter in window.times
    )
    sql = (
        f"WITH t AS (SELECT unnest(list_distinct([{listed}])) AS at_ns, {_FIELDS} "  # noqa: S608
        f"FROM files WHERE {window.sql_any()} AND {_SLICE}) "
        f"SELECT at_ns, {_macb_sql(window, 'at_ns')} AS macb, {_FIELDS} FROM t"
    )
    yield from _sorted(con, sql, limit)


def _sorted(con: Any, sql: str, limit: int | None) -> Iterator[TimelineRow]:
    """The rows of ``sql`` ordered by (at_ns, path): one DuckDB sort, or slices merged here."""
    order = " ORDER BY at_ns, path" + (f" LIMIT {int(limit)}" if limit is not None else "")
    rowids = con.execute("SELECT count(*), min(rowid), max(rowid) FROM files").fetchone()
    if not rowids[0] or rowids[0] <= CHUNK_ROWS:
        yield from _stream(con, sql.replace(_SLICE, "TRUE") + order)
        return
    with tempfile.TemporaryDirectory(prefix="breachkit-sort-") as folder:
        spools = []
        for number, low in enumerate(range(rowids[1], rowids[2] + 1, CHUNK_ROWS)):
            part = f"rowid >= {int(low)} AND rowid < {int(low + CHUNK_ROWS)}"
            spools.append(_spool(_stream(con, sql.replace(_SLICE, part) + order), Path(folder) / f"{number}.pickle"))
        handles = [path.open("rb") for path in spools]
        try:
            merged = heapq.merge(*(_unspool(h) for h in handles), key=lambda row: (row.time_ns, row.path))
            yield from itertools.islice(merged, limit)
        finally:
            for handle in handles:
                handle.close()


def _spool(rows: Iterator[TimelineRow], path: Path) -> Path:
    """Write sorted rows to ``path`` in batches (our own data, read back only by :func:`_unspool`)."""
    with path.open("wb") as handle:
        while batch := list(itertools.islice(rows, BATCH)):
            pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _unspool(handle: IO[bytes]) -> Iterator[TimelineRow]:
    while True:
        try:
            batch: list[TimelineRow] = pickle.load(handle)  # noqa: S301 - a file this process just wrote
        except EOFError:
            return
        yield from batch


def _stream(con: Any, sql: str) -> Iterator[TimelineRow]:
    cursor = con.cursor()
    try:
        cursor.execute(sql)
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                break
            for row in batch:
                yield TimelineRow(*row)
    finally:
        cursor.close()
