"""Live findings: each check fires on its attack and stays quiet on an ordinary web server."""

from __future__ import annotations

import json
from pathlib import Path

from breachkit.findings import Severity
from breachkit.host.live.hidden import HiddenProcess
from breachkit.host.live.kernel import ModuleRecord
from breachkit.host.live.network import Interface
from breachkit.live import analyze, from_bundle
from breachkit.live.state import LiveState
from tests.live.records import benign_server, proc, tcp


def state_of(**extra: object) -> LiveState:
    processes, sockets, interfaces = benign_server()
    state = LiveState(processes=processes, sockets=sockets, interfaces=interfaces, label="test")
    for key, value in extra.items():
        setattr(state, key, value)
    return state


def checks(state: LiveState) -> dict[str, Severity]:
    return {f.check: f.severity for f in analyze(state) if f.severity > Severity.INFO}


def test_an_ordinary_web_server_raises_nothing() -> None:
    state = state_of(
        modules=[ModuleRecord("ext4", 1, 1, [], "Live", "", True, True)],
        kernel={
            "sysctls": {
                "kernel.core_pattern": "|/usr/lib/systemd/systemd-coredump %P",
                "kernel.modprobe": "/sbin/modprobe",
            }
        },
        package_md5={"/usr/sbin/sshd": "0" * 32},
    )
    assert checks(state) == {}
    info = {f.check for f in analyze(state)}
    assert info == {"live.listener", "live.connections"}  # the inventory is always shown


def test_the_attack_is_seen_from_every_angle() -> None:
    processes, sockets, interfaces = benign_server()
    pool = next(p for p in processes if p.pid == 901)
    shell = proc(4100, "sh", ["sh", "-c", "cd /var/www/shop/images; ./x"], ppid=pool.pid, uid=33, exe="/usr/bin/dash")
    dropper = proc(
        4242,
        "kworker",
        ["/dev/shm/.x/kworker", "-t", "203.0.113.10"],
        ppid=1,
        uid=33,
        exe="/dev/shm/.x/kworker",
        exe_deleted=True,
        exe_sha256="ab" * 32,
        exe_copy="live/exe/4242",
        environ={"LD_PRELOAD": "/var/tmp/.l/libh.so"},
    )
    webbin = proc(4300, "x", ["/var/www/shop/images/x"], ppid=4100, uid=33)
    bind = proc(4400, "python3", ["python3", "-c", "..."], ppid=1, uid=33, exe="/usr/bin/python3.11")
    sshd = next(p for p in processes if p.name == "sshd")
    trojan = sshd._replace(exe_md5="f" * 32)
    processes = [p for p in processes if p.pid != sshd.pid] + [trojan, shell, dropper, webbin, bind]
    flood = [tcp(("10.0.0.5", 30000 + n), ("203.0.113.10", 80), "SYN_SENT", 9000 + n, dropper) for n in range(150)]
    sockets = sockets + flood + [tcp(("0.0.0.0", 31337), ("0.0.0.0", 0), "LISTEN", 8000, bind)]
    state = LiveState(
        processes=processes,
        sockets=sockets,
        interfaces=[*interfaces, Interface("eth1", 0x1103, True, True, None)],
        hidden=[HiddenProcess(5555, "probe-not-listed", "missing from the listing", "kthreadd", None)],
        modules=[ModuleRecord("diamorphine", None, None, [], "live", "OE", False, True)],
        kernel={"sysctls": {"kernel.core_pattern": "|/tmp/.c %p"}},
        package_md5={"/usr/sbin/sshd": "0" * 32},
        label="test",
    )
    found = checks(state)
    assert found == {
        "live.hidden-process": Severity.CRITICAL,
        "live.hidden-module": Severity.CRITICAL,
        "live.web-shell": Severity.CRITICAL,
        "live.package-mismatch": Severity.CRITICAL,
        "live.deleted-exe": Severity.HIGH,
        "live.exe-location": Severity.HIGH,
        "live.ld-preload": Severity.HIGH,
        "live.connection-flood": Severity.HIGH,
        "live.sysctl": Severity.HIGH,
        "live.listener": Severity.MEDIUM,
        "live.module-taint": Severity.MEDIUM,
        "live.sniffing": Severity.MEDIUM,
    }
    findings = {f.check + f.title: f for f in analyze(state)}
    flood_finding = next(f for f in findings.values() if f.check == "live.connection-flood")
    assert "203.0.113.10:80: 150 connections by kworker (pid 4242)" in (flood_finding.evidence[0].excerpt or "")
    deleted = next(f for f in findings.values() if f.check == "live.deleted-exe")
    assert deleted.evidence[0].sha256 == "ab" * 32 and "live/exe/4242" in (deleted.evidence[0].note or "")
    titles = {f.title for f in findings.values() if f.check == "live.exe-location"}
    assert titles == {"Processes running programs from temp folders", "Processes running programs from a web root"}
    listener = next(f for f in findings.values() if f.check == "live.listener" and f.severity == Severity.MEDIUM)
    assert [e.excerpt for e in listener.evidence] == ["tcp 0.0.0.0:31337 LISTEN by python3 (pid 4400)"]


def test_the_collector_itself_is_not_a_finding() -> None:
    collector = proc(6000, "python3", ["/tmp/breachkit-collect.pyz"], exe="/tmp/.cache/python3", exe_deleted=True)
    state = state_of(summary={"collector_pid": 6000})
    state.processes.append(collector)
    assert checks(state) == {}


def test_usr_merge_package_paths() -> None:
    processes, _, _ = benign_server()
    bash = next(p for p in processes if p.name == "bash")._replace(exe_md5="1" * 32)
    state = state_of(package_md5={"/bin/bash": "2" * 32})
    state.processes = [p for p in processes if p.name != "bash"] + [bash]
    assert checks(state) == {"live.package-mismatch": Severity.CRITICAL}


def test_bundle_without_live_state_and_with_malformed_lines(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    state = from_bundle(bundle)
    assert state.missing is not None and "image" in state.missing
    assert analyze(state) == []

    live = bundle / "live"
    live.mkdir()
    record = proc(4242, "kworker", ["/tmp/kworker"], exe_deleted=True)
    (live / "processes.jsonl").write_text(
        json.dumps(record.to_json()) + "\n" + "{not json\n" + json.dumps({"pid": 1}) + "\n" + "[1, 2]\n"
    )
    (live / "summary.json").write_text("{broken")
    state = from_bundle(bundle)
    assert state.missing is None and [p.pid for p in state.processes] == [4242]
    assert state.bad_lines == [("live/processes.jsonl", 2), ("live/processes.jsonl", 3), ("live/processes.jsonl", 4)]
    assert "live.deleted-exe" in checks(state)


def test_upgraded_daemons_are_told_apart_from_dropped_tools() -> None:
    state = state_of()
    nginx = next(p for p in state.processes if p.pid == 800)
    state.processes = [p for p in state.processes if p.pid != 800] + [nginx._replace(exe_deleted=True)]
    found = [f for f in analyze(state) if f.check == "live.deleted-exe"]
    assert [(f.title, f.severity) for f in found] == [
        ("Services running program files that were replaced or deleted", Severity.MEDIUM)
    ]


def test_code_injected_from_memory_or_deleted_temp_files() -> None:
    state = state_of()
    fpm = next(p for p in state.processes if p.pid == 901)
    injected = fpm._replace(
        maps_memfd=["/memfd:x [x]", "/memfd:pulseaudio"],
        maps_deleted=["/dev/shm/.l/libh.so [x]", "/usr/lib/x86_64-linux-gnu/libssl.so.3 [x]", "/SYSV00000000"],
    )
    state.processes = [p for p in state.processes if p.pid != 901] + [injected]
    (finding,) = [f for f in analyze(state) if f.check == "live.injected-code"]
    notes = [e.note or "" for e in finding.evidence]
    assert len(notes) == 2  # the upgraded libssl and the non-executable memfd are not injection
    assert "memory-only file /memfd:x" in notes[0] and "deleted /dev/shm/.l/libh.so" in notes[1]


def test_sessions_and_forwarded_agents() -> None:
    from breachkit.host.live.sessions import Session

    state = state_of(
        sessions=[
            Session("utmp", "deploy", "pts/0", "203.0.113.66", 3119, "2024-05-18T21:00:00.000000Z"),
            Session("ssh-environment", "deploy", None, "203.0.113.66 51234", 3120, None, "/tmp/ssh-XXXX/agent.3119"),
        ]
    )
    found = {f.check: f for f in analyze(state)}
    assert found["live.ssh-agent"].severity == Severity.MEDIUM
    assert found["live.ssh-agent"].evidence[0].path == "/tmp/ssh-XXXX/agent.3119"
    assert found["live.sessions"].evidence[0].excerpt == "deploy on pts/0 from 203.0.113.66"


def test_tool_managers_in_home_folders_are_not_hidden_tools() -> None:
    state = state_of()
    state.processes.append(proc(5000, "python3", ["/root/.pyenv/versions/3.11.7/bin/python3", "app.py"]))
    assert checks(state) == {}
    state.processes.append(proc(5001, "x", ["/root/.config/.x/x"]))
    assert checks(state) == {"live.exe-location": Severity.HIGH}
