#!/usr/bin/env python3
"""Benchmark: the file walk with all four times, and ``breachkit timeline --root``, against ``find -printf``.

Every command walks the same tree on one file system and writes one line per
entry to a file (stdout redirected), warm cache, in the same run:

* ``find (walk fields)``: ``find -xdev -printf`` with every field a walk line
  holds: path, type, mode, owner, group, size, inode, link count, device,
  blocks, atime/mtime/ctime/birth time (``%A@ %T@ %C@ %B@``, nanoseconds) and
  the symlink target;
* ``find (bodyfile)``: the same walk printing a TSK bodyfile line
  (``0|%p|%i|%M|%U|%G|%s|%A@|%T@|%C@|%B@``), what ``timeline --format
  bodyfile`` prints;
* ``raw walk``: the collector's walk writing ``walk.jsonl`` lines
  (``walk_root(...).write_jsonl``: statx with birth time, nanoseconds, the
  exact JSON the bundle stores), as ``collect`` runs it: the walk in a forked
  process when a second CPU is idle, else in one process;
* ``raw walk, one process`` and ``raw walk, two processes``: the same with
  ``workers=1`` and ``workers=2``;
* ``records``: iterating the walk as ``FileStat`` records and writing
  ``to_jsonl()`` (what the other analyses get);
* ``timeline``: the whole ``timeline --root --format bodyfile --no-findings``
  command: walk, the ``files`` table in DuckDB, capabilities of executables,
  the output.

The commands take turns (round-robin) ``--repeat`` times after one warm-up
each, and the best time of each counts, so a burst of other work on the
machine hits all of them alike. The ratios are against ``find (walk fields)``
for the walks and ``find (bodyfile)`` for the timeline.

    python3 bench/timeline_walk.py [--root /usr] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIND_WALK = r"%p|%y|%m|%U|%G|%s|%i|%n|%D|%b|%A@|%T@|%C@|%B@|%l\n"
FIND_BODYFILE = r"0|%p|%i|%M|%U|%G|%s|%A@|%T@|%C@|%B@\n"

RAW_WALK = """
import sys
sys.path.insert(0, {repo!r})
from breachkit.host.collect import walk_root
from breachkit.host.rootfs import RootFS
with RootFS({root!r}) as fs:
    walk_root(fs).write_jsonl(sys.stdout.buffer.write, lambda warning: None, workers={workers})
"""

RECORDS = """
import sys
sys.path.insert(0, {repo!r})
from breachkit.host.records import FileStat
from breachkit.host.rootfs import RootFS
write = sys.stdout.write
with RootFS({root!r}) as fs:
    for entry in fs.walk("/"):
        if isinstance(entry, FileStat):
            write(entry.to_jsonl() + "\\n")
"""

TIMELINE = """
import sys
sys.path.insert(0, {repo!r})
import breachkit.cli.main as cli
cli.COMMAND_MODULES = ("breachkit.cli.timeline",)
sys.exit(cli.main(["timeline", "--root", {root!r}, "--format", "bodyfile", "--no-findings"]))
"""


def run(cmd: list[str], out: Path) -> tuple[float, int]:
    with out.open("wb") as handle:
        start = time.perf_counter()
        subprocess.run(cmd, stdout=handle, stderr=subprocess.DEVNULL, check=True)
        elapsed = time.perf_counter() - start
    with out.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return elapsed, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="/usr")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = [sys.executable, "-c"]
    commands = {
        "find_walk_fields": ["find", args.root, "-xdev", "-printf", FIND_WALK],
        "find_bodyfile": ["find", args.root, "-xdev", "-printf", FIND_BODYFILE],
        "breachkit_raw_walk_jsonl": python + [RAW_WALK.format(repo=str(REPO), root=args.root, workers=None)],
        "breachkit_raw_walk_jsonl_one_process": python + [RAW_WALK.format(repo=str(REPO), root=args.root, workers=1)],
        "breachkit_raw_walk_jsonl_two_processes": python + [RAW_WALK.format(repo=str(REPO), root=args.root, workers=2)],
        "breachkit_records": python + [RECORDS.format(repo=str(REPO), root=args.root)],
        "breachkit_timeline_bodyfile": python + [TIMELINE.format(repo=str(REPO), root=args.root)],
    }
    load_before = os.getloadavg()[0]
    best: dict[str, float] = {}
    lines: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-walk-", dir="/var/tmp") as scratch:
        out = Path(scratch) / "out"
        for cmd in commands.values():  # warm-up: the cache, and every import
            run(cmd, out)
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                elapsed, count = run(cmd, out)
                best[name] = min(best.get(name, elapsed), elapsed)
                lines[name] = count
    report: dict[str, object] = {
        "date": datetime.now(tz=timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"kernel {platform.release()}",
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "root": args.root,
    }
    for name in commands:
        row: dict[str, object] = {"seconds": round(best[name], 3), "lines": lines[name]}
        if name.startswith("breachkit"):
            anchor = "find_bodyfile" if name.endswith("timeline_bodyfile") else "find_walk_fields"
            row["ratio"] = round(best[name] / best[anchor], 2)
        report[name] = row
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
