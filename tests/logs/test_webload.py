"""Bulk loading of access logs by DuckDB agrees with the Python parser, line for line."""

from __future__ import annotations

import gzip
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from breachkit import tables
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.web.access import AccessParser, compile_apache, compile_nginx
from breachkit.artifacts.years import TimeContext
from breachkit.logs import webload
from breachkit.logs.webload import WEB_COLUMNS, WebLoader, copy_to_events
from breachkit.sources import RootSource
from tests.artifacts.conftest import put

MIXED = (
    b'192.0.2.1 - - [21/Nov/2026:23:41:17 +0100] "GET /a?x=1 HTTP/1.1" 200 5 "-" "UA \\"quoted\\" \\\\"\n'
    b'192.0.2.2 - bob [21/Nov/2026:23:41:18 +0100] "POST /admin/upload.php HTTP/1.1" 200 342\n'  # common
    b'shop.test:443 192.0.2.3 - - [21/Nov/2026:23:41:19 +0100] "GET /b HTTP/2.0" 404 9 "-" "curl/8"\n'  # vhost_combined
    b'192.0.2.4 - - [21/Nov/2026:23:41:20 +0100] "\\x16\\x03\\x01" 400 0 "-" "-"\n'
    b'192.0.2.5 - - [21/Nov/2026:23:41:21 +0100] "GET /caf\xc3\xa9 \xff\x00 HTTP/1.1" 200 - "-" "x\ry"\n'
    b"garbage that is no request\n"
    b'192.0.2.6 - - [31/Feb/2026:23:41:22 +0100] "GET / HTTP/1.1" 200 1 "-" "-"\n'
    b'192.0.2.7 - - [22/Nov/2026:00:00:00 +0100] "OPTIONS * HTTP/1.0" 200 0 "-" "-"'  # no final newline
)
CUSTOM = b"""shop.test 192.0.2.8 [2026-11-21T23:41:17+01:00] POST /x.php?cmd=id 200 12
blog.test 192.0.2.9 [2026-11-21T22:41:18Z] GET /y - 0
not matching at all
"""


def _load(
    tmp_path: Path, files: dict[str, tuple[bytes, Any]], window: tuple[int | None, int | None] = (None, None)
) -> tuple[list[tuple[Any, ...]], Problems, Any]:
    for path, (data, _) in files.items():
        put(tmp_path / "root", path, data)
    source = RootSource(str(tmp_path / "root"))
    problems = Problems()
    con = tables.connect(tmp_path / "case")
    loader = WebLoader(con, source, TimeContext(timezone.utc, 0), problems, *window)
    try:
        for path, (_, fmt) in files.items():
            loader.load([path], fmt, "site")
        loader.finish()
    finally:
        loader.close()
    names = ", ".join(name for name, _ in WEB_COLUMNS)
    rows = con.execute(f"SELECT {names} FROM web_requests ORDER BY source_file, source_line").fetchall()
    source.close()
    return rows, problems, con


def _python(tmp_path: Path, path: str, fmt: Any) -> list[tuple[Any, ...]]:
    source = RootSource(str(tmp_path / "root"))
    parser = AccessParser(source, TimeContext(timezone.utc, 0), Problems(), fmt)
    rows = [
        (
            r.time_ns,
            "site",
            r.ip,
            r.user,
            r.method,
            r.target,
            r.path,
            r.protocol,
            r.status,
            r.size,
            r.referer,
            r.agent,
            r.vhost,
            path,
            r.source_line,
            "",
        )
        for r in parser.read([path])
    ]
    source.close()
    return rows


@pytest.mark.parametrize("small", [False, True])
def test_csv_path_matches_python_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small: bool) -> None:
    if small:
        monkeypatch.setattr(webload, "GROUP_LINES", 1)  # one DuckDB statement per file
    rows, problems, con = _load(tmp_path, {"/var/log/apache2/access.log": (MIXED, None)})
    expected = _python(tmp_path, "/var/log/apache2/access.log", None)
    assert rows == expected
    assert [r[14] for r in rows] == [1, 2, 3, 4, 5, 8]
    assert (
        rows[4][5] == "GET /caf\u00e9 \\xff\\x00 HTTP/1.1"
        and rows[4][11] == "x\\ry"
        and rows[0][11] == 'UA "quoted" \\'
    )
    assert problems.counts["unparsed-line"] == 2  # the garbage line and 31 February
    assert problems.counts["truncated-line"] == 1
    con.close()


def test_regex_path_for_custom_formats_and_gzip(tmp_path: Path) -> None:
    fmt = compile_nginx(
        "$host $remote_addr [$time_iso8601] $request_method $request_uri $status $body_bytes_sent", "mine"
    )
    files = {"/var/log/nginx/custom.log.1.gz": (gzip.compress(CUSTOM), fmt)}
    rows, problems, con = _load(tmp_path, files)
    source = RootSource(str(tmp_path / "root"))
    expected = _python(tmp_path, "/var/log/nginx/custom.log.1.gz", fmt)
    source.close()
    assert rows == expected
    assert [(r[12], r[4], r[5], r[8], r[9]) for r in rows] == [
        ("shop.test", "POST", "/x.php?cmd=id", 200, 12),
        ("blog.test", "GET", "/y", None, 0),
    ]
    assert rows[0][0] == rows[1][0] - 1_000_000_000
    assert problems.counts["unparsed-line"] == 1
    con.close()


def test_apache_custom_format_and_window(tmp_path: Path) -> None:
    fmt = compile_apache('%a %t %D "%r" %>s %b "%{User-Agent}i"', "timed")
    data = (
        b'192.0.2.1 [21/Nov/2026:23:00:00 +0000] 5 "GET /early HTTP/1.1" 200 1 "a"\n'
        b'192.0.2.1 [21/Nov/2026:23:30:00 +0000] 5 "GET /inside HTTP/1.1" 200 1 "a"\n'
        b'192.0.2.1 [22/Nov/2026:00:30:00 +0000] 5 "GET /late HTTP/1.1" 200 1 "a"\n'
    )
    start = 1795303800 * 10**9  # 2026-11-21T23:30:00Z
    rows, _, con = _load(tmp_path, {"/var/log/apache2/t.log": (data, fmt)}, (start, start + 1800 * 10**9))
    assert [(r[5], r[14]) for r in rows] == [("/inside", 2)]
    tables.create_table(
        con,
        "events",
        (("time_ns", "BIGINT"),)
        + tuple((n, t) for n, t in __import__("breachkit.events", fromlist=["x"]).EVENT_COLUMNS[1:]),
    )
    assert copy_to_events(con, "events") == 1
    assert con.execute("SELECT source, kind, message, source_line FROM events").fetchall() == [
        ("web-access", "request", "GET /inside -> 200", 2)
    ]
    con.close()
