"""Wiped logs noticed from what kept writing: cut, stopped, rewritten logs and killed shell histories."""

from __future__ import annotations

import calendar
import json
import os
import struct
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from breachkit.findings import Finding, Severity
from breachkit.host.records import FileStat
from breachkit.logs import analyze
from breachkit.sources import BundleSource, RootSource
from breachkit.sources.base import Source
from tests.artifacts.conftest import put

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
NS = 1_000_000_000
PASSWD = (
    b"root:x:0:0:root:/root:/bin/bash\n"
    b"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    b"anna:x:1000:1000::/home/anna:/bin/bash\n"
    b"ben:x:1001:1001::/home/ben:/bin/bash\n"
)


def _hours(first: datetime, last: datetime, step: timedelta = timedelta(hours=1)) -> Iterator[datetime]:
    moment = first
    while moment <= last:
        yield moment
        moment += step


def _cron(moments: Iterator[datetime], auth: bool) -> bytes:
    lines = []
    for n, moment in enumerate(moments):
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
        text = (
            "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
            if auth
            else "(root) CMD (cd / && run-parts --report /etc/cron.hourly)"
        )
        lines.append(f"{stamp} db02 CRON[{1000 + n}]: {text}\n")
    return "".join(lines).encode()


def _requests(moments: Iterator[datetime], ip: str = "192.0.2.10") -> bytes:
    return "".join(
        f'{ip} - - [{m.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "GET / HTTP/1.1" 200 5120 "-" "Mozilla/5.0"\n'
        for m in moments
    ).encode()


def _findings(source: Source) -> dict[str, Finding]:
    try:
        result = analyze(source)
    finally:
        source.close()
    return {f.check: f for f in result.findings}


def _at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return START + timedelta(days=day - 1, hours=hour, minutes=minute)


# ------------------------------------------------------------------------------------------ cut


def _system_logs(root: Path, syslog_through: bool) -> None:
    put(root, "/etc/timezone", b"Etc/UTC\n")
    put(root, "/var/log/auth.log.1", _cron(_hours(_at(1, 0, 17), _at(7, 23, 17)), auth=True))
    put(root, "/var/log/auth.log", _cron(_hours(_at(9, 3, 17), _at(10, 12, 17)), auth=True))
    if syslog_through:
        put(root, "/var/log/syslog", _cron(_hours(_at(1, 0, 17), _at(10, 12, 17)), auth=False))
    else:  # the machine was off: syslog is silent over the same hours
        put(root, "/var/log/syslog.1", _cron(_hours(_at(1, 0, 17), _at(7, 23, 17)), auth=False))
        put(root, "/var/log/syslog", _cron(_hours(_at(9, 3, 17), _at(10, 12, 17)), auth=False))


def test_an_emptied_auth_log_is_cut_when_syslog_went_on(tmp_path: Path) -> None:
    _system_logs(tmp_path, syslog_through=True)
    found = _findings(RootSource(str(tmp_path)))
    cut = found["logs.log-cut"]
    assert cut.severity == Severity.HIGH
    assert [(e.path, e.line) for e in cut.evidence] == [("/var/log/auth.log", 1)]
    note = cut.evidence[0].note or ""
    assert "(28.0 h)" in note and "/var/log/auth.log.1:168" in note and "wrote in 29 of those 29 hours" in note
    assert "logs.time-gap" not in found


def test_a_machine_that_was_off_leaves_a_plain_hole(tmp_path: Path) -> None:
    _system_logs(tmp_path, syslog_through=False)
    found = _findings(RootSource(str(tmp_path)))
    assert "logs.log-cut" not in found
    assert {e.path for e in found["logs.time-gap"].evidence} == {"/var/log/auth.log", "/var/log/syslog"}


# -------------------------------------------------------------------------------------- stopped


def _sites(root: Path, *, modified_after: bool) -> None:
    put(root, "/etc/timezone", b"Etc/UTC\n")
    every = timedelta(minutes=30)
    for site, stop in (("a", _at(9, 1, 40)), ("b", _at(9, 11, 40))):
        put(root, f"/var/log/apache2/{site}_access.log.1", _requests(_hours(_at(1, 0, 10), _at(7, 23, 40), every)))
        written = stop.timestamp() + (300 if modified_after and site == "a" else 0)
        put(root, f"/var/log/apache2/{site}_access.log", _requests(_hours(_at(8, 0, 10), stop, every)), mtime=written)
    # a quiet site: its own silences are longer than the stop
    put(root, "/var/log/apache2/c_access.log", _requests(_hours(_at(1, 1), _at(8, 23), timedelta(hours=12))))


def test_a_log_that_stopped_while_the_others_went_on(tmp_path: Path) -> None:
    _sites(tmp_path, modified_after=True)
    stopped = _findings(RootSource(str(tmp_path)))["logs.log-stopped"]
    assert [e.path for e in stopped.evidence] == ["/var/log/apache2/a_access.log"]
    note = stopped.evidence[0].note or ""
    assert "10.0 h later" in note and "longest silence before was 0.5 h" in note and "after its last line" in note
    assert stopped.evidence[0].line == 52  # its last line
    assert stopped.severity == Severity.HIGH


def test_a_stopped_log_not_written_after_is_only_medium(tmp_path: Path) -> None:
    _sites(tmp_path, modified_after=False)
    stopped = _findings(RootSource(str(tmp_path)))["logs.log-stopped"]
    assert [e.path for e in stopped.evidence] == ["/var/log/apache2/a_access.log"]
    assert stopped.severity == Severity.MEDIUM and "moved elsewhere" in stopped.reason


# ------------------------------------------------------------------------------ rewritten (bundle)


def _ns(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple()) * NS


def _stat(path: str, kind: str, size: int, born: int, changed: int, target: str | None = None) -> FileStat:
    mode = 0o120777 if kind == "l" else (0o40700 if kind == "d" else 0o100640)
    return FileStat(path, kind, mode, 0, 4, size, 1, 1, 1, 8, changed, changed, changed, born, target)


def _bundle(tmp_path: Path, files: dict[str, tuple[bytes, int, int]], walked: list[FileStat]) -> Path:
    """A bundle as the collector writes it: copies under root/, their host stats in copied.jsonl, the walk."""
    bundle = tmp_path / "bundle"
    copied, walk = [], [s.to_jsonl() for s in walked]
    for path, (data, born, changed) in files.items():
        put(bundle / "root", path, data)
        stat = _stat(path, "f", len(data), born, changed)
        copied.append(
            json.dumps({"path": path, "bundle_path": f"root{path}", "copied": len(data), "stat": stat.to_json()})
        )
        walk.append(stat.to_jsonl())
    (bundle / "copied.jsonl").write_text("\n".join(copied) + "\n")
    (bundle / "walk.jsonl").write_text("\n".join(sorted(walk)) + "\n")
    (bundle / "manifest.jsonl").write_text("")
    (bundle / "acquisition.json").write_text(json.dumps({"hostname": "db02"}))
    return bundle


def _web_bundle(tmp_path: Path, rotated_born: datetime) -> Path:
    every = timedelta(minutes=30)
    live_a = _requests(_hours(_at(8, 0, 10), _at(10, 12), every))
    files = {
        "/etc/timezone": (b"Etc/UTC\n", _ns(_at(1)), _ns(_at(1))),
        "/var/log/apache2/a_access.log.1": (
            _requests(_hours(_at(1, 0, 10), _at(7, 23, 40), every)),
            _ns(rotated_born),
            _ns(_at(7, 23, 40)),
        ),
        # sed -i on day 9: a new file holding lines from day 8 on
        "/var/log/apache2/a_access.log": (live_a, _ns(_at(9, 3, 12)), _ns(_at(10, 12))),
        "/var/log/apache2/b_access.log": (live_a, _ns(max(rotated_born, _at(8))), _ns(_at(10, 12))),
    }
    return _bundle(tmp_path, files, [])


def test_a_log_born_after_its_first_line_was_rewritten(tmp_path: Path) -> None:
    rewritten = _findings(BundleSource(_web_bundle(tmp_path, rotated_born=_at(1))))["logs.log-rewritten"]
    assert [(e.path, e.line) for e in rewritten.evidence] == [("/var/log/apache2/a_access.log", 1)]
    assert "27.0 h after its first line" in (rewritten.evidence[0].note or "")
    assert rewritten.severity == Severity.HIGH


def test_a_copied_tree_where_every_file_is_born_late_says_nothing(tmp_path: Path) -> None:
    found = _findings(BundleSource(_web_bundle(tmp_path, rotated_born=_at(11))))
    assert "logs.log-rewritten" not in found


# ------------------------------------------------------------------------------------ histories


def _logins(root: Path) -> None:
    put(root, "/etc/timezone", b"Etc/UTC\n")
    put(root, "/etc/passwd", PASSWD)
    lastlog = bytearray(292 * 1002)
    seconds = calendar.timegm(_at(5, 3).utctimetuple())
    for uid, host in ((0, b"203.0.113.66"), (33, b"198.51.100.7"), (1000, b"198.51.100.5"), (1001, b"192.0.2.10")):
        struct.pack_into("<i32s256s", lastlog, uid * 292, seconds, b"pts/0", host)
    put(root, "/var/log/lastlog", bytes(lastlog))


def test_histories_linked_to_dev_null_or_missing(tmp_path: Path) -> None:
    _logins(tmp_path)
    (tmp_path / "root").mkdir(exist_ok=True)
    os.symlink("/dev/null", tmp_path / "root/.bash_history")
    (tmp_path / "home/anna").mkdir(parents=True)
    put(tmp_path, "/home/ben/.bash_history", b"ls\n")
    found = _findings(RootSource(str(tmp_path)))
    disabled = found["logs.history-disabled"]
    assert [e.path for e in disabled.evidence] == ["/root/.bash_history"] and disabled.severity == Severity.HIGH
    missing = found["logs.history-missing"]
    # www-data cannot log in (nologin): its lastlog entry is another finding, not this one
    assert [e.path for e in missing.evidence] == ["/home/anna/.bash_history"]
    assert "from 198.51.100.5" in (missing.evidence[0].note or "") and missing.severity == Severity.MEDIUM


def test_a_history_symlink_the_collector_did_not_copy_is_found_in_the_walk(tmp_path: Path) -> None:
    seconds = calendar.timegm(_at(5, 3).utctimetuple())
    lastlog = bytearray(292)
    struct.pack_into("<i32s256s", lastlog, 0, seconds, b"pts/0", b"203.0.113.66")
    files = {
        "/etc/timezone": (b"Etc/UTC\n", _ns(_at(1)), _ns(_at(1))),
        "/etc/passwd": (PASSWD, _ns(_at(1)), _ns(_at(1))),
        "/var/log/lastlog": (bytes(lastlog), _ns(_at(1)), _ns(_at(5, 3))),
    }
    link = _stat("/root/.bash_history", "l", 9, _ns(_at(6, 2)), _ns(_at(6, 2)), "/dev/null")
    found = _findings(BundleSource(_bundle(tmp_path, files, [_stat("/root", "d", 4096, 0, _ns(_at(6, 2))), link])))
    disabled = found["logs.history-disabled"]
    assert [e.path for e in disabled.evidence] == ["/root/.bash_history"]
    assert "2026-03-06 02:00:00 UTC" in (disabled.evidence[0].note or "")
