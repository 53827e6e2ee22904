"""``breachkit build-collector``: write the single-file collector for suspect hosts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from breachkit.collector import build
from breachkit.render import console as make_console
from breachkit.render import safe


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "build-collector",
        help="write breachkit-collect.pyz, the collector to copy onto a suspect host",
        description=(
            "Write breachkit-collect.pyz: the evidence collector as one file that runs with the "
            "host's own python3 (3.8 or newer, standard library only). Copy it to the suspect host "
            "from clean media and run: python3 breachkit-collect.pyz collect --out /mnt/usb/bundle"
        ),
    )
    parser.add_argument(
        "--out", default="breachkit-collect.pyz", help="where to write it (default: ./breachkit-collect.pyz)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    digest = build(Path(args.out))
    out = make_console()
    out.print(f"wrote {safe(args.out)}")
    out.print(f"sha256 {digest}")
    out.print("On the suspect host: python3 breachkit-collect.pyz collect --out /mnt/usb/<case>-bundle")
    return 0
