"""Command line of the host half: what ``python3 breachkit-collect.pyz`` runs.

The analyst-side ``breachkit collect`` shares these argument definitions, so
both take the same options and produce the same bundle.
"""

import argparse
import sys
from typing import List, Optional

from .collect import collect
from .textsafe import printable
from .toolinfo import VERSION


def add_collect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", default="/", help="root to examine: / (this live host) or a mounted image (default: /)"
    )
    parser.add_argument(
        "--out", required=True, help="new folder for the bundle; put it on external media, not the suspect disk"
    )
    parser.add_argument("--examiner", help="who collects (default: the login name)")
    parser.add_argument(
        "--true-time",
        metavar="TIME",
        help="the correct time now, read off a trusted clock (ISO 8601, UTC unless an offset is given); "
        "records how far the host clock is off",
    )
    parser.add_argument("--no-walk", action="store_true", help="skip the metadata walk of every file (copies only)")
    parser.add_argument(
        "--cross-mounts", action="store_true", help="walk into other file systems mounted below the root"
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="PATH", help="host path not to walk (repeatable)"
    )
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="skip the running system's state (processes, sockets, modules, sessions); "
        "taken by default when the root is /",
    )
    parser.add_argument(
        "--memory-tool",
        metavar="PATH",
        help="AVML binary or LiME .ko on your own media: also capture memory into the bundle (as big as the RAM)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


def run_collect(args: argparse.Namespace) -> int:
    def progress(message: str) -> None:
        if not args.quiet:
            print("collect: " + printable(message), file=sys.stderr)

    result = collect(
        args.root,
        args.out,
        examiner=args.examiner,
        true_time=args.true_time,
        walk=not args.no_walk,
        cross_mounts=args.cross_mounts,
        exclude=args.exclude,
        progress=progress,
        live=False if args.no_live else None,
        memory_tool=args.memory_tool,
    )
    print("bundle:          %s" % printable(result.bundle))
    print("entries walked:  %d" % result.files_walked)
    print("files copied:    %d (%d bytes)" % (result.files_copied, result.bytes_copied))
    for step in result.steps:
        if step["step"] == "live" and step["status"] == "ok":
            print(
                "live state:      %s processes, %s sockets, %s hidden, %s modules (see live/)"
                % (step.get("processes"), step.get("sockets"), step.get("hidden"), step.get("modules"))
            )
    print("warnings:        %d (see warnings.jsonl)" % result.warnings)
    print("manifest sha256: %s" % result.manifest_sha256)
    print("Write the manifest hash down (case notes, paper): it seals every file in the bundle.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="breachkit-collect",
        description="Collect an evidence bundle from this host without changing it (standard library only).",
    )
    parser.add_argument("--version", action="version", version="breachkit-collect %s" % VERSION)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    collect_parser = sub.add_parser("collect", help="collect an evidence bundle")
    add_collect_arguments(collect_parser)
    collect_parser.set_defaults(func=run_collect)
    from .baseline_cli import add_baseline_parsers  # its own module: the baseline commands

    add_baseline_parsers(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args))
    except (OSError, ValueError) as exc:
        print("breachkit-collect: error: %s" % printable(str(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("breachkit-collect: interrupted; the bundle is incomplete", file=sys.stderr)
        return 130
