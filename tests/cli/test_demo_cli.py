"""``breachkit demo`` end to end: the triage of the demo host finds the attack's files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from breachkit.cli.main import main
from breachkit.demo import can_build_image

MUST_FIND = {
    "/var/www/shop.example-client.de/htdocs/images/thumb_cache.php",
    "/tmp/.X11-cache/kworkerd",
    "/var/spool/cron/crontabs/www-data",
}


def flagged_paths(case: Path) -> set[str]:
    report = json.loads((case / "report/triage.json").read_text())
    return {e.get("path") for f in report["findings"] if f["severity"] != "info" for e in f["evidence"]}


def test_demo_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--folder"]) == 0
    out = capsys.readouterr().out
    assert "breachkit triage of web01" in out
    assert "ground_truth.json" in out
    assert flagged_paths(tmp_path / "demo/case") >= MUST_FIND
    truth = json.loads((tmp_path / "demo/ground_truth.json").read_text())
    assert truth["hostname"] == "web01"


def test_demo_wiped_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--folder", "--scenario", "wiped"]) == 0
    out = capsys.readouterr().out
    assert "breachkit triage of web01" in out
    truth = json.loads((tmp_path / "demo/ground_truth.json").read_text())
    assert truth["scenario"] == "wiped" and truth["wiping"]
    assert flagged_paths(tmp_path / "demo/case") >= {m["path"] for m in truth["malicious"]}
    report = json.loads((tmp_path / "demo/case/report/triage.json").read_text())
    checks = {f["check"] for f in report["findings"]}
    assert {"logs.log-cut", "logs.log-stopped", "logs.history-disabled", "logs.lastlog-not-in-wtmp"} <= checks


def test_demo_refuses_an_unknown_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--dir", str(tmp_path / "demo"), "--scenario", "nope"])
    assert exited.value.code == 2
    assert "upload" in capsys.readouterr().err and not (tmp_path / "demo").exists()


def test_demo_refuses_a_used_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x").write_text("mine")
    assert main(["demo", "--dir", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.root
@pytest.mark.skipif(not can_build_image(), reason="needs root and e2fsprogs")
def test_demo_image_finds_the_timestomped_backdoor_and_leaves_nothing_mounted(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    assert main(["demo", "--dir", str(work)]) == 0
    found = flagged_paths(work / "case")
    truth = json.loads((work / "ground_truth.json").read_text())
    assert found >= MUST_FIND
    assert truth["timestomped"]["path"] in found  # only exact birth times (the image) show it
    mounts = Path("/proc/self/mounts").read_text()
    assert str(work) not in mounts
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True, check=False).stdout
    assert str(work / "web01.img") not in loops
    assert os.listdir(work / "root") == []
