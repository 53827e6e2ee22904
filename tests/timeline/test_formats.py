from __future__ import annotations

import csv
import io
import itertools
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from breachkit.timeline.formats import FORMATS
from breachkit.timeline.query import entries, events
from breachkit.timeline.window import Window
from tests.timeline.conftest import NS, entry

T = 1_795_300_878 * NS


@pytest.fixture
def con(load: Callable[..., Any]) -> Any:
    return load(
        [
            entry("/", kind="d", mode=0o755),
            entry(
                "/tmp/.X11-cache/kworkerd",
                mode=0o755,
                uid=33,
                gid=33,
                atime_ns=T + 9,
                mtime_ns=T + 5,
                ctime_ns=T + 7,
                btime_ns=T + 5,
            ),
            entry(
                "/var/www/x/ImageCache.php",
                uid=33,
                gid=33,
                atime_ns=T - 10**16,
                mtime_ns=T - 10**16,
                ctime_ns=T + 3 * NS,
                btime_ns=T,
            ),
            entry("/etc/localtime", kind="l", mode=0o777, btime_ns=T - 5 * 10**16),
            entry("/tmp/evil|name\nline", uid=4242, btime_ns=None, atime_ns=T, mtime_ns=T, ctime_ns=T),
            entry("/usr/bin/su", mode=0o4755, btime_ns=T - 10**17),
        ]
    )


def render(con: Any, name: str, window: Window) -> str:
    writer, per_event = FORMATS[name]
    out = io.StringIO()
    rows = events(con, window) if per_event else entries(con, window)
    writer(rows, out, timezone.utc)
    return out.getvalue()


def test_bodyfile_lines_have_eleven_fields_and_tsk_modes(con: Any) -> None:
    text = render(con, "bodyfile", Window())
    lines = text.splitlines()
    assert len(lines) == 6  # the name with | and newline stays on one line
    assert all(len(line.split("|")) == 11 for line in lines)
    kworkerd = next(line for line in lines if "kworkerd" in line).split("|")
    assert kworkerd[3] == "r/rrwxr-xr-x" and kworkerd[4:6] == ["33", "33"]
    assert kworkerd[7:] == [str(T // NS)] * 4
    assert next(line for line in lines if "/usr/bin/su" in line).split("|")[3] == "r/rrwsr-xr-x"
    assert "/etc/localtime -> x|" in text and "l/lrwxrwxrwx" in text
    evil = next(line for line in lines if "evil" in line)
    assert "evil\\x7cname\\nline" in evil and evil.endswith("|0")  # no birth time: 0


@pytest.mark.skipif(shutil.which("mactime") is None, reason="The Sleuth Kit's mactime is not installed")
def test_mactime_reads_our_bodyfile(con: Any, tmp_path: Path) -> None:
    body = tmp_path / "out.body"
    body.write_text(render(con, "bodyfile", Window()))
    proc = subprocess.run(
        ["mactime", "-b", str(body), "-d", "-y", "-z", "UTC"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "ImageCache.php" in proc.stdout and "kworkerd" in proc.stdout
    assert "2026-11-21T22:41:18Z" in proc.stdout


def test_window_and_times_pick_rows_with_macb(con: Any) -> None:
    window = Window(T, T + NS, "macb")
    rows = {row.path: row.macb for row in entries(con, window)}
    assert rows["/tmp/.X11-cache/kworkerd"] == "macb"
    assert rows["/var/www/x/ImageCache.php"] == "...b"  # the forged mtime is outside, its birth inside
    assert "/usr/bin/su" not in rows
    only_m = {row.path for row in entries(con, Window(T, T + NS, "m"))}
    assert "/var/www/x/ImageCache.php" not in only_m


def test_mactime_csv_one_line_per_distinct_time(con: Any) -> None:
    text = render(con, "mactime", Window(T, T + 10 * NS))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Date", "Size", "Type", "Mode", "UID", "GID", "Meta", "File Name"]
    kworkerd = [r for r in rows[1:] if r[7].endswith("kworkerd")]
    assert [r[2] for r in kworkerd] == ["m..b", "..c.", ".a.."]
    assert kworkerd[0][0] == "2026-11-21T22:41:18.000000005Z"
    assert all(r[0] <= s[0] for r, s in itertools.pairwise(rows[1:]))  # sorted by time


def test_timesketch_has_the_required_fields(con: Any) -> None:
    lines = [json.loads(line) for line in render(con, "timesketch", Window(T, T + 10 * NS)).splitlines()]
    assert lines
    for event in lines:
        assert {"message", "datetime", "timestamp_desc", "timestamp"} <= set(event)
        assert event["timestamp"] == event["time_ns"] // 1000
    born = next(e for e in lines if e["path"].endswith("ImageCache.php"))
    assert born["timestamp_desc"] == "Creation Time"


def test_json_and_table_escape_and_carry_all_times(con: Any) -> None:
    data = [json.loads(line) for line in render(con, "json", Window()).splitlines()]
    evil = next(d for d in data if "evil" in d["path"])
    assert evil["btime_ns"] is None and evil["user"] is None and evil["uid"] == 4242
    table = render(con, "table", Window())
    assert "\x1b" not in table and "evil|name\\nline" in table
    assert len(table.splitlines()) == 7


def test_bodyfile_written_in_batches_keeps_every_line_in_order(load: Callable[..., Any]) -> None:
    from breachkit.timeline.formats import bodyfile

    many = [entry("/"), *(entry(f"/srv/file{index:05d}", btime_ns=T + index) for index in range(2500))]
    con = load(many)
    rows = list(entries(con, Window()))
    out = io.StringIO()
    assert bodyfile.write(iter(rows), out, timezone.utc) == 2501 > bodyfile.LINES_PER_WRITE
    assert out.getvalue() == "".join(bodyfile.line(row) for row in rows)
    assert out.getvalue().splitlines()[-1].startswith("0|/srv/file02499|")
