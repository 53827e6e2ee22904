"""``breachkit logs``: table and JSON output, the case tables and journal, and the hostile root."""

from __future__ import annotations

import calendar
import gzip
import json
import os
import struct
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit import tables
from breachkit.artifacts.linux.utmp import LAYOUT_32
from breachkit.case import Case
from breachkit.demo import DemoHost
from tests.hostile import HostileRoot, snapshot, snapshot_diff
from tests.test_hostile_commands import RAW_CONTROL


@pytest.fixture(autouse=True)
def only_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.logs",))


def test_json_and_case_on_the_demo_host(
    demo_host: DemoHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth = demo_host.scenario.ground_truth
    case_dir = tmp_path / "case"
    argv = ["logs", "--root", str(demo_host.root), "--case", str(case_dir), "--format", "json"]
    argv += ["--from", "2026-11-21T20:00:00Z", "--to", "2026-11-22T06:00:00+00:00"]
    assert breachkit.cli.main.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    checks = [f["check"] for f in data["findings"]]
    assert checks[:2] == ["logs.web-command-parameters", "logs.web-admin-post-without-login"]
    assert data["events"] == sum(data["events_by_source"].values()) > 0

    con = tables.connect(case_dir, read_only=True)
    try:
        rows = con.execute("SELECT count(*), min(time_ns), max(time_ns) FROM events").fetchone()
        post = con.execute(
            "SELECT source_file, source_line, ip FROM events WHERE kind = 'request' AND message LIKE 'POST /admin/upload.php%'"
        ).fetchall()
    finally:
        con.close()
    assert rows[0] == data["events"]
    assert rows[1] >= calendar.timegm((2026, 11, 21, 20, 0, 0)) * 10**9
    assert rows[2] < calendar.timegm((2026, 11, 22, 6, 0, 0)) * 10**9
    assert post == [(truth.entry_point.log_path, post[0][1], truth.attacker_ips[0])]

    case = Case.open(case_dir)
    assert case.verify().ok
    entries = [json.loads(line) for line in (case_dir / "journal.jsonl").read_text().splitlines()]
    logged = [e for e in entries if e["action"] == "logs"]
    assert logged and logged[-1]["outputs"][0]["path"].endswith("logs.json")


def test_rerun_replaces_its_own_rows_only(
    demo_host: DemoHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_dir = tmp_path / "case"
    argv = ["logs", "--root", str(demo_host.root), "--case", str(case_dir), "--from", "2026-11-21T22:00:00Z"]
    assert breachkit.cli.main.main([*argv, "--to", "2026-11-21T23:00:00Z"]) == 0
    con = tables.connect(case_dir)
    con.execute("INSERT INTO events (time_ns, source, kind, message) VALUES (1, 'fs', 'mtime', 'other writer')")
    first = con.execute("SELECT count(*) FROM events WHERE source <> 'fs'").fetchone()[0]
    con.close()
    assert breachkit.cli.main.main([*argv, "--to", "2026-11-21T23:00:00Z", "--clock-offset", "-30"]) == 0
    con = tables.connect(case_dir, read_only=True)
    again = con.execute("SELECT count(*) FROM events WHERE source <> 'fs'").fetchone()[0]
    others = con.execute("SELECT count(*) FROM events WHERE source = 'fs'").fetchone()[0]
    flags = con.execute("SELECT DISTINCT flags FROM events WHERE source = 'web-access'").fetchall()
    con.close()
    assert first > 0 and others == 1
    assert again >= first - 10  # the window moved by 30 s
    assert flags == [("clock-corrected",)]
    assert "breachkit logs" in capsys.readouterr().out


def test_bad_time_is_a_usage_error(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert breachkit.cli.main.main(["logs", "--root", str(demo_root), "--from", "yesterday"]) == 2
    assert "ISO 8601" in capsys.readouterr().err


def test_hostile_root_with_hostile_logs(hostile_root: HostileRoot, capsys: pytest.CaptureFixture[str]) -> None:
    root = hostile_root.path
    log = root / "var/log"
    evil = b"Mar  3 09:00:01 web01 sshd[7]: Failed password for \x1b[31mroot\x1b]0;owned\x07 from 198.51.100.1 port 1 ssh2\n"
    (log / "auth.log.1").write_bytes(evil * 12 + b"\xff\xfe\x00garbage\n" + b"A" * 200_000 + b"\n")
    (log / "auth.log.2.gz").write_bytes(gzip.compress(evil)[:-12] + b"\x00" * 5)
    os.mkfifo(log / "syslog.1")
    (log / "nginx/access.log.1").write_bytes(
        b'198.51.100.1 - - [03/Mar/2026:09:00:00 +0000] "GET /images/a.php?cmd=\x1b[2Jid HTTP/1.1" 200 5 "-" "<script>x</script>"\n'
    )
    (log / "apache2").symlink_to("/../../../../etc")
    real = struct.pack(
        LAYOUT_32.fmt, 7, 1, b"pts/0", b"ts/0", b"root", b"198.51.100.1", 0, 0, 0, 1772528400, 0, b"\0" * 16
    )
    (log / "wtmp").write_bytes(real + b"\0" * 384 + real)
    before = snapshot(root)
    assert breachkit.cli.main.main(["logs", "--root", str(root)]) == 0
    table = capsys.readouterr()
    assert breachkit.cli.main.main(["logs", "--root", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert snapshot_diff(before, snapshot(root)) == []
    for stream in (table.out, table.err):
        assert not RAW_CONTROL.findall(stream)
    assert data["problems"]["unreadable-log"] >= 1  # the FIFO was refused, not opened
    assert data["problems"]["long-line"] == 1
    checks = [f["check"] for f in data["findings"]]
    assert "logs.ssh-brute-force" in checks
    assert "logs.login-records-tampered" in checks
    assert data["events_by_source"]["wtmp"] == 2
