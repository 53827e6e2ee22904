"""collect() and its CLI on a hostile root: complete, verifiable, and the root unchanged."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from breachkit.host.collect import CollectResult, collect
from breachkit.host.records import FileStat
from breachkit.host.statx import StatBuffer
from breachkit.host.targets import Target
from tests.hostile import build_hostile_root, remove_tree, snapshot, snapshot_diff

REPO = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as handle:
        return [json.loads(line) for line in handle]


def raw_path(record: dict[str, Any]) -> str:
    """The host path of a JSONL record, exact even for names that are not UTF-8."""
    if "path_b64" in record:
        return os.fsdecode(base64.b64decode(record["path_b64"]))
    return str(record["path"])


def by_kind(bundle: Path) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for record in read_jsonl(bundle / "warnings.jsonl"):
        kinds.setdefault(record["kind"], set()).add(raw_path(record))
    return kinds


class Collected:
    """One collection of a fresh hostile root, with the snapshots around it."""

    def __init__(self, base: Path) -> None:
        self.host = build_hostile_root(base / "root")
        self.bundle = base / "bundle"
        self.before = snapshot(self.host.path)
        self.result: CollectResult = collect(str(self.host.path), str(self.bundle), examiner="tester")
        self.after = snapshot(self.host.path)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Collected:
    return Collected(tmp_path_factory.mktemp("collect"))


def test_the_examined_root_is_unchanged(collected: Collected) -> None:
    # Access times too when O_NOATIME applies to every file (root, or the owner of all).
    assert snapshot_diff(collected.before, collected.after, atime=IS_ROOT) == []


def test_bundle_layout(collected: Collected) -> None:
    names = set(os.listdir(collected.bundle))
    assert {
        "acquisition.json",
        "acquisition.log",
        "walk.jsonl",
        "warnings.jsonl",
        "copied.jsonl",
        "manifest.jsonl",
        "manifest.sha256",
        "root",
    } <= names
    facts = json.loads((collected.bundle / "acquisition.json").read_text())
    assert facts["hostname"] == "web01"
    assert facts["timezone"] == "Etc/UTC"
    assert facts["examiner"] == "tester"
    assert [step["status"] for step in facts["steps"]] == ["ok", "ok", "ok"]
    assert facts["counts"]["walked"] == collected.result.files_walked


def test_sha256sum_accepts_the_manifest(collected: Collected) -> None:
    # Names with newlines, backslashes and carriage returns use sha256sum's escapes.
    done = subprocess.run(
        ["sha256sum", "--strict", "-c", "manifest.sha256"],
        cwd=collected.bundle,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.count(b": OK") == len(read_jsonl(collected.bundle / "manifest.jsonl"))


def test_manifest_hashes_match_the_files(collected: Collected) -> None:
    listed = set()
    for record in read_jsonl(collected.bundle / "manifest.jsonl"):
        rel = raw_path(record)
        data = (collected.bundle / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"], rel
        assert len(data) == record["size"]
        listed.add(rel)
    on_disk = set()
    for folder, _, files in os.walk(collected.bundle):
        for name in files:
            on_disk.add(os.path.relpath(os.path.join(folder, name), collected.bundle))
    assert on_disk - listed == {"manifest.jsonl", "manifest.sha256"}
    manifest = (collected.bundle / "manifest.jsonl").read_bytes()
    assert hashlib.sha256(manifest).hexdigest() == collected.result.manifest_sha256


def test_walk_has_every_entry_of_the_tree(collected: Collected) -> None:
    records = read_jsonl(collected.bundle / "walk.jsonl")
    walked = [raw_path(record) for record in records]
    assert len(walked) == len(set(walked))
    assert set(walked) == set(collected.before)
    assert collected.result.files_walked == len(walked)
    assert "/tmp/bad\udcff\udcfename" in walked
    assert collected.host.deep_file in walked
    assert set(collected.host.hostile_paths) <= set(walked)
    for record in records:  # the same metadata the tree had, to the nanosecond
        entry = FileStat.from_json(record)
        old = collected.before[entry.path]
        assert (entry.mode, entry.size, entry.mtime_ns, entry.ctime_ns) == (
            old["mode"],
            old["size"],
            old["mtime_ns"],
            old["ctime_ns"],
        )


def test_warnings_name_the_trouble_with_its_path(collected: Collected) -> None:
    kinds = by_kind(collected.bundle)
    host = collected.host
    specials = {p for p in (host.fifo, host.socket, host.device) if p is not None}
    assert specials <= kinds.get("not-regular", set())
    loops = {host.loop_a, host.loop_b, host.self_loop, "/var/log/self_loop", "/home/alice/.profile"}
    assert loops <= kinds.get("symlink-loop", set())
    if host.sparse is not None:
        assert host.sparse in kinds["truncated"]
    # Each problem once, even where the copy step walks a folder the full walk saw.
    assert sum(len(paths) for paths in kinds.values()) == collected.result.warnings
    assert len(read_jsonl(collected.bundle / "warnings.jsonl")) == collected.result.warnings
    if not IS_ROOT:
        assert host.unreadable_dir in kinds["unreadable"] and host.unreadable_file in kinds["unreadable"]


def test_copies_are_the_roots_files(collected: Collected) -> None:
    copied = {raw_path(record): record for record in read_jsonl(collected.bundle / "copied.jsonl")}
    host = collected.host
    for path in ["/etc/passwd", "/var/log/auth.log", "/home/alice/.ssh/authorized_keys", "/root/.bash_history"]:
        record = copied[path]
        data = (collected.bundle / record["bundle_path"]).read_bytes()
        assert data == Path(os.fsdecode(host.real(path))).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest()
    for path in host.hostile_paths:
        assert copied[path]["copied"] == len(b"evidence named ") + len(os.fsencode(path).rsplit(b"/", 1)[1]) + 1
    # Links are recorded, never followed out of the root or copied as their target.
    assert copied[host.abs_escape]["copied"] == 0
    assert copied[host.abs_escape]["stat"]["target"] == "/etc/shadow"
    # The symlinked home /home/bob -> /root is copied once, under its real name.
    assert not any(path.startswith("/home/bob/") for path in copied)
    if IS_ROOT:
        assert copied[host.unreadable_file]["copied"] == len(b"secret\n")
    # The file below PATH_MAX is copied too, under a name the bundle can hold.
    deep = copied[host.deep_file]
    assert (collected.bundle / deep["bundle_path"]).read_bytes() == b"payload hidden below PATH_MAX\n"
    if host.sparse is not None:
        assert copied[host.sparse]["truncated"] is True
        assert copied[host.sparse]["copied"] == 32 * 1024 * 1024


def test_specials_are_never_opened(collected: Collected) -> None:
    copied = {raw_path(record) for record in read_jsonl(collected.bundle / "copied.jsonl")}
    host = collected.host
    assert not {p for p in (host.fifo, host.socket, host.device) if p is not None} & copied


def test_files_vanishing_during_collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = build_hostile_root(tmp_path / "root")
    real = host.real("/var/log")
    os.mkdir(real + b"/gone-dir")
    victims = [real + b"/gone-dir", real + b"/syslog"]
    original = StatBuffer.fill

    def fill(self: StatBuffer, dir_fd: int, names: list[str], pos: int) -> tuple[int, int]:
        done = original(self, dir_fd, names, pos)
        if victims and "gone-dir" in names[pos : pos + done[0]]:
            # gone-dir vanishes right after it was stat'ed, before the walk enters
            # it; syslog after it was listed, before it was stat'ed.
            for victim in victims:
                remove_tree(victim)
            victims.clear()
        return done

    monkeypatch.setattr(StatBuffer, "fill", fill)
    result = collect(str(host.path), str(tmp_path / "bundle"))
    kinds = by_kind(tmp_path / "bundle")
    assert {"/var/log/syslog", "/var/log/gone-dir"} <= kinds["vanished"]
    walked = {raw_path(r) for r in read_jsonl(tmp_path / "bundle" / "walk.jsonl")}
    assert "/var/log/nginx/access.log" in walked and "/var/log/syslog" not in walked
    assert result.files_copied > 0
    assert subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=tmp_path / "bundle").returncode == 0


def test_excluded_and_bundle_inside_the_root(tmp_path: Path) -> None:
    host = build_hostile_root(tmp_path / "root")
    bundle = host.path / "evidence"  # a bundle written inside the root it examines
    collect(str(host.path), str(bundle), exclude=["/var/log"])
    kinds = by_kind(bundle)
    assert {"/evidence", "/var/log"} <= kinds["skipped"]
    walked = {raw_path(r) for r in read_jsonl(bundle / "walk.jsonl")}
    assert not any(p.startswith(("/evidence/", "/var/log/")) for p in walked)


def _no_controls(data: bytes) -> None:
    text = data.decode("utf-8")
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    assert bad == [], text


def _run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "breachkit.host", *args], capture_output=True, env=env, cwd=REPO)


def test_cli_output_has_no_control_characters(tmp_path: Path) -> None:
    host = build_hostile_root(tmp_path / "root")
    done = _run_cli("collect", "--root", str(host.path), "--out", str(tmp_path / "bundle"))
    assert done.returncode == 0, done.stderr
    assert b"manifest sha256:" in done.stdout
    _no_controls(done.stdout)
    _no_controls(done.stderr)


def test_cli_error_with_a_hostile_path_is_escaped(tmp_path: Path) -> None:
    out = tmp_path / "\x1b[31mred\x1b[0m\nbundle"
    out.mkdir()
    (out / "x").write_bytes(b"")  # not empty: collect refuses
    done = _run_cli("collect", "--root", str(tmp_path), "--out", str(out))
    assert done.returncode == 2
    assert b"\\x1b[31mred" in done.stderr and b"\\n" in done.stderr
    _no_controls(done.stdout)
    _no_controls(done.stderr)


def test_a_spent_budget_is_reported_not_silent(tmp_path: Path) -> None:
    """World-writable folders are copied up to their budget; the rest is named in one warning."""
    root = tmp_path / "root"
    (root / "tmp").mkdir(parents=True)
    for index in range(5):
        (root / "tmp" / f"blob{index}").write_bytes(b"x" * 1000)
    targets = (Target("/tmp", True, 10_000, "test", 2_500),)
    result = collect(str(root), str(tmp_path / "bundle"), targets=targets)
    assert result.files_copied == 2
    warnings = [json.loads(line) for line in (tmp_path / "bundle/warnings.jsonl").read_text().splitlines()]
    (budget,) = [w for w in warnings if w["kind"] == "budget"]
    assert budget["path"] == "/tmp" and budget["detail"].startswith("3 files (3000 bytes) not copied")
    walked = (tmp_path / "bundle/walk.jsonl").read_text()
    assert all(f'"/tmp/blob{index}"' in walked for index in range(5))
