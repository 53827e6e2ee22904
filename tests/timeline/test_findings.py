from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from breachkit.findings import Finding, Severity
from breachkit.timeline import analyse_timeline, open_timeline
from breachkit.timeline.caps import dangerous, decode
from breachkit.timeline.findings import (
    check_orphans,
    check_privileged,
    check_restored_mtime,
    check_temp_executables,
    check_timestomp,
    check_world_writable_web,
)
from tests.timeline.conftest import NS, entry
from tests.timeline.demo_walk import scenario

DAY = 86_400 * NS


@pytest.fixture(scope="module")
def demo_findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    from tests.timeline.demo_walk import write_bundle

    bundle = write_bundle(tmp_path_factory.mktemp("demo-findings") / "bundle")
    timeline = open_timeline(bundle=bundle)
    try:
        return analyse_timeline(timeline)
    finally:
        timeline.close()


def paths(finding: Finding) -> set[str]:
    return {e.path for e in finding.evidence if e.path}


def test_demo_the_weekend_night_burst_is_found_and_holds_the_attack(demo_findings: list[Finding]) -> None:
    truth = scenario().ground_truth
    bursts = [f for f in demo_findings if f.check == "timeline.burst"]
    attack = [f for f in bursts if paths(f) & set(truth.malicious_paths())]
    assert attack, "no burst holds the attacker's files"
    top = attack[0]
    assert top.severity == Severity.HIGH and "outside office hours" in top.title and "Saturday" in top.title
    shop = next(v.document_root for v in truth.vhosts if v.domain.startswith("shop"))
    shown = paths(top)
    assert any(p.startswith(shop + "/") for p in shown)
    assert any(p.startswith(truth.hidden_dirs[0]) for p in shown)
    # it outranks every other burst
    assert demo_findings.index(top) == min(demo_findings.index(f) for f in bursts)
    # routine weekend churn (log rotation, sessions) is not reported as an attack burst
    rotated = {n.path for n in truth.benign_noise if n.category in ("log-rotation", "php-session")}
    for finding in bursts:
        if finding.severity >= Severity.MEDIUM:
            assert not (paths(finding) & rotated)


def test_demo_the_timestomped_backdoor_ranks_above_benign_back_dating(demo_findings: list[Finding]) -> None:
    stomp = scenario().ground_truth.timestomped
    forged = [f for f in demo_findings if f.check == "timeline.timestomp"]
    assert forged and forged[0].severity == Severity.HIGH
    assert forged[0].evidence[0].path == stomp.path
    benign = next(f for f in demo_findings if f.check == "timeline.timestomp-benign")
    assert benign.severity == Severity.INFO
    for cause in ("package", "unpacked", "logs"):
        assert cause in benign.reason
    assert demo_findings.index(forged[0]) < demo_findings.index(benign)
    # package files, unzipped WordPress and rotated logs are not among the high findings
    assert paths(forged[0]) == {stomp.path}


def test_demo_the_hidden_tmp_tool(demo_findings: list[Finding]) -> None:
    truth = scenario().ground_truth
    temp = next(f for f in demo_findings if f.check == "timeline.temp-executables")
    assert temp.severity == Severity.HIGH
    tools = {m.path for m in truth.malicious if m.role in ("dos-tool", "launcher")}
    assert tools <= paths(temp)


def test_demo_heat_map_is_in_the_hosts_zone(demo_findings: list[Finding]) -> None:
    heat = next(f for f in demo_findings if f.check == "timeline.heatmap")
    assert "Europe/Berlin" in heat.title
    assert len(heat.evidence) == 8  # header and seven weekdays


def test_timestomp_lone_whole_second_file_beats_archive_cohort(load: Callable[..., Any]) -> None:
    born = 1_790_000_000 * NS + 123_456_789
    unpacked = [
        entry(f"/var/www/site/lib/f{i}.php", mtime_ns=1_700_000_000 * NS, atime_ns=born, btime_ns=born + i * 1000)
        for i in range(12)
    ]
    forged = entry(
        "/var/www/site/lib/zz.php", mtime_ns=1_780_000_000 * NS, atime_ns=1_780_000_000 * NS, btime_ns=born + 40 * DAY
    )
    copied = entry("/srv/a/b.txt", mtime_ns=born - DAY + 17, btime_ns=born + 20 * DAY)
    con = load([*unpacked, forged, copied])
    found = check_timestomp(con)
    high = [f for f in found if f.severity == Severity.HIGH]
    assert [paths(f) for f in high] == [{"/var/www/site/lib/zz.php"}]
    benign = next(f for f in found if f.check == "timeline.timestomp-benign")
    assert "12 copied or unpacked" in benign.reason


def test_timestomp_without_birth_times_uses_ctime_and_says_so(load: Callable[..., Any]) -> None:
    t = 1_790_000_000 * NS + 5
    con = load(
        [
            entry(
                "/usr/sbin/sshd",
                mode=0o755,
                btime_ns=None,
                mtime_ns=1_600_000_000 * NS,
                atime_ns=1_600_000_000 * NS,
                ctime_ns=t,
            )
        ]
    )
    found = check_timestomp(con)
    assert found and "judged by ctime" in found[0].evidence[0].note  # type: ignore[operator]


def test_restored_mtime_lone_change_of_an_old_program(load: Callable[..., Any]) -> None:
    born = 1_700_000_000 * NS + 77
    edited = 1_790_000_000 * NS + 12_345
    old = 1_700_000_100 * NS
    # a chmod over many programs at once: a cohort, not a lone change
    chmodded = [
        entry(f"/usr/bin/tool{i}", mode=0o755, btime_ns=born, mtime_ns=old, ctime_ns=edited + 5000 * NS + i)
        for i in range(5)
    ]
    later = edited + 9000 * NS
    con = load(
        [
            entry("/usr/sbin/sshd", mode=0o755, btime_ns=born, mtime_ns=old, atime_ns=born, ctime_ns=edited),
            entry("/var/www/site/index.php", btime_ns=born, mtime_ns=born + NS, ctime_ns=edited + 400 * NS),
            entry("/usr/bin/fresh", mode=0o755, btime_ns=later, mtime_ns=1_600_000_000 * NS, ctime_ns=later),
            *chmodded,
        ]
    )
    found = {f.severity: f for f in check_restored_mtime(con)}
    assert paths(found[Severity.HIGH]) == {"/usr/sbin/sshd"}
    assert paths(found[Severity.LOW]) == {"/var/www/site/index.php"}  # changed alone, but mtime has nanoseconds
    assert not any("/usr/bin/tool" in p or p == "/usr/bin/fresh" for f in found.values() for p in paths(f))


def test_suid_outside_system_folders_and_capabilities(load: Callable[..., Any]) -> None:
    now = 1_790_000_000 * NS
    con = load(
        [
            entry("/usr/bin/passwd", mode=0o4755, btime_ns=now - 400 * DAY),
            entry("/var/tmp/.s/bash", mode=0o4755, btime_ns=now),
            entry("/usr/bin/newgrp", mode=0o2755, btime_ns=now - 2 * DAY),
        ]
    )
    con.execute("UPDATE files SET capability = 'cap_setuid=ep' WHERE path = '/usr/bin/passwd'")
    found = {f.title: f for f in check_privileged(con)}
    outside = found["SUID/SGID files outside the system folders"]
    assert outside.severity == Severity.HIGH and paths(outside) == {"/var/tmp/.s/bash"}
    assert paths(found["Files with powerful capabilities"]) == {"/usr/bin/passwd"}
    assert paths(found["SUID/SGID files changed in the last 30 days"]) == {"/usr/bin/newgrp"}


def test_capability_values_decode_like_getcap() -> None:
    v2 = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)
    assert decode(v2) == "cap_net_raw=ep"
    v3 = struct.pack("<IIIIII", 0x03000001, (1 << 7) | (1 << 6), 0, 0, 0, 1000)
    assert decode(v3) == "cap_setgid,cap_setuid=ep [rootid=1000]"
    assert dangerous(decode(v3)) == ["cap_setgid", "cap_setuid"]
    assert decode(b"\x01") == "malformed"


def test_temp_executables_hidden_plain_and_elf_without_x(load: Callable[..., Any]) -> None:
    class Heads:
        label = "test"

        def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
            return (b"\x7fELF", False) if path == "/dev/shm/blob" else (b"text", False)

    con = load(
        [
            entry("/tmp/.ICE-unix/.x/miner", mode=0o755),
            entry("/tmp/install.sh", mode=0o644),
            entry("/dev/shm/blob", mode=0o600),
            entry("/tmp/notes.txt"),
            entry("/var/www/site/.git/hooks/pre-commit.sample", mode=0o755),
            entry("/var/lib/.hidden/agent", mode=0o755),
        ]
    )
    found = {f.title: f for f in check_temp_executables(con, Heads())}  # type: ignore[arg-type]
    assert paths(found["Programs and scripts in hidden folders under /tmp, /var/tmp or /dev/shm"]) == {
        "/tmp/.ICE-unix/.x/miner"
    }
    assert paths(found["Programs and scripts in /tmp, /var/tmp or /dev/shm"]) == {"/tmp/install.sh", "/dev/shm/blob"}
    assert paths(found["Programs and scripts in hidden folders"]) == {"/var/lib/.hidden/agent"}


def test_world_writable_web_files_not_sticky_dirs(load: Callable[..., Any]) -> None:
    con = load(
        [
            entry("/var/www/shop/htdocs/config.php", mode=0o666),
            entry("/var/www/shop/htdocs/upload", kind="d", mode=0o777),
            entry("/var/www/shop/htdocs/tmp", kind="d", mode=0o1777),
            entry("/etc/world", mode=0o666),
        ]
    )
    (finding,) = check_world_writable_web(con)
    assert paths(finding) == {"/var/www/shop/htdocs/config.php", "/var/www/shop/htdocs/upload"}


def test_orphans_only_when_the_accounts_are_known(load: Callable[..., Any]) -> None:
    con = load([entry("/home/gone/x", uid=1005, gid=1005), entry("/etc/passwd")])
    (finding,) = check_orphans(con, accounts_found=True)
    assert "uid 1005" in (finding.evidence[0].note or "")
    assert check_orphans(con, accounts_found=False) == []


def test_utc_fallback_when_the_host_has_no_zone(tmp_path: Path) -> None:
    body = tmp_path / "x.body"
    body.write_text("0|/a|1|r/rrw-r--r--|0|0|1|1|1|1|1\n")
    timeline = open_timeline(bodyfile=body)
    try:
        assert timeline.zone.zone.utcoffset(None) is None or timeline.zone.name == "UTC"
        assert "UTC assumed" in timeline.zone.how
        assert timezone.utc is not None
    finally:
        timeline.close()
