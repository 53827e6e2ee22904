"""The case tables: streaming appends, hostile text stays data, NULLs survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit import tables
from breachkit.events import EVENT_COLUMNS, Event


def test_events_round_trip_with_hostile_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "BATCH_ROWS", 7)  # several batches
    con = tables.connect(tmp_path)
    tables.create_table(con, "events", EVENT_COLUMNS)
    nasty = '\'; DROP TABLE events; --\n"quoted",comma\\N \x1b[31m \udcff'
    events = [Event(i, "fs", "mtime", nasty, path=f"/tmp/{i}", source_line=None if i % 2 else i) for i in range(20)]
    # A carriage return with no newline in the same value (csv leaves such a value unquoted).
    events[5] = Event(5, "fs", "mtime", "lone\rreturn", path="/tmp/5", user="x\ry")
    assert tables.append_rows(con, "events", EVENT_COLUMNS, (e.row() for e in events)) == 20
    rows = con.execute("SELECT time_ns, message, source_line, extra FROM events ORDER BY time_ns").fetchall()
    assert len(rows) == 20
    assert rows[3][1].startswith('\'; DROP TABLE events; --\n"quoted",comma\\N \x1b[31m ')
    assert rows[3][2] is None and rows[4][2] == 4
    assert rows[5][1] == "lone\rreturn"
    assert rows[0][3] is None
    con.close()
    assert tables.db_path(tmp_path).exists()


def test_bad_names_are_refused() -> None:
    con = tables.connect()
    with pytest.raises(ValueError):
        tables.create_table(con, "x; drop", [("a", "INT")])
