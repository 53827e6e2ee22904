"""The playbook: steps, recorded state, proofs from the journal, and the command."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.case import Case
from breachkit.case.journal import iter_entries
from breachkit.errors import CaseError, UsageError
from breachkit.indicators import export
from breachkit.indicators.model import Indicator
from breachkit.playbook import STEPS, mark, view
from breachkit.playbook.state import next_step

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EXPECTED = (
    "contain",
    "preserve",
    "investigate",
    "credentials",
    "other-systems",
    "notify",
    "rebuild",
    "restore",
    "monitor",
    "report",
    "lessons",
)


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        breachkit.cli.main,
        "COMMAND_MODULES",
        ("breachkit.cli.playbook", "breachkit.cli.hunt", "breachkit.cli.baseline"),
    )


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return Case.init(tmp_path / "case", "web01 incident", "anna")


def test_steps_are_the_response_in_order_and_explain_themselves() -> None:
    assert tuple(step.id for step in STEPS) == EXPECTED
    for step in STEPS:
        assert step.title and step.what and step.why
        assert bool(step.proved_by) == (step.proof is not None)


def test_new_case_starts_with_contain(case: Case) -> None:
    views = view(case)
    assert [v.status for v in views] == ["todo"] * len(EXPECTED)
    upcoming = next_step(views)
    assert upcoming is not None and upcoming.step.id == "contain"


def test_mark_is_journaled_with_the_file_hash(case: Case) -> None:
    mark(case, "contain", "done", note="egress blocked with nft, all but 443 to the payment provider")
    mark(case, "notify", "skipped", note="no personal data on the host")
    data = json.loads(case.playbook_path.read_text())
    assert data["steps"]["contain"]["status"] == "done" and data["steps"]["contain"]["who"] == "anna"
    entries = [e for _, e in iter_entries(case.root / "journal.jsonl") if e and e["action"] == "playbook.update"]
    assert [e["details"]["step"] for e in entries] == ["contain", "notify"]
    assert entries[-1]["outputs"][0]["path"] == "playbook.json"
    views = {v.step.id: v for v in view(case)}
    assert views["contain"].status == "done" and not views["contain"].proven
    assert views["notify"].status == "skipped"
    upcoming = next_step(view(case))
    assert upcoming is not None and upcoming.step.id == "preserve"


def test_mark_refuses_unknown_steps_and_silent_skips(case: Case) -> None:
    with pytest.raises(UsageError, match="the steps are"):
        mark(case, "panic", "done")
    with pytest.raises(UsageError, match="--note"):
        mark(case, "notify", "skipped")
    assert not case.playbook_path.exists()


def test_damaged_state_says_how_to_recover(case: Case) -> None:
    case.playbook_path.write_text("{broken")
    with pytest.raises(CaseError, match=r"playbook\.update"):
        view(case)


def test_proofs_from_hunt_baseline_and_report(case: Case, tmp_path: Path) -> None:
    main = breachkit.cli.main.main
    iocs = tmp_path / "iocs.json"
    iocs.write_text(export.to_json([Indicator("sha256", "a" * 64, 0.9, "critical", "webshell")]))
    archive = tmp_path / "www-2026-11-01.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("var/www/html/index.php")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"<?php"))
    root = tmp_path / "rebuilt"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("web01\n")
    assert main(["hunt", "--iocs", str(iocs), "--archive", str(archive), "--case", str(case.root)]) == 0
    assert main(["hunt", "--iocs", str(iocs), "--root", str(root), "--case", str(case.root)]) == 0
    rules = tmp_path / "rules"
    rules.write_text("/etc ALL\n")
    db = tmp_path / "base.jsonl.gz"
    assert (
        main(
            [
                "baseline",
                "create",
                "--root",
                str(root),
                "--rules",
                str(rules),
                "--out",
                str(db),
                "--quiet",
                "--case",
                str(case.root),
            ]
        )
        == 0
    )
    report = case.report_dir / "incident.html"
    report.write_text("<html>report</html>")
    case.journal.append("report", {"format": "html"}, outputs=[report])
    views = {v.step.id: v for v in view(case)}
    for step in ("restore", "other-systems", "monitor", "report"):
        assert views[step].proven and views[step].status == "done", step
    assert str(archive) in views["restore"].proofs[0].summary
    assert not views["preserve"].proven


def test_infected_backup_proves_nothing(case: Case, tmp_path: Path) -> None:
    content = b"<?php eval($_POST[1]);"
    iocs = tmp_path / "iocs.json"
    import hashlib

    iocs.write_text(export.to_json([Indicator("sha256", hashlib.sha256(content).hexdigest(), 0.9, "critical", "x")]))
    archive = tmp_path / "b.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("x.php")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    assert (
        breachkit.cli.main.main(["hunt", "--iocs", str(iocs), "--archive", str(archive), "--case", str(case.root)]) == 0
    )
    views = {v.step.id: v for v in view(case)}
    assert not views["restore"].proven


def test_triage_proves_preserve_and_investigate(tmp_path: Path) -> None:
    from breachkit import triage
    from tests.hostile import build_hostile_root

    hostile = build_hostile_root(tmp_path / "root")
    result = triage.run(root=str(hostile.path), case_dir=tmp_path / "case")
    views = {v.step.id: v for v in view(result.case)}
    assert views["preserve"].proven and views["investigate"].proven
    assert "manifest" in views["preserve"].proofs[0].summary


def test_command_shows_marks_and_escapes_notes(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    main = breachkit.cli.main.main
    hostile = "done \x1b[2J\x1b]0;owned\x07 <script>alert(1)</script>"
    assert main(["playbook", str(case.root), "done", "contain", "--note", hostile]) == 0
    out = capsys.readouterr().out
    assert not RAW_CONTROL.findall(out)
    assert "Next: Preserve evidence" in out
    assert main(["playbook", str(case.root), "skip", "notify"]) == 2
    assert "--note" in capsys.readouterr().err
    assert main(["playbook", str(case.root), "done"]) == 2
    assert main(["playbook", str(case.root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["next"] == "preserve"
    assert data["steps"][0]["state"]["note"] == hostile


def test_evidence_refs_must_be_journal_entries(case: Case) -> None:
    with pytest.raises(UsageError, match="no journal entry 99"):
        mark(case, "credentials", "done", note="rotated", evidence=[99])
    state = mark(case, "credentials", "done", note="rotated", evidence=[0])
    assert state.evidence == (0,)
