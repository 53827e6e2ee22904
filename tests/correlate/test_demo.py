"""Correlation on the demo web server, checked against its ground truth: entry, addresses, files, story."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from breachkit.case import Case
from breachkit.correlate import Correlation, correlate, triage_findings
from breachkit.findings import Severity
from breachkit.sources.root import RootSource
from tests.correlate.conftest import Triaged


def line_number(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if line == text:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture(scope="module")
def result(demo_case: Triaged) -> Correlation:
    return correlate(demo_case.case)


def test_the_entry_point_is_the_upload_post(result: Correlation, demo_case: Triaged) -> None:
    entry = demo_case.truth.entry_point
    assert result.entry_points, result.gaps
    best = result.entry_points[0]
    assert best.request.method == entry.method
    assert best.request.path == urlsplit(entry.url).path
    assert best.request.ip == demo_case.truth.attacker_ips[0]
    # The log holds whole seconds: the request's logged time is its second.
    assert best.request.time_ns == entry.request_ns // 1_000_000_000 * 1_000_000_000
    assert best.request.source_file == entry.log_path
    assert best.request.source_line == line_number(demo_case.host.path(entry.log_path), entry.log_line)
    assert best.created == entry.created
    assert any("never logged in" in reason for reason in best.reasons)
    assert any("admin or upload" in reason for reason in best.reasons)
    # Requests sent through the webshell are the attacker at work, not candidates for the way in.
    assert all(c.request.path != "/images/thumb_cache.php" for c in result.entry_points)


def test_every_attacker_address_is_named(result: Correlation, demo_case: Triaged) -> None:
    assert set(demo_case.truth.attacker_ips) <= set(result.attacker_addresses)
    client = next(a for a in result.addresses if a.ip == demo_case.truth.attacker_ips[0])
    assert client.role == "client" and not client.logged_in
    assert client.sites == ("shop.example-client.de",)
    assert client.requests == sum(1 for r in demo_case.truth.attacker_requests if r.ip == client.ip)
    payload = next(a for a in result.addresses if a.ip == demo_case.truth.attacker_ips[1])
    assert payload.role == "mentioned" and payload.mentioned_in


def test_every_malicious_file_is_linked_or_listed(result: Correlation, demo_case: Triaged) -> None:
    linked = {link.file.path for link in result.links}
    written = {change.path for change in result.service_changes}
    for path in demo_case.truth.malicious_paths():
        assert path in linked | written, path
    # The ones whose times survived the copy into the tree are tied to the request that made them.
    creators = {link.file.path: link.creator for link in result.links if link.creator is not None}
    for path in (demo_case.truth.entry_point.created, "/tmp/.X11-cache/kworkerd", "/var/spool/cron/crontabs/www-data"):
        assert path in creators, path
        assert creators[path].ip == demo_case.truth.attacker_ips[0]


def test_the_story_starts_with_the_upload_and_the_webshell(result: Correlation, demo_case: Triaged) -> None:
    truth = demo_case.truth
    first = result.story[0]
    assert "POSTed to /admin/upload.php on shop.example-client.de" in first.text
    assert "images/thumb_cache.php" in first.text
    assert first.utc.startswith("2026-11-21 22:41:17 UTC")
    assert first.local.startswith("2026-11-21 23:41:17 CET")  # the host's own zone
    assert f"{truth.entry_point.log_path}:" in first.refs[0]
    assert truth.entry_point.created in first.refs
    texts = [line.text for line in result.story]
    assert any("'id'" in text for text in texts)
    assert any("kworkerd" in text and "198.51.100.23" in text for text in texts)
    times = [line.time_ns for line in result.story if not line.text.startswith("(before")]
    assert times == sorted(times)


def test_benign_noise_is_not_reported_as_attack(result: Correlation, demo_case: Triaged) -> None:
    # Rotated logs are benign changes too, but citing the log line is the point: only files that changed count.
    noise = {n.path for n in demo_case.truth.benign_noise if n.category != "log-rotation"}
    story = " ".join(line.text + " ".join(line.refs) for line in result.story)
    for path in noise:
        assert path not in story
    assert not noise & {c.created for c in result.entry_points}
    assert not noise & {link.file.path for link in result.links if link.creator is not None}
    assert set(result.attacker_addresses) <= set(demo_case.truth.attacker_ips)
    shop_uploads = [n for n in demo_case.truth.benign_noise if n.category == "shop-admin-upload"]
    assert shop_uploads and not any(n.path in story for n in shop_uploads)


def test_triage_findings_carry_log_line_and_file(demo_case: Triaged) -> None:
    truth = demo_case.truth
    case = Case.open(demo_case.case)
    source = RootSource(str(demo_case.root))
    try:
        found = triage_findings(case, source=source)
    finally:
        source.close()
    by_check = {f.check: f for f in found}
    entry = by_check["correlate.entry-point"]
    assert entry.severity == Severity.CRITICAL
    assert entry.evidence[0].path == truth.entry_point.log_path
    assert entry.evidence[0].line == line_number(
        demo_case.host.path(truth.entry_point.log_path), truth.entry_point.log_line
    )
    webshell = next(m for m in truth.malicious if m.path == truth.entry_point.created)
    assert entry.evidence[1].path == webshell.path
    assert entry.evidence[1].sha256 == webshell.sha256
    assert "203.0.113.77" in by_check["correlate.addresses"].title
    assert by_check["correlate.story"].evidence[0].path == truth.entry_point.log_path
    assert (demo_case.case / "report" / "correlation.json").is_file()
    noise = {n.path for n in truth.benign_noise if n.category != "log-rotation"}
    for finding in found:
        if finding.severity >= Severity.HIGH:
            assert not noise & {e.path for e in finding.evidence}


def test_an_unwiped_host_raises_no_wiping_finding(demo_case: Triaged) -> None:
    from tests.demo.wiped_checks import WIPING_CHECKS

    report = json.loads((demo_case.case / "report" / "triage.json").read_text(encoding="utf-8"))
    assert not WIPING_CHECKS & {f["check"] for f in report["findings"]}
    assert not demo_case.truth.wiping and not demo_case.truth.not_established


def test_a_smaller_skew_drops_links_that_need_more(demo_case: Triaged) -> None:
    tight = correlate(demo_case.case, skew_s=0.05)
    # The webshell's time is about a second after its logged request second: with 0.05 s it still fits
    # (a logged second covers the whole second); the downloaded bot, 1.2 s later, no longer does.
    linked = {link.file.path for link in tight.links if link.creator is not None}
    assert "/tmp/.X11-cache/kworkerd" not in linked
    assert any("kworkerd" in gap for gap in tight.gaps)
