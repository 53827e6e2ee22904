"""``breachkit packages verify`` and ``breachkit baseline``: formats, exit status, signing, case journal, triage hook."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.case import Case
from breachkit.integrity import triage_findings
from breachkit.sources import RootSource
from tests.conftest import IS_ROOT
from tests.hostile import build_hostile_root, snapshot, snapshot_diff
from tests.integrity.test_dpkg_verify import ELF, server

Cli = Callable[[list[str]], int]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.packages", "breachkit.cli.baseline"))
    return breachkit.cli.main.main


def test_packages_verify_json_and_exit_status(tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    root = server(tmp_path / "root")
    assert cli(["packages", "verify", "--root", str(root), "--format", "json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["problems"] == [] and clean["managers"] == ["dpkg"] and clean["packages"] == 3
    (root / "usr/bin/ls").write_bytes(ELF + b"trojan")
    assert cli(["packages", "verify", "--root", str(root), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [p["path"] for p in data["problems"]] == ["/usr/bin/ls"]
    assert data["findings"][0]["check"] == "integrity.packages-changed"


def test_packages_verify_text_escapes_and_journals(
    tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    root = server(tmp_path / "root")
    (root / "usr/bin/\x1b[31mevil\nx").write_bytes(ELF)
    os.chmod(root / "usr/bin/\x1b[31mevil\nx", 0o755)
    case = tmp_path / "case"
    assert cli(["packages", "verify", "--root", str(root), "--case", str(case)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31mevil\\nx" in out
    entries = [json.loads(line) for line in (case / "journal.jsonl").read_text().splitlines()]
    last = entries[-1]
    assert last["action"] == "packages.verify" and last["details"]["unowned"] == 1
    assert last["outputs"][0]["path"].endswith("packages-verify.json")


def test_packages_verify_on_hostile_root(tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    host = build_hostile_root(tmp_path / "root")
    server(host.path)
    before = snapshot(host.path)
    assert cli(["packages", "verify", "--root", str(host.path)]) in (0, 1)
    assert "\x1b" not in capsys.readouterr().out
    assert snapshot_diff(before, snapshot(host.path), atime=IS_ROOT) == []


def test_baseline_sign_verify_and_journal(tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    from breachkit.case.signing import generate_keypair

    root = server(tmp_path / "root")
    key, pub, _raw = generate_keypair(tmp_path / "key")
    db = tmp_path / "base.jsonl.gz"
    case = tmp_path / "case"
    rules = tmp_path / "rules"
    rules.write_text("/usr BIN\n/etc ALL\n")
    args = ["--root", str(root), "--case", str(case), "--quiet"]
    assert cli(["baseline", "create", *args, "--rules", str(rules), "--out", str(db), "--sign-key", str(key)]) == 0
    assert Path(str(db) + ".sig").exists()
    assert cli(["baseline", "check", *args, "--db", str(db), "--verify-key", str(pub)]) == 0
    (root / "usr/bin/ls").write_bytes(b"trojan")
    capsys.readouterr()
    assert cli(["baseline", "check", *args, "--db", str(db), "--verify-key", str(pub), "--format", "json"]) == 4
    report = json.loads(capsys.readouterr().out)
    assert report["changes"][0]["path"] == "/usr/bin/ls"
    # A database re-made by the intruder (valid footer, no valid signature) is refused.
    other_key, _other_pub, _ = generate_keypair(tmp_path / "other")
    assert (
        cli(
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
                "--sign-key",
                str(other_key),
            ]
        )
        == 0
    )
    assert cli(["baseline", "check", *args, "--db", str(db), "--verify-key", str(pub)]) == 19
    assert "signed with a different key" in capsys.readouterr().err
    actions = [json.loads(line)["action"] for line in (case / "journal.jsonl").read_text().splitlines()]
    assert actions.count("baseline.create") == 1 and actions.count("baseline.check") == 2


def test_baseline_update_journals_both_hashes(tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    root = server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    case = tmp_path / "case"
    rules = tmp_path / "rules"
    rules.write_text("/usr BIN\n")
    assert cli(["baseline", "create", "--root", str(root), "--rules", str(rules), "--out", str(db), "--quiet"]) == 0
    (root / "usr/bin/new").write_bytes(b"new")
    assert cli(["baseline", "update", "--root", str(root), "--db", str(db), "--case", str(case), "--quiet"]) == 5
    entry = json.loads((case / "journal.jsonl").read_text().splitlines()[-1])
    assert entry["action"] == "baseline.update"
    assert entry["details"]["db_sha256"] != entry["details"]["previous_db_sha256"]
    assert entry["outputs"][0]["sha256"] == entry["details"]["db_sha256"]


def test_triage_hook_writes_the_report_into_the_case(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    (root / "usr/sbin/sshd").write_bytes(ELF + b"backdoor")
    case = Case.init(tmp_path / "case", name="t", examiner="tester")
    found = triage_findings(case, RootSource(str(root)))
    assert found[0].check == "integrity.packages-changed"
    assert [e.path for e in found[0].evidence] == ["/usr/sbin/sshd"]
    saved = json.loads((case.root / "db/packages.json").read_text())
    assert saved["problems"][0]["path"] == "/usr/sbin/sshd"


def test_baseline_commands_on_hostile_root(tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    host = build_hostile_root(tmp_path / "root")
    before = snapshot(host.path)
    rules = tmp_path / "rules"
    rules.write_text("/ ALL\n")
    db = tmp_path / "db.jsonl"
    assert cli(["baseline", "create", "--root", str(host.path), "--rules", str(rules), "--out", str(db)]) == 0
    assert cli(["baseline", "check", "--root", str(host.path), "--db", str(db)]) == 0
    assert cli(["baseline", "update", "--root", str(host.path), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x1b" not in captured.err
    assert snapshot_diff(before, snapshot(host.path), atime=IS_ROOT) == []
