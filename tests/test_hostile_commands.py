"""Every command on the hostile root: finishes, stays in the root, escapes output, changes nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from breachkit.cli.main import main
from tests.conftest import IS_ROOT
from tests.hostile import HostileRoot, snapshot, snapshot_diff

#: Anything a terminal would interpret: C0 controls except newline, DEL, C1, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    repo = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, COLUMNS="200", TERM="dumb", NO_COLOR="1", PYTHONPATH=repo)
    return subprocess.run(
        [sys.executable, "-m", "breachkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=300,
        env=env,
        check=False,
    )


def assert_clean_output(proc: subprocess.CompletedProcess[str]) -> None:
    for stream in (proc.stdout, proc.stderr):
        bad = RAW_CONTROL.findall(stream)
        assert not bad, f"raw control characters reached the terminal: {bad[:5]!r}"
        assert "<script>" not in stream or "alert(1)" in stream  # shown as text, never interpreted


def test_triage_collect_and_case_on_the_hostile_root(hostile_root: HostileRoot, tmp_path: Path) -> None:
    before = snapshot(hostile_root.path)
    case = tmp_path / "case"

    triage = run_cli("triage", "--root", str(hostile_root.path), "--case", str(case), cwd=tmp_path)
    assert triage.returncode == 0, triage.stderr
    assert_clean_output(triage)
    assert "web01" in triage.stdout

    bundle = tmp_path / "bundle"
    collect = run_cli("collect", "--root", str(hostile_root.path), "--out", str(bundle), cwd=tmp_path)
    assert collect.returncode == 0, collect.stderr
    assert_clean_output(collect)

    add = run_cli("case", "add", str(case), str(bundle), cwd=tmp_path)
    assert add.returncode == 0, add.stderr + add.stdout
    assert_clean_output(add)

    for args in (("case", "log", str(case)), ("case", "verify", str(case))):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert_clean_output(proc)

    after = snapshot(hostile_root.path)
    assert snapshot_diff(before, after, atime=IS_ROOT) == []


def test_nothing_outside_the_root_is_read(hostile_root: HostileRoot, tmp_path: Path) -> None:
    """Links to /etc/shadow and ../../etc/passwd resolve inside the root: the analyst's files never leak."""
    case = tmp_path / "case"
    assert main(["triage", "--root", str(hostile_root.path), "--case", str(case), "--format", "json"]) == 0
    bundle = next((case / "evidence" / "bundles").iterdir())
    analyst_shadow_head = b""
    if os.access("/etc/shadow", os.R_OK):
        analyst_shadow_head = Path("/etc/shadow").read_bytes()[:40]
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink() and analyst_shadow_head:
            assert analyst_shadow_head not in path.read_bytes(), f"{path} holds the analyst's /etc/shadow"
    copied = [json.loads(line) for line in (bundle / "copied.jsonl").read_text().splitlines()]
    assert all(record["path"].startswith("/") for record in copied)


def test_triage_json_is_ascii_and_parses(
    hostile_root: HostileRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["triage", "--root", str(hostile_root.path), "--case", str(tmp_path / "case"), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert out.isascii()
    data = json.loads(out)
    assert data["collection"]["warnings"] > 0
    kinds = set(data["warning_kinds"])
    assert {"not-regular", "symlink-loop"} & kinds
