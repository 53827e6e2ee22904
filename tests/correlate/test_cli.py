"""``breachkit correlate CASE``: table and JSON output, journal, errors, the hostile root."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit import triage
from breachkit.case.journal import verify
from breachkit.cli.correlate import print_story
from breachkit.cli.main import main
from tests.correlate.conftest import Triaged
from tests.hostile import HostileRoot, snapshot, snapshot_diff

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def only_correlate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.correlate",))


def test_table_output_tells_the_story(demo_case: Triaged, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["correlate", str(demo_case.case)]) == 0
    out = capsys.readouterr().out
    assert "POSTed to /admin/upload.php on shop.example-client.de" in out
    assert "203.0.113.77" in out and "198.51.100.23" in out
    assert "Affected sites: shop.example-client.de" in out
    assert out.index("The attack") < out.index("Entry point") < out.index("Addresses")
    entries = [json.loads(line)["action"] for line in (demo_case.case / "journal.jsonl").read_text().splitlines()]
    assert entries[-1] == "correlate"
    assert verify(demo_case.case / "journal.jsonl").ok


def test_json_output(demo_case: Triaged, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["correlate", str(demo_case.case), "--format", "json", "--skew", "5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["skew_ns"] == 5_000_000_000
    assert data["entry_points"][0]["request"]["path"] == "/admin/upload.php"
    assert set(demo_case.truth.attacker_ips) <= set(data["attacker_addresses"])
    assert Path(data["report"]).is_file()
    assert data["affected_sites"] == ["shop.example-client.de"]


def test_print_story_for_triage(demo_case: Triaged, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["correlate", str(demo_case.case), "--format", "json"]) == 0
    capsys.readouterr()
    assert print_story(demo_case.case)
    out = capsys.readouterr().out
    assert "What happened" in out and "Likely entry point: POST /admin/upload.php from 203.0.113.77" in out
    assert "correlation.json" in out
    assert not print_story(demo_case.case / "nothing")


def test_errors_say_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["correlate", str(tmp_path / "nope")]) == 2
    assert "error" in capsys.readouterr().err
    breachkit.case.open_or_init(tmp_path / "empty", name="x")
    assert main(["correlate", str(tmp_path / "empty")]) == 2
    assert "breachkit triage" in capsys.readouterr().err
    assert main(["correlate", str(tmp_path / "empty"), "--skew", "0"]) == 2


def test_hostile_root(hostile_root: HostileRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(hostile_root.path)
    triage.run(root=str(hostile_root.path), case_dir=tmp_path / "case")
    capsys.readouterr()
    assert main(["correlate", str(tmp_path / "case"), "--root", str(hostile_root.path)]) == 0
    out = capsys.readouterr()
    assert not RAW_CONTROL.findall(out.out + out.err)
    assert main(["correlate", str(tmp_path / "case"), "--format", "json"]) == 0
    data = capsys.readouterr().out
    assert data.isascii()
    json.loads(data)
    assert not snapshot_diff(before, snapshot(hostile_root.path))
