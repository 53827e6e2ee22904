"""The "wiped" incident as generated: what the attacker erased, what he missed, and an answer key that says so."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import struct
from urllib.parse import urlsplit

import pytest

from breachkit.demo.content import clock
from breachkit.demo.scenario import Entry, Scenario, generate
from breachkit.demo.truth import Wipe

SECOND = 1_000_000_000
HOUR = 3600 * SECOND
ACCESS = "/var/log/apache2/blog.example-client.de_access.log"
APACHE_TIME = re.compile(r"\[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]")
RFC3339 = re.compile(r"^(\S+) web01 ")


def _text(entry: Entry) -> str:
    data = gzip.decompress(entry.data) if entry.path.endswith(".gz") else entry.data
    return data.decode("utf-8")


def _apache_ns(line: str) -> int:
    match = APACHE_TIME.search(line)
    assert match, line
    return int(dt.datetime.strptime(match[1], "%d/%b/%Y:%H:%M:%S %z").timestamp()) * SECOND


def _syslog_ns(line: str) -> int:
    match = RFC3339.match(line)
    assert match, line
    return int(dt.datetime.fromisoformat(match[1]).timestamp() * 1_000_000) * 1_000


def _wipe(scenario: Scenario, action: str) -> Wipe:
    return next(w for w in scenario.ground_truth.wiping if w.action == action)


def _address(scenario: Scenario, role: str) -> list[str]:
    return [a.ip for a in scenario.ground_truth.addresses if a.role == role]


def test_same_seed_same_host_and_a_different_incident(wiped: Scenario, scenario: Scenario) -> None:
    assert generate(0, "wiped") == wiped
    truth, first = wiped.ground_truth, scenario.ground_truth
    assert (wiped.name, truth.scenario, first.scenario) == ("wiped", "wiped", "upload")
    assert truth.hostname == first.hostname == "web01"
    assert not set(truth.attacker_ips) & set(first.attacker_ips)
    assert (
        urlsplit(truth.entry_point.url).hostname == "blog.example-client.de" != urlsplit(first.entry_point.url).hostname
    )
    assert not set(truth.malicious_paths()) & set(first.malicious_paths())
    assert {"miner", "miner-config"} <= {m.role for m in truth.malicious}
    assert clock.to_local(truth.attack_start_ns).strftime("%A") == "Thursday"
    assert clock.to_local(first.attack_start_ns).strftime("%A") == "Saturday"
    assert clock.to_local(truth.wiping[0].time_ns).strftime("%A") == "Monday"
    assert set(truth.attacker_ips) == {a.ip for a in truth.addresses}
    assert all(ip.startswith(("203.0.113.", "198.51.100.", "192.0.2.")) for ip in truth.attacker_ips)


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(KeyError, match="upload, wiped"):
        generate(0, "nope")


def test_every_path_the_answer_key_names_is_on_the_host(wiped: Scenario) -> None:
    truth = wiped.ground_truth
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
        *(p for w in truth.wiping for p in w.survives_in),
        *(p for a in truth.addresses for p in a.seen_in),
        *(p for login in truth.attacker_logins for p in login.recorded_in),
    ):
        assert path in wiped, path
    for wipe in truth.wiping:
        assert (wipe.path in wiped) == (wipe.action != "deleted"), wipe.path
    for item in truth.malicious:
        assert wiped.entry(item.path).times.btime_ns == item.btime_ns
        assert truth.attack_start_ns <= item.btime_ns <= truth.attack_end_ns
    assert not set(truth.malicious_paths()) & {n.path for n in truth.benign_noise}
    assert not {w.path for w in truth.wiping} & {n.path for n in truth.benign_noise}
    assert len(truth.not_established) >= 3


def test_the_rotated_log_keeps_the_entry_the_current_one_was_cut(wiped: Scenario) -> None:
    truth = wiped.ground_truth
    client = _address(wiped, "web client")[0]
    wipe = _wipe(wiped, "lines-removed")
    assert wipe.path == ACCESS and wipe.survives_in == (f"{ACCESS}.1",)
    rotated = _text(wiped.entry(f"{ACCESS}.1")).splitlines()
    assert truth.entry_point.log_path == f"{ACCESS}.1" and truth.entry_point.log_line in rotated
    kept = [r for r in truth.attacker_requests if not r.wiped]
    assert sum(1 for line in rotated if line.startswith(client + " ")) == len(kept) >= 10
    assert all(r.log_path == f"{ACCESS}.1" for r in kept)
    cut = [r for r in truth.attacker_requests if r.wiped]
    assert cut and all(r.log_path == ACCESS and r.time_ns < wipe.time_ns for r in cut)
    assert wipe.lines_removed == len(cut) and wipe.lines_lost > 10
    live = wiped.entry(ACCESS)
    lines = _text(live).splitlines()
    assert lines and not any(client in line for line in lines)
    # sed wrote a new file, and Apache went on writing into the old one: nothing after the edit
    assert all(_apache_ns(line) < wipe.time_ns for line in lines)
    assert wipe.time_ns < live.times.btime_ns < wipe.time_ns + SECOND
    assert live.times.btime_ns - _apache_ns(lines[0]) > 24 * HOUR
    # the other sites' logs go on until the provider cut the server off
    shop = _text(wiped.entry("/var/log/apache2/shop.example-client.de_access.log")).splitlines()
    assert _apache_ns(shop[-1]) > wipe.time_ns + 6 * HOUR


def test_auth_log_emptied_while_the_rotated_copy_keeps_the_login(wiped: Scenario) -> None:
    wipe = _wipe(wiped, "truncated")
    root_ip = _address(wiped, "ssh login")[1]
    anna_ip = _address(wiped, "ssh login")[0]
    auth = wiped.entry("/var/log/auth.log")
    lines = _text(auth).splitlines()
    assert all(_syslog_ns(line) > wipe.time_ns for line in lines)
    assert f"Disconnected from user root {root_ip}" in "\n".join(lines[:6])
    assert f"Accepted publickey for root from {root_ip}" not in _text(auth)
    assert auth.times.btime_ns < wipe.time_ns < auth.times.mtime_ns  # emptied in place: the inode stayed
    assert wipe.lines_removed > 100
    rotated = _text(wiped.entry("/var/log/auth.log.1"))
    assert f"Accepted password for anna from {anna_ip}" in rotated
    assert f"Failed password for root from {anna_ip}" in rotated
    assert "anna : TTY=pts/" in rotated and "COMMAND=/bin/bash" in rotated
    gap = _syslog_ns(lines[0]) - _syslog_ns(rotated.splitlines()[-1])
    assert gap > 24 * HOUR
    assert "Session" in _text(wiped.entry("/var/log/syslog")) and "of User root." in _text(
        wiped.entry("/var/log/syslog")
    )


def test_wtmp_zeroed_but_lastlog_and_btmp_remember(wiped: Scenario) -> None:
    truth = wiped.ground_truth
    anna, root = truth.attacker_logins
    wipe = _wipe(wiped, "records-zeroed")
    wtmp = wiped.entry("/var/log/wtmp").data
    records = [wtmp[i : i + 384] for i in range(0, len(wtmp), 384)]
    assert len(wtmp) % 384 == 0
    assert sum(1 for r in records if r == bytes(384)) == wipe.lines_removed == 2
    hosts = {r[76:332].rstrip(b"\0").decode() for r in records}
    assert anna.ip not in hosts and root.ip not in hosts
    assert records[0] != bytes(384) and records[-1] != bytes(384)  # zeros between real records
    lastlog = wiped.entry("/var/log/lastlog").data
    seconds, line, host = struct.unpack_from("<i32s256s", lastlog, 0)
    assert (seconds, host.rstrip(b"\0").decode()) == (root.time_ns // SECOND, root.ip)
    assert line.rstrip(b"\0").startswith(b"pts/")
    assert "/var/log/lastlog" in root.recorded_in and "/var/log/wtmp" in root.erased_from
    btmp = wiped.entry("/var/log/btmp").data
    assert btmp.count(anna.ip.encode()) == 2


def test_histories_gone(wiped: Scenario) -> None:
    root = wiped.entry("/root/.bash_history")
    assert (root.kind, root.target) == ("symlink", "/dev/null")
    assert root.times.btime_ns >= _wipe(wiped, "linked-to-dev-null").time_ns
    assert "/home/anna/.bash_history" not in wiped
    assert wiped.entry("/home/anna").times.mtime_ns >= _wipe(wiped, "deleted").time_ns
    assert wiped.entry("/home/thomas/.bash_history").size > 0


def test_the_unit_got_apache_units_times(wiped: Scenario) -> None:
    stomp = wiped.ground_truth.timestomped
    unit = wiped.entry(stomp.path)
    reference = wiped.entry("/usr/lib/systemd/system/apache2.service")
    assert unit.times.mtime_ns == reference.times.mtime_ns == stomp.forged_mtime_ns < unit.times.btime_ns
    assert b"ExecStart=/var/tmp/.fontconfig/dbus-daemon" in unit.data
    assert wiped.entry("/etc/systemd/system/multi-user.target.wants/dbus-broker-helper.service").target == stomp.path
    assert wiped.ground_truth.attack_start_ns < stomp.ctime_ns < wiped.ground_truth.attack_end_ns


def test_what_is_born_near_the_attack_is_accounted_for(wiped: Scenario) -> None:
    truth = wiped.ground_truth
    windows = (
        (truth.attack_start_ns - 6 * HOUR, truth.attacker_logins[0].end_ns + 6 * HOUR),
        (truth.attacker_logins[1].time_ns - 6 * HOUR, truth.attack_end_ns + 6 * HOUR),
    )
    known = (
        set(truth.malicious_paths())
        | set(truth.persistence)
        | {n.path for n in truth.benign_noise}
        | {t.path for t in truth.traces}
        | {w.path for w in truth.wiping}
    )
    for start, end in windows:
        born = {e.path for e in wiped.entries if start <= e.times.btime_ns <= end}
        assert born - known == set(), sorted(born - known)
    categories = {n.category for n in truth.benign_noise}
    assert {"php-session", "cms-cache", "log-rotation", "customer-upload", "shop-admin-upload"} <= categories
    preload = [n for n in truth.benign_noise if n.category == "cms-cache"]
    assert preload and all(
        windows[0][0] <= wiped.entry(n.path).times.btime_ns <= truth.attack_start_ns for n in preload
    )
