"""The forked hashing workers: the same database as in one process, in order, with every warning."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from breachkit.host.baseline import Database, create, run_check_ordered, scan, workers
from breachkit.host.baseline import db as db_mod
from breachkit.host.baseline.db import _dumps, encode_path
from breachkit.host.rootfs import RootFS
from tests.hostile import build_hostile_root

RULES = "/ ALL\n"


def _tree(root: Path, files: int = 150) -> Path:
    """Many small files in a few folders, some big ones, a symlink and an empty file."""
    for index in range(files):
        folder = root / "usr" / f"lib{index % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index:03d}.so").write_bytes(b"\x7fELF" + bytes([index % 256]) * (index * 37))
    (root / "usr/big.bin").write_bytes(os.urandom(3 << 20))
    (root / "usr/empty").write_bytes(b"")
    os.symlink("big.bin", root / "usr/link")
    return root


def _entry_lines(db: Path) -> list[str]:
    return db.read_text("ascii").splitlines()[1:-1]


class _CountingPool(workers.Pool):
    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).made += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> type[_CountingPool]:
    """Workers counted, so a test knows they ran."""
    _CountingPool.made = 0
    monkeypatch.setattr(scan, "Pool", _CountingPool)
    # Earlier tests in this process leave native threads (DuckDB's, yara-x's) that make the
    # production check refuse to fork; these tests fork on purpose.
    monkeypatch.setattr(scan, "can_fork", lambda: True)
    return _CountingPool


@pytest.mark.parametrize("small_batches", [False, True])
def test_parallel_database_is_identical_to_the_serial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: type[_CountingPool], small_batches: bool
) -> None:
    root = _tree(tmp_path / "root")
    if small_batches:  # batches cut short, the window full: every hand-over path is taken
        monkeypatch.setattr(scan, "BATCH_FILES", 3)
        monkeypatch.setattr(scan, "BATCH_BYTES", 1 << 16)
        monkeypatch.setattr(scan, "WINDOW", 8)
    serial = create(str(root), str(tmp_path / "serial.jsonl"), RULES, workers=1)
    assert forked.made == 0
    parallel = create(str(root), str(tmp_path / "parallel.jsonl"), RULES, workers=3)
    assert forked.made == 1
    assert _entry_lines(tmp_path / "serial.jsonl") == _entry_lines(tmp_path / "parallel.jsonl")
    assert (serial.entries, serial.bytes_hashed, serial.warnings) == (
        parallel.entries,
        parallel.bytes_hashed,
        parallel.warnings,
    )
    _db, changes, summary = run_check_ordered(str(root), str(tmp_path / "serial.jsonl"), workers=2)
    assert list(changes) == [] and summary.status == 0
    assert forked.made == 2


def test_hostile_root_parallel_equals_serial_and_lines_are_canonical(
    tmp_path: Path, forked: type[_CountingPool]
) -> None:
    host = build_hostile_root(tmp_path / "root")
    seen: dict[int, list] = {1: [], 2: []}
    for count in (1, 2):
        create(str(host.path), str(tmp_path / f"h{count}.jsonl"), RULES, workers=count, on_warning=seen[count].append)
    assert forked.made == 1
    lines = _entry_lines(tmp_path / "h1.jsonl")
    assert lines == _entry_lines(tmp_path / "h2.jsonl")
    assert seen[1] == seen[2]
    # Each line written without a dict is exactly what the dict encoder makes of it.
    for (path, record), line in zip(Database(str(tmp_path / "h1.jsonl")).entries(), lines, strict=True):
        data = {k: v for k, v in record.items() if k not in ("p", "pb")}
        encode_path(data, path)
        assert _dumps(data) == line
    assert any('"pb":' in line for line in lines)  # a name that is not UTF-8 went through the fast path too


@pytest.mark.parametrize("count", [1, 2])
def test_file_changing_while_hashed_is_reported_by_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: type[_CountingPool], count: int
) -> None:
    root = _tree(tmp_path / "root", files=20)
    real_digest = scan._digest
    big = root / "usr/big.bin"

    def appending(fd: int, st: os.stat_result, name: str, prefix: int | None) -> tuple[str, str | None, int]:
        result = real_digest(fd, st, name, prefix)
        if st.st_size == 3 << 20:  # runs in the worker process, as the real reading does
            with big.open("ab") as handle:
                handle.write(b"more")
        return result

    monkeypatch.setattr(scan, "_digest", appending)
    seen: list = []
    create(str(root), str(tmp_path / "b.jsonl"), RULES, workers=count, on_warning=seen.append)
    assert [(w.path, w.kind) for w in seen] == [("/usr/big.bin", "changed-while-hashing")]
    assert forked.made == (1 if count > 1 else 0)


def test_file_replaced_by_a_fifo_after_the_walk_is_not_opened(tmp_path: Path) -> None:
    root = _tree(tmp_path / "root", files=3)
    target = root / "usr/lib0/f000.so"
    with RootFS(str(root)) as fs:
        reader = scan.ContentReader(fs, "sha256")
        inode = target.stat().st_ino
        target.unlink()
        os.mkfifo(target)  # would block an open(); must be refused before it
        digest, _prefix, nbytes, xattrs, problems = reader.read(("/usr/lib0/f000.so", inode, scan.WANT_HASH, -1))
        reader.close()
    assert digest is None and nbytes == 0 and xattrs is None
    assert [p[1] for p in problems] == ["not-regular"]


def test_pool_keeps_order_survives_big_messages_and_reports_errors() -> None:
    def work(batch: list[int]) -> list[bytes]:
        if batch == [-1]:
            raise ValueError("bad batch")
        return [bytes([n % 256]) * (n * 5000) for n in batch]  # responses larger than a pipe

    with workers.Pool(work, 2) as pool:
        tickets = [pool.submit(list(range(n, n + 3))) for n in range(0, 60, 3)]
        out = [pool.result(t) for t in tickets]
        bad = pool.submit([-1])
        with pytest.raises(workers.WorkerError, match="ValueError: bad batch"):
            pool.result(bad)
        assert pool.result(pool.submit([1])) == [b"\x01" * 5000]
    assert [len(x) for batch in out for x in batch] == [n * 5000 for n in range(60)]


def test_database_read_in_tiny_blocks_gives_the_same_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "root", files=10)
    db = tmp_path / "b.jsonl"
    create(str(root), str(db), RULES, workers=1)
    whole = list(Database(str(db)).entries())
    monkeypatch.setattr(db_mod, "_READ_BLOCK", 7)
    assert list(Database(str(db)).entries()) == whole
    lines = db.read_text().splitlines(True)
    db.write_text("".join(lines[:-1]) + lines[-1] + json.dumps({"p": "/zzz"}) + "\n")
    with pytest.raises(db_mod.DatabaseTampered, match="data after the footer"):
        Database(str(db)).verify()


def test_folder_swapped_for_a_symlink_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    root = _tree(tmp_path / "root", files=3)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f000.so").write_bytes(b"the analyst's own file")
    inode = (root / "usr/lib0/f000.so").stat().st_ino
    (root / "usr/lib0").rename(root / "usr/lib0.old")
    os.symlink(outside, root / "usr/lib0")
    with RootFS(str(root)) as fs:
        reader = scan.ContentReader(fs, "sha256")
        digest, _prefix, _nbytes, _xattrs, problems = reader.read(("/usr/lib0/f000.so", inode, scan.WANT_HASH, -1))
        reader.close()
    assert digest is None
    assert len(problems) == 1 and problems[0][0] == "/usr/lib0/f000.so"


def test_forged_database_out_of_order_is_refused_while_merging(tmp_path: Path) -> None:
    """A footer recomputed over reordered lines passes the quick check; the merge still refuses it."""
    import hashlib

    root = _tree(tmp_path / "root", files=5)
    db = tmp_path / "b.jsonl"
    create(str(root), str(db), RULES, workers=1)
    lines = db.read_bytes().splitlines(keepends=True)
    body = [lines[0], lines[2], lines[1], *lines[3:-1]]
    footer = {"entries": len(body) - 1, "footer": True, "sha256": hashlib.sha256(b"".join(body)).hexdigest()}
    db.write_bytes(b"".join(body) + json.dumps(footer).encode() + b"\n")
    assert Database(str(db)).verify() == len(body) - 1
    with pytest.raises(db_mod.DatabaseTampered, match="out of order"):
        run_check_ordered(str(root), str(db))
