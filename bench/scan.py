#!/usr/bin/env python3
"""Benchmark: ``breachkit scan`` against the ``yara`` CLI (Debian) on a large web root, same rules, same run.

Speed (default): a synthetic web root of ``--files`` PHP files (classes,
templates, controllers with random identifiers and sizes, 1-16 KiB, plus a
few webshells and images) is scanned by

* breachkit: the library scan (``scan_source``) with the built-in rules, in a
  fresh Python process: every file read once and matched, magic, indicator and
  context scoring, SHA-256 (and MD5/SHA-1 where asked) of the files that score,
  ``--jobs`` worker processes (default: one per core). ``seconds`` is the scan,
  ``process_seconds`` the whole process (Python start-up and imports too);
* ``breachkit scan --all --no-persistence --format json``, the command a user runs;
* the anchor: ``yara -r -p <threads>`` with the same rule files precompiled by
  ``yarac`` (externals defined empty: the CLI cannot set them per file), at
  1, 1x, 2x and 4x the cores threads; its best thread count is the one compared.

Each runs ``--repeat`` times, interleaved, after a warm-up on a warm page cache;
the best time of each is reported with the ratio, with CPU seconds and peak RSS
(of the largest process, workers included, from GNU ``time``). The allowlisted run
hashes every file (an allowlist needs every SHA-256); the one-tenth run shows
that memory does not grow with the tree. Installs ``yara`` and ``time`` with apt when missing.
``--tree DIR`` keeps the generated tree in DIR and reuses it next time.

Quality (``--quality``): false positives per 10,000 benign files on real PHP
applications from Debian packages (``apt-get download``, unpacked with
``dpkg-deb -x`` and moved from /usr/share to /var/www so they sit in a web root;
nothing is installed or run), and detection of the malicious corpus in
``tests/data/detect/malicious``.

    python3 bench/scan.py [--files 50000] [--repeat 3] [--tree DIR]
    python3 bench/scan.py --quality [--packages wordpress phpmyadmin ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from breachkit.detect.filescan import ScanOptions, scan_source  # noqa: E402
from breachkit.detect.scanner import EXTERNALS, compile_rules  # noqa: E402
from breachkit.sources import RootSource  # noqa: E402

RULES = REPO / "breachkit" / "detect" / "rules"
PACKAGES = [
    "wordpress",
    "phpmyadmin",
    "roundcube-core",
    "mediawiki",
    "dokuwiki",
    "php-symfony-console",
    "php-symfony-http-kernel",
    "php-guzzlehttp-psr7",
    "php-tcpdf",
    "php-phpseclib3",
    "php-getid3",
    "libphp-phpmailer",
]

CLASS = """<?php
namespace App\\{ns};

use App\\Core\\{dep};

/**
 * {doc}
 */
class {name} extends {dep}
{{
    private array ${field} = [];

    public function __construct(private readonly Database $db) {{}}

{methods}
}}
"""
METHOD = """    public function {name}(int $id, array $options = []): ?array
    {{
        $row = $this->db->fetch('SELECT * FROM {table} WHERE id = ?', [$id]);
        if ($row === null) {{
            return null;
        }}
        foreach ($options as $key => $value) {{
            $row[$key] = htmlspecialchars((string) $value, ENT_QUOTES, 'UTF-8');
        }}
        $this->{field}[$id] = $row;
        return $row;
    }}
"""
TEMPLATE = """<?php include __DIR__ . '/header.php'; ?>
<main class="{name}">
  <h1><?= htmlspecialchars($title) ?></h1>
  <?php foreach ($items as $item): ?>
    <article><a href="?p=<?= (int) $item['id'] ?>"><?= htmlspecialchars($item['name']) ?></a></article>
  <?php endforeach; ?>
  {text}
</main>
<?php include __DIR__ . '/footer.php'; ?>
"""
SHELLS = [
    "<?php @eval($_POST['x']); ?>\n",
    "<?php $f = 'sy' . 'st' . 'em'; @$f($_REQUEST['c']); ?>\n",
    "<?php eval(gzinflate(base64_decode('S0stTs7PL0pJzdMrycxLBQA='))); ?>\n",
    "<?=`$_GET[0]`?>\n",
]


def _word(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def make_tree(root: Path, files: int, seed: int = 1) -> tuple[int, int]:
    """Write ``files`` PHP files under ``root``/var/www; returns (files, bytes)."""
    rng = random.Random(seed)
    total = 0
    sites = max(1, files // 5000)
    folder = root
    for index in range(files):
        if index % 20 == 0:  # about 20 files a folder, as in real applications
            site = f"site{(index // 20) % sites}.example"
            parts = ["src", "lib", "app/Controller", "templates", "vendor/acme/x/src"]
            folder = root / "var/www" / site / "htdocs" / rng.choice(parts) / _word(rng, 4)
            folder.mkdir(parents=True, exist_ok=True)
        if index % 3 == 0:
            text = " ".join(_word(rng, rng.randint(3, 9)) for _ in range(rng.randint(50, 1500)))
            body = TEMPLATE.format(name=_word(rng), text=text)
        else:
            field = _word(rng)
            methods = "\n".join(
                METHOD.format(name=_word(rng), table=_word(rng), field=field) for _ in range(rng.randint(1, 12))
            )
            body = CLASS.format(
                ns=_word(rng).capitalize(),
                dep=_word(rng).capitalize(),
                doc=_word(rng, 30),
                name=_word(rng).capitalize(),
                field=field,
                methods=methods,
            )
        if index % 10_000 == 7:
            body = SHELLS[(index // 10_000) % len(SHELLS)]
        data = body.encode()
        (folder / f"{_word(rng)}.php").write_bytes(data)
        total += len(data)
    return files, total


def ensure_yara() -> str:
    missing = [pkg for pkg, path in (("yara", "yara"), ("time", "/usr/bin/time")) if shutil.which(path) is None]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], capture_output=True, check=False)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("bench/scan.py: GNU time is missing (apt-get install time)")
    if shutil.which("yara") is None:
        sys.exit("bench/scan.py: the yara CLI is missing (apt-get install yara)")
    return subprocess.run(["yara", "--version"], capture_output=True, text=True, check=False).stdout.strip()


def measured(cmd: list[str]) -> tuple[bytes, float, float, float]:
    """Output, wall seconds, CPU seconds and peak RSS (MiB) of one command.

    Run under GNU time, whose own few MiB are the floor: a child forked straight from this
    process would count this process's memory as its peak. CPU and memory cover the command and
    every worker process it waited for; the peak is that of the largest single process.
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], stdout=out, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
        peak_kib = int([line for line in rss.read().splitlines() if line.strip().isdigit()][-1])
    if code not in (0, 1):  # yara exits 1 when some file could not be scanned
        raise SystemExit(f"bench/scan.py: {cmd[0]} failed with exit code {code}")
    return output, elapsed, usage.ru_utime + usage.ru_stime, peak_kib / 1024


def run_ours(root: Path, jobs: int, allow: Path | None = None) -> dict[str, float]:
    """The library scan in a fresh Python process, so its time, CPU and memory are its own.

    ``seconds`` is the scan itself (rules from the compile cache, walk, read, match, score), as
    the child measures it; ``process_seconds`` adds starting Python and importing breachkit.
    """
    cmd = [sys.executable, __file__, "--run-ours", str(root), "--jobs", str(jobs)]
    output, elapsed, cpu, rss = measured(cmd + (["--allowlist-file", str(allow)] if allow else []))
    inner = json.loads(output)
    return {**inner, "process_seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mib": rss}


def _ours_in_this_process(root: Path, jobs: int, allow: Path | None) -> None:
    from breachkit.detect import allowlist

    start = time.perf_counter()
    rules = compile_rules()
    source = RootSource(str(root))
    allowed = allowlist.load([allow]) if allow else frozenset()
    options = ScanOptions(rules=rules, scope="all", jobs=jobs, min_score=1, allowlist=allowed)
    report = scan_source(source, options)
    source.close()
    elapsed = time.perf_counter() - start
    hits = sum(1 for v in report.verdicts if v.matches)
    print(json.dumps({"seconds": elapsed, "files_scanned": report.files_scanned, "files_with_rule_matches": hits}))


def run_cli(root: Path, jobs: int) -> dict[str, float]:
    """``breachkit scan`` itself, as a user runs it (files only: the anchor has no persistence checks)."""
    cmd = [sys.executable, "-m", "breachkit", "scan", "--root", str(root), "--all", "--no-persistence"]
    output, elapsed, cpu, rss = measured(cmd + ["--format", "json", "--jobs", str(jobs)])
    data = json.loads(output)
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_rss_mib": rss,
        "files_scanned": data["files_scanned"],
        "findings": sum(1 for f in data["findings"] if f["check"] == "detect.file"),
    }


def run_yara(root: Path, compiled: Path, threads: int) -> dict[str, float]:
    defines = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
    cmd = ["yara", "-C", "-r", "-p", str(threads), *defines, str(compiled), str(root)]
    output, elapsed, cpu, rss = measured(cmd)
    files = {line.split(b" ", 1)[1] for line in output.splitlines() if b" " in line}
    return {"seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mib": rss, "files_with_matches": len(files)}


def _best(runs: list[dict[str, float]], key: str = "seconds") -> dict[str, float]:
    return min(runs, key=lambda run: run[key])


def speed(args: argparse.Namespace) -> dict[str, object]:
    yara_version = ensure_yara()
    work = Path(args.tree) if args.tree else Path(tempfile.mkdtemp(prefix="bk-scan-bench-"))
    try:
        root = work / "root"
        if (work / "tree.json").is_file():
            files, size = json.loads((work / "tree.json").read_text())
        else:
            files, size = make_tree(root, args.files)
            (work / "tree.json").write_text(json.dumps([files, size]))
        compiled = work / "rules.yarc"
        defines = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
        subprocess.run(
            ["yarac", *defines, *sorted(str(p) for p in RULES.glob("*.yar")), str(compiled)],
            check=True,
            capture_output=True,
        )
        cores = os.cpu_count() or 1
        jobs = args.jobs or cores
        # The anchor at its best: yara's -p (threads) from one to four per core, each timed every round.
        thread_counts = sorted({1, cores, 2 * cores, 4 * cores})
        run_ours(root, jobs)  # warm-up: page cache and rule cache
        for threads in thread_counts:
            run_yara(root, compiled, threads)
        ours: list[dict[str, float]] = []
        cli: list[dict[str, float]] = []
        theirs: dict[int, list[dict[str, float]]] = {threads: [] for threads in thread_counts}
        for _ in range(args.repeat):  # interleaved, so changing load on the machine hits both alike
            ours.append(run_ours(root, jobs))
            cli.append(run_cli(root, jobs))
            for threads in thread_counts:
                theirs[threads].append(run_yara(root, compiled, threads))
        best_threads = min(thread_counts, key=lambda t: _best(theirs[t])["seconds"])
        yara_runs = theirs[best_threads]
        # The same scan when the application's vendor/ code is allowlisted (as from a clean release).
        listing = work / "vendor.allow"
        vendor_files = [p for p in root.rglob("*.php") if "/vendor/" in str(p)]
        digests = sorted({hashlib.sha256(p.read_bytes()).hexdigest() for p in vendor_files})
        listing.write_text("".join(f"{d}  x.php\n" for d in digests))
        allowed = [run_ours(root, jobs, listing) for _ in range(args.repeat)]
        # Memory stays flat: the same scan on one tenth of the tree (one site of ten).
        sites = sorted((root / "var/www").iterdir())
        tenth = [run_ours(sites[0], jobs) for _ in range(1 if len(sites) >= 10 else 0)]
        best_ours, best_cli, best_yara = _best(ours), _best(cli), _best(yara_runs)
        best_allowed = _best(allowed)
        return {
            "benchmark": "scan",
            "date": datetime.now(tz=timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "platform": platform.platform(),
                "cpus": cores,
                "python": platform.python_version(),
                "load_average_at_end": os.getloadavg(),
            },
            "tree": {"php_files": files, "bytes": size, "vendor_files_allowlisted_in_second_run": len(vendor_files)},
            "breachkit": {
                "seconds": round(best_ours["seconds"], 3),
                "process_seconds": round(best_ours["process_seconds"], 3),
                "cpu_seconds": round(_best(ours, "cpu_seconds")["cpu_seconds"], 3),
                "peak_rss_mib": round(max(r["peak_rss_mib"] for r in ours)),
                "peak_rss_mib_one_tenth_of_the_tree": round(tenth[0]["peak_rss_mib"]) if tenth else None,
                "runs": [round(r["seconds"], 3) for r in ours],
                "files_scanned": best_ours["files_scanned"],
                "files_with_rule_matches": best_ours["files_with_rule_matches"],
                "jobs": jobs,
                "seconds_with_vendor_allowlist": round(best_allowed["seconds"], 3),
            },
            "breachkit_cli": {
                "command": "breachkit scan --root ROOT --all --no-persistence --format json",
                "seconds": round(best_cli["seconds"], 3),
                "cpu_seconds": round(_best(cli, "cpu_seconds")["cpu_seconds"], 3),
                "peak_rss_mib": round(max(r["peak_rss_mib"] for r in cli)),
                "runs": [round(r["seconds"], 3) for r in cli],
                "files_scanned": best_cli["files_scanned"],
                "file_findings": best_cli["findings"],
            },
            "yara_cli": {
                "version": yara_version,
                "seconds": round(best_yara["seconds"], 3),
                "cpu_seconds": round(_best(yara_runs, "cpu_seconds")["cpu_seconds"], 3),
                "peak_rss_mib": round(max(r["peak_rss_mib"] for r in yara_runs)),
                "runs": [round(r["seconds"], 3) for r in yara_runs],
                "files_with_matches": best_yara["files_with_matches"],
                "threads": best_threads,
                "best_seconds_by_threads": {t: round(_best(theirs[t])["seconds"], 3) for t in thread_counts},
            },
            "speedup_wall": round(best_yara["seconds"] / best_ours["seconds"], 2),
            "speedup_wall_whole_process": round(best_yara["seconds"] / best_ours["process_seconds"], 2),
            "speedup_wall_cli": round(best_yara["seconds"] / best_cli["seconds"], 2),
            "speedup_cpu": round(
                _best(yara_runs, "cpu_seconds")["cpu_seconds"] / _best(ours, "cpu_seconds")["cpu_seconds"], 2
            ),
            "speedup_wall_with_vendor_allowlist": round(best_yara["seconds"] / best_allowed["seconds"], 2),
        }
    finally:
        if not args.keep and not args.tree:
            shutil.rmtree(work, ignore_errors=True)


def quality(args: argparse.Namespace) -> dict[str, object]:
    from breachkit.detect import scan

    work = Path(tempfile.mkdtemp(prefix="bk-scan-quality-"))
    try:
        debs = work / "debs"
        debs.mkdir()
        got = []
        for package in args.packages:
            proc = subprocess.run(
                ["apt-get", "download", package], cwd=debs, capture_output=True, text=True, check=False
            )
            if proc.returncode == 0:
                got.append(package)
        root = work / "root"
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        # Served from a web root, as on a real server, so the web-root context rules apply too.
        (root / "var").mkdir(exist_ok=True)
        if (root / "usr/share").is_dir():
            shutil.move(str(root / "usr/share"), str(root / "var/www"))
        source = RootSource(str(root))
        result = scan(source, scope="all", persistence=False, jobs=args.jobs)
        source.close()
        benign = result.report.files_scanned
        by_severity: dict[str, list[str]] = {}
        for finding in result.findings:
            if finding.check == "detect.file":
                by_severity.setdefault(finding.severity.label, []).append(finding.evidence[0].path or "")
        high = len(by_severity.get("high", [])) + len(by_severity.get("critical", []))
        malicious = REPO / "tests" / "data" / "detect" / "malicious"
        rules = compile_rules()
        scanner = rules.scanner()
        detected = {}
        for sample in sorted(malicious.iterdir()):
            # samples of files that only matter under their real name (.htaccess, .user.ini)
            name = ".htaccess" if sample.name.endswith(".htaccess") else sample.name
            name = ".user.ini" if name == "dot_user.ini" else name
            matches = scanner.scan(
                sample.read_bytes(),
                dict.fromkeys(EXTERNALS, "") | {"filename": name, "extension": sample.suffix.lstrip(".")},
            )
            detected[sample.name] = sorted({m.family for m in matches})
        return {
            "benchmark": "scan-quality",
            "date": datetime.now(tz=timezone.utc).isoformat(timespec="seconds"),
            "packages": got,
            "benign_files_scanned": benign,
            "flagged_by_severity": {k: len(v) for k, v in by_severity.items()},
            "high_or_critical_per_10k": round(high * 10_000 / benign, 2) if benign else None,
            "flagged_examples": {k: v[:10] for k, v in by_severity.items()},
            "malicious_samples": len(detected),
            "malicious_detected_by_rules": sum(1 for v in detected.values() if v),
            "missed": [k for k, v in detected.items() if not v],
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    parser.add_argument("--quality", action="store_true", help="measure false positives on Debian PHP packages instead")
    parser.add_argument("--packages", nargs="*", default=PACKAGES)
    parser.add_argument("--tree", help="folder for the generated tree, made once and reused (kept)")
    # internal: one measured scan, run in a child process by the speed benchmark
    parser.add_argument("--run-ours", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--allowlist-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_ours:
        _ours_in_this_process(args.run_ours, args.jobs, args.allowlist_file)
        return
    print(json.dumps(quality(args) if args.quality else speed(args), indent=2))


if __name__ == "__main__":
    main()
