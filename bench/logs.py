#!/usr/bin/env python3
"""Benchmark: ``breachkit logs`` against GoAccess on the same combined-format access log.

Generates a realistic Apache combined log (``--size-mb``, default 256 MB; the
issue's target is 1 GB: ``--size-mb 1024``) under a scratch root at
``/var/log/apache2/access.log``, then in the same run:

* GoAccess (Debian package ``goaccess``; installed with apt-get when missing)
  parses it to a JSON report: ``goaccess FILE --log-format=COMBINED -o report.json``;
* breachkit parses it, writes every request as an event row into a case's
  DuckDB ``events`` table and runs the web detections
  (:func:`breachkit.logs.analyze` with a case connection).

Each tool runs ``--repeat`` times after a warm-up (page cache warm for both);
the best wall time, the lines per second and the peak RSS are printed as JSON
with the machine and date.

    python3 bench/logs.py [--size-mb 256] [--repeat 1] [--auth-mb 0] [--keep DIR]

With ``--auth-mb N`` it also times an N MB auth.log through breachkit's
line-by-line path (GoAccess does not read auth logs: lines per second only).
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

BREACHKIT = """
import sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from breachkit import tables
from breachkit.logs import analyze
from breachkit.sources import RootSource
source = RootSource({root!r})
con = tables.connect(Path({case!r}))
result = analyze(source, con=con)
rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
con.close()
print(rows, result.by_source.get("web-access", 0), len(result.findings))
"""

PATHS = [
    "/",
    "/index.php",
    "/product.php?id={n}",
    "/cart.php",
    "/css/style.css",
    "/js/app.js",
    "/images/p{n}.jpg",
    "/blog/{n}/",
    "/wp-login.php",
    "/robots.txt",
    "/favicon.ico",
    "/search?q=item{n}",
    "/.env",
    "/admin/",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.7 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "curl/8.5.0",
    "Mozilla/5.0 zgrab/0.x",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def generate(path: Path, size_mb: int, seed: int = 6) -> int:
    """Write about ``size_mb`` MB of combined-format lines; returns the line count."""
    rng = random.Random(seed)
    ips = [
        f"{rng.choice((192, 198, 203))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(5000)
    ]
    target = size_mb * 1024 * 1024
    written = lines = 0
    second = 1795300000
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="ascii") as out:
        while written < target:
            batch = []
            for _ in range(10000):
                second += rng.random() < 0.3
                t = time.gmtime(second + 3600)
                stamp = f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0100"
                request = rng.choice(PATHS).format(n=rng.randrange(2000))
                status = rng.choices((200, 304, 404, 302, 500), (80, 8, 8, 3, 1))[0]
                method = "POST" if request.startswith(("/cart", "/wp-login")) and rng.random() < 0.3 else "GET"
                referer = "-" if rng.random() < 0.5 else f"https://shop.example.test{rng.choice(PATHS).format(n=1)}"
                batch.append(
                    f'{rng.choice(ips)} - - [{stamp}] "{method} {request} HTTP/1.1" {status} {rng.randrange(200, 90000)} '
                    f'"{referer}" "{rng.choice(AGENTS)}"\n'
                )
            text = "".join(batch)
            out.write(text)
            written += len(text)
            lines += len(batch)
    return lines


def generate_auth(path: Path, size_mb: int, seed: int = 6) -> int:
    """About ``size_mb`` MB of a Debian 12 auth.log (sshd noise, cron sessions, logins, sudo)."""
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    written = lines = 0
    second = 1795300000
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="ascii") as out:
        while written < target:
            batch = []
            for _ in range(10000):
                second += rng.randrange(1, 4)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{rng.randrange(10**6):06d}+00:00"
                pid = rng.randrange(1000, 99999)
                ip = f"203.0.113.{rng.randrange(1, 255)}"
                user = rng.choice(("root", "admin", "oracle", "git", "test", "ubuntu"))
                batch.append(
                    rng.choice(
                        (
                            f"{stamp} web01 sshd[{pid}]: Failed password for invalid user {user} from {ip} port {rng.randrange(1024, 65535)} ssh2",
                            f"{stamp} web01 sshd[{pid}]: Invalid user {user} from {ip} port {rng.randrange(1024, 65535)}",
                            f"{stamp} web01 CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                            f"{stamp} web01 sshd[{pid}]: Accepted publickey for anna from 192.0.2.10 port 50000 ssh2: ED25519 SHA256:x",
                            f"{stamp} web01 sudo:     anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/usr/bin/apt update",
                        )
                    )
                    + "\n"
                )
            text = "".join(batch)
            out.write(text)
            written += len(text)
            lines += len(batch)
    return lines


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def peak_rss_kib(cmd: list[str]) -> int:
    """Peak RSS of one more run, measured in a fresh child so the two tools do not mix."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True, check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    return int(subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True).stdout)


def ensure_goaccess() -> str:
    tool = shutil.which("goaccess")
    if tool is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "goaccess"], check=True, capture_output=True)
        tool = shutil.which("goaccess")
    if tool is None:
        raise SystemExit("goaccess is not installed and apt-get could not install it")
    return tool


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256, help="size of the generated access log (default 256)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per tool after a warm-up (default 1)")
    parser.add_argument(
        "--auth-mb", type=int, default=0, help="also time an auth.log of this size (no anchor; default 0: skip)"
    )
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    args = parser.parse_args()
    goaccess = ensure_goaccess()
    work = args.keep or Path(tempfile.mkdtemp(prefix="breachkit-bench-logs-"))
    try:
        root = work / "root"
        log = root / "var/log/apache2/access.log"
        if not log.exists():
            lines = generate(log, args.size_mb)
        else:
            lines = sum(1 for _ in log.open("rb"))
        size = log.stat().st_size
        theirs = [
            goaccess,
            str(log),
            "--log-format=COMBINED",
            "-p",
            "/dev/null",
            "--no-progress",
            "-o",
            str(work / "report.json"),
        ]

        def ours(case: Path) -> list[str]:
            return [sys.executable, "-c", BREACHKIT.format(repo=str(REPO), root=str(root), case=str(case))]

        best_theirs = best_ours = float("inf")
        output = ""
        for run in range(args.repeat + 1):
            elapsed, _ = timed(theirs)
            if run:
                best_theirs = min(best_theirs, elapsed)
            case = work / f"case{run}"
            elapsed, output = timed(ours(case))
            shutil.rmtree(case, ignore_errors=True)
            if run:
                best_ours = min(best_ours, elapsed)
        rows, requests, findings = (int(x) for x in output.split())
        if requests != lines:
            raise SystemExit(f"breachkit parsed {requests} of {lines} lines")
        rss_theirs = peak_rss_kib(theirs)
        rss_ours = peak_rss_kib(ours(work / "case-rss"))
        result = {
            "benchmark": "combined access log -> parsed (GoAccess JSON report | breachkit case events table + detections)",
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
            "input": {"bytes": size, "lines": lines},
            "goaccess": {
                "version": subprocess.run([goaccess, "--version"], capture_output=True, text=True).stdout.split("\n")[
                    0
                ],
                "seconds": round(best_theirs, 2),
                "lines_per_s": round(lines / best_theirs),
                "peak_rss_mib": round(rss_theirs / 1024),
            },
            "breachkit": {
                "seconds": round(best_ours, 2),
                "lines_per_s": round(lines / best_ours),
                "rows": rows,
                "findings": findings,
                "peak_rss_mib": round(rss_ours / 1024),
            },
            "speedup": round(best_theirs / best_ours, 2),
        }
        if args.auth_mb:
            auth_root = work / "auth-root"
            auth_lines = generate_auth(auth_root / "var/log/auth.log", args.auth_mb)
            elapsed, output = timed(
                [
                    sys.executable,
                    "-c",
                    BREACHKIT.format(repo=str(REPO), root=str(auth_root), case=str(work / "case-auth")),
                ]
            )
            result["auth_log"] = {
                "bytes": (auth_root / "var/log/auth.log").stat().st_size,
                "lines": auth_lines,
                "breachkit_seconds": round(elapsed, 2),
                "lines_per_s": round(auth_lines / elapsed),
            }
        print(json.dumps(result, indent=1))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
