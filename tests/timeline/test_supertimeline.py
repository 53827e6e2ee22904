"""The super timeline of a real case: the demo host triaged, then queried with every filter.

The session's triaged demo case (``demo_case``: logs, findings, file timeline)
is copied, and in the copy the file timeline is reloaded from the scenario's
exact walk (:mod:`tests.timeline.demo_walk`): a folder cannot carry the real
birth times an ext4 image would, and the webshell's birth is what a responder
looks for. The copy also keeps the queries' journal entries out of the shared case.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import breachkit.cli.main
from breachkit import tables
from breachkit.case import Case
from breachkit.demo.truth import GroundTruth
from breachkit.findings import Severity
from breachkit.timeline import open_timeline
from breachkit.timeline.supertimeline import Filters, SuperRow, refresh, rows, undated
from breachkit.timeline.window import NS, Window
from tests.democase import DemoCase

ATTACKER = "203.0.113.77"
SHOP = "shop.example-client.de"


@dataclass(frozen=True)
class MergedCase:
    case: Path
    truth: GroundTruth

    @property
    def webshell(self) -> str:
        return self.truth.entry_point.created


@pytest.fixture(scope="module")
def merged_case(demo_case: DemoCase, tmp_path_factory: pytest.TempPathFactory) -> MergedCase:
    from tests.timeline.demo_walk import write_bundle

    work = tmp_path_factory.mktemp("supertimeline")
    shutil.copytree(demo_case.case, work / "case", symlinks=True)
    exact = write_bundle(work / "exact-walk")
    timeline = open_timeline(bundle=exact, case_root=work / "case")
    timeline.close()
    return MergedCase(work / "case", demo_case.truth)


@pytest.fixture
def con(merged_case: MergedCase) -> Iterator[Any]:
    connection = tables.connect(merged_case.case)
    refresh(connection, merged_case.case)
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def only_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.timeline",))


def cli_json(case: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert breachkit.cli.main.main(["timeline", "--case", str(case), "--format", "json", *args]) == 0
    out = capsys.readouterr().out
    assert out.isascii()
    return [json.loads(line) for line in out.splitlines()]


def events(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["record"] == "event"]


def test_attack_in_one_timeline(merged_case: MergedCase, con: Any) -> None:
    truth = merged_case.truth
    start = Window(truth.attack_start_ns - 60 * NS, truth.attack_end_ns + 60 * NS)
    found = list(rows(con, Filters(window=start)))
    post = [
        r
        for r in found
        if r.origin == "web-access" and r.ip == ATTACKER and r.message.startswith("POST /admin/upload.php")
    ]
    assert len(post) == 1, "the upload POST from the web log"
    upload = post[0]
    assert upload.source == "web" and upload.host == SHOP
    assert upload.time_ns == truth.entry_point.request_ns // NS * NS  # the log keeps whole seconds
    assert upload.pointer.startswith(truth.entry_point.log_path + ":")
    assert upload.severity == "critical" and upload.checks is not None
    assert "logs.web-admin-post-without-login" in upload.checks.split(",")

    webshell = next(m for m in truth.malicious if m.path == merged_case.webshell)
    births = [r for r in found if r.source == "fs" and r.path == webshell.path and "b" in r.kind]
    assert [r.time_ns for r in births] == [webshell.btime_ns]
    assert births[0].severity == "critical", "a file a critical finding names carries its severity"

    detections = [r for r in found if r.origin == "detect.file" and r.path == webshell.path]
    assert len(detections) == 1
    detection = detections[0]
    assert detection.source == "detection" and detection.kind == "finding"
    assert detection.time_ns == webshell.btime_ns and detection.flags == "time-of-file-birth"
    assert detection.severity == "critical" and detection.finding_id is not None

    # In time order: the request, then the file it created, then what was concluded about it.
    assert found.index(upload) < found.index(births[0]) < found.index(detection)
    times = [r.time_ns for r in found]
    assert times == sorted(times)


def test_every_finding_is_dated_or_listed_undated(merged_case: MergedCase, con: Any) -> None:
    stored = (merged_case.case / "db" / "findings.jsonl").read_text().splitlines()
    merged = refresh(con, merged_case.case)
    assert merged.findings == len(stored) and merged.dated + merged.undated == merged.findings
    dated = {r.finding_id for r in rows(con, Filters()) if r.finding_id is not None}
    late = [r for r in undated(con, Filters())]
    assert len(dated) == merged.dated and len(late) == merged.undated > 0
    assert all(r.time_ns is None and r.flags == "undated" for r in late)
    assert "correlate.addresses" in {r.origin for r in late}, "a finding naming only addresses has no time"


def test_ip_filter(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    lines = cli_json(merged_case.case, "--ip", ATTACKER, capsys=capsys)
    summary, found = lines[0], events(lines)
    assert summary["record"] == "summary" and summary["rows"] == len(found) > 60
    for row in found:
        assert row["ip"] == ATTACKER or ATTACKER in row["finding"]["ips"], row
    assert {row["source"] for row in found} >= {"web", "detection", "correlation"}
    assert any(row["message"].startswith("POST /admin/upload.php") for row in found)
    assert all(ATTACKER in row["finding"]["ips"] for row in lines if row["record"] == "undated")
    everything = cli_json(merged_case.case, capsys=capsys)[0]["rows"]
    assert summary["rows"] < everything


def test_severity_filter(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    found = events(cli_json(merged_case.case, "--severity", "high", capsys=capsys))
    assert found
    assert all(row["severity_rank"] is not None and row["severity_rank"] >= Severity.HIGH for row in found)
    assert {row["severity"] for row in found} <= {"high", "critical"}
    assert {row["source"] for row in found} >= {"web", "fs", "detection"}, "events carry their findings' severity"
    critical = events(cli_json(merged_case.case, "--severity", "critical", capsys=capsys))
    assert 0 < len(critical) < len(found)


def test_source_filter(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    web = events(cli_json(merged_case.case, "--source", "web", capsys=capsys))
    assert web and {row["source"] for row in web} == {"web"}
    assert {row["origin"] for row in web} <= {"web-access", "web-error"}
    two = events(cli_json(merged_case.case, "--source", "auth", "--source", "detection", capsys=capsys))
    assert {row["source"] for row in two} == {"auth", "detection"}
    family = events(cli_json(merged_case.case, "--source", "persistence", capsys=capsys))
    assert family and all(row["origin"].startswith("persistence.") for row in family)
    exact = events(cli_json(merged_case.case, "--source", "web-error", capsys=capsys))
    assert exact and {row["origin"] for row in exact} == {"web-error"} and len(exact) < len(web)


def test_path_filter(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = "/tmp/.X11-cache/"
    lines = cli_json(merged_case.case, "--path", prefix, capsys=capsys)
    found = events(lines)
    assert {row["source"] for row in found} >= {"fs", "detection"}
    for row in found:
        paths = [row["path"] or "", row["source_file"] or ""]
        paths += [e.get("path", "") for e in row.get("finding", {}).get("evidence", [])]
        assert any(p.startswith(prefix) for p in paths), row
    fs_paths = {row["path"] for row in found if row["source"] == "fs"}
    assert fs_paths == {"/tmp/.X11-cache/kworkerd", "/tmp/.X11-cache/run.sh"}, "a prefix, not a folder name"
    glob = events(cli_json(merged_case.case, "--path", "/var/www/*/images/*.php", "--source", "fs", capsys=capsys))
    assert {row["path"] for row in glob} == {"/var/www/shop.example-client.de/htdocs/images/thumb_cache.php"}


def test_user_host_and_window_filters(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    owned = events(cli_json(merged_case.case, "--user", "www-data", capsys=capsys))
    assert owned and all(row["user"] == "www-data" for row in owned)
    assert {row["source"] for row in owned} >= {"fs", "detection"}
    site = events(cli_json(merged_case.case, "--host", "SHOP.example-client.de", "--source", "web", capsys=capsys))
    assert site and all(row["host"] == SHOP for row in site)
    truth = merged_case.truth
    around = events(
        cli_json(
            merged_case.case,
            "--around",
            "2026-11-21 23:41:17",
            "--span",
            "2m",
            "--tz",
            "host",
            capsys=capsys,
        )
    )
    middle = truth.entry_point.request_ns // NS * NS
    assert around and all(abs(row["time_ns"] - middle) <= 120 * NS for row in around)
    assert {row["source"] for row in around} >= {"web", "fs", "detection"}
    births = events(cli_json(merged_case.case, "--around", "2026-11-21T22:41:18Z", "--times", "b", capsys=capsys))
    assert all("b" in row["kind"] for row in births if row["source"] == "fs")
    combined = events(
        cli_json(merged_case.case, "--ip", ATTACKER, "--severity", "critical", "--source", "web", capsys=capsys)
    )
    assert combined and all(r["ip"] == ATTACKER and r["severity"] == "critical" for r in combined)


def test_table_and_timesketch(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    run = breachkit.cli.main.main
    assert run(["timeline", "--case", str(merged_case.case), "--ip", ATTACKER]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].split()[:3] == ["time", "source", "severity"]
    post = [line for line in out.splitlines() if "POST /admin/upload.php" in line and " web " in line]
    assert post and "critical" in post[0] and merged_case.truth.entry_point.log_path in post[0]
    assert "undated findings (" in out and "correlate.addresses" in out
    assert "row(s) match" in err

    assert run(["timeline", "--case", str(merged_case.case), "--format", "timesketch", "--ip", ATTACKER]) == 0
    out, err = capsys.readouterr()
    sketch = [json.loads(line) for line in out.splitlines()]
    assert sketch and out.isascii()
    for event in sketch:
        assert {"message", "datetime", "timestamp", "timestamp_desc"} <= set(event)
        assert event["timestamp"] == event["time_ns"] // 1000
    descs = {event["source"]: event["timestamp_desc"] for event in sketch}
    assert descs["detection"] == "Time of the Evidence" and descs["web"] == "Event Time"
    assert "undated finding(s) have no time for Timesketch" in err


def test_query_is_journalled_and_evidence_untouched(
    merged_case: MergedCase, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree(merged_case.case / "evidence")
    output = merged_case.case / "report" / "webshell.jsonl"
    args = ["timeline", "--case", str(merged_case.case), "--path", merged_case.webshell, "--format", "json"]
    assert breachkit.cli.main.main([*args, "--output", str(output)]) == 0
    assert capsys.readouterr().out == ""
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert lines[0]["record"] == "summary" and events(lines)
    entry = json.loads((merged_case.case / "journal.jsonl").read_text().splitlines()[-1])
    assert entry["action"] == "timeline.query"
    assert entry["details"]["filters"]["path"] == merged_case.webshell
    assert entry["details"]["rows"] == len(events(lines))
    assert entry["outputs"] and Case.open(merged_case.case).verify().ok
    assert _tree(merged_case.case / "evidence") == before


def test_usage_errors(merged_case: MergedCase, capsys: pytest.CaptureFixture[str]) -> None:
    run = breachkit.cli.main.main
    case = str(merged_case.case)
    for args in (
        [],
        ["--case", case, "--format", "mactime"],
        ["--case", case, "--source", "nosuch"],
        ["--case", case, "--ip", "not-an-address"],
        ["--case", case, "--severity", "urgent"],
        ["--bodyfile", case + "/none", "--ip", ATTACKER],
        ["--case", str(merged_case.case.parent / "no-case")],
    ):
        assert run(["timeline", *args]) == 2, args
        assert "breachkit: error:" in capsys.readouterr().err


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def test_super_row_pointer() -> None:
    base: dict[str, Any] = {name: None for name in SuperRow.__slots__}
    base.update(source="web", origin="web-access", kind="request", message="GET /")
    assert SuperRow(**{**base, "source_file": "/var/log/x.log", "source_line": 7}).pointer == "/var/log/x.log:7"
    assert SuperRow(**{**base, "path": "/tmp/a"}).pointer == "/tmp/a"
    assert SuperRow(**base).pointer == ""
