"""``breachkit case …``: create a case folder, write and read its journal, verify, sign, add evidence.

A thin layer over :mod:`breachkit.case`: every command parses, calls the
library, renders. Journal text and bundle paths can come from the suspect host,
so everything shown passes through :func:`breachkit.host.textsafe.printable`
(control characters) and :func:`rich.markup.escape` (rich markup).
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from breachkit.case import BundleRejected, Case, open_or_init, verify_case
from breachkit.case.journal import VerifyResult, canonical_json, iter_entries, journal_path_of
from breachkit.errors import CaseError
from breachkit.host.textsafe import printable
from breachkit.render import console, safe

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_SUMMARY_WIDTH = 160


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "case",
        help="case folder: journal, evidence store, verification",
        description=(
            "A case folder holds a tamper-evident journal of everything done in an incident "
            "and the evidence collected, hashed on arrival."
        ),
    )
    commands = parser.add_subparsers(dest="case_command", metavar="CASE_COMMAND")
    parser.set_defaults(func=lambda _args: _help(parser))

    init = commands.add_parser("init", help="create a case folder", description="Create a new case folder.")
    init.add_argument("dir", metavar="DIR", help="the new (or empty) case folder")
    init.add_argument("--name", help="case name (default: the folder name)")
    init.add_argument("--examiner", help="lead examiner (default: $BREACHKIT_EXAMINER or the login name)")
    _sign_option(init)
    init.set_defaults(func=cmd_init)

    note = commands.add_parser(
        "note",
        help="add a note to the journal",
        description="Journal what you saw, decided or did by hand; it is timestamped in UTC.",
    )
    note.add_argument("dir", metavar="DIR", help="the case folder")
    note.add_argument("text", metavar="TEXT", nargs="+", help="the note (words are joined)")
    _examiner_option(note)
    _sign_option(note)
    note.set_defaults(func=cmd_note)

    log = commands.add_parser("log", help="show the journal", description="Show the journal entries, oldest first.")
    log.add_argument("dir", metavar="DIR", help="the case folder")
    log.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="a table (text) or one JSON entry a line (json)",
    )
    log.set_defaults(func=cmd_log)

    check = commands.add_parser(
        "verify",
        help="prove the journal was not edited",
        description=(
            "Check the journal's hash chain, its head record and signature. Exit status 0 "
            "only when everything verifies."
        ),
    )
    check.add_argument("dir", metavar="DIR", help="the case folder")
    check.add_argument(
        "--verify-key",
        metavar="PUB",
        help="public key the journal must be signed with (PEM, or base64 of the raw key)",
    )
    check.set_defaults(func=cmd_verify)

    add = commands.add_parser(
        "add",
        help="add an evidence bundle to the case",
        description=(
            "Copy a collector bundle into the case's evidence store, checking every file "
            "against its manifest on arrival. A single file is stored under its SHA-256."
        ),
    )
    add.add_argument("dir", metavar="DIR", help="the case folder (created if missing)")
    add.add_argument("bundle", metavar="BUNDLE", help="the bundle folder (or a single file)")
    _examiner_option(add)
    _sign_option(add)
    add.set_defaults(func=cmd_add)

    sign = commands.add_parser(
        "sign",
        help="sign the journal head",
        description="Write an Ed25519 signature of the journal's last entry to journal.sig.",
    )
    sign.add_argument("dir", metavar="DIR", help="the case folder")
    sign.add_argument("--sign-key", metavar="KEYFILE", required=True, help="PEM private key (from keygen)")
    sign.set_defaults(func=cmd_sign)

    keygen = commands.add_parser(
        "keygen",
        help="create a signing key pair",
        description=(
            "Write a new Ed25519 private key to OUT and its public key to OUT.pub. Keep the "
            "private key off the suspect host."
        ),
    )
    keygen.add_argument("out", metavar="OUT", help="private key file to create")
    keygen.set_defaults(func=cmd_keygen)

    repair = commands.add_parser(
        "repair",
        help="recover the journal after a crash",
        description=(
            "Set a torn last line aside (journaling its hash) and rewrite a missing head. "
            "Refuses when the journal shows anything else."
        ),
    )
    repair.add_argument("dir", metavar="DIR", help="the case folder")
    _examiner_option(repair)
    repair.set_defaults(func=cmd_repair)


def _examiner_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--examiner", help="who is writing (default: $BREACHKIT_EXAMINER or the login name)")


def _sign_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sign-key", metavar="KEYFILE", help="also sign the new journal head with this key")


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _console() -> Console:
    return console()


def _safe(value: object) -> str:
    """Text from the journal or a bundle, made safe for a terminal and for rich markup."""
    return safe(value)


def _load_sign_key(args: argparse.Namespace) -> Ed25519PrivateKey | None:
    """Load the key before doing anything, so a bad key path changes nothing."""
    if not getattr(args, "sign_key", None):
        return None
    from breachkit.case.signing import load_private_key

    return load_private_key(args.sign_key)


def _sign(case: Case, key: Ed25519PrivateKey | None, console: Console) -> None:
    if key is None:
        return
    from breachkit.case.signing import fingerprint

    signature = case.journal.sign(key)
    console.print(f"signed entry {signature.seq} with key {fingerprint(signature.public_key)}")


def cmd_init(args: argparse.Namespace) -> int:
    key = _load_sign_key(args)
    case = Case.init(args.dir, args.name, args.examiner)
    console = _console()
    console.print(f"created case [bold]{_safe(case.info.name)}[/bold] ({case.info.case_id}) in {_safe(case.root)}")
    _sign(case, key, console)
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    key = _load_sign_key(args)
    case = Case.open(args.dir, examiner=args.examiner)
    entry = case.note(" ".join(args.text))
    console = _console()
    console.print(f"journal entry {entry['seq']} recorded ({entry['time_utc']})")
    _sign(case, key, console)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    key = _load_sign_key(args)
    case = open_or_init(args.dir, examiner=args.examiner)
    console = _console()
    source = Path(args.bundle)
    if source.is_file():
        stored = case.add_file(source)
        state = "already in the store" if stored.already_present else "stored"
        console.print(f"{_safe(source)}: {state} as sha256 {stored.sha256} ({stored.size} bytes)")
        _sign(case, key, console)
        return 0
    try:
        result = case.add_bundle(source)
    except BundleRejected as exc:
        for issue in exc.issues[:50]:
            print(
                f"  {issue.kind}: {printable(issue.path)}: {printable(issue.message)}",
                file=sys.stderr,
            )
        if len(exc.issues) > 50:
            print(f"  … and {len(exc.issues) - 50} more (all in the journal)", file=sys.stderr)
        raise
    if result.status == "already_present":
        console.print(
            f"bundle {_safe(result.name)} is already in the case, identical (journal entry {result.entry_seq})"
        )
    else:
        console.print(
            f"bundle {_safe(result.name)}: {result.files} files, {result.bytes} bytes, all "
            f"match the manifest (sha256 {result.manifest_sha256}); stored read-only in "
            f"{_safe(result.stored_at)} (journal entry {result.entry_seq})"
        )
    _sign(case, key, console)
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    key = _load_sign_key(args)
    case = Case.open(args.dir)
    _sign(case, key, _console())
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from breachkit.case.signing import fingerprint, generate_keypair

    private, public, raw = generate_keypair(args.out)
    console = _console()
    console.print(f"private key: {_safe(private)} (keep it off the suspect host)")
    console.print(f"public key:  {_safe(public)}")
    console.print(f"fingerprint: {fingerprint(raw)}  base64: {base64.b64encode(raw).decode('ascii')}")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    case = Case.open(args.dir, examiner=args.examiner)
    entry = case.journal.repair()
    console = _console()
    if entry is None:
        console.print("nothing to repair: the journal verifies")
    else:
        console.print(f"repaired; the repair is journal entry {entry['seq']}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    public_key: bytes | None = None
    if args.verify_key:
        from breachkit.case.signing import load_public_key

        public_key = load_public_key(args.verify_key)
    result = verify_case(args.dir, public_key=public_key)
    render_verify(result, _console())
    return 0 if result.ok else 1


def render_verify(result: VerifyResult, console: Console) -> None:
    if result.last_seq is None:
        console.print(f"journal: {result.entries} entries")
    else:
        console.print(f"journal: {result.entries} entries, last entry {result.last_seq} (sha256 {result.last_sha256})")
    if result.head is not None:
        console.print(f"head:    entry {result.head.seq} (sha256 {result.head.sha256})")
    signature = {
        "unsigned": "none",
        "unchecked": "consistent, but not checked against a trusted key (use --verify-key)",
        "valid": "valid, made with the trusted key",
        "invalid": "INVALID",
    }[result.signature]
    if result.signature_seq is not None:
        signature += f" (covers entry {result.signature_seq}, key {result.signer})"
    console.print(f"signature: {signature}")
    for warning in result.warnings:
        if warning.kind != "signature_unchecked":
            console.print(f"[yellow]warning[/yellow]: {_safe(warning.message)}")
    if result.ok:
        console.print("[green]OK[/green]: the journal verifies")
        return
    if all(problem.kind == "torn_tail" for problem in result.problems):
        console.print(
            f"[red]INCOMPLETE[/red]: {_safe(result.problems[0].message)}. Everything before it "
            "verifies; 'breachkit case repair' sets the partial entry aside on the record"
        )
        return
    count = len(result.problems)
    console.print(
        f"[red]FAILED[/red]: {count} problem{'s' if count != 1 else ''} - the journal cannot be trusted as it is"
    )
    for problem in result.problems:
        where = []
        if problem.line is not None:
            where.append(f"line {problem.line}")
        if problem.seq is not None:
            where.append(f"entry {problem.seq}")
        place = f" ({', '.join(where)})" if where else ""
        console.print(f"  {problem.kind}{place}: {_safe(problem.message)}")


def cmd_log(args: argparse.Namespace) -> int:
    console = _console()
    table = Table(show_lines=False, header_style="bold")
    for column in ("seq", "time (UTC)", "examiner", "action", "details"):
        table.add_column(column, overflow="fold")
    journal = journal_path_of(args.dir)
    if not journal.is_file():
        raise CaseError(f"{journal} not found; is {args.dir} a case folder?")
    bad = 0
    for raw, entry in iter_entries(journal):
        if entry is None:
            bad += 1
            print(
                f"breachkit: warning: line {raw.line} of the journal is not an entry; "
                f"run 'breachkit case verify {printable(args.dir)}'",
                file=sys.stderr,
            )
            continue
        if args.format == "json":
            sys.stdout.write(canonical_json(entry).decode("ascii") + "\n")
            continue
        table.add_row(
            str(entry["seq"]),
            _safe(str(entry.get("time_utc", ""))[:19].replace("T", " ")),
            _safe(entry.get("examiner", "")),
            _safe(entry.get("action", "")),
            _safe(_summary(entry)),
        )
    if args.format == "text":
        console.print(table)
    return 1 if bad else 0


def _summary(entry: dict[str, Any]) -> str:
    """One line for the details column: the note itself, else ``key=value`` pairs."""
    details = entry.get("details")
    if not isinstance(details, dict):
        return ""
    note = details.get("text")
    if entry.get("action") == "note" and isinstance(note, str):
        text = note
    else:
        parts = []
        for key in sorted(details):
            value = details[key]
            if isinstance(value, (list, dict)):
                parts.append(f"{key}=[{len(value)}]")
            else:
                parts.append(f"{key}={value}")
        text = ", ".join(parts)
    outputs = entry.get("outputs")
    if isinstance(outputs, list) and outputs:
        text += f" (+{len(outputs)} output{'s' if len(outputs) != 1 else ''})"
    if len(text) > _SUMMARY_WIDTH:
        text = text[: _SUMMARY_WIDTH - 1] + "…"
    return text
