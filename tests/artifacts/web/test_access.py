"""Access-log lines in standard and custom formats, mixed formats, garbage."""

from __future__ import annotations

import calendar
from datetime import timezone
from pathlib import Path

import pytest

from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.web.access import (
    NGINX_COMBINED,
    AccessParser,
    compile_apache,
    compile_nginx,
)
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put

FORENSIC = '%v %a %u [%{%d/%b/%Y:%H:%M:%S}t] %t "%m %U%q %H" %>s %B %D "%{User-Agent}i"'
T_2341 = calendar.timegm((2026, 11, 21, 22, 41, 17)) * 1_000_000_000


def _read(tmp_path: Path, fmt_text: str | None, data: bytes) -> tuple[list, Problems]:  # type: ignore[type-arg]
    put(tmp_path, "/var/log/httpd/shop_access.log", data)
    source = RootSource(str(tmp_path))
    problems = Problems()
    fmt = compile_apache(fmt_text, "forensic") if fmt_text else None
    parser = AccessParser(source, TimeContext(timezone.utc, 0), problems, fmt)
    requests = list(parser.read(["/var/log/httpd/shop_access.log"]))
    source.close()
    return requests, problems


def test_custom_format_then_combined_fallback_then_garbage(tmp_path: Path) -> None:
    requests, problems = _read(tmp_path, FORENSIC, (DATA / "web/apache/shop_access.log").read_bytes())
    first, second, third = requests
    assert (first.vhost, first.ip, first.method, first.target, first.status, first.size) == (
        "shop.example.test",
        "192.0.2.7",
        "POST",
        "/admin/upload.php",
        200,
        342,
    )
    assert first.time_ns == T_2341
    assert second.path == "/images/x.php" and second.query == "cmd=id" and second.agent == "curl/8.5.0"
    assert (third.ip, third.target, third.agent, third.source_line) == ("192.0.2.8", "/", "Mozilla/5.0", 3)
    assert problems.counts["unparsed-line"] == 1
    event = first.event()
    assert (event.source, event.kind, event.host, event.path, event.ip) == (
        "web-access",
        "request",
        "shop.example.test",
        "/admin/upload.php",
        "192.0.2.7",
    )


@pytest.mark.parametrize(
    ("line", "target", "method"),
    [
        (
            b'192.0.2.9 - - [01/Jan/2027:00:00:00 -0500] "\\x16\\x03\\x01\\x02" 400 0 "-" "-"',
            "\\x16\\x03\\x01\\x02",
            None,
        ),
        (b'192.0.2.9 - bob [01/Jan/2027:00:00:00 -0500] "GET /a b HTTP/1.1" 200 - "-" "x"', "GET /a b HTTP/1.1", None),
        (b'2001:db8::1 - - [01/Jan/2027:00:00:00 -0500] "OPTIONS * HTTP/1.0" 200 10 "-" "x"', "*", "OPTIONS"),
    ],
)
def test_odd_requests_are_kept(tmp_path: Path, line: bytes, target: str, method: str | None) -> None:
    (request,), problems = _read(tmp_path, None, line + b"\n")
    assert request.target == target and request.method == method
    assert request.time_ns == calendar.timegm((2027, 1, 1, 5, 0, 0)) * 1_000_000_000
    assert problems.total == 0


def test_common_and_vhost_combined_in_one_file(tmp_path: Path) -> None:
    data = (
        b'192.0.2.1 - - [21/Nov/2026:23:41:17 +0100] "GET /a HTTP/1.1" 200 5\n'
        b'shop.test:443 192.0.2.2 - - [21/Nov/2026:23:41:17 +0100] "GET /b HTTP/1.1" 404 9 "-" "UA"\n'
    )
    requests, problems = _read(tmp_path, None, data)
    assert [(r.ip, r.target, r.vhost) for r in requests] == [
        ("192.0.2.1", "/a", None),
        ("192.0.2.2", "/b", "shop.test"),
    ]
    assert problems.total == 0


def test_nginx_default_and_custom_formats() -> None:
    combined = compile_nginx(NGINX_COMBINED)
    match = combined.pattern.match('192.0.2.1 - - [21/Nov/2026:23:41:17 +0100] "GET / HTTP/1.1" 200 612 "-" "curl/8"')
    assert match is not None and match.group("agent") == "curl/8"
    custom = compile_nginx("$host $remote_addr $request_method $request_uri $status [$time_local] $remote_addr")
    match = custom.pattern.match("a.test 192.0.2.1 POST /x?y=1 201 [21/Nov/2026:23:41:17 +0100] 192.0.2.1")
    assert match is not None and match.group("target") == "/x?y=1" and match.group("vhost") == "a.test"
