"""``breachkit demo``: build the example compromised host and triage it."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from breachkit.cli.triage import print_summary
from breachkit.errors import UsageError
from breachkit.render import console as make_console
from breachkit.render import safe


def register(sub: Any) -> None:
    from breachkit.demo import DEFAULT_SCENARIO, SCENARIOS

    parser: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="build a realistic compromised web server and triage it (a five-minute tour)",
        description=(
            "Build 'web01', a shared web server with four client sites, as one of two incidents, then triage it. "
            "'upload' (the default): the shop's upload form let an attacker drop a PHP webshell on a weekend "
            "night. 'wiped': a blog plugin let an attacker in, a reused password made him root, and four days "
            "later he wiped the logs; breachkit must work from what is left. As root the host is an ext4 image "
            "with exact inode times, mounted read-only; otherwise a folder (some times cannot be faked)."
        ),
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default=DEFAULT_SCENARIO,
        help=f"which incident the host went through (default: {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--dir", type=Path, default=Path("breachkit-demo"), help="work folder (default: ./breachkit-demo)"
    )
    parser.add_argument("--folder", action="store_true", help="build a plain folder even when running as root")
    parser.add_argument("--seed", type=int, default=0, help="variation of the generated history (default: 0)")
    parser.add_argument("--keep-mounted", action="store_true", help="leave the image mounted read-only afterwards")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from breachkit import demo, triage

    out = make_console()
    work: Path = args.dir.resolve()
    if work.exists() and any(work.iterdir()):
        raise UsageError(f"{work} is not empty; give a new --dir or remove it")
    work.mkdir(parents=True, exist_ok=True)
    use_image = os.geteuid() == 0 and not args.folder and demo.can_build_image()
    case_dir = work / "case"
    if use_image:
        out.print(f"building the demo host as an ext4 image in {safe(work)} …")
        try:
            image = demo.build_image(work, seed=args.seed, scenario=args.scenario)
        except (demo.DemoError, OSError, subprocess.CalledProcessError) as exc:
            # Containers often lack loop devices: the folder is the honest fallback.
            out.print(f"[yellow]could not build or mount the image ({safe(exc)}); building a folder instead[/]")
            use_image = False
    if use_image:
        try:
            out.print(f"mounted read-only at {safe(image.mountpoint)}")
            result = triage.run(root=str(image.mountpoint), case_dir=case_dir, examiner="demo")
        finally:
            if not args.keep_mounted:
                demo.unmount(image)
    else:
        out.print(f"building the demo host as a folder in {safe(work)} …")
        host = demo.build_tree(work / "root", seed=args.seed, scenario=args.scenario)
        for note in host.notes:
            out.print(f"[yellow]note:[/] {safe(note)}")
        result = triage.run(root=str(host.root), case_dir=case_dir, examiner="demo")
    print_summary(out, result)
    out.print()
    out.print(f"What really happened is in {safe(work / 'ground_truth.json')}: compare it with the findings.")
    if use_image and not args.keep_mounted:
        out.print(f"Look at the host yourself: mount -o ro,loop,noload {safe(image.image)} /mnt")
    elif use_image:
        out.print(f"The image stays mounted read-only at {safe(image.mountpoint)}; umount it when done.")
    if shutil.which("breachkit") is None:
        out.print("[dim](breachkit is not on PATH here: run it as python3 -m breachkit)[/]")
    return 0
