"""The report of the demo case names the way in, every attacker address and every dropped file, and no noise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from breachkit.case import Case
from breachkit.case.journal import file_sha256, iter_entries
from breachkit.cli.main import main
from breachkit.playbook import view
from breachkit.report import gather, write_report
from tests.democase import DemoCase

HIGH = ("critical", "high")


@pytest.fixture(scope="module")
def report_json(demo_case: DemoCase) -> dict[str, object]:
    path = write_report(demo_case.case, "json")
    data = json.loads(path.read_text(encoding="ascii"))
    assert isinstance(data, dict)
    return data


def test_names_the_entry_request(report_json: dict, demo_case: DemoCase) -> None:
    truth = demo_case.truth.entry_point
    request = report_json["entry_point"]["request"]
    assert request["method"] == truth.method
    assert truth.url.endswith(request["target"])
    assert request["where"].startswith(truth.log_path + ":")
    assert report_json["entry_point"]["created"] == truth.created
    assert request["ip"] == demo_case.truth.attacker_ips[0]


def test_names_every_attacker_address_and_dropped_file(report_json: dict, demo_case: DemoCase) -> None:
    assert {a["ip"] for a in report_json["addresses"]} == set(demo_case.truth.attacker_ips)
    dropped = {d["path"] for d in report_json["dropped"]}
    assert {m.path for m in demo_case.truth.malicious} <= dropped
    by_path = {d["path"]: d for d in report_json["dropped"]}
    for item in demo_case.truth.malicious:
        if item.sha256:
            assert by_path[item.path]["sha256"] == item.sha256


def test_no_benign_noise_at_high_severity(report_json: dict, demo_case: DemoCase) -> None:
    noise = {n.path for n in demo_case.truth.benign_noise}
    dropped = {d["path"] for d in report_json["dropped"]}
    assert not noise & dropped
    for finding in report_json["findings"]:
        if finding["severity"] in HIGH:
            # Files the finding is about (a log named with a line number is only where the proof is).
            named = {e.get("path") for e in finding["evidence"] if e.get("line") is None}
            assert not noise & named, (finding["title"], noise & named)


def test_affected_site_accounts_and_secrets(report_json: dict, demo_case: DemoCase) -> None:
    entry_site = demo_case.truth.entry_point.url.split("/")[2]
    assert [name for name, _root in report_json["sites"]] == [entry_site]
    assert "www-data" in {a["name"] for a in report_json["accounts"]}
    read = [d["path"] for d in report_json["data_at_risk"] if d["read_in_window"]]
    exposed = [t.path for t in demo_case.truth.traces if "password" in t.what]
    assert exposed and set(exposed) <= set(read)


def test_story_graph_charts_and_lessons(report_json: dict, demo_case: DemoCase) -> None:
    assert report_json["story"][0]["text"].startswith(demo_case.truth.attacker_ips[0])
    labels = {n["label"] for n in report_json["graph"]["nodes"]}
    assert {"thumb_cache.php", "kworkerd", demo_case.truth.attacker_ips[1]} <= labels
    chart = report_json["chart"]
    attackers = next(s for s in chart["series"] if s["name"] == "from attacker addresses")
    assert sum(attackers["counts"]) > 0
    assert report_json["heat_map"]["attack_cell"] == [5, 23]  # Saturday 23:xx in Europe/Berlin
    titles = {lesson["title"] for lesson in report_json["lessons"]}
    assert "Patch and guard the web applications" in titles
    assert "Rotate every secret the attacker could read" in titles
    assert "Harden remote log-in" not in titles  # the SSH noise is low severity only


def test_evidence_and_journal(report_json: dict, demo_case: DemoCase) -> None:
    assert report_json["journal_ok"] is True
    bundles = [e for e in report_json["evidence"] if e["kind"].startswith("bundle")]
    assert bundles and all(e["intact"] for e in bundles)
    assert any(a["action"] == "triage" for a in report_json["actions"])


def test_html_is_self_contained_and_journaled(demo_case: DemoCase) -> None:
    path = write_report(demo_case.case, "html")
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    # No outside resource of any kind: no URL in src/href, no CSS import or url().
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html, re.IGNORECASE)
    assert "@import" not in html and "url(http" not in html
    assert "Content-Security-Policy" in html
    for address in demo_case.truth.attacker_ips:
        assert address in html
    assert "POST /admin/upload.php" in html
    entries = [e for _, e in iter_entries(demo_case.case / "journal.jsonl") if e and e["action"] == "report"]
    output = entries[-1]["outputs"][0]
    assert output["path"] == "report/report.html"
    assert output["sha256"] == file_sha256(path)[0]
    report_step = next(v for v in view(Case.open(demo_case.case)) if v.step.id == "report")
    assert report_step.proven


def test_markdown_and_cli(demo_case: DemoCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.md"
    assert main(["report", str(demo_case.case), "--format", "md", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"report: {out}\n"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Incident report: web01")
    assert "## How they got in" in text and "POST /admin/upload.php" in text
    assert main(["report", str(demo_case.case), "--format", "json", "--out", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "breachkit-report"


def test_gather_does_not_change_the_case(demo_case: DemoCase) -> None:
    journal = (demo_case.case / "journal.jsonl").read_bytes()
    gather(demo_case.case)
    assert (demo_case.case / "journal.jsonl").read_bytes() == journal
