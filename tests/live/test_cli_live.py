"""``breachkit live``: this host, a bundle's live tables, hostile text escaped, the case journalled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.case import Case
from breachkit.host.collect import collect
from breachkit.live import triage_findings
from breachkit.sources.bundle import BundleSource
from tests.hostile import snapshot, snapshot_diff
from tests.live.records import proc, tcp

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def only_live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.live",))


def hostile_bundle(tmp_path: Path) -> Path:
    """A bundle whose live tables carry what an attacker controls: names, command lines, paths."""
    image = tmp_path / "image"
    (image / "etc").mkdir(parents=True)
    bundle = tmp_path / "bundle"
    collect(str(image), str(bundle), walk=False, targets=())
    live = bundle / "live"
    live.mkdir()
    evil = proc(
        4242,
        "\x1b[2J\x1b]0;pwned\x07[red]kworker",
        ["/dev/shm/.x/\nfake line\u202e", "<script>alert(1)</script>"],
        exe="/dev/shm/.x/\x1b[31mkw\udcff",
        exe_deleted=True,
    )
    (live / "processes.jsonl").write_text(json.dumps(evil.to_json()) + "\n")
    flood = [tcp(("10.0.0.5", 30000 + n), ("203.0.113.10", 80), "ESTABLISHED", 100 + n, evil) for n in range(120)]
    (live / "sockets.jsonl").write_text("".join(json.dumps(s.to_json()) + "\n" for s in flood))
    (live / "summary.json").write_text(json.dumps({"collector_pid": 99999, "euid": 0}))
    return bundle


def test_bundle_findings_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = hostile_bundle(tmp_path)
    before = snapshot(bundle)
    assert breachkit.cli.main.main(["live", "--bundle", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert not RAW_CONTROL.findall(out), out
    assert "Processes running from deleted" in out and "Floods of connections" in out
    assert "\\x1b[2J" in out and "\\n" in out
    # Contents, names and modes unchanged; a bundle's access times are not evidence (its manifest is).
    assert snapshot_diff(before, snapshot(bundle), atime=False) == []


def test_json_format_and_case_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = hostile_bundle(tmp_path)
    case_dir = tmp_path / "case"
    code = breachkit.cli.main.main(["live", "--bundle", str(bundle), "--format", "json", "--case", str(case_dir)])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    checks = {f["check"] for f in document["findings"]}
    assert {"live.deleted-exe", "live.exe-location", "live.connection-flood"} <= checks
    case = Case.open(case_dir)
    entries = [json.loads(line) for line in (case.root / "journal.jsonl").read_text().splitlines()]
    (entry,) = [e for e in entries if e.get("action") == "live"]
    reports = list(case.report_dir.glob("live-*.json"))
    assert len(reports) == 1 and json.loads(reports[0].read_text())["findings"] == document["findings"]
    assert json.dumps(entry).count(reports[0].name) >= 1


def test_a_bundle_from_an_image_says_there_is_no_live_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = tmp_path / "image"
    (image / "etc").mkdir(parents=True)
    collect(str(image), str(tmp_path / "bundle"), walk=False, targets=())
    assert breachkit.cli.main.main(["live", "--bundle", str(tmp_path / "bundle")]) == 0
    assert "no live state" in capsys.readouterr().out

    case = Case.init(tmp_path / "case", name="t", examiner="tester")
    source = BundleSource(tmp_path / "bundle")
    try:
        assert triage_findings(case, source) == []
    finally:
        source.close()
    journal = (case.root / "journal.jsonl").read_text()
    assert "live.skipped" in journal and "no live state" in journal


def test_triage_hook_reads_the_tables(tmp_path: Path) -> None:
    bundle = hostile_bundle(tmp_path)
    source = BundleSource(bundle)
    try:
        findings = triage_findings(None, source)
    finally:
        source.close()
    assert findings[0].check in ("live.deleted-exe", "live.exe-location", "live.connection-flood")
    assert {f.check for f in findings} >= {"live.deleted-exe", "live.connection-flood"}


def test_this_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert breachkit.cli.main.main(["live", "--format", "json", "--no-tools"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["counts"]["processes"] > 1 and document["missing"] is None
