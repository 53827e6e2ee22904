"""Hidden processes: listing vs. PID probe vs. ps, threads told apart, bind mounts over /proc/PID."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.host.live import hidden
from breachkit.host.live.hidden import dir_probe, find_hidden
from tests.host.live.fakeproc import FakeProc, FakeProcess


@pytest.fixture
def fake(tmp_path: Path) -> FakeProc:
    fake = FakeProc(tmp_path)
    fake.add(FakeProcess(1, "systemd", ["/sbin/init"], ppid=0, exe="/usr/lib/systemd/systemd"))
    fake.add(FakeProcess(800, "apache2", ["/usr/sbin/apache2", "-k", "start"], exe="/usr/sbin/apache2"))
    fake.add(FakeProcess(801, "apache2", ["/usr/sbin/apache2", "-k", "start"], exe="/usr/sbin/apache2", tgid=800))
    fake.add(FakeProcess(31337, "kworker", ["/dev/shm/.x/kworker"], exe="/dev/shm/.x/kworker"))
    (fake.proc / "sys" / "kernel" / "ns_last_pid").write_text("31400\n")
    return fake


def rootkit_listing(monkeypatch: pytest.MonkeyPatch, *hidden_pids: int) -> None:
    """What a getdents-filtering rootkit does: the folders exist, the listing leaves them out."""
    real = hidden.pid_names
    monkeypatch.setattr(hidden, "pid_names", lambda proc: [p for p in real(proc) if p not in hidden_pids])


def test_a_process_filtered_from_the_listing_is_found(fake: FakeProc, monkeypatch: pytest.MonkeyPatch) -> None:
    # 801 is a thread of 800: /proc/801 answers but is never listed, and is not hidden.
    rootkit_listing(monkeypatch, 31337, 801)
    result = find_hidden(str(fake.proc), probe=dir_probe(str(fake.proc)))
    assert [(h.pid, h.how, h.name, h.cmdline) for h in result.hidden] == [
        (31337, "probe-not-listed", "kworker", "/dev/shm/.x/kworker")
    ]
    assert result.probed_up_to == 32768  # ns_last_pid + margin, capped at pid_max


def test_nothing_hidden_on_an_honest_proc(fake: FakeProc) -> None:
    assert find_hidden(str(fake.proc)).hidden == []


def test_a_process_gone_before_the_second_look_is_not_reported(fake: FakeProc, monkeypatch: pytest.MonkeyPatch) -> None:
    rootkit_listing(monkeypatch, 31337)
    answers = iter([True, False])  # alive at the probe, gone at the re-check
    base = dir_probe(str(fake.proc))
    result = find_hidden(str(fake.proc), probe=lambda pid: next(answers) if pid == 31337 else base(pid))
    assert result.hidden == []


def test_bind_mount_over_a_proc_folder(fake: FakeProc) -> None:
    (fake.proc / "self").mkdir()
    (fake.proc / "self" / "mountinfo").write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        f"97 25 8:1 /tmp/empty {fake.proc}/31337 rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    )
    result = find_hidden(str(fake.proc))
    (found,) = result.hidden
    assert (found.pid, found.how) == (31337, "bind-mount")
    assert "/tmp/empty" in found.detail


def test_ps_missing_a_listed_process(fake: FakeProc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hidden, "find_tool", lambda name: "/usr/bin/ps")
    monkeypatch.setattr(hidden, "ps_pids", lambda path=None: {1, 800})
    rootkit_listing(monkeypatch, 801)  # /proc lists processes, not their threads
    result = find_hidden(str(fake.proc), use_ps=True)
    assert [(h.pid, h.how) for h in result.hidden] == [(31337, "ps-missing")]
    assert result.ps_used == "/usr/bin/ps"


def test_the_real_proc_hides_nothing_here() -> None:
    result = find_hidden("/proc", use_ps=True)
    assert result.hidden == [], result.hidden


def test_probe_range(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    kernel = fake.proc / "sys" / "kernel"
    (kernel / "pid_max").write_text("4194304\n")
    (kernel / "ns_last_pid").write_text("120000\n")
    assert hidden.probe_limit(str(fake.proc), [1, 500, 119990]) == 120000 + hidden.PROBE_MARGIN
    # The counter wrapped (a listed PID above the last one handed out): any PID may be in use.
    assert hidden.probe_limit(str(fake.proc), [1, 500, 4000000]) == 4194304
    (kernel / "ns_last_pid").unlink()  # kernels before 3.3 have no ns_last_pid
    assert hidden.probe_limit(str(fake.proc), [1, 700]) == 700 + hidden.PROBE_MARGIN
