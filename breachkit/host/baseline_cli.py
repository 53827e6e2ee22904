"""``baseline create|check|update`` for the host half's command line (the zipapp) and for ``breachkit baseline``.

Only the arguments live here; the work is in :mod:`breachkit.host.baseline.commands`,
imported when a baseline command runs. Standard library only, so ``python3 breachkit-collect.pyz baseline check`` runs
on the server itself, from a timer (see the systemd units in
:data:`SYSTEMD_TIMER_EXAMPLE`). Exit status of ``check`` and ``update``: a
bitmask like AIDE's — 1 entries added, 2 removed, 4 changed, 0 nothing
differs; 17 bad rules or arguments, 18 the database is unusable (tampered,
truncated, another format version), 19 its signature does not verify.
"""

import argparse
from typing import Any, Dict

EXIT_RULES = 17
EXIT_DATABASE = 18
EXIT_SIGNATURE = 19

SYSTEMD_TIMER_EXAMPLE = """\
# /etc/systemd/system/breachkit-baseline.service
[Service]
Type=oneshot
# The database lives on storage the server cannot rewrite (read-only mount, or fetched per run).
ExecStart=/usr/bin/python3 /opt/breachkit/breachkit-collect.pyz baseline check --root / \\
    --db /mnt/baseline/web01.baseline.jsonl.gz --format json --quiet
# /etc/systemd/system/breachkit-baseline.timer
[Timer]
OnCalendar=hourly
RandomizedDelaySec=10m
[Install]
WantedBy=timers.target
"""


def add_baseline_parsers(sub: Any) -> Dict[str, argparse.ArgumentParser]:
    """Add ``baseline create|check|update`` to an argparse sub-parsers object; returns the three parsers.

    The analyst side adds its own options (``--case``, ``--sign-key``) to the
    returned parsers and wraps the ``run_*`` functions.
    """
    parser = sub.add_parser(
        "baseline",
        help="file integrity baseline: record the system files now, report what changed later",
        description=(
            "An AIDE-class integrity baseline. 'create' records content hashes and attributes of the "
            "selected files into a self-verifying database; 'check' reports what was added, removed or "
            "changed (exit status: 1 added | 2 removed | 4 changed); 'update' makes the current state the "
            "baseline and keeps the old database. Keep the database (and its printed hash) off the host."
        ),
    )
    actions = parser.add_subparsers(dest="baseline_command", metavar="ACTION")
    make = actions.add_parser(
        "create",
        help="record the selected files into a new database",
        description="Walk the paths the rules select and record their attributes and content hashes into a "
        "new, self-verifying database (written atomically). Prints the database's SHA-256: keep it off the host.",
    )
    _common(make)
    make.add_argument("--out", required=True, help="database to write (.jsonl, or .jsonl.gz for gzip)")
    make.add_argument("--rules", help="rules file (default: built-in rules for system files; see --show-rules)")
    make.add_argument("--show-rules", action="store_true", help="print the built-in rules and exit")
    make.set_defaults(func=run_create)
    test = actions.add_parser(
        "check",
        help="compare the files with the database",
        description="Verify the database (refused if truncated or edited), then report every entry added, "
        "removed or changed, most urgent first, with old -> new per attribute. "
        "Exit status: 1 added | 2 removed | 4 changed; 18 unusable database; 19 bad signature.",
    )
    _common(test)
    test.add_argument("--db", required=True, help="the baseline database")
    test.add_argument(
        "--format", choices=("text", "json", "ndjson"), default="text", help="report format (default: text)"
    )
    test.add_argument(
        "--verify-key",
        metavar="KEY",
        help="Ed25519 public key that must have signed the database (<db>.sig); needs the cryptography module",
    )
    test.set_defaults(func=run_check)
    renew = actions.add_parser(
        "update",
        help="report changes and make the current state the new baseline",
        description="Like check, then write the current state as the new database and swap it in atomically; "
        "the old database is kept in <db>.history/.",
    )
    _common(renew)
    renew.add_argument("--db", required=True, help="the baseline database (replaced atomically; old one kept)")
    renew.add_argument("--rules", help="new rules file (default: the rules stored in the database)")
    renew.add_argument(
        "--format", choices=("text", "json", "ndjson"), default="text", help="report format (default: text)"
    )
    renew.set_defaults(func=run_update)
    return {"create": make, "check": test, "update": renew}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default="/", help="root to examine: / or a mounted image (default: /)")
    parser.add_argument(
        "--workers", type=int, help="hashing processes (default: 4 per CPU, at most 16; 1: hash in this process)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--explain", metavar="PATH", help="show which rule applies to this host path and why, then exit"
    )


def run_create(args: argparse.Namespace) -> int:
    from .baseline.commands import run_create as run

    return run(args)


def run_check(args: argparse.Namespace) -> int:
    from .baseline.commands import run_check as run

    return run(args)


def run_update(args: argparse.Namespace) -> int:
    from .baseline.commands import run_update as run

    return run(args)
