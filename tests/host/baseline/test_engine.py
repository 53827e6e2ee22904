"""create / check / update on small realistic trees, on the hostile root, and with damaged databases."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from breachkit.host.baseline import (
    ADDED,
    CHANGED,
    REMOVED,
    BaselineError,
    Database,
    DatabaseTampered,
    check,
    create,
    run_check_ordered,
    scan,
    update,
)
from breachkit.host.baseline.engine import CLASSES
from tests.conftest import IS_ROOT
from tests.hostile import build_hostile_root, snapshot, snapshot_diff

RULES = """\
/usr        BIN
/etc        ALL
!=/etc/mtab
~/var/log/[a-z.]+\\.log  LOG
"""


def _server(root: Path) -> Path:
    """A small server tree: binaries, a setuid program, PAM, sshd, cron, a log."""
    files = {
        "usr/bin/ls": b"\x7fELF ls binary" * 100,
        "usr/bin/passwd": b"\x7fELF passwd",
        "usr/lib/x86_64-linux-gnu/libc.so.6": b"\x7fELF libc" * 1000,
        "usr/lib/x86_64-linux-gnu/security/pam_unix.so": b"\x7fELF pam_unix",
        "etc/pam.d/sshd": b"auth include common-auth\n",
        "etc/ssh/sshd_config": b"PermitRootLogin no\n",
        "etc/crontab": b"17 * * * * root cd / && run-parts --report /etc/cron.hourly\n",
        "etc/hostname": b"web01\n",
        "etc/mtab": b"proc /proc proc rw 0 0\n",
        "var/log/auth.log": b"Nov 29 10:00:01 web01 sshd[1]: Accepted publickey for deploy\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.chmod(root / "usr/bin/passwd", 0o4755)
    os.chmod(root / "usr/bin/ls", 0o755)
    os.symlink("ls", root / "usr/bin/dir")
    return root


def _rules(tmp_path: Path) -> str:
    return RULES


def _changes(root: Path, db: Path) -> tuple[list, object]:
    _db, changes, summary = run_check_ordered(str(root), str(db))
    return list(changes), summary


def test_unchanged_tree_checks_clean(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    made = create(str(root), str(db), RULES)
    assert made.entries > 10 and made.bytes_hashed > 0
    changes, summary = _changes(root, db)
    assert changes == []
    assert summary.status == 0 and summary.entries == made.entries  # type: ignore[attr-defined]
    assert summary.db_sha256 == made.db_sha256  # type: ignore[attr-defined]


def test_intrusion_is_reported_most_urgent_first_with_old_and_new(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl.gz"
    create(str(root), str(db), RULES)
    # A trojaned ls with the same size and the old mtime put back (timestomped).
    ls = root / "usr/bin/ls"
    st = ls.stat()
    ls.write_bytes(b"\x7fELF LS binary" * 100)
    os.utime(ls, ns=(st.st_atime_ns, st.st_mtime_ns))
    (root / "etc/ld.so.preload").write_bytes(b"/usr/lib/libhide.so\n")
    os.chmod(root / "usr/bin/passwd", 0o755)  # setuid bit dropped (also a change)
    (root / "etc/ssh/sshd_config").write_bytes(b"PermitRootLogin yes\n")
    (root / "etc/hostname").unlink()
    (root / "etc/mtab").write_bytes(b"changed, but excluded\n")
    changes, summary = _changes(root, db)
    kinds = {(c.kind, c.path) for c in changes}
    assert kinds == {
        ("changed", "/usr/bin/passwd"),
        ("changed", "/usr/bin/ls"),
        ("added", "/etc/ld.so.preload"),
        ("changed", "/etc/ssh/sshd_config"),
        ("removed", "/etc/hostname"),
        ("changed", "/etc"),  # a file added and one removed: the folder's mtime and ctime moved
    }
    order = [CLASSES[c.klass][0] for c in changes]
    assert order == sorted(order, key=[name for name, _ in CLASSES].index)
    assert changes[0].path == "/usr/bin/passwd"
    passwd = dict((a, (o, n)) for a, o, n in changes[0].details)
    assert passwd["mode"] == (0o104755, 0o100755)
    ls_change = next(c for c in changes if c.path == "/usr/bin/ls")
    changed_attrs = {a for a, _, _ in ls_change.details}
    assert "hash" in changed_attrs and "ctime" in changed_attrs and "mtime" not in changed_attrs
    assert summary.status == ADDED | REMOVED | CHANGED  # type: ignore[attr-defined]


def test_growing_log_may_only_grow(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    create(str(root), str(db), RULES)
    log = root / "var/log/auth.log"
    with log.open("ab") as handle:
        handle.write(b"Nov 29 10:05:00 web01 sshd[2]: Failed password for root\n")
    assert _changes(root, db)[0] == []
    # Rewriting history (removing the accepted login) while keeping it longer: caught.
    log.write_bytes(b"Nov 29 10:00:01 web01 sshd[1]: nothing to see here, move along, really\n" * 3)
    changes, _ = _changes(root, db)
    assert [c.path for c in changes] == ["/var/log/auth.log"]
    assert "no longer the start" in changes[0].note
    log.write_bytes(b"short\n")
    changes, _ = _changes(root, db)
    assert "shrank" in changes[0].note


def test_check_streams_in_path_order(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    create(str(root), str(db), RULES)
    (root / "usr/bin/zz").write_bytes(b"new")
    (root / "etc/aa").write_bytes(b"new")
    _db, stream, summary_of = check(str(root), str(db))
    paths = [c.path for c in stream if c.kind == "added"]
    assert paths == ["/etc/aa", "/usr/bin/zz"]
    assert summary_of().added == 2


def test_update_keeps_history_and_becomes_the_new_baseline(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    first = create(str(root), str(db), RULES)
    (root / "usr/bin/new-tool").write_bytes(b"\x7fELF new")
    changes, summary, new_sha, kept = update(str(root), str(db))
    assert [c.path for c in changes] == ["/usr/bin", "/usr/bin/new-tool"] and summary.added == 1
    assert Path(kept).parent == Path(str(db) + ".history")
    assert Database(kept).sha256 == first.db_sha256
    assert Database(str(db)).sha256 == new_sha != first.db_sha256
    assert Database(str(db)).header["previous_sha256"] == first.db_sha256
    assert _changes(root, db)[0] == []
    assert not Path(str(db) + ".new").exists()


def _rewrite(db: Path, edit: object) -> None:
    lines = db.read_bytes().splitlines(keepends=True)
    db.write_bytes(b"".join(edit(lines)))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:-1], "no footer"),
        (lambda lines: lines[:-1] + [lines[-1][:-5]], "truncated"),
        (lambda lines: [lines[0]] + lines[2:], "fails its self-check"),
        (lambda lines: [lines[0], lines[1].replace(b'"m":', b'"m":1')] + lines[2:], "fails its self-check"),
        (lambda lines: [lines[0], lines[2], lines[1]] + lines[3:], "out of order"),
        (lambda lines: lines + [b"{}\n"], "after the footer"),
    ],
)
def test_tampered_or_truncated_database_is_refused(tmp_path: Path, edit: object, message: str) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    create(str(root), str(db), RULES)
    _rewrite(db, edit)
    with pytest.raises(DatabaseTampered, match=message):
        check(str(root), str(db))


def test_other_format_version_is_refused_with_advice(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl"
    create(str(root), str(db), RULES)
    lines = db.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["version"] = 2
    db.write_bytes(json.dumps(header).encode() + b"\n" + b"".join(lines[1:]))
    with pytest.raises(BaselineError, match="format version 2; this breachkit reads version 1"):
        Database(str(db))
    with pytest.raises(BaselineError, match="not a breachkit baseline"):
        (tmp_path / "x").write_bytes(b"hello\n")
        Database(str(tmp_path / "x"))


def test_gzip_database_is_deterministic_gzip(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "base.jsonl.gz"
    create(str(root), str(db), RULES)
    text = gzip.decompress(db.read_bytes()).decode("ascii")
    assert json.loads(text.splitlines()[-1])["footer"] is True


def test_sparse_file_is_hashed_without_reading_its_holes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "usr").mkdir(parents=True)
    big = root / "usr" / "sparse.img"
    with big.open("wb") as handle:
        handle.write(b"head")
        handle.seek(1 << 36)  # 64 GiB
        handle.write(b"tail")
    db = tmp_path / "b.jsonl"
    made = create(str(root), str(db), "/usr BIN\n")
    assert made.bytes_hashed < 1 << 24
    record = dict(Database(str(db)).entries())["/usr/sparse.img"]
    assert record["h"].startswith("sha256-extents:")
    with big.open("r+b") as handle:
        handle.seek(1 << 35)
        handle.write(b"x")
    changes, _ = _changes(root, db)
    assert [c.path for c in changes] == ["/usr/sparse.img"]


def test_file_changing_while_hashed_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _server(tmp_path / "root")
    real_digest = scan._digest

    def appending(fd: int, st: os.stat_result, name: str, prefix: int | None) -> tuple[str, str | None, int]:
        result = real_digest(fd, st, name, prefix)
        if st.st_size > 5000:  # libc.so.6
            with (root / "usr/lib/x86_64-linux-gnu/libc.so.6").open("ab") as handle:
                handle.write(b"more")
        return result

    monkeypatch.setattr(scan, "_digest", appending)
    seen = []
    create(str(root), str(tmp_path / "b.jsonl"), RULES, on_warning=seen.append)
    assert [(w.path, w.kind) for w in seen] == [("/usr/lib/x86_64-linux-gnu/libc.so.6", "changed-while-hashing")]


def test_hostile_root_create_and_check(tmp_path: Path) -> None:
    host = build_hostile_root(tmp_path / "root")
    before = snapshot(host.path)
    db = tmp_path / "hostile.jsonl"
    warnings: list = []
    made = create(str(host.path), str(db), "/ ALL\n", on_warning=warnings.append)
    assert made.entries > 600  # the deep chain is walked, not escaped
    kinds = {w.kind for w in warnings}
    assert "not-regular" not in kinds  # FIFOs, sockets and devices are never opened for hashing
    _db, changes, summary = run_check_ordered(str(host.path), str(db))
    assert list(changes) == []
    assert summary.status == 0
    assert snapshot_diff(before, snapshot(host.path), atime=IS_ROOT) == []
    paths = {path for path, _ in Database(str(db)).entries()}
    assert set(host.hostile_paths) <= paths


def test_hash_algorithm_comes_from_the_rules(tmp_path: Path) -> None:
    root = _server(tmp_path / "root")
    db = tmp_path / "b2.jsonl"
    create(str(root), str(db), "hash blake2b\n/usr BIN\n")
    record = dict(Database(str(db)).entries())["/usr/bin/ls"]
    assert record["h"].startswith("blake2b:") and len(record["h"]) == len("blake2b:") + 128
    try:
        import blake3  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="needs the 'blake3' Python module"):
            create(str(root), str(tmp_path / "b3.jsonl"), "hash blake3\n/usr BIN\n")
