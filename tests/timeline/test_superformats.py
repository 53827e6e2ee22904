"""The super timeline's outputs with hostile values: names, log lines and findings that try to drive the terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.events import Event
from tests.timeline.supercase import NS, T0, file_stat, finding, make_case, process

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EVIL_FILE = "/var/www/html/up/\x1b[2J\x1b[Hclear\nnew line [red]x[/red].php"
EVIL_LOG = "/var/log/apache2/access.log"
EVIL_REQUEST = "GET /?\x1b]0;owned\x07\u202eevil -> 200"
EVIL_USER = "root\r\x1b[31m"
EVIL_HOST = "web\x1b[1m01"


@pytest.fixture(autouse=True)
def only_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.timeline",))


@pytest.fixture
def hostile_case(tmp_path: Path) -> Path:
    return make_case(
        tmp_path / "case",
        hostname=EVIL_HOST,
        files=[file_stat(EVIL_FILE), file_stat("/tmp/\u2066hidden\u2069", mtime_ns=T0 + 2 * NS)],
        events=[
            Event(
                T0 + NS,
                "web-access",
                "request",
                EVIL_REQUEST,
                NS,
                "[bold]site",
                "/?x",
                EVIL_USER,
                "203.0.113.9",
                EVIL_LOG,
                3,
            ),
            Event(
                T0 + 3 * NS,
                "auth",
                "ssh-accept",
                "Accepted password for \x1b[8mroot",
                NS,
                EVIL_HOST,
                None,
                EVIL_USER,
                "203.0.113.9",
                "/var/log/auth.log",
                9,
            ),
        ],
        findings=[
            finding(
                "detect.file",
                "Webshell \x1b[5m[blink]",
                "critical",
                reason="evil\nreason",
                evidence=[{"path": EVIL_FILE, "excerpt": "<?php eval($_POST['\x1b[0m']);"}],
            ),
            finding(
                "logs.web-command-parameters",
                "Commands \x07 in requests",
                "high",
                evidence=[{"path": EVIL_LOG, "line": 3, "note": "cmd=\x1b[2J"}],
            ),
            finding(
                "correlate.addresses",
                "Addresses \x1b]8;;http://x\x07link",
                "high",
                evidence=[{"note": "203.0.113.9 did it\n"}],
            ),
        ],
        live={"processes": [process(31337, "/tmp/\x1b[2Jkworkerd\n", "2026-11-21T22:44:30.000000Z")]},
    )


@pytest.mark.parametrize("fmt", ["table", "json", "timesketch"])
def test_hostile_values_escaped(hostile_case: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert breachkit.cli.main.main(["timeline", "--case", str(hostile_case), "--format", fmt]) == 0
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert not RAW_CONTROL.findall(stream), "raw control characters reached the output"
    if fmt == "table":
        lines = out.splitlines()
        assert any("\\x1b[2J\\x1b[Hclear\\nnew line [red]x[/red].php" in line for line in lines), "escaped, literal"
        assert any("\\x1b]0;owned\\x07\\u202eevil" in line for line in lines)
        assert any("Webshell \\x1b[5m[blink]" in line for line in lines)
        assert any("kworkerd\\n" in line for line in lines)
        assert "undated findings (1)" in out and "Addresses \\x1b]8;;http://x\\x07link" in out
        # One row per line: header, 3 file times (one file has one), 2 log lines, 1 process, 2 dated findings.
        assert len(lines[: lines.index("")]) == 1 + 3 + 2 + 1 + 2
    else:
        assert out.isascii()
        records = [json.loads(line) for line in out.splitlines()]
        paths = {r.get("path") for r in records}
        assert EVIL_FILE in paths, "JSON keeps the exact value (escaped by JSON itself)"
    if fmt == "json":
        finding_rows = [r for r in records if r.get("finding")]
        assert any(r["finding"]["reason"] == "evil\nreason" for r in finding_rows)


def test_hostile_values_in_filters(hostile_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = breachkit.cli.main.main
    case = str(hostile_case)
    assert run(["timeline", "--case", case, "--format", "json", "--user", EVIL_USER]) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()[1:]]
    assert found and all(r["user"] == EVIL_USER for r in found if r["record"] == "event")
    assert run(["timeline", "--case", case, "--format", "json", "--path", "/var/www/html/up/\x1b"]) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()[1:]]
    assert {r["source"] for r in found} == {"fs", "detection"}
    # Filter text is data for SQL, never part of it.
    assert run(["timeline", "--case", case, "--format", "json", "--host", "x' OR '1'='1"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == []
    assert run(["timeline", "--case", case, "--source", "fs' OR 1=1 --"]) == 2
    err = capsys.readouterr().err
    assert not RAW_CONTROL.findall(err)
