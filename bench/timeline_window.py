#!/usr/bin/env python3
"""Benchmark: a window query over a large timeline, against TSK's ``mactime`` on the same data.

For each size (default 100k and 1M entries) a realistic synthetic walk is
generated (paths in a few thousand folders, four times over three years with
nanoseconds, a burst of activity on one night), written both as a bundle
``walk.jsonl`` and as a TSK bodyfile. Then, each in a fresh process so peak
memory is its own:

* breachkit loads ``walk.jsonl`` into a DuckDB case database (the ``files``
  table) and answers a one-day window query (every file with any time in it,
  with its MACB string, then the same window as one line per distinct time,
  as ``mactime`` prints it) — load and both queries timed separately;
* ``mactime -b BODY -d -y -z UTC DAY..NEXTDAY`` answers the same one-day window
  from the bodyfile (mactime has day granularity; its range end is exclusive),
  if The Sleuth Kit is installed
  (``apt-get install sleuthkit``).

    python3 bench/timeline_window.py [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NS = 1_000_000_000
START = 1_700_000_000  # 2023-11-14
DAY = "2026-11-21"
NEXT_DAY = "2026-11-22"
DAY_START = 1_795_219_200  # 2026-11-21T00:00:00Z

CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from breachkit import tables
from breachkit.timeline.accounts import Accounts
from breachkit.timeline.build import load_walk_jsonl
from breachkit.timeline.query import count, entries, events
from breachkit.timeline.window import Window

case = Path({case!r})
con = tables.connect(case)
t0 = time.perf_counter()
load_walk_jsonl(con, Path({walk!r}), Accounts(), "bundle")
t1 = time.perf_counter()
window = Window({start} * 10**9, ({start} + 86400) * 10**9 - 1)
n = sum(1 for _ in entries(con, window))
t2 = time.perf_counter()
lines = sum(1 for _ in events(con, window))
t3 = time.perf_counter()
assert n == count(con, window)
print(json.dumps({{"load_s": t1 - t0, "query_s": t2 - t1, "files": n, "events_query_s": t3 - t2, "lines": lines}}))
"""


def generate(folder: Path, size: int, seed: int = 1) -> tuple[Path, Path]:
    rng = random.Random(seed)
    walk = folder / "walk.jsonl"
    body = folder / "walk.body"
    dirs = [f"/srv/site{d % 40}/dir{d}" for d in range(size // 50 + 1)]
    with walk.open("w") as out, body.open("w") as bout:
        for i in range(size):
            if i % 5000 == 0:  # a night of activity on the window day
                born = DAY_START + 3600 * 23 + rng.randrange(3600)
            else:
                born = START + rng.randrange(3 * 365 * 86400)
            b = born * NS + rng.randrange(NS)
            m = b + rng.randrange(86400 * NS)
            c = m + rng.randrange(10 * NS)
            a = c + rng.randrange(30 * 86400 * NS)
            path = f"{dirs[i % len(dirs)]}/file{i}.php"
            out.write(
                json.dumps(
                    {
                        "path": path,
                        "type": "f",
                        "mode": 0o100644,
                        "uid": 33,
                        "gid": 33,
                        "size": 1000 + i % 5000,
                        "inode": i + 100,
                        "nlink": 1,
                        "dev": 2049,
                        "blocks": 8,
                        "atime_ns": a,
                        "mtime_ns": m,
                        "ctime_ns": c,
                        "btime_ns": b,
                        "target": None,
                    },
                    separators=(",", ":"),
                    sort_keys=True,
                )
                + "\n"
            )
            bout.write(
                f"0|{path}|{i + 100}|r/rrw-r--r--|33|33|{1000 + i % 5000}|{a // NS}|{m // NS}|{c // NS}|{b // NS}\n"
            )
    return walk, body


def measured(cmd: list[str]) -> tuple[bytes, float, float]:
    """Output, wall seconds and peak RSS (MiB) of one child process (its own, via wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
        out.seek(0)
        return out.read(), elapsed, usage.ru_maxrss / 1024


def run_ours(folder: Path, walk: Path) -> dict[str, float]:
    case = folder / "case"
    code = CHILD.format(repo=str(REPO), case=str(case), walk=str(walk), start=DAY_START)
    output, elapsed, peak = measured([sys.executable, "-c", code])
    data: dict[str, float] = json.loads(output.splitlines()[-1])
    data["process_s"] = elapsed
    data["peak_rss_mb"] = peak
    return data


def run_mactime(body: Path) -> dict[str, float] | None:
    if shutil.which("mactime") is None:
        return None
    output, elapsed, peak = measured(["mactime", "-b", str(body), "-d", "-y", "-z", "UTC", f"{DAY}..{NEXT_DAY}"])
    return {"seconds": elapsed, "lines": output.count(b"\n") - 1, "peak_rss_mb": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--no-mactime", action="store_true")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bk-bench-") as tmp:
            folder = Path(tmp)
            walk, body = generate(folder, size)
            ours = run_ours(folder, walk)
            theirs = None if args.no_mactime else run_mactime(body)
            row: dict[str, object] = {"entries": size, "breachkit": {k: round(v, 3) for k, v in ours.items()}}
            if theirs is not None:
                row["mactime"] = {k: round(v, 3) for k, v in theirs.items()}
                row["ratio_query_vs_mactime"] = round(ours["events_query_s"] / theirs["seconds"], 4)
                row["ratio_load_plus_query_vs_mactime"] = round(
                    (ours["load_s"] + ours["query_s"]) / theirs["seconds"], 3
                )
            results.append(row)
    print(
        json.dumps(
            {
                "date": datetime.now(tz=timezone.utc).strftime("%Y-%m-%d"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, kernel {platform.release()}",
                "window": f"{DAY} (one day, any of the four times)",
                "results": results,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
