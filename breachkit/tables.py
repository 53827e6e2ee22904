"""The case tables: one DuckDB database per case, rebuilt from the evidence at will.

Analyses write their records here so later work can join them: the file
timeline with the web requests that created the files, logins with processes.
Rows stream in through temporary CSV batches and DuckDB's ``COPY`` (far faster
than row-by-row inserts, and memory stays flat however large the input).

Layout: ``<case>/db/case.duckdb``. Tables are named after what they hold
(``files``, ``events``, ``findings`` …); each writer owns its table and
replaces it on a rerun, so the database can always be rebuilt.
"""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from breachkit.errors import BreachkitError

DB_NAME = "case.duckdb"
#: DuckDB's working memory; beyond it, joins and sorts spill to disk. Not lower: a sorted export
#: of every file of a host (millions of wide rows) needs memory that grows with the sort's runs,
#: and 256 MB failed on a 710k-entry server while 1 GB sorted 2.8M entries.
MEMORY_LIMIT = "1GB"
BATCH_ROWS = 200_000


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as exc:  # pragma: no cover - a hard dependency, but say what to do
        raise BreachkitError("the case tables need DuckDB: pip install duckdb") from exc
    return duckdb


def db_path(case_root: Path) -> Path:
    return Path(case_root) / "db" / DB_NAME


def connect(case_root: Path | None = None, *, read_only: bool = False) -> Any:
    """A DuckDB connection to the case's tables (in memory when ``case_root`` is None), tuned by :func:`tune`."""
    duckdb = _duckdb()
    if case_root is None:
        con = duckdb.connect(":memory:")
    else:
        path = db_path(case_root)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    tune(con)
    return con


def tune(con: Any) -> None:
    """Bound DuckDB's memory so work stays flat at any size; spill to a private temp folder.

    Insertion order is not needed (every query sorts), and keeping it costs
    memory on big loads. DuckDB would spill to ``./.tmp`` — possibly inside the
    examined root — so it gets a folder of its own under the analyst's temp
    directory instead.
    """
    con.execute(f"SET memory_limit='{MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order=false")
    current = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    if not current or current == ".tmp":  # the in-memory default, relative to the working folder
        spill = tempfile.mkdtemp(prefix="breachkit-duckdb-")
        atexit.register(shutil.rmtree, spill, True)
        con.execute("SET temp_directory='{}'".format(spill.replace("'", "''")))


def create_table(con: Any, table: str, columns: Sequence[tuple[str, str]], *, replace: bool = True) -> None:
    """Create ``table`` with ``columns`` ((name, DuckDB type) pairs)."""
    _check_name(table)
    spec = ", ".join(f'"{_check_name(name)}" {kind}' for name, kind in columns)
    verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
    con.execute(f'{verb} "{table}" ({spec})')


def append_rows(con: Any, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> int:
    """Stream ``rows`` into ``table`` in batches; returns the number of rows written.

    Values are written as CSV text and typed by DuckDB against ``columns``;
    ``None`` becomes NULL. Text from the evidence is data, never SQL.
    """
    _check_name(table)
    total = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            total += _copy_batch(con, table, columns, batch)
            batch = []
    if batch:
        total += _copy_batch(con, table, columns, batch)
    return total


def _copy_batch(con: Any, table: str, columns: Sequence[tuple[str, str]], batch: list[Sequence[Any]]) -> int:
    fd, name = tempfile.mkstemp(prefix="breachkit-rows-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            # Every field quoted, and only \n ends a row: csv leaves a lone \r (a hostile
            # log line, a user name) unquoted, and DuckDB would take it for a row end.
            writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
            for row in batch:
                writer.writerow(["\\N" if value is None else _text(value) for value in row])
        types = ", ".join(f"'{_check_name(n)}': '{kind}'" for n, kind in columns)
        # Names are checked identifiers and the file name is a bound parameter:
        # nothing from the evidence is ever part of the SQL text.
        sql = (
            f"INSERT INTO \"{table}\" SELECT * FROM read_csv(?, header=false, nullstr='\\N', "  # noqa: S608
            f"quote='\"', escape='\"', new_line='\\n', columns={{{types}}}, auto_detect=false, strict_mode=true)"
        )
        con.execute(sql, [name])
    finally:
        os.unlink(name)
    return len(batch)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value.isascii():  # the common case, and the cheapest check
            return value
        # Lone surrogates (undecodable bytes in names) cannot go through UTF-8:
        # keep them visible as \xNN rather than failing the batch.
        return value.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogate(value) else value
    return str(value)


def _has_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_name(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a valid table or column name: {name!r}")
    return name
