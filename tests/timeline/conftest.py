"""Fixtures: small walks loaded into an in-memory ``files`` table, and the demo host as a bundle."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from breachkit import tables
from breachkit.host.records import FileStat
from breachkit.timeline.accounts import Accounts
from breachkit.timeline.build import load_entries

NS = 1_000_000_000
PASSWD = b"root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
GROUP = b"root:x:0:\nwww-data:x:33:\n"


def entry(
    path: str, *, kind: str = "f", mode: int = 0o644, uid: int = 0, gid: int = 0, **times: int | None
) -> FileStat:
    fmt = {"f": stat.S_IFREG, "d": stat.S_IFDIR, "l": stat.S_IFLNK}[kind]
    born = times.get("btime_ns", 1_700_000_000 * NS + 123)
    base = born if born is not None else 1_700_000_000 * NS + 123
    return FileStat(
        path=path,
        type=kind,
        mode=fmt | mode,
        uid=uid,
        gid=gid,
        size=10,
        inode=abs(hash(path)) % 10**9,
        nlink=1,
        dev=1,
        blocks=0,
        atime_ns=times.get("atime_ns", base) or 0,
        mtime_ns=times.get("mtime_ns", base) or 0,
        ctime_ns=times.get("ctime_ns", base) or 0,
        btime_ns=born,
        target="x" if kind == "l" else None,
    )


@pytest.fixture
def load() -> Iterator[Callable[..., Any]]:
    """``load(entries, passwd=..., group=...)`` -> a connection with the ``files`` table."""
    connections: list[Any] = []

    def _load(entries: list[FileStat], passwd: bytes | None = PASSWD, group: bytes | None = GROUP) -> Any:
        con = tables.connect(None)
        connections.append(con)
        load_entries(con, entries, Accounts.parse(passwd, group), "walk")
        return con

    yield _load
    for con in connections:
        con.close()


@pytest.fixture(scope="session")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.timeline.demo_walk import write_bundle

    return write_bundle(tmp_path_factory.mktemp("demo") / "bundle")
