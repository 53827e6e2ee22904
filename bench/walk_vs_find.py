#!/usr/bin/env python3
"""Benchmark: breachkit's file walk against ``find -printf`` with the same fields.

Both walk the same tree on one file system and write one line per entry with
path, inode, type, mode, uid, gid, size, link count and the four times
(breachkit: JSONL with nanoseconds; find: ``%A@ %T@ %C@ %B@``). Each runs
``--repeat`` times after one warm-up run (so both read from a warm cache) and
the best time is reported with the ratio.

    python3 bench/walk_vs_find.py [--root /usr] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIND_FORMAT = r"%p\0%i %y %m %U %G %s %n %A@ %T@ %C@ %B@ %l\n"

BREACHKIT_WALK = """
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


def timed(cmd: list[str]) -> tuple[float, int, int]:
    """Wall seconds, output bytes and peak RSS (KiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, len(proc.stdout), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="/usr")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    find = ["find", args.root, "-xdev", "-printf", FIND_FORMAT]
    ours = [sys.executable, "-c", BREACHKIT_WALK.format(repo=str(REPO), root=args.root)]
    entries = sum(1 for _ in os.scandir(args.root))  # warms the top level only; the warm-up runs do the rest
    timed(find)
    timed(ours)
    find_best = min(timed(find)[0] for _ in range(args.repeat))
    runs = [timed(ours) for _ in range(args.repeat)]
    ours_best = min(r[0] for r in runs)
    lines = subprocess.run(find[:-2] + ["-printf", "x"], stdout=subprocess.PIPE, check=False).stdout.count(b"x")
    result = {
        "date": datetime.now(tz=timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, kernel {platform.release()}",
        "root": args.root,
        "entries": lines,
        "find_seconds": round(find_best, 3),
        "breachkit_seconds": round(ours_best, 3),
        "ratio": round(ours_best / find_best, 2),
        "top_level_entries": entries,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
