#!/usr/bin/env python3
"""Benchmark: ``breachkit timeline --root`` against ``find -printf`` writing the same bodyfile fields.

Both walk the same tree on one file system and write one bodyfile line per
entry with inode, mode, owners, size and the four times (find:
``%A@ %T@ %C@ %B@``, breachkit: from statx, nanoseconds, birth time
included). breachkit's run is the whole command: walk, the ``files`` table
in DuckDB, capabilities of executables, and the output. The raw walk alone
(``RootFS.walk`` + one JSON line per entry, as the collector does it) is
timed too. Each runs ``--repeat`` times after one warm-up run (warm cache
for both) and the best time counts.

    python3 bench/timeline_walk.py [--root /usr] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIND_BODYFILE = r"0|%p|%i|%M|%U|%G|%s|%A@|%T@|%C@|%B@\n"

RAW_WALK = """
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


def best(cmd: list[str], repeat: int) -> tuple[float, int]:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # warm-up
    times = []
    lines = 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
        lines = proc.stdout.count(b"\n")
    return min(times), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="/usr")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    find_s, find_lines = best(["find", args.root, "-xdev", "-printf", FIND_BODYFILE], args.repeat)
    raw_s, raw_lines = best([sys.executable, "-c", RAW_WALK.format(repo=str(REPO), root=args.root)], args.repeat)
    ours_s, ours_lines = best([sys.executable, "-c", TIMELINE.format(repo=str(REPO), root=args.root)], args.repeat)
    print(
        json.dumps(
            {
                "date": datetime.now(tz=timezone.utc).strftime("%Y-%m-%d"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, kernel {platform.release()}",
                "root": args.root,
                "find_bodyfile": {"seconds": round(find_s, 3), "lines": find_lines},
                "breachkit_raw_walk_jsonl": {
                    "seconds": round(raw_s, 3),
                    "lines": raw_lines,
                    "ratio": round(raw_s / find_s, 2),
                },
                "breachkit_timeline_bodyfile": {
                    "seconds": round(ours_s, 3),
                    "lines": ours_lines,
                    "ratio": round(ours_s / find_s, 2),
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
