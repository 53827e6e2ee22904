"""The report's parts on their own: Markdown escaping, the attack graph, lessons, a case with nothing in it."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from breachkit.case import Case
from breachkit.report import render, write_report
from breachkit.report.graph import attack_graph
from breachkit.report.lessons import Facts, derive
from breachkit.report.markdown import md
from breachkit.report.model import DroppedFile, FindingItem


@given(st.text())
def test_markdown_values_stay_inert(text: str) -> None:
    out = md(text)
    assert "\n" not in out and "\r" not in out
    assert "<" not in out and ">" not in out
    # Every Markdown punctuation mark is escaped: no unescaped backtick, star, bracket or pipe.
    stripped = out.replace("\\\\", "")
    for mark in "`*_[]|":
        assert stripped.count(mark) == stripped.count("\\" + mark)


def test_markdown_shows_control_characters() -> None:
    # The escape's backslash is itself escaped, so Markdown shows "\x1b" as text.
    assert md("a\x1b[2Jb") == "a\\\\x1b\\[2Jb"
    assert md("<script>") == "&lt;script&gt;"


def _link(path: str, creator: dict | None, site: str | None = None, url: str | None = None) -> dict:
    return {
        "file": {"path": path, "site": site, "url_path": url, "severity": 4},
        "creator": creator,
        "delta_ns": 1_000_000_000,
    }


def _request(method: str, path: str, line: int, ip: str = "203.0.113.5") -> dict:
    return {"ip": ip, "method": method, "path": path, "site": "a.example", "source_file": "/log", "source_line": line}


def test_attack_graph_chains_upload_webshell_and_its_children() -> None:
    shell = "/var/www/a/up/x.php"
    links = [
        _link(shell, _request("POST", "/upload.php", 1), "a.example", "/up/x.php"),
        _link("/tmp/.k/bot", _request("GET", "/up/x.php", 2), None, None),
        _link("/var/spool/cron/crontabs/www-data", _request("GET", "/up/x.php", 3), None, None),
        _link("/tmp/.k", _request("GET", "/up/x.php", 4), None, None),
    ]
    addresses = [{"ip": "198.51.100.9", "role": "mentioned", "mentioned_in": [_request("GET", "/up/x.php", 2)]}]
    quotes = {"/var/spool/cron/crontabs/www-data": "*/5 * * * * /tmp/.k/bot"}
    graph = attack_graph(links, addresses, quotes)
    edges = {(e.source, e.target) for e in graph.edges}
    assert ("ip:203.0.113.5", "req:POST a.example /upload.php") in edges
    assert ("req:POST a.example /upload.php", "file:" + shell) in edges
    assert ("file:" + shell, "file:/tmp/.k/bot") in edges  # through the webshell, not a new request node
    assert ("ip:198.51.100.9", "file:/tmp/.k/bot") in edges
    assert ("file:/var/spool/cron/crontabs/www-data", "file:/tmp/.k/bot") in edges
    # The folder /tmp/.k is a prefix of the quoted path, not quoted itself.
    assert ("file:/var/spool/cron/crontabs/www-data", "file:/tmp/.k") not in edges
    columns = {n.id: n.column for n in graph.nodes}
    assert columns["ip:203.0.113.5"] < columns["file:" + shell] < columns["file:/tmp/.k/bot"]


def test_attack_graph_survives_a_cycle() -> None:
    links = [_link("/a", None), _link("/b", None)]
    graph = attack_graph(links, [], {"/a": "/b", "/b": "/a"})
    assert len(graph.nodes) == 2 and len(graph.edges) == 2


def _finding(check: str, severity: str = "high") -> FindingItem:
    return FindingItem(severity, check, f"title of {check}", 0.9, "reason", ())


def test_lessons_follow_the_findings() -> None:
    dropped = (DroppedFile("/var/www/a/x.php", "PHP webshell", None, "t", "www-data", "a", None, 0),)
    facts = Facts(
        (_finding("logs.ssh-success-after-failures"), _finding("logs.thinned", "medium"), _finding("detect.file")),
        None,
        dropped,
        (),
        (),
        frozenset({"case.init", "triage"}),
    )
    titles = {lesson.title for lesson in derive(facts)}
    assert {"Harden remote log-in", "Ship logs off the host", "Keep an integrity baseline"} <= titles
    assert "Separate who owns the code from who runs it" in titles
    assert "Keep enough logs to answer 'how did they get in'" in titles  # files, but no entry point
    quiet = Facts((_finding("logs.ssh-brute-force", "low"),), None, (), (), (), frozenset({"baseline.create"}))
    assert derive(quiet) == ()


def test_a_case_with_nothing_in_it_still_gets_a_report(tmp_path: Path) -> None:
    Case.init(tmp_path / "case", name="empty", examiner="tester")
    path = write_report(tmp_path / "case", "json")
    data = json.loads(path.read_text(encoding="ascii"))
    assert data["entry_point"] is None and data["dropped"] == []
    assert any("no tables" in gap for gap in data["gaps"])
    assert "No sign of an attack" in data["summary"][0]
    html = write_report(tmp_path / "case", "html").read_text(encoding="utf-8")
    assert "could not be established" in html


def test_damaged_case_files_are_reported_not_fatal(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "case", name="damaged", examiner="tester")
    (case.root / "db").mkdir(exist_ok=True)
    (case.root / "db" / "findings.jsonl").write_text('{"check": "x"\nnot json\n', encoding="ascii")
    (case.root / "db" / "indicators.json").write_text("[1, 2", encoding="ascii")
    (case.root / "report").mkdir(exist_ok=True)
    (case.root / "report" / "correlation.json").write_text("{broken", encoding="ascii")
    case.playbook_path.write_text("{not json", encoding="ascii")
    from breachkit.report import gather

    report = gather(case.root)
    text = " ".join(report.problems + report.gaps)
    assert "findings.jsonl" in text and "indicators.json" in text and "correlation.json" in text
    assert "playbook" in text
    assert render(report, "md").startswith("# Incident report")
