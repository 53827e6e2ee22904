from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.events import EVENT_COLUMNS
from breachkit.host.records import FileStat, WarningRecord
from breachkit.timeline.accounts import Accounts
from breachkit.timeline.build import load_entries, load_walk_jsonl
from tests.timeline.conftest import NS, entry


def test_names_come_from_the_examined_hosts_accounts(load: Callable[..., Any]) -> None:
    con = load([entry("/var/www/a.php", uid=33, gid=33), entry("/home/x", uid=4242, gid=4242)])
    rows = dict(con.execute("SELECT path, user_name || ':' || group_name FROM files").fetchall())
    assert rows["/var/www/a.php"] == "www-data:www-data"
    assert rows["/home/x"] is None  # uid 4242 has no account on the examined host


def test_walk_jsonl_with_hostile_lines(tmp_path: Path) -> None:
    good = entry("/etc/passwd")
    odd = entry("/tmp/bad\udcffname\x1b[31m")
    far = entry("/tmp/future")._replace(mtime_ns=2**70)
    walk = tmp_path / "walk.jsonl"
    walk.write_text(
        "\n".join(
            [
                good.to_jsonl(),
                odd.to_jsonl(),
                "{not json",
                far.to_jsonl(),
                json.dumps({"path": "relative/path", "type": "f"}),
                "",
            ]
        )
    )
    con = tables.connect(None)
    result = load_walk_jsonl(con, walk, Accounts(), "bundle")
    paths = {row[0]: row[1] for row in con.execute("SELECT path, mtime_ns FROM files").fetchall()}
    assert set(paths) == {"/etc/passwd", "/tmp/bad\\xffname\x1b[31m", "/tmp/future"}
    assert paths["/tmp/future"] is None  # beyond 64 bits: kept, time left empty, warned
    kinds = result.warning_kinds
    assert kinds["malformed-record"] == 2 and kinds["out-of-range"] == 1
    assert any("line 3" in w.detail for w in result.examples)
    assert result.entries == 3


def test_missing_birth_times_are_said_once(load: Callable[..., Any]) -> None:
    con = load([entry("/a", btime_ns=None), entry("/b", btime_ns=None), entry("/c")])
    assert con.execute("SELECT count(*) FROM files WHERE btime_ns IS NULL").fetchone()[0] == 2


def test_warnings_are_counted_and_stored() -> None:
    con = tables.connect(None)
    items: list[FileStat | WarningRecord] = [
        entry("/a"),
        WarningRecord("/proc", "skipped", "pseudo"),
        WarningRecord("/x", "vanished", "gone"),
    ]
    result = load_entries(con, items, Accounts(), "walk")
    assert result.warnings == 2 and result.entries == 1
    assert con.execute("SELECT count(*) FROM timeline_warnings").fetchone()[0] == 2
    assert any("no birth" in note for note in result.notes) is False


def test_fs_events_view_has_the_common_event_columns(load: Callable[..., Any]) -> None:
    t = 1_795_300_878 * NS
    con = load([entry("/w/shell.php", uid=33, atime_ns=t + 5, mtime_ns=t, ctime_ns=t, btime_ns=t)])
    columns = [row[0] for row in con.execute("DESCRIBE fs_events").fetchall()]
    assert columns == [name for name, _ in EVENT_COLUMNS]
    rows = con.execute('SELECT time_ns, kind, source, path, "user" FROM fs_events ORDER BY time_ns').fetchall()
    assert rows == [(t, "m.cb", "fs", "/w/shell.php", "www-data"), (t + 5, ".a..", "fs", "/w/shell.php", "www-data")]


def test_bundle_load_is_the_same_as_the_python_path(demo_bundle: Path) -> None:
    from breachkit.timeline import open_timeline

    timeline = open_timeline(bundle=demo_bundle)
    try:
        assert timeline.load.entries > 500
        assert timeline.zone.name == "Europe/Berlin"
        total = timeline.con.execute("SELECT count(*), count(user_name) FROM files").fetchone()
        assert total[0] == total[1]  # every owner of the demo host has an account
        assert timeline.load.warning_kinds == {"skipped": 1}
    finally:
        timeline.close()


def test_build_yields_common_events_in_time_order(tmp_path: Path) -> None:
    from breachkit.sources.root import RootSource
    from breachkit.timeline import build
    from breachkit.timeline.window import Window

    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/bash\n")
    import os

    os.utime(root / "etc" / "passwd", ns=(1_600_000_000 * NS, 1_500_000_000 * NS))
    source = RootSource(str(root))
    try:
        events = list(build(source))
        only_old = list(build(source, Window(1_400_000_000 * NS, 1_550_000_000 * NS)))
    finally:
        source.close()
    assert [e.time_ns for e in events] == sorted(e.time_ns for e in events)
    assert all(e.source == "fs" and len(e.kind) == 4 for e in events)
    assert [(e.path, e.kind, e.user) for e in only_old] == [("/etc/passwd", "m...", "root")]


def test_a_root_walk_loads_the_same_through_its_lines_as_through_records(tmp_path: Path) -> None:
    import os

    from breachkit.host.collect import walk_root
    from breachkit.host.rootfs import RootFS

    root = tmp_path / "root"
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/tool").write_bytes(b"#!/bin/sh\n")
    os.chmod(root / "usr/bin/tool", 0o4755)
    (root / "usr/bin/readme").write_bytes(b"text")
    os.symlink("tool", root / "usr/bin/\udcffodd-link")
    asked: dict[str, list[str]] = {"walk": [], "records": []}

    def load(kind: str) -> list[tuple[Any, ...]]:
        def capability(entry: FileStat) -> str | None:
            asked[kind].append(entry.path)
            return "cap_setuid=ep" if entry.type == "f" and entry.mode & 0o111 else None

        con = tables.connect(None)
        with RootFS(str(root)) as fs:
            walk = walk_root(fs)  # a Walk writes its own lines; a list goes record by record
            load_entries(con, walk if kind == "walk" else list(walk), Accounts(), "walk", capability=capability)
        return con.execute("SELECT * EXCLUDE (atime_ns) FROM files ORDER BY path").fetchall()

    fast, slow = load("walk"), load("records")
    assert fast == slow
    assert [row[0] for row in fast if row[-2] == "cap_setuid=ep"] == ["/usr/bin/tool"]
    assert asked["walk"] == ["/usr/bin/tool"]  # only executables are made into records
    assert "/usr/bin/\\xffodd-link" in [row[0] for row in fast]
