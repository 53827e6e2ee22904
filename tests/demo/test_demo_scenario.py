"""The generated demo host: determinism, the story's evidence, and realistic data."""

from __future__ import annotations

import gzip
import io
import json
import re
import struct
import zoneinfo

from breachkit.demo.build import debugfs_commands, ext4_time
from breachkit.demo.scenario import Entry, Scenario, generate

SECOND = 1_000_000_000

#: Apache's "combined" LogFormat: %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"
COMBINED = re.compile(
    r"^(?P<host>[0-9a-f.:]+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} "
    r'[+-]\d{4})\] "(?P<method>[A-Z]+) (?P<target>\S+) HTTP/1\.[01]" (?P<status>\d{3}) (?P<size>\d+|-) '
    r'"(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$'
)


def _log_text(entry: Entry) -> str:
    data = gzip.decompress(entry.data) if entry.path.endswith(".gz") else entry.data
    return data.decode("utf-8")


def _access_lines(scn: Scenario) -> dict[str, list[str]]:
    return {
        e.path: _log_text(e).splitlines()
        for e in scn.entries
        if e.path.startswith("/var/log/apache2/") and "access.log" in e.path
    }


def test_same_seed_same_bytes_and_times(scenario: Scenario) -> None:
    again = generate(0)
    assert again == scenario
    assert again.ground_truth.dumps() == scenario.ground_truth.dumps()


def test_other_seed_same_story_other_details(scenario: Scenario, other_scenario: Scenario) -> None:
    other = other_scenario
    assert other.entries != scenario.entries
    assert {m.role for m in other.ground_truth.malicious} == {m.role for m in scenario.ground_truth.malicious}
    assert other.ground_truth.entry_point.url == scenario.ground_truth.entry_point.url


def test_size_and_shape(scenario: Scenario) -> None:
    assert 300 <= len(scenario.entries) <= 1_200
    assert scenario.total_bytes < 5 * 1024 * 1024
    paths = [e.path for e in scenario.entries]
    assert paths == sorted(paths) and paths[0] == "/"
    kinds = {e.kind for e in scenario.entries}
    assert kinds == {"file", "dir", "symlink"}


def test_ground_truth_paths_exist(scenario: Scenario) -> None:
    truth = scenario.ground_truth
    for path in (
        *truth.malicious_paths(),
        *truth.hidden_dirs,
        *truth.persistence,
        truth.timestomped.path,
        truth.entry_point.script,
        truth.entry_point.created,
        truth.entry_point.log_path,
        *(t.path for t in truth.traces),
        *(n.path for n in truth.benign_noise),
    ):
        assert path in scenario, path
    for vhost in truth.vhosts:
        assert vhost.document_root in scenario
        for log in vhost.access_logs:
            assert log in scenario
    assert not set(truth.malicious_paths()) & {n.path for n in truth.benign_noise}
    for item in truth.malicious:
        entry = scenario.entry(item.path)
        assert entry.times.btime_ns == item.btime_ns
        assert truth.attack_start_ns <= item.btime_ns <= truth.attack_end_ns


def test_ground_truth_json(scenario: Scenario) -> None:
    data = json.loads(scenario.ground_truth.dumps())
    assert data["timezone"] == "Europe/Berlin"
    assert data["hostname"] == "web01"
    assert data["attack_start_utc"].startswith("2026-11-21T22:3")
    assert data["attack_end_utc"].endswith("Z")
    assert all(ip.startswith(("203.0.113.", "198.51.100.", "192.0.2.")) for ip in data["attacker_ips"])
    assert data["entry_point"]["url"] == "https://shop.example-client.de/admin/upload.php"
    assert {m["role"] for m in data["malicious"]} == {
        "webshell",
        "hidden-dir",
        "dos-tool",
        "launcher",
        "persistence",
        "backdoor",
    }


def test_access_logs_are_apache_combined(scenario: Scenario) -> None:
    total = 0
    for path, lines in _access_lines(scenario).items():
        assert lines, path
        for line in lines:
            assert COMBINED.match(line), f"{path}: {line}"
        total += len(lines)
    assert total > 5_000


def test_traffic_has_a_weekly_and_daily_rhythm(scenario: Scenario) -> None:
    lines = _log_text(scenario.entry("/var/log/apache2/kanzlei-schneider.example_access.log.1")).splitlines()
    hours = [int(COMBINED.match(line)["time"][12:14]) for line in lines]  # type: ignore[index]
    office = sum(1 for h in hours if 9 <= h < 17)
    night = sum(1 for h in hours if 1 <= h < 5)
    assert office > 5 * max(night, 1)


def test_attack_post_precedes_webshell_birth(scenario: Scenario) -> None:
    truth = scenario.ground_truth
    entry = truth.entry_point
    lines = _log_text(scenario.entry(entry.log_path)).splitlines()
    assert entry.log_line in lines
    posts = [
        m
        for m in map(COMBINED.match, lines)
        if m and m["host"] == truth.attacker_ips[0] and m["method"] == "POST" and m["target"] == "/admin/upload.php"
    ]
    assert len(posts) == 1
    logged = _apache_seconds(posts[0]["time"]) * SECOND
    born = scenario.entry(entry.created).times.btime_ns
    assert 0.1 * SECOND < born - logged < 2 * SECOND


def test_webshell_used_after_birth(scenario: Scenario) -> None:
    truth = scenario.ground_truth
    born = scenario.entry(truth.entry_point.created).times.btime_ns
    lines = _log_text(scenario.entry(truth.entry_point.log_path)).splitlines()
    uses = [m for m in map(COMBINED.match, lines) if m and m["target"].startswith("/images/thumb_cache.php?cmd=")]
    assert len(uses) >= 10
    assert all(_apache_seconds(m["time"]) * SECOND >= born - SECOND for m in uses)
    assert any("crontab" in m["target"] for m in uses)


def test_persistence_and_hidden_folder(scenario: Scenario) -> None:
    truth = scenario.ground_truth
    crontab = scenario.entry("/var/spool/cron/crontabs/www-data")
    assert b"/tmp/.X11-cache/run.sh" in crontab.data
    assert (crontab.uid, crontab.mode) == (33, 0o600)
    hidden = scenario.entry(truth.hidden_dirs[0])
    assert hidden.kind == "dir" and hidden.path.startswith("/tmp/.")
    tool = scenario.entry("/tmp/.X11-cache/kworkerd")
    assert tool.data[:4] == b"\x7fELF" and b"synflood" in tool.data and b"udpflood" in tool.data
    assert tool.mode & 0o111
    syslog = _log_text(scenario.entry("/var/log/syslog.1"))
    assert "(www-data) CMD (/tmp/.X11-cache/run.sh >/dev/null 2>&1)" in syslog
    assert "(www-data) REPLACE (www-data)" in syslog


def test_timestomped_file(scenario: Scenario) -> None:
    stomp = scenario.ground_truth.timestomped
    times = scenario.entry(stomp.path).times
    assert times.mtime_ns == stomp.forged_mtime_ns and times.mtime_ns % SECOND == 0
    assert times.mtime_ns < times.btime_ns
    truth = scenario.ground_truth
    assert truth.attack_start_ns <= times.btime_ns <= times.ctime_ns <= truth.attack_end_ns
    folder = scenario.entry(stomp.path.rsplit("/", 1)[0]).times
    assert truth.attack_start_ns <= folder.mtime_ns <= truth.attack_end_ns


def test_normal_times_have_nanoseconds(scenario: Scenario) -> None:
    """Births and change times never end in zeros; only archive/package mtimes and the forgery do."""
    stomped = scenario.ground_truth.timestomped.path
    for entry in scenario.entries:
        t = entry.times
        assert t.btime_ns % 1_000, entry.path
        assert t.ctime_ns % 1_000, entry.path
        assert t.btime_ns <= t.ctime_ns <= scenario.ground_truth.snapshot_ns, entry.path
        if entry.path != stomped:
            assert t.atime_ns % 1_000 or t.atime_ns == t.mtime_ns, entry.path


def test_weekend_noise_in_the_night_is_benign(scenario: Scenario) -> None:
    truth = scenario.ground_truth
    night_start = truth.attack_start_ns - 6 * 3600 * SECOND
    night_end = truth.attack_end_ns + 6 * 3600 * SECOND
    born_at_night = {e.path for e in scenario.entries if night_start <= e.times.btime_ns <= night_end}
    malicious = set(truth.malicious_paths())
    benign = {n.path for n in truth.benign_noise} | {t.path for t in truth.traces}
    assert malicious <= born_at_night
    assert born_at_night - malicious <= benign, sorted(born_at_night - malicious - benign)
    categories = {n.category for n in truth.benign_noise}
    assert {
        "php-session",
        "cms-cache",
        "log-rotation",
        "customer-upload",
        "package-update",
        "shop-admin-upload",
    } <= categories


def test_timezone_files(scenario: Scenario) -> None:
    assert scenario.entry("/etc/timezone").data == b"Europe/Berlin\n"
    assert scenario.entry("/etc/localtime").target == "/usr/share/zoneinfo/Europe/Berlin"
    tzif = scenario.entry("/usr/share/zoneinfo/Europe/Berlin").data
    zone = zoneinfo.ZoneInfo.from_file(io.BytesIO(tzif))
    import datetime as dt

    assert dt.datetime(2026, 11, 21, 23, 41, tzinfo=zone).utcoffset() == dt.timedelta(hours=1)
    assert dt.datetime(2026, 7, 1, tzinfo=zone).utcoffset() == dt.timedelta(hours=2)


def test_images_and_binaries_are_well_formed(scenario: Scenario) -> None:
    jpegs = [e for e in scenario.entries if e.path.endswith(".jpg")]
    assert len(jpegs) > 20
    for entry in jpegs:
        assert entry.data[:3] == b"\xff\xd8\xff" and entry.data[-2:] == b"\xff\xd9", entry.path
        assert b"JFIF" in entry.data[:16]
    for entry in scenario.entries:
        if entry.path.endswith(".png"):
            assert entry.data[:8] == b"\x89PNG\r\n\x1a\n"
        if (
            entry.path.startswith(("/usr/bin/", "/usr/sbin/"))
            and entry.kind == "file"
            and entry.path != "/usr/bin/which"
        ):
            assert entry.data[:4] == b"\x7fELF", entry.path


def test_wtmp_records(scenario: Scenario) -> None:
    data = scenario.entry("/var/log/wtmp").data
    assert data and len(data) % 384 == 0
    types = [struct.unpack_from("<h", data, i)[0] for i in range(0, len(data), 384)]
    assert 2 in types and 7 in types  # BOOT_TIME, USER_PROCESS


def test_package_checksums_match(scenario: Scenario) -> None:
    import hashlib

    md5sums = scenario.entry("/var/lib/dpkg/info/coreutils.md5sums").data.decode()
    for line in md5sums.splitlines():
        digest, rel = line.split("  ", 1)
        assert hashlib.md5(scenario.entry("/" + rel).data).hexdigest() == digest


def test_ext4_time_encoding() -> None:
    stamp, extra = ext4_time(1_795_300_877_489_639_241)
    assert stamp == "20261121224117"
    assert extra == 489_639_241 << 2
    stamp, extra = ext4_time((2**32 + 5) * SECOND + 7)  # after 2106: epoch bits carry the excess
    assert extra & 3 == 1 and extra >> 2 == 7


def test_debugfs_commands_quote_paths(scenario: Scenario) -> None:
    spaced = [e for e in scenario.entries if " " in e.path]
    assert spaced
    text = debugfs_commands(spaced[:1])
    assert text.count(f'"{spaced[0].path}"') == 8
    assert "crtime_extra" in text


def _apache_seconds(stamp: str) -> int:
    import datetime as dt

    return int(dt.datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp())
