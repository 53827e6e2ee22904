"""Findings, live state and host names as the super timeline reads them from a case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breachkit import tables
from breachkit.events import Event
from breachkit.findings import Severity
from breachkit.timeline import superinputs
from breachkit.timeline.superinputs import InputProblems, addresses, read_findings
from breachkit.timeline.supertimeline import Filters, refresh, rows, undated
from tests.timeline.supercase import NS, T0, file_stat, finding, make_case, process

BOT = "/tmp/.X11-cache/kworkerd"


def test_addresses_found_in_text() -> None:
    texts = [
        "203.0.113.77: 68 requests; C2 198.51.100.23:6667, again 203.0.113.77.",
        "listens on 0.0.0.0:22 and 127.0.0.1:3306 and [::]:80",
        "from 2001:db8::7 at 22:41:17, version 1.2.3.4.5, 999.1.1.1",
    ]
    assert addresses(texts) == ("203.0.113.77", "198.51.100.23", "2001:db8::7")


def test_findings_read_once_with_bad_lines_counted(tmp_path: Path) -> None:
    shell = finding("detect.file", "PHP webshell", "critical", evidence=[{"path": "/var/www/a.php"}])
    live = finding("live.deleted-exe", "Process runs a deleted program", evidence=[{"path": BOT}])
    root = make_case(
        tmp_path / "case",
        findings=[shell],
        reports={
            "live-20261122T204500000000Z.json": {"findings": [live, shell]},
            "triage.json": {"findings": [shell]},
            # The incident report restates the findings (evidence capped): not read again.
            "report.json": {"format": "breachkit-report", "findings": [{**shell, "evidence_more": 3}]},
            "broken.json": "not an object",
        },
    )
    with (root / "db" / "findings.jsonl").open("a") as out:
        out.write("{not json\n")
        out.write(json.dumps({"check": "x", "title": "no severity"}) + "\n")
        out.write(json.dumps(finding("quick.x", "bad severity", "apocalyptic")) + "\n")
        out.write("\n")
    (root / "db" / "timeline_findings.jsonl").write_text(json.dumps(shell) + "\n")
    problems = InputProblems()
    found = read_findings(root, problems)
    assert [(f.check, f.stored_in) for f in found] == [
        ("detect.file", "db/findings.jsonl"),
        ("live.deleted-exe", "report/live-20261122T204500000000Z.json"),
    ]
    assert found[0].severity is Severity.CRITICAL and found[0].evidence[0].path == "/var/www/a.php"
    assert problems.count == 3
    assert problems.examples[0] == "db/findings.jsonl:2: not JSON"


def test_overlong_line_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(superinputs, "MAX_LINE", 200)
    small = finding("detect.file", "small")
    big = finding("detect.file", "big", reason="x" * 1000)
    root = make_case(tmp_path / "case", findings=[big, small])
    problems = InputProblems()
    assert [f.title for f in read_findings(root, problems)] == ["small"]
    assert problems.examples == ["db/findings.jsonl:1: longer than 200 bytes"]


def test_live_state_in_the_timeline(tmp_path: Path) -> None:
    started = "2026-11-21T22:44:17.250000Z"
    live = finding(
        "live.deleted-exe",
        "Process runs from a temp folder",
        "critical",
        evidence=[{"path": BOT, "note": "pid 4242"}],
    )
    hidden = finding("live.hidden-process", "Hidden process", "high", evidence=[{"path": "/proc/4242"}])
    sessions = finding("live.sessions", "Open SSH sessions", "medium", evidence=[{"excerpt": "root from 203.0.113.77"}])
    root = make_case(
        tmp_path / "case",
        files=[file_stat("/etc/passwd", uid=0, mtime_ns=T0 - 86400 * NS)],
        reports={"live-20261122T204000000000Z.json": {"findings": [live, hidden, sessions]}},
        live={
            "processes": [
                process(4242, BOT, started),
                process(2, "kthreadd", "2026-11-20T08:00:00.000000Z", uid=0, kernel_thread=True, exe=None),
                process(4243, "/usr/sbin/apache2", "9999-01-01T00:00:00Z"),
                "{broken",
            ],
            "sessions": [
                json.dumps(
                    {
                        "source": "utmp",
                        "user": "root",
                        "tty": "pts/0",
                        "remote": "203.0.113.77",
                        "pid": 5000,
                        "time_utc": "2026-11-21T22:47:03.123456Z",
                    }
                )
            ],
        },
    )
    con = tables.connect(root)
    try:
        merged = refresh(con, root)
        assert merged.live_events == 2 and merged.host == "web01"
        assert merged.problems == 2, "the malformed line and the out-of-range start time"
        found = list(rows(con, Filters(sources=("live",))))
        start = next(r for r in found if r.origin == "live-process")
        assert start.time_ns == T0 + 1_250_000_000 and start.user == "www-data" and start.path == BOT
        assert start.source == "live" and start.host == "web01"
        assert start.pointer.endswith("/live/processes.jsonl:1") and start.pointer.startswith("evidence/bundles/")
        assert start.severity == "critical", "the live finding names its executable"
        session = next(r for r in found if r.origin == "live-session")
        assert session.ip == "203.0.113.77" and session.severity == "medium" and session.user == "root"
        dated = {r.origin: r for r in found if r.finding_id is not None}
        assert dated["live.deleted-exe"].time_ns == start.time_ns
        assert dated["live.deleted-exe"].flags == "time-of-process-start"
        assert dated["live.hidden-process"].time_ns == start.time_ns, "/proc/<pid> is dated by that process"
        assert [r.origin for r in undated(con, Filters())] == ["live.sessions"]
        assert not any("kthreadd" in r.message or r.path == "/usr/sbin/apache2" for r in found)
    finally:
        con.close()


def test_case_with_findings_only(tmp_path: Path) -> None:
    root = make_case(tmp_path / "case", findings=[finding("logs.ssh-brute-force", "Guessing from 198.51.100.9")])
    con = tables.connect(root)
    try:
        merged = refresh(con, root)
        assert merged.inputs == ("live_events",) and merged.undated == 1 and merged.dated == 0
        assert any("no file timeline" in note for note in merged.notes)
        assert any("no log events" in note for note in merged.notes)
        assert list(rows(con, Filters())) == []
        [late] = undated(con, Filters(ip="198.51.100.9"))
        assert late.ip == "198.51.100.9" and late.host is None
        assert list(undated(con, Filters(ip="198.51.100.10"))) == []
    finally:
        con.close()


def test_log_file_cited_at_a_line_is_no_suspect_itself(tmp_path: Path) -> None:
    log = "/var/log/apache2/access.log"
    cron = "/var/spool/cron/crontabs/www-data"
    root = make_case(
        tmp_path / "case",
        files=[
            file_stat(log, uid=0, mtime_ns=T0 + 5 * NS),
            file_stat(cron, mtime_ns=T0 + 90 * NS, btime_ns=T0 + 80 * NS),
        ],
        events=[
            Event(
                T0,
                "web-access",
                "request",
                "POST /upload.php -> 200",
                10**9,
                "shop",
                "/upload.php",
                None,
                "203.0.113.77",
                log,
                12,
            ),
        ],
        findings=[
            finding(
                "logs.web-admin-post-without-login",
                "POST without login",
                "critical",
                evidence=[{"path": log, "line": 12}],
            ),
            finding("persistence.cron", "Crontab of www-data", "high", evidence=[{"path": cron, "line": 4}]),
        ],
    )
    con = tables.connect(root)
    try:
        refresh(con, root)
        found = {(r.source, r.path or r.source_file): r for r in rows(con, Filters())}
        assert found[("fs", log)].severity is None, "the log holds the evidence; it is not the suspect"
        assert found[("fs", cron)].severity == "high", "a crontab line is the crontab's own content"
        assert found[("web", "/upload.php")].severity == "critical"
        post = found[("detection", log)]
        assert post.time_ns == T0 and post.flags == "time-of-log-line" and post.pointer == f"{log}:12"
        cron_finding = found[("detection", cron)]
        assert cron_finding.time_ns == T0 + 80 * NS and cron_finding.flags == "time-of-file-birth"
    finally:
        con.close()
