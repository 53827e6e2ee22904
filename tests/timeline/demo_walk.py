"""The demo host's ground-truth files as walk records, with all four times exact, without root.

:func:`breachkit.demo.build_tree` cannot set change and birth times (only an
ext4 image built as root can); the scenario itself has them. These helpers
write the scenario as a bundle-like ``walk.jsonl`` plus ``root/`` copies of
the few small files the timeline reads (accounts, time zone), so the findings
can be tested against the ground truth in any environment.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

from breachkit.demo.scenario import Scenario, generate
from breachkit.host.records import FileStat

KIND = {"file": ("f", stat.S_IFREG), "dir": ("d", stat.S_IFDIR), "symlink": ("l", stat.S_IFLNK)}
SMALL_FILES = ("/etc/passwd", "/etc/group", "/etc/timezone", "/etc/hostname")


@functools.lru_cache(maxsize=2)
def scenario(seed: int = 0) -> Scenario:
    return generate(seed)


def walk_records(seed: int = 0) -> list[FileStat]:
    records = []
    for inode, entry in enumerate(scenario(seed).entries, 2):
        code, fmt = KIND[entry.kind]
        times = entry.times
        records.append(
            FileStat(
                path=entry.path,
                type=code,
                mode=fmt | entry.mode,
                uid=entry.uid,
                gid=entry.gid,
                size=entry.size if entry.kind != "dir" else 4096,
                inode=inode,
                nlink=1,
                dev=2049,
                blocks=0,
                atime_ns=times.atime_ns,
                mtime_ns=times.mtime_ns,
                ctime_ns=times.ctime_ns,
                btime_ns=times.btime_ns,
                target=entry.target if entry.kind == "symlink" else None,
            )
        )
    return records


def write_bundle(dest: Path, seed: int = 0) -> Path:
    """A minimal bundle of the demo host: manifest, acquisition, walk.jsonl and a few copies."""
    dest.mkdir(parents=True)
    (dest / "manifest.jsonl").write_text("")
    (dest / "acquisition.json").write_text('{"hostname": "web01"}\n')
    with (dest / "walk.jsonl").open("w", encoding="ascii") as out:
        for record in walk_records(seed):
            out.write(record.to_jsonl() + "\n")
    (dest / "warnings.jsonl").write_text('{"path": "/proc", "kind": "skipped", "detail": "pseudo file system"}\n')
    for path in SMALL_FILES:
        entry = scenario(seed).entry(path)
        target = dest / "root" / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.data)
    os.symlink("/usr/share/zoneinfo/Europe/Berlin", dest / "root" / "etc" / "localtime")
    return dest
