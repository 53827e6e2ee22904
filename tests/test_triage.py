"""``breachkit triage`` end to end on a small server tree: case, evidence, findings, journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breachkit import triage
from breachkit.case import Case
from breachkit.case.journal import verify
from breachkit.cli.main import main
from breachkit.findings import Finding, Severity
from tests.serverfs import clean_server, write


def compromised(root: Path) -> Path:
    clean_server(root)
    write(root, "/var/www/shop/images/thumb_cache.php", "<?php @eval(base64_decode($_POST['x'])); ?>")
    write(root, "/tmp/.X11-cache/kworkerd", b"\x7fELF" + b"flood" * 20, 0o755)
    return root


def test_triage_collects_analyses_and_journals(tmp_path: Path) -> None:
    root = compromised(tmp_path / "host")
    result = triage.run(root=str(root), case_dir=tmp_path / "case", examiner="anna")
    assert result.host == "web01"
    assert result.bundle.is_relative_to(tmp_path / "case" / "evidence")
    assert (result.bundle / "root/etc/passwd").read_bytes() == (root / "etc/passwd").read_bytes()
    checks = {f.check for f in result.findings}
    assert {"detect.file", "timeline.temp-executables"} <= checks
    hidden_tool = next(f for f in result.findings if f.check == "timeline.temp-executables")
    assert hidden_tool.severity == Severity.HIGH
    assert [e.path for e in hidden_tool.evidence] == ["/tmp/.X11-cache/kworkerd"]
    report = json.loads(result.report.read_text())
    assert report["manifest_sha256"] == result.collection.manifest_sha256
    assert len(report["findings"]) == len(result.findings)
    outcome = verify(tmp_path / "case" / "journal.jsonl")
    assert outcome.ok
    actions = [json.loads(line)["action"] for line in (tmp_path / "case/journal.jsonl").read_text().splitlines()]
    assert actions[0] == "case.init" and "triage" in actions
    assert not (tmp_path / "case" / "incoming").exists()


def test_second_triage_reuses_the_case(tmp_path: Path) -> None:
    root = compromised(tmp_path / "host")
    triage.run(root=str(root), case_dir=tmp_path / "case")
    triage.run(root=str(root), case_dir=tmp_path / "case")
    case = Case.open(tmp_path / "case")
    assert len(list((case.root / "evidence" / "bundles").iterdir())) == 2
    assert verify(tmp_path / "case" / "journal.jsonl").ok


def test_case_inside_the_root_is_left_out_of_the_walk(tmp_path: Path) -> None:
    root = compromised(tmp_path)
    result = triage.run(root=str(root), case_dir=root / "cases" / "c1")
    walked = (result.bundle / "walk.jsonl").read_text()
    assert '"/cases/c1/' not in walked


def test_cli_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = compromised(tmp_path / "host")
    assert main(["triage", "--root", str(root), "--case", str(tmp_path / "case"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["host"] == "web01"
    assert any(f["check"] == "detect.file" for f in data["findings"])


def test_cli_table_output_names_the_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = compromised(tmp_path / "host")
    assert main(["triage", "--root", str(root), "--case", str(tmp_path / "case")]) == 0
    out = capsys.readouterr().out
    assert "PHP webshell" in out
    assert "/var/www/shop/images/thumb_cache.php" in out
    assert str(tmp_path / "case") in out


def test_missing_root_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--root", str(tmp_path / "nope"), "--case", str(tmp_path / "case")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_a_failing_analysis_is_reported_and_the_others_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: triage.TriageContext) -> list[Finding]:
        raise RuntimeError("parser fell over")

    monkeypatch.setattr(triage, "ANALYSES", (("broken analysis", broken), *triage.ANALYSES))
    root = compromised(tmp_path / "host")
    result = triage.run(root=str(root), case_dir=tmp_path / "case")
    failed = [run for run in result.analyses if not run.ok]
    assert [(run.name, run.error) for run in failed] == [("broken analysis", "RuntimeError: parser fell over")]
    assert any(f.check == "detect.file" for f in result.findings)
    assert "parser fell over" in (tmp_path / "case/db/errors.log").read_text()
    report = json.loads(result.report.read_text())
    assert report["analyses"][0]["ok"] is False
