from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import breachkit.cli.main
from tests.conftest import IS_ROOT
from tests.hostile import HostileRoot, snapshot, snapshot_diff

DATA = Path(__file__).resolve().parent.parent / "data" / "timeline"
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def only_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.timeline",))


def run(*args: str) -> int:
    return breachkit.cli.main.main(["timeline", *args])


@pytest.mark.parametrize("fmt", ["table", "json", "bodyfile", "mactime", "timesketch"])
def test_every_format_on_the_hostile_root(
    fmt: str, hostile_root: HostileRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(hostile_root.path)
    assert run("--root", str(hostile_root.path), "--format", fmt) == 0
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert not RAW_CONTROL.findall(stream), "raw control characters reached the output"
    if fmt in ("json", "timesketch"):
        lines = [json.loads(line) for line in out.splitlines()]
        assert out.isascii() and lines
    if fmt == "json":
        summary = lines[0]
        assert summary["record"] == "summary" and summary["entries"] > 100
        assert summary["warnings"] == sum(summary["warning_kinds"].values())
        assert any(line["record"] == "finding" for line in lines)
        assert all(line["path"].startswith("/") for line in lines if line["record"] == "entry")
    assert snapshot_diff(before, snapshot(hostile_root.path), atime=IS_ROOT) == []


def test_window_on_the_demo_bundle(demo_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--bundle", str(demo_bundle), "--format", "json", "--tz", "Europe/Berlin", "--no-findings"]
    assert run(*args, "--from", "2026-11-21 23:30", "--to", "2026-11-21 23:59", "--times", "b") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    entries = [line for line in lines if line["record"] == "entry"]
    born = {line["path"] for line in entries}
    assert "/tmp/.X11-cache/kworkerd" in born
    assert all(line["macb"] == "...b" for line in entries)
    assert not any(line["record"] == "finding" for line in lines)
    assert run(*args, "--around", "2026-11-21 23:44", "--span", "1m", "--tz", "host") == 0
    around = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(line.get("path") == "/tmp/.X11-cache/kworkerd" for line in around)


def test_case_gets_the_tables_the_findings_and_a_journal_entry(demo_bundle: Path, tmp_path: Path) -> None:
    from breachkit import tables
    from breachkit.case.journal import verify

    case = tmp_path / "case"
    out = tmp_path / "web01.body"
    assert run("--bundle", str(demo_bundle), "--case", str(case), "--format", "bodyfile", "--output", str(out)) == 0
    assert out.read_text().count("\n") > 500
    con = tables.connect(case, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM files").fetchone()[0] > 500
        assert con.execute("SELECT count(*) FROM fs_events WHERE kind LIKE '%b'").fetchone()[0] > 500
    finally:
        con.close()
    findings = [json.loads(line) for line in (case / "db" / "timeline_findings.jsonl").read_text().splitlines()]
    assert any(f["check"] == "timeline.timestomp" for f in findings)
    journal = [json.loads(line) for line in (case / "journal.jsonl").read_text().splitlines()]
    entry = next(e for e in journal if e.get("action") == "timeline")
    assert "web01.body" in json.dumps(entry)
    assert verify(case).ok


def test_bodyfile_and_uac_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--bodyfile", str(DATA / "bodyfile" / "malformed.body"), "--format", "json") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["warning_kinds"] == {"malformed-line": 5}
    assert [line["path"] for line in lines if line["record"] == "entry"] == ["/good/one", "/good/two"]

    assert run("--bundle", str(DATA / "uac" / "web01"), "--format", "json") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    summary = lines[0]
    assert summary["input"] == "uac" and summary["host_zone"] == "Europe/Berlin"
    rows = {line["path"]: line for line in lines if line["record"] == "entry"}
    assert rows["/var/www/html/shell.php"]["user"] == "www-data"
    assert rows["/var/www/html/shell.php"]["atime_ns"] == 1795301000_100000000
    assert rows["/var/www/html/shell.php"]["precision_ns"] == 1
    orphan = next(line for line in lines if line.get("check") == "timeline.orphan-owner")
    assert "uid 1005" in json.dumps(orphan)


def test_bad_arguments_are_errors_not_tracebacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--bodyfile", str(tmp_path / "missing"), "--format", "json") == 2
    assert "not a file" in capsys.readouterr().err
    body = DATA / "bodyfile" / "fls_web01.body"
    assert run("--bodyfile", str(body), "--from", "yesterday") == 2
    assert run("--bodyfile", str(body), "--around", "2026-11-21", "--from", "2026-11-20") == 2
    assert run("--bodyfile", str(body), "--tz", "Mars/Base") == 2
