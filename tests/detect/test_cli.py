"""``breachkit scan`` and ``breachkit allowlist build``: JSON, explain, case journal, hostile roots."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.case import Case
from tests.detect.conftest import DATA, place
from tests.hostile import HostileRoot, snapshot, snapshot_diff

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
WEB = "/var/www/shop/htdocs"


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.scan", "breachkit.cli.allowlist"))
    monkeypatch.setenv("XDG_CACHE_HOME", "/nonexistent-cache-dir-for-tests")


@pytest.fixture
def small_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    place(
        root,
        [
            ("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n"),
            (f"{WEB}/images/thumb.php", DATA / "malicious" / "eval_post.php"),
            (f"{WEB}/index.php", DATA / "benign" / "router.php"),
            ("/var/spool/cron/crontabs/www-data", "*/5 * * * * /tmp/.x/run.sh >/dev/null 2>&1\n"),
        ],
    )
    return root


def test_scan_json(small_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert breachkit.cli.main.main(["scan", "--root", str(small_root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_path = {f["evidence"][0]["path"]: f for f in data["findings"] if f["evidence"]}
    shell = by_path[f"{WEB}/images/thumb.php"]
    assert shell["severity"] == "critical" and shell["evidence"][0]["sha256"]
    assert any("rule php_webshells.php_eval_of_request" in (e.get("note") or "") for e in shell["evidence"])
    assert f"{WEB}/index.php" not in by_path
    assert by_path["/var/spool/cron/crontabs/www-data"]["severity"] == "high"
    assert data["engine"] in ("yara-x", "yara-python") and data["files_scanned"] >= 2


def test_scan_table_with_bad_user_rules_and_iocs(
    small_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    iocs = tmp_path / "names.txt"
    iocs.write_text("thumb\\.php$;70\n([;10\n")
    code = breachkit.cli.main.main(
        ["scan", "--root", str(small_root), "--rules", str(DATA / "rules"), "--iocs", str(iocs)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "rule not used" in out and "mixed.yar:16" in out
    assert "IOC line not used" in out
    assert "PHP webshell" in out and "Nothing was changed" in out


def test_explain(small_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        breachkit.cli.main.main(
            ["scan", "--root", str(small_root), "--explain", f"{WEB}/images/thumb.php", "--format", "json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["severity"] == "critical"
    assert data["rules"][0]["strings"][0]["offset"] >= 0
    assert breachkit.cli.main.main(["scan", "--root", str(small_root), "--explain", f"{WEB}/index.php"]) == 0
    assert "No rule, indicator or heuristic matched" in capsys.readouterr().out


def test_scan_into_a_case_is_journalled(small_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_dir = tmp_path / "case"
    assert (
        breachkit.cli.main.main(["scan", "--root", str(small_root), "--case", str(case_dir), "--format", "json"]) == 0
    )
    capsys.readouterr()
    case = Case.open(case_dir)
    reports = list(case.report_dir.glob("scan-*.json"))
    assert len(reports) == 1
    entries = [json.loads(line) for line in (case_dir / "journal.jsonl").read_text().splitlines()]
    scan_entry = next(e for e in entries if e["action"] == "scan")
    assert scan_entry["outputs"] and scan_entry["details"]["findings"] >= 2
    assert case.verify().ok


def test_allowlist_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    release = tmp_path / "wordpress"
    place(release, [("wp-includes/load.php", "<?php // core\n"), ("wp-admin/install.php", "<?php // installer\n")])
    out = tmp_path / "wp.allow"
    assert breachkit.cli.main.main(["allowlist", "build", str(release), "--out", str(out)]) == 0
    lines = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert [line.split("  ")[1] for line in lines] == ["wp-admin/install.php", "wp-includes/load.php"]
    assert "2 files listed" in capsys.readouterr().out
    assert breachkit.cli.main.main(["allowlist", "build", str(tmp_path / "missing"), "--out", str(out)]) == 2


def test_bad_time_window_is_a_usage_error(small_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert breachkit.cli.main.main(["scan", "--root", str(small_root), "--since", "last tuesday"]) == 2
    assert "ISO 8601" in capsys.readouterr().err


def test_hostile_root_changes_nothing_and_output_is_escaped(
    hostile_root: HostileRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    root = hostile_root.path
    before = snapshot(root)
    assert breachkit.cli.main.main(["scan", "--root", str(root), "--all"]) == 0
    table = capsys.readouterr()
    assert breachkit.cli.main.main(["scan", "--root", str(root), "--all", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    after = snapshot(root)
    assert not snapshot_diff(before, after)
    for stream in (table.out, table.err):
        assert not RAW_CONTROL.findall(stream.replace("\n", "")), "raw control characters reached the terminal"
    assert data["files_scanned"] > 0
    text = json.dumps(data)
    assert text.isascii()
