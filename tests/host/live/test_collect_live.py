"""The live step end to end: a deleted binary from a hidden /dev/shm folder holding a connection."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from breachkit.host.bundle import BundleWriter
from breachkit.host.cli import main as host_main
from breachkit.host.collect import collect
from breachkit.host.live.collect import collect_live
from breachkit.host.records import WarningRecord
from tests.host.live.fakeproc import FakeProc, FakeProcess, hex_v4
from tests.hostile import HostileRoot, snapshot, snapshot_diff


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="ascii").splitlines()]


def interpreter_binary() -> str:
    """A Python binary that runs when copied elsewhere (Debian's links libpython statically)."""
    for candidate in ("/usr/bin/python3", sys.executable):
        real = os.path.realpath(candidate)
        if os.path.isfile(real):
            return real
    pytest.skip("no Python binary to copy")


@pytest.fixture
def implant(tmp_path: Path) -> Any:
    """A copied interpreter in /dev/shm/.x-<random>/kworker, connected to our listener, its file deleted."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    folder = Path("/dev/shm") / f".x-{os.getpid()}-{tmp_path.name}"
    folder.mkdir()
    binary = folder / "kworker"
    shutil.copy2(interpreter_binary(), binary)
    original = hashlib.sha256(binary.read_bytes()).hexdigest()
    code = (
        "import socket, sys, time\n"
        f"s = socket.create_connection(('127.0.0.1', {port}))\n"
        "sys.stdout.write('connected\\n'); sys.stdout.flush()\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen([str(binary), "-I", "-S", "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"connected\n"
        conn, _ = listener.accept()
        binary.unlink()
        folder.rmdir()
        yield proc.pid, port, original, str(binary)
        conn.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_deleted_implant_is_found_copied_and_its_connection_attributed(implant: Any, tmp_path: Path) -> None:
    pid, port, original, path = implant
    bundle = tmp_path / "bundle"
    started = time.monotonic()
    result = collect("/", str(bundle), walk=False, targets=())
    assert time.monotonic() - started < 120  # a hang guard, not a benchmark
    steps = {step["step"]: step for step in result.steps}
    assert steps["live"]["status"] == "ok"

    processes = {p["pid"]: p for p in read_jsonl(bundle / "live" / "processes.jsonl")}
    record = processes[pid]
    assert record["exe"] == path and record["exe_deleted"] is True
    assert record["exe_sha256"] == original
    copy = bundle / record["exe_copy"]
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == original
    manifest = {json.loads(line)["path"]: json.loads(line)["sha256"] for line in (bundle / "manifest.jsonl").open()}
    assert manifest[record["exe_copy"]] == original

    sockets = read_jsonl(bundle / "live" / "sockets.jsonl")
    outbound = [s for s in sockets if s["remote_port"] == port and s["state"] == "ESTABLISHED" and pid in s["pids"]]
    assert len(outbound) == 1 and outbound[0]["remote_addr"] == "127.0.0.1"

    acquisition = json.loads((bundle / "acquisition.json").read_text())
    assert acquisition["live_summary"]["counts"]["processes"] == len(processes)
    assert (bundle / "live" / "summary.json").is_file()


def test_no_live_and_images_have_no_live_folder(tmp_path: Path) -> None:
    image = tmp_path / "image"
    (image / "etc").mkdir(parents=True)
    (image / "etc" / "hostname").write_text("web01\n")
    collect(str(image), str(tmp_path / "b1"))
    assert not (tmp_path / "b1" / "live").exists()
    result = collect("/", str(tmp_path / "b2"), walk=False, targets=(), live=False)
    assert not (tmp_path / "b2" / "live").exists()
    assert "live" not in {step["step"] for step in result.steps}


def test_cli_no_live_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b"
    assert host_main(["collect", "--no-walk", "--no-live", "--quiet", "--out", str(out), "--root", str(tmp_path)]) == 0
    assert not (out / "live").exists()


def test_live_step_on_a_synthetic_proc(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path / "fake")
    payload = tmp_path / "payload.bin"
    payload.write_bytes(b"\x7fELF" + b"\x00" * 1000)
    fake.add(
        FakeProcess(
            4242,
            "kworker",
            ["/dev/shm/.x/kworker"],
            exe=str(payload),
            deleted=True,
            fds={3: "socket:[2002]"},
        )
    )
    os.unlink(fake.proc / "4242" / "exe")
    os.symlink(payload, fake.proc / "4242" / "exe")  # the magic link points at the still-open inode
    fake.add(FakeProcess(4243, "looper", ["x"], exe="/nonexistent/loop"))
    fake.net("tcp", [fake.tcp_line(0, hex_v4("10.0.0.5", 40000), hex_v4("198.51.100.7", 80), "01", 2002)])
    avml = tmp_path / "media" / "avml"  # stands in for the responder's AVML binary
    avml.parent.mkdir()
    avml.write_text('#!/bin/sh\nprintf "EMiL-image" > "$1"\n')
    os.chmod(avml, 0o755)
    writer = BundleWriter(str(tmp_path / "bundle"))
    warnings: list[WarningRecord] = []
    summary = collect_live(
        writer, warnings.append, proc=str(fake.proc), sys_root=str(fake.sys), run_tools=False, memory_tool=str(avml)
    )
    writer.finish()
    manifest = {
        json.loads(line)["path"]: json.loads(line)["sha256"] for line in (tmp_path / "bundle" / "manifest.jsonl").open()
    }
    assert manifest["live/memory.lime"] == hashlib.sha256(b"EMiL-image").hexdigest()
    counts = summary["counts"]
    assert isinstance(counts, dict)
    assert counts["processes"] == 2 and counts["sockets"] == 1
    (sock,) = read_jsonl(tmp_path / "bundle" / "live" / "sockets.jsonl")
    assert sock["pids"] == [4242]
    assert any(w.path.endswith("/4243/exe") for w in warnings)  # the dangling link is a warning
    assert any(w.path.endswith("/modules") for w in warnings)  # so is the kernel lacking a file


def test_live_is_never_taken_from_an_examined_root(shared_hostile_root: HostileRoot, tmp_path: Path) -> None:
    before = snapshot(shared_hostile_root.path)
    result = collect(str(shared_hostile_root.path), str(tmp_path / "b"), walk=False, live=True)
    (step,) = [s for s in result.steps if s["step"] == "live"]
    assert step["status"] == "skipped"  # an image's /proc is not the running system
    assert not (tmp_path / "b" / "live").exists()
    assert snapshot_diff(before, snapshot(shared_hostile_root.path)) == []


NOT_ROOT = """
import json, sys
sys.path.insert(0, {repo!r})
from breachkit.host.bundle import BundleWriter
from breachkit.host.live.collect import collect_live
warnings = []
writer = BundleWriter({out!r})
summary = collect_live(writer, warnings.append, run_tools=False)
writer.finish()
print(json.dumps({{"summary": summary, "kinds": sorted({{w.kind for w in warnings}})}}))
"""


@pytest.mark.root
def test_not_root_says_what_was_missed() -> None:
    python = "/usr/bin/python3"  # the test runner's interpreter may live in root's home
    if not os.access(python, os.X_OK):
        pytest.skip("no system python3 for an unprivileged run")
    # A root-owned process the unprivileged collector cannot look into.
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        # pytest's tmp_path lies below a folder only root may enter.
        scratch = Path(tempfile.mkdtemp(prefix="breachkit-nobody-"))
        os.chown(scratch, 65534, 65534)
        repo = str(Path(__file__).resolve().parents[3])
        code = NOT_ROOT.format(repo=repo, out=str(scratch / "bundle"))
        proc = subprocess.run(
            [python, "-I", "-c", code],
            capture_output=True,
            text=True,
            user=65534,
            group=65534,
            timeout=120,
            check=False,
        )
    finally:
        sleeper.kill()
        sleeper.wait()
    try:
        _check_unprivileged(proc, scratch, sleeper.pid)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _check_unprivileged(proc: subprocess.CompletedProcess[str], scratch: Path, sleeper: int) -> None:
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert "permission-denied" in result["kinds"]
    summary = result["summary"]
    assert summary["euid"] == 65534 and summary["processes_partly_read"] >= 1
    assert "not root" in summary["privileges"]
    records = [json.loads(line) for line in (scratch / "bundle" / "live" / "processes.jsonl").open()]
    (sleep,) = [r for r in records if r["pid"] == sleeper]
    assert sleep["exe"] is None and any(m.startswith("exe: permission denied") for m in sleep["missed"])
