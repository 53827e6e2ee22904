"""``breachkit playbook``: the response checklist of a case, what is done and what comes next."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from breachkit.playbook.state import Status
from breachkit.render import console as make_console
from breachkit.render import safe

ACTIONS: dict[str, Status] = {"done": "done", "skip": "skipped", "doing": "doing", "todo": "todo"}


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "playbook",
        help="the response checklist: what is done (with proof), what comes next; mark steps done or skipped",
        description=(
            "Show the steps of the incident response (contain, preserve, investigate, credentials, other systems, "
            "notify, rebuild, restore from a verified backup, monitor, report, lessons) with who did what and "
            "when. Steps the tool can prove from the case journal (a verified evidence bundle, a triage run, a "
            "hunt that found a backup clean, a baseline, a report) are marked done by themselves. Mark the others: "
            "'breachkit playbook CASE done credentials --note \"all DB and admin passwords changed\"', "
            "'breachkit playbook CASE skip notify --note WHY'. Every change is journaled."
        ),
    )
    parser.add_argument("case", type=Path, help="case folder")
    parser.add_argument("action", nargs="?", choices=tuple(ACTIONS), help="mark a step: done, skip, doing, todo")
    parser.add_argument("step", nargs="?", help="step id (shown in the checklist), e.g. credentials")
    parser.add_argument("--note", default="", help="what was done, or why the step is skipped (required for skip)")
    parser.add_argument(
        "--evidence",
        action="append",
        type=int,
        default=[],
        metavar="SEQ",
        help="journal entry number that shows the step done; repeatable",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from breachkit.case import Case
    from breachkit.errors import UsageError
    from breachkit.playbook import mark, view
    from breachkit.playbook.state import next_step

    case = Case.open(args.case)
    if args.action is not None:
        if not args.step:
            raise UsageError(f"name the step to mark {args.action}, e.g. 'breachkit playbook {args.case} done contain'")
        mark(case, args.step, ACTIONS[args.action], note=args.note, evidence=args.evidence)
    elif args.step:
        raise UsageError("say what to do with the step: done, skip, doing or todo before its name")
    views = view(case)
    upcoming = next_step(views)
    if args.format == "json":
        data = {"steps": [v.to_json() for v in views], "next": upcoming.step.id if upcoming else None}
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
        return 0
    out = make_console()
    out.rule(f"playbook of {safe(case.info.name)}")
    marks = {
        "done": "[green]done[/]   ",
        "skipped": "[yellow]skipped[/]",
        "doing": "[cyan]doing[/]  ",
        "todo": "todo   ",
    }
    for number, item in enumerate(views, 1):
        proven = " [green](proven)[/]" if item.proven else ""
        out.print(f"{number:>2}. {marks[item.status]} [bold]{safe(item.step.id)}[/]: {safe(item.step.title)}{proven}")
        if item.state is not None:
            note = f": {safe(item.state.note)}" if item.state.note else ""
            out.print(f"      [dim]{item.state.status} by {safe(item.state.who)} at {safe(item.state.when)}{note}[/]")
        for proof in item.proofs[-2:]:
            out.print(f"      [dim]journal #{proof.seq} {safe(proof.time_utc)}: {safe(proof.summary)}[/]")
    out.print()
    if upcoming is None:
        out.print("[green]Every step is done or skipped.[/]")
    else:
        out.print(f"[bold]Next: {safe(upcoming.step.title)}[/] ({safe(upcoming.step.id)})")
        out.print(f"  {safe(upcoming.step.what)}")
        out.print(f"  [dim]Why: {safe(upcoming.step.why)}[/]")
        if upcoming.step.proved_by:
            out.print(f"  [dim]The tool marks it done when it sees {safe(upcoming.step.proved_by)}.[/]")
        else:
            out.print(
                f"  [dim]When done: breachkit playbook {safe(args.case)} done {safe(upcoming.step.id)} --note ...[/]"
            )
    return 0
