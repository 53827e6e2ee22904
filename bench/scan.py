#!/usr/bin/env python3
"""Benchmark: ``breachkit scan`` against the ``yara`` CLI (Debian) on a large web root, same rules, same run.

Speed (default): a synthetic web root of ``--files`` PHP files (classes,
templates, controllers with random identifiers and sizes, 1-16 KiB, plus a
few webshells and images) is scanned by

* breachkit: the library scan (``scan_source``) with the built-in rules, every
  file read once, hashed (SHA-256, MD5, SHA-1), magic and context scoring,
  ``--jobs`` worker processes (default: one per core);
* the anchor: ``yara -r -p <cores>`` with the same rule files precompiled by
  ``yarac`` (externals defined empty: the CLI cannot set them per file).

Both run ``--repeat`` times after a warm-up on a warm page cache; the best time
of each is reported with the ratio. Installs ``yara`` with apt when missing.

Quality (``--quality``): false positives per 10,000 benign files on real PHP
applications from Debian packages (``apt-get download``, unpacked with
``dpkg-deb -x`` and moved from /usr/share to /var/www so they sit in a web root;
nothing is installed or run), and detection of the malicious corpus in
``tests/data/detect/malicious``.

    python3 bench/scan.py [--files 50000] [--repeat 3]
    python3 bench/scan.py --quality [--packages wordpress phpmyadmin ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
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
    if shutil.which("yara") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "yara"], capture_output=True, check=False)
    if shutil.which("yara") is None:
        sys.exit("bench/scan.py: the yara CLI is missing (apt-get install yara)")
    return subprocess.run(["yara", "--version"], capture_output=True, text=True, check=False).stdout.strip()


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_ours(root: Path, jobs: int, allow: frozenset[str] = frozenset()) -> tuple[float, int, int, float]:
    cpu = _cpu()
    start = time.perf_counter()
    rules = compile_rules()
    source = RootSource(str(root))
    options = ScanOptions(rules=rules, scope="all", jobs=jobs, min_score=1, allowlist=allow)
    report = scan_source(source, options)
    source.close()
    elapsed = time.perf_counter() - start
    return elapsed, report.files_scanned, sum(1 for v in report.verdicts if v.matches), _cpu() - cpu


def run_yara(root: Path, compiled: Path, threads: int) -> tuple[float, int, float]:
    defines = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
    cpu = _cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        ["yara", "-C", "-r", "-p", str(threads), *defines, str(compiled), str(root)], capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    files = {line.split(b" ", 1)[1] for line in proc.stdout.splitlines() if b" " in line}
    return elapsed, len(files), _cpu() - cpu


def speed(args: argparse.Namespace) -> dict[str, object]:
    yara_version = ensure_yara()
    work = Path(tempfile.mkdtemp(prefix="bk-scan-bench-"))
    try:
        files, size = make_tree(work / "root", args.files)
        compiled = work / "rules.yarc"
        defines = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
        subprocess.run(
            ["yarac", *defines, *sorted(str(p) for p in RULES.glob("*.yar")), str(compiled)],
            check=True,
            capture_output=True,
        )
        cores = os.cpu_count() or 1
        jobs = args.jobs or cores
        run_ours(work / "root", jobs)  # warm-up: page cache and rule cache
        run_yara(work / "root", compiled, cores)
        ours, theirs = [], []
        for _ in range(args.repeat):  # interleaved, so changing load on the machine hits both alike
            ours.append(run_ours(work / "root", jobs))
            theirs.append(run_yara(work / "root", compiled, cores))
        # The same scan when the application's vendor/ code is allowlisted (as from a clean release).
        from breachkit.detect import allowlist

        listing = work / "vendor.allow"
        vendor_files = [p for p in (work / "root").rglob("*.php") if "/vendor/" in str(p)]
        digests = sorted({hashlib.sha256(p.read_bytes()).hexdigest() for p in vendor_files})
        listing.write_text("".join(f"{d}  x.php\n" for d in digests))
        allowed = [run_ours(work / "root", jobs, allowlist.load([listing])) for _ in range(args.repeat)]
        best_ours = min(r[0] for r in ours)
        best_yara = min(r[0] for r in theirs)
        best_allowed = min(r[0] for r in allowed)
        cpu_ours = min(r[3] for r in ours)
        cpu_yara = min(r[2] for r in theirs)
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
                "seconds": round(best_ours, 3),
                "cpu_seconds": round(cpu_ours, 3),
                "runs": [round(r[0], 3) for r in ours],
                "files_scanned": ours[0][1],
                "files_with_rule_matches": ours[0][2],
                "jobs": jobs,
                "seconds_with_vendor_allowlist": round(best_allowed, 3),
            },
            "yara_cli": {
                "version": yara_version,
                "seconds": round(best_yara, 3),
                "cpu_seconds": round(cpu_yara, 3),
                "runs": [round(r[0], 3) for r in theirs],
                "files_with_matches": theirs[0][1],
                "threads": cores,
            },
            "speedup_wall": round(best_yara / best_ours, 2) if best_ours else None,
            "speedup_cpu": round(cpu_yara / cpu_ours, 2) if cpu_ours else None,
            "speedup_wall_with_vendor_allowlist": round(best_yara / best_allowed, 2) if best_allowed else None,
        }
    finally:
        if not args.keep:
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
    args = parser.parse_args()
    print(json.dumps(quality(args) if args.quality else speed(args), indent=2))


if __name__ == "__main__":
    main()
