"""Integrity benchmarks against the anchors, run in the same run on the same input.

1. ``baseline create`` and ``baseline check`` (nothing changed) of a tree (default ``/usr``), warm
   cache, against ``aide --init`` / ``aide --check`` with an equivalent configuration at each
   ``num_workers`` tried (the best is used for the ratio) and against
   ``find TREE -type f -print0 | xargs -0 -P2 sha256sum``.
2. ``--cold``: the same after dropping the page cache, against just reading the files
   (``cat``); needs root and disturbs everything else running on the machine.
3. package verification of this machine (``/``) against ``debsums -s``, with the lists of
   changed and missing files diffed (they must be equal).
4. memory: peak RSS of ``baseline create`` on a small and on the full tree.
5. the floor: the time to just hash the same files' bytes (sha256 for the tree, md5 for the
   packaged files), the list made beforehand, in one process per CPU with ``hashlib``: no
   tool on this machine can be faster than that.

breachkit's own runs are the best of ``--repeat`` (default 3); the load average before each
measurement is recorded, as the machine may be shared.

Usage: ``python3 bench/integrity.py [--tree /usr] [--small /usr/bin] [--cold] [--skip-debsums] [--repeat 3]``.
Installs ``aide`` and ``debsums`` with apt-get when missing. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST_CLI = f"import sys; sys.path.insert(0, {str(REPO)!r}); from breachkit.host.cli import main; sys.exit(main())"
VERIFY = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})
from breachkit.integrity.report import verify_packages
from breachkit.sources import RootSource
report = verify_packages(RootSource("/"), unowned=sys.argv[1] == "full", include_config=sys.argv[1] == "full")
json.dump({{"changed": sorted(r.expected.path for r in report.changed(config=False)),
           "missing": sorted(r.expected.path for r in report.missing() if not r.expected.config),
           "files": report.files_checked}}, sys.stdout)
"""


PACKAGED = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from breachkit.integrity.packages import load
from breachkit.sources import RootSource
paths = sorted({{f.path for db in load(RootSource("/")) for f in db.files() if not f.config}})
open(sys.argv[1], "w", encoding="utf-8", errors="surrogateescape").write("\\0".join(paths))
"""
FLOOR = """
import hashlib, os, sys, time
algorithm, listing = sys.argv[1], sys.argv[2]
files = [p for p in open(listing, encoding="utf-8", errors="surrogateescape").read().split("\\0") if p]
workers = len(os.sched_getaffinity(0))
start = time.perf_counter()
pids = []
for k in range(workers):
    pid = os.fork()
    if pid == 0:
        for path in files[k::workers]:
            try:
                with open(path, "rb", buffering=0) as handle:
                    hashlib.file_digest(handle, algorithm)
            except OSError:
                pass
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
print(time.perf_counter() - start)
"""


def ensure(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, capture_output=True)


def timed(cmd: list[str] | str, shell: bool = False, cwd: str | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in KiB (of the largest process) and stdout of a command."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        full = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + (["sh", "-c", cmd] if shell else list(cmd))  # type: ignore[arg-type]
        start = time.perf_counter()
        proc = subprocess.run(full, capture_output=True, text=True, cwd=cwd)
        elapsed = time.perf_counter() - start
        lines = [line for line in rss_file.read().splitlines() if line.strip().isdigit()]
    if proc.returncode not in (0, 1, 2, 4, 5, 6, 7):
        raise SystemExit(f"{full} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, int(lines[-1]) if lines else 0, proc.stdout


def best(cmd: list[str] | str, repeat: int, shell: bool = False) -> tuple[float, int, str, list[float]]:
    """The fastest of ``repeat`` runs (wall seconds, its peak RSS and output) and the load average before each."""
    runs = []
    loads = []
    for _ in range(max(1, repeat)):
        loads.append(round(os.getloadavg()[0], 2))
        runs.append(timed(cmd, shell=shell))
    fastest = min(runs, key=lambda run: run[0])
    return fastest[0], fastest[1], fastest[2], loads


def floor(algorithm: str, listing: Path) -> float:
    """Seconds to only hash the files listed (NUL-separated) in ``listing``, one process per CPU."""
    done = subprocess.run([sys.executable, "-c", FLOOR, algorithm, str(listing)], capture_output=True, text=True)
    return float(done.stdout.strip() or "nan")


def aide_conf(folder: Path, tree: str, workers: int) -> Path:
    conf = folder / f"aide-{workers}.conf"
    conf.write_text(
        f"database_out=file:{folder}/aide.db.new\ndatabase_in=file:{folder}/aide.db\ngzip_dbout=no\n"
        f"num_workers={workers}\nreport_url=stdout\n"
        "BK = p+i+n+u+g+s+m+c+sha256+xattrs+acl+selinux+caps\n"
        f"{tree} BK\n"
    )
    return conf


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def baseline_bench(tree: str, small: str, cold: bool, work: Path, repeat: int) -> dict[str, object]:
    ensure("aide", "aide")
    rules = work / "rules"
    rules.write_text(f"{tree} BIN\n")
    db = work / "bk.jsonl"
    py = [sys.executable, "-I", "-S", "-c", HOST_CLI, "baseline"]
    create = py + ["create", "--root", "/", "--rules", str(rules), "--out", str(db), "--quiet"]
    check = py + ["check", "--root", "/", "--db", str(db), "--quiet"]
    timed(create)  # warm the cache
    ours_create, ours_rss, _, create_loads = best(create, repeat)
    ours_check, _, _, check_loads = best(check, repeat)
    sha = f"find {tree} -type f -print0 | xargs -0 -P2 sha256sum > /dev/null"
    sha_time, _, _, _ = best(sha, repeat, shell=True)
    listing = work / "files"
    subprocess.run(f"find {tree} -xdev -type f -print0 > {listing}", shell=True, check=True)
    floor_s = floor("sha256", listing)
    aide: dict[int, dict[str, float]] = {}
    for workers in (1, 2, 4):
        conf = aide_conf(work, tree, workers)
        init, _, _ = timed(["aide", "--init", "-c", str(conf)], cwd=str(work))
        os.replace(work / "aide.db.new", work / "aide.db")
        chk, _, _ = timed(["aide", "--check", "-c", str(conf)], cwd=str(work))
        aide[workers] = {"init_s": round(init, 2), "check_s": round(chk, 2)}
    best_init = min(v["init_s"] for v in aide.values())
    best_check = min(v["check_s"] for v in aide.values())
    small_rules = work / "rules-small"
    small_rules.write_text(f"{small} BIN\n")
    _, small_rss, _ = timed(
        py + ["create", "--root", "/", "--rules", str(small_rules), "--out", str(work / "s.jsonl"), "--quiet"]
    )
    entries = sum(1 for _ in db.open()) - 2
    result: dict[str, object] = {
        "tree": tree,
        "entries": entries,
        "breachkit_create_s": round(ours_create, 2),
        "breachkit_check_s": round(ours_check, 2),
        "aide_by_num_workers": aide,
        "sha256sum_xargs_P2_s": round(sha_time, 2),
        "ratio_aide_init_best_over_create": round(best_init / ours_create, 2),
        "ratio_aide_check_best_over_check": round(best_check / ours_check, 2),
        "ratio_sha256sum_over_create": round(sha_time / ours_create, 2),
        "hash_only_floor_s": round(floor_s, 2),
        "best_possible_ratio_aide_init": round(best_init / floor_s, 2),
        "load_avg_before_runs": {"create": create_loads, "check": check_loads},
        "peak_rss_kib": {small: small_rss, tree: ours_rss},
    }
    if cold:
        drop_caches()
        read_s, _, _ = timed(f"find {tree} -type f -print0 | xargs -0 -P4 cat > /dev/null", shell=True)
        drop_caches()
        cold_create, _, _ = timed(create)
        drop_caches()
        cold_check, _, _ = timed(check)
        result["cold"] = {
            "read_only_s": round(read_s, 2),
            "create_s": round(cold_create, 2),
            "check_s": round(cold_check, 2),
            "ratio_create_over_read": round(cold_create / read_s, 2),
            "ratio_check_over_read": round(cold_check / read_s, 2),
        }
    return result


def debsums_bench(repeat: int) -> dict[str, object]:
    ensure("debsums", "debsums")
    timed([sys.executable, "-c", VERIFY, "same"])  # warm the cache for both
    ours_s, ours_rss, out, loads = best([sys.executable, "-c", VERIFY, "same"], repeat)
    ours = json.loads(out)
    full_s, _, _ = timed([sys.executable, "-c", VERIFY, "full"])
    start = time.perf_counter()
    done = subprocess.run(["debsums", "-s"], capture_output=True, text=True)
    debsums_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        listing = Path(folder) / "files"
        subprocess.run([sys.executable, "-c", PACKAGED, str(listing)], check=True)
        floor_s = floor("md5", listing)
    changed, missing = set(), set()
    for line in done.stderr.splitlines():
        match = re.match(r"debsums: (changed|missing) file (.*) \(from .* package\)$", line)
        if match:
            (changed if match.group(1) == "changed" else missing).add(match.group(2))
    return {
        "files": ours["files"],
        "breachkit_s": round(ours_s, 2),
        "breachkit_with_conffiles_and_unowned_s": round(full_s, 2),
        "debsums_s": round(debsums_s, 2),
        "ratio_debsums_over_breachkit": round(debsums_s / ours_s, 2),
        "md5_only_floor_s": round(floor_s, 2),
        "best_possible_ratio_debsums": round(debsums_s / floor_s, 2),
        "load_avg_before_runs": loads,
        "peak_rss_kib": ours_rss,
        "changed": {"breachkit": len(ours["changed"]), "debsums": len(changed)},
        "missing": {"breachkit": len(ours["missing"]), "debsums": len(missing)},
        "only_breachkit": sorted((set(ours["changed"]) - changed) | (set(ours["missing"]) - missing))[:50],
        "only_debsums": sorted((changed - set(ours["changed"])) | (missing - set(ours["missing"])))[:50],
        "same_lists": set(ours["changed"]) == changed and set(ours["missing"]) == missing,
    }


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_avg_at_start": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default="/usr")
    parser.add_argument("--small", default="/usr/bin")
    parser.add_argument("--cold", action="store_true", help="also measure with a dropped page cache (root)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-debsums", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of breachkit and sha256sum; the best is kept")
    args = parser.parse_args()
    report: dict[str, object] = {
        "date": datetime.now(tz=timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    if not args.skip_debsums:
        report["packages_verify"] = debsums_bench(args.repeat)
        print(json.dumps(report["packages_verify"]), file=sys.stderr, flush=True)
    if not args.skip_baseline:
        # /var/tmp, not /tmp: other jobs on a shared machine clean /tmp.
        folder = tempfile.mkdtemp(prefix="breachkit-integrity-bench-", dir="/var/tmp")
        try:
            report["baseline"] = baseline_bench(args.tree, args.small, args.cold, Path(folder), args.repeat)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
