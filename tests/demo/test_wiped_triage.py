"""Triage of the "wiped" demo host built as a folder: the story from what the attacker left, and the wiping."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from breachkit import triage
from breachkit.correlate import Correlation, correlate
from breachkit.demo import DemoHost, build_tree
from breachkit.findings import Finding
from breachkit.report import write_report
from tests.demo import wiped_checks


@dataclass(frozen=True)
class Triaged:
    host: DemoHost
    findings: tuple[Finding, ...]
    correlation: Correlation
    case: Path


@pytest.fixture(scope="module")
def triaged(tmp_path_factory: pytest.TempPathFactory) -> Triaged:
    work = tmp_path_factory.mktemp("wiped")
    host = build_tree(work / "root", scenario="wiped")
    result = triage.run(root=str(host.root), case_dir=work / "case")
    assert all(run.ok for run in result.analyses), [run.error for run in result.analyses]
    return Triaged(host, result.findings, correlate(work / "case"), work / "case")


def test_names_the_entry_request(triaged: Triaged) -> None:
    wiped_checks.check_entry(triaged.findings, triaged.correlation, triaged.host.ground_truth, triaged.host.path)


def test_names_every_attacker_address(triaged: Triaged) -> None:
    wiped_checks.check_addresses(triaged.findings, triaged.correlation, triaged.host.ground_truth)


def test_names_every_dropped_file(triaged: Triaged) -> None:
    wiped_checks.check_dropped_files(triaged.findings, triaged.correlation, triaged.host.ground_truth)


def test_reports_no_benign_noise_at_high_severity(triaged: Triaged) -> None:
    wiped_checks.check_no_noise(triaged.findings, triaged.host.ground_truth)


def test_reports_the_wiping(triaged: Triaged) -> None:
    wiped_checks.check_wiping(triaged.findings, triaged.host.ground_truth)
    # a folder cannot carry birth times: the rewritten log is noticed by its end, not its birth
    assert "logs.log-rewritten" not in {f.check for f in triaged.findings}


def test_ground_truth_beside_the_root(triaged: Triaged) -> None:
    path = Path(triaged.host.ground_truth_path)
    assert path.parent == Path(triaged.host.root).parent
    assert '"scenario": "wiped"' in path.read_text(encoding="utf-8")


def test_the_report_names_the_way_in_every_address_and_file_and_the_wiping(triaged: Triaged) -> None:
    truth = triaged.host.ground_truth
    data = json.loads(write_report(triaged.case, "json").read_text(encoding="ascii"))
    request = data["entry_point"]["request"]
    assert (request["method"], request["ip"]) == (truth.entry_point.method, truth.attacker_ips[0])
    assert truth.entry_point.url.endswith(request["target"])
    assert request["where"].startswith(truth.entry_point.log_path + ":")
    assert set(truth.attacker_ips) <= {a["ip"] for a in data["addresses"]}
    assert {m.path for m in truth.malicious} <= {d["path"] for d in data["dropped"]}
    noise = {n.path for n in truth.benign_noise}
    assert not noise & {d["path"] for d in data["dropped"]}
    for finding in data["findings"]:
        if finding["severity"] in ("critical", "high"):
            assert not noise & {e.get("path") for e in finding["evidence"] if e.get("line") is None}, finding["title"]
    checks = {f["check"] for f in data["findings"]}
    assert {"logs.log-stopped", "logs.login-records-tampered", "logs.history-disabled"} <= checks
    titles = {lesson["title"] for lesson in data["lessons"]}
    assert {"Ship logs off the host", "Harden remote log-in"} <= titles
    assert {"anna", "root"} <= {a["name"] for a in data["accounts"]}
    assert data["gaps"]  # what the wiping took is said, not glossed over
