"""Response-size anomalies: a page that suddenly sends megabytes, and nothing on ordinary traffic."""

from __future__ import annotations

from pathlib import Path

from breachkit.demo import DemoHost
from breachkit.logs import analyze
from breachkit.sources import RootSource
from tests.artifacts.conftest import put

LINE = '{ip} - - [{day:02d}/Nov/2026:10:{minute:02d}:00 +0100] "GET {target} HTTP/1.1" 200 {size} "-" "Mozilla/5.0"\n'


def _checks(root: Path) -> dict[str, list[tuple[str, str | None]]]:
    source = RootSource(str(root))
    try:
        result = analyze(source)
    finally:
        source.close()
    return {f.check: [(e.excerpt or "", e.note) for e in f.evidence] for f in result.findings}


def test_a_dump_through_a_search_page_is_flagged(tmp_path: Path) -> None:
    lines = [
        LINE.format(
            ip=f"198.51.100.{n % 200}", day=10 + n // 60, minute=n % 60, target=f"/search.php?q=shoe{n}", size=4200 + n
        )
        for n in range(60)
    ]
    dump = "/search.php?q=1'+UNION+SELECT+*+FROM+customers--"
    lines.append(LINE.format(ip="203.0.113.9", day=20, minute=1, target=dump, size=48_000_000))
    lines.append(LINE.format(ip="203.0.113.9", day=20, minute=2, target="/big.zip", size=90_000_000))  # no history
    put(tmp_path, "/etc/timezone", b"Europe/Berlin\n")
    put(tmp_path, "/var/log/apache2/access.log", "".join(lines).encode())
    found = _checks(tmp_path)
    evidence = found["logs.web-response-size"]
    assert len(evidence) == 1
    excerpt, note = evidence[0]
    assert "UNION" in excerpt and note is not None and "48000000 bytes" in note


def test_the_demo_traffic_has_no_size_anomaly(demo_host: DemoHost) -> None:
    assert "logs.web-response-size" not in _checks(Path(demo_host.root))
