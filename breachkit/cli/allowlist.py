"""``breachkit allowlist build``: known-good files from a clean release tree."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "allowlist",
        help="build allowlists of known-good files (clean CMS releases) for 'breachkit scan'",
        description=(
            "Allowlists name files known to be clean by their SHA-256, so 'breachkit scan --allowlist' "
            "does not report them. Build one from the clean release you run (download it from the "
            "project's official site, unpack it, never from the suspect host)."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="hash every file of a clean release tree into an allowlist",
        description="Hash every regular file under DIR (symlinks not followed) into FILE, in sha256sum format.",
    )
    build.add_argument("dir", type=Path, metavar="DIR", help="the unpacked clean release (e.g. ./wordpress-6.4.3)")
    build.add_argument("--out", type=Path, required=True, metavar="FILE", help="allowlist file to write")
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    from breachkit.detect.allowlist import build

    count = build(args.dir, args.out)
    print(f"{count} files listed in {args.out}")
    return 0
