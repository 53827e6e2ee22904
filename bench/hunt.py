"""``breachkit hunt`` on a backup archive against the hand-rolled way, in the same run.

The anchor is what a responder types without breachkit: unpack the backup into a scratch
folder, hash every file and grep the hashes, grep the text files for the attacker's
addresses, then delete the scratch copy::

    tar -xzf BACKUP -C SCRATCH && find SCRATCH -type f -print0 | xargs -0 sha256sum | grep -F -f hashes
    grep -rIlF -f addresses SCRATCH

breachkit reads the same archive as a stream (nothing written), hashes every regular
file once and searches text files for the same values. Both get the demo scenario's
indicators (SHA-256 of the attacker's files, their paths, addresses and URLs); the archive
is a tree of this machine (default ``/usr/lib/python3``) plus the demo host.

Hit counts differ on purpose: ``grep -F`` also matches an address inside a longer one
(``198.51.100.23`` in ``198.51.100.239``), breachkit does not.

Usage: ``python3 bench/hunt.py [--tree DIR] [--runs 3]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
#: The command as a user runs it (listed explicitly, so this works before it is registered).
HUNT = (
    f"import sys; sys.path.insert(0, {str(REPO)!r}); import breachkit.cli.main as m; "
    "m.COMMAND_MODULES = ('breachkit.cli.hunt',); sys.exit(m.main(sys.argv[1:]))"
)


def build_archive(tree: Path, dest: Path) -> tuple[int, int]:
    from breachkit.demo import generate

    files = size = 0
    with tarfile.open(dest, "w:gz", compresslevel=6) as tar:
        tar.add(str(tree), arcname=tree.name)
        for entry in generate(0).entries:
            info = tarfile.TarInfo("demo" + entry.path)
            if entry.kind == "file":
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
            elif entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
    with tarfile.open(dest, "r:gz") as tar:
        for member in tar:
            if member.isreg():
                files += 1
                size += member.size
    return files, size


def indicators(tmp: Path) -> tuple[Path, Path, Path]:
    from breachkit.demo import generate
    from breachkit.indicators import export
    from breachkit.indicators.model import Indicator

    truth = generate(0).ground_truth
    items: list[Indicator] = []
    for bad in truth.malicious:
        if bad.sha256:
            items.append(Indicator("sha256", bad.sha256, 0.9, "critical", bad.description))
            items.append(Indicator("path", bad.path, 0.9, "critical", bad.description, sha256=bad.sha256))
    for ip in truth.attacker_ips:
        items.append(Indicator("ip", ip, 0.9, "high", "attacker"))
    items.append(Indicator("url", truth.payload_url, 0.9, "high", "payload"))
    iocs = tmp / "iocs.json"
    iocs.write_text(export.to_json(items))
    hashes = tmp / "hashes.txt"
    hashes.write_text("".join(i.value + "\n" for i in items if i.kind == "sha256"))
    network = tmp / "network.txt"
    network.write_text("".join(i.value + "\n" for i in items if i.kind in ("ip", "url")))
    return iocs, hashes, network


def run_breachkit(archive: Path, iocs: Path) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", HUNT, "hunt", "--iocs", str(iocs), "--archive", str(archive), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    elapsed = time.perf_counter() - start
    data = json.loads(proc.stdout)
    target = data["targets"][0]
    return elapsed, {
        "status": target["status"],
        "files_hashed": target["files_hashed"],
        "hits": len({h["member"] for h in target["hits"] if h["strength"] != "weak"}),
    }


def run_anchor(archive: Path, hashes: Path, network: Path, tmp: Path) -> tuple[float, dict[str, object]]:
    scratch = tmp / "scratch"
    start = time.perf_counter()
    scratch.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(scratch)], check=True)
    hashed = subprocess.run(
        f"find . -type f -print0 | xargs -0 sha256sum | grep -F -f {hashes}",
        shell=True,
        capture_output=True,
        text=True,
        cwd=scratch,
    )
    grepped = subprocess.run(["grep", "-rIlF", "-f", str(network), "."], capture_output=True, text=True, cwd=scratch)
    shutil.rmtree(scratch)
    elapsed = time.perf_counter() - start
    members = {line.split("  ", 1)[1] for line in hashed.stdout.splitlines()} | set(grepped.stdout.splitlines())
    return elapsed, {"hits": len(members)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next(iter(sorted(Path("/usr/lib").glob("python3.*"))), Path("/usr/lib/python3"))
    parser.add_argument("--tree", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hunt-") as work:
        tmp = Path(work)
        archive = tmp / "backup.tar.gz"
        files, size = build_archive(args.tree, archive)
        iocs, hashes, network = indicators(tmp)
        ours = [run_breachkit(archive, iocs) for _ in range(args.runs)]
        theirs = [run_anchor(archive, hashes, network, tmp) for _ in range(args.runs)]
        best_ours = min(t for t, _ in ours)
        best_theirs = min(t for t, _ in theirs)
        print(
            json.dumps(
                {
                    "benchmark": "hunt one backup archive",
                    "date": datetime.now(tz=timezone.utc).isoformat(timespec="seconds"),
                    "machine": {
                        "cpu_count": os.cpu_count(),
                        "platform": platform.platform(),
                        "python": platform.python_version(),
                    },
                    "archive": {
                        "tree": str(args.tree),
                        "files": files,
                        "bytes_uncompressed": size,
                        "bytes": archive.stat().st_size,
                    },
                    "breachkit_hunt_s": round(best_ours, 3),
                    "breachkit": ours[0][1],
                    "tar_x_sha256sum_grep_s": round(best_theirs, 3),
                    "anchor": theirs[0][1],
                    "ratio_anchor_over_breachkit": round(best_theirs / best_ours, 2),
                    "runs": args.runs,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
