"""``breachkit indicators`` and ``breachkit hunt``: formats, journal, hostile names in the output."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.case import Case
from breachkit.case.journal import iter_entries
from breachkit.indicators import export
from breachkit.indicators.model import Indicator
from tests.hostile import HostileRoot, snapshot, snapshot_diff
from tests.indicators.conftest import DemoCase, backup, before_attack

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.indicators", "breachkit.cli.hunt"))


def _actions(case: Path) -> list[str]:
    return [entry["action"] for _, entry in iter_entries(case / "journal.jsonl") if entry is not None]


def test_indicators_formats_and_journal(
    demo_case: DemoCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main = breachkit.cli.main.main
    assert main(["indicators", str(demo_case.case), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "breachkit-indicators" and data["indicators"]
    assert main(["indicators", str(demo_case.case)]) == 0
    table = capsys.readouterr().out
    assert "thumb_cache.php" in table and "indicators from" in table
    out = tmp_path / "exports"
    for fmt, target in (("stix", out / "iocs.stix.json"), ("csv", out / "iocs.csv"), ("loki", out / "loki")):
        assert main(["indicators", str(demo_case.case), "--format", fmt, "--out", str(target)]) == 0
    assert (out / "loki" / "hash-iocs.txt").is_file()
    assert json.loads((out / "iocs.stix.json").read_text())["type"] == "bundle"
    entries = [e for _, e in iter_entries(demo_case.case / "journal.jsonl") if e and e["action"] == "indicators.export"]
    assert len(entries) == 3 and all(e["outputs"] for e in entries)
    assert main(["indicators", str(demo_case.case), "--out", str(out / "x")]) == 2  # table cannot be written


def test_hunt_archives_with_case_proves_the_backup(
    demo_case: DemoCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main = breachkit.cli.main.main
    iocs = tmp_path / "iocs.json"
    assert main(["indicators", str(demo_case.case), "--format", "json", "--out", str(iocs)]) == 0
    clean = backup(tmp_path / "www-2026-10-01.tar.gz", before_attack(demo_case))
    infected = backup(tmp_path / "www-2026-11-28.tar.gz", demo_case.entries)
    case = tmp_path / "other-case"
    capsys.readouterr()
    code = main(
        [
            "hunt",
            "--iocs",
            str(iocs),
            "--archive",
            str(infected),
            "--archive",
            str(clean),
            "--format",
            "json",
            "--case",
            str(case),
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["newest_clean"] == str(clean)
    assert {t["status"] for t in data["targets"]} == {"clean", "infected"}
    assert "hunt" in _actions(case)
    report = next((case / "report").glob("hunt-*.json"))
    assert json.loads(report.read_text())["newest_clean"] == str(clean)
    assert main(["hunt", "--iocs", str(iocs), "--archive", str(infected)]) == 0
    table = capsys.readouterr().out
    assert "INFECTED" in table and "tmp/.X11-cache/kworkerd" in table


def test_hunt_needs_a_target_and_iocs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    iocs = tmp_path / "iocs.json"
    iocs.write_text(export.to_json([Indicator("ip", "192.0.2.1", 0.9, "high", "x")]))
    assert breachkit.cli.main.main(["hunt", "--iocs", str(iocs)]) == 2
    assert "--archive" in capsys.readouterr().err
    assert breachkit.cli.main.main(["hunt", "--iocs", str(tmp_path / "none"), "--archive", str(iocs)]) == 2


def test_hunt_on_the_hostile_root_escapes_names(
    hostile_root: HostileRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [os.fsdecode(p.rsplit("/", 1)[-1].encode("utf-8", "surrogateescape")) for p in hostile_root.hostile_paths]
    items = [Indicator("filename", name, 0.9, "high", "hostile name") for name in names if name]
    iocs = tmp_path / "iocs.json"
    iocs.write_text(export.to_json(items))
    before = snapshot(hostile_root.path)
    case = tmp_path / "case"
    Case.init(case, "hostile", "tester")
    assert (
        breachkit.cli.main.main(["hunt", "--iocs", str(iocs), "--root", str(hostile_root.path), "--case", str(case)])
        == 0
    )
    captured = capsys.readouterr()
    assert snapshot_diff(before, snapshot(hostile_root.path)) == []
    assert "Indicator found" in captured.out
    assert not RAW_CONTROL.findall(captured.out + captured.err)
    assert breachkit.cli.main.main(["indicators", str(case), "--format", "loki"]) == 0  # hunt hits are not re-used
    assert "hash-iocs.txt" in capsys.readouterr().out


def test_indicators_table_escapes_hostile_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    case = Case.init(tmp_path / "case", "hostile", "tester")
    shutil.copy(Path(__file__).parents[1] / "data" / "indicators" / "findings.jsonl", case.db_dir / "findings.jsonl")
    with (case.db_dir / "findings.jsonl").open("a") as handle:
        finding = {
            "check": "detect.file",
            "title": "x",
            "severity": "high",
            "confidence": 0.9,
            "reason": "r",
            "evidence": [{"path": "/tmp/\x1b[31mred\x1b]0;t\x07", "sha256": "1" * 64}],
        }
        handle.write(json.dumps(finding) + "\n")
    assert breachkit.cli.main.main(["indicators", str(case.root)]) == 0
    out = capsys.readouterr().out
    assert not RAW_CONTROL.findall(out)
    assert "/tmp/.a" in out
