"""The steps of responding to a hacked server, in the order they are usually taken.

They follow the standard advice of experienced responders (the product brief): stop it
getting worse, preserve evidence, understand the break-in before going back online, change
every password, check the other systems, tell who must know, rebuild from known-good media,
restore from a backup that was checked, watch closely afterwards, write the report, learn.
Writing everything down is not a step: the case journal does it for every command.

Each step says in plain words what to do, why it matters, and — where the tool can — which
journal entries prove it done (:attr:`Step.proof`); the other steps are marked by hand
(``breachkit playbook CASE done STEP --note ...``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

#: A journal entry (as parsed) -> a one-line summary of what it proves, or None.
ProofCheck = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True, slots=True)
class Step:
    """One response step."""

    id: str
    title: str
    what: str
    why: str
    #: how the tool proves it, in words; empty when only a person can say.
    proved_by: str = ""
    proof: ProofCheck | None = None


def _bundle_stored(entry: Mapping[str, Any]) -> str | None:
    details = entry.get("details") or {}
    if entry.get("action") == "bundle.add" and details.get("status") in ("stored", "already_present"):
        return f"evidence bundle {details.get('bundle')} stored, {details.get('manifest_entries')} files checked against its manifest"
    return None


def _investigated(entry: Mapping[str, Any]) -> str | None:
    details = entry.get("details") or {}
    action = entry.get("action")
    if action == "triage":
        return f"triage of {details.get('root')}: {details.get('findings')} findings"
    if action in ("scan", "timeline", "logs", "packages.verify"):
        return f"{action} run journaled"
    return None


def _hunt_targets(entry: Mapping[str, Any], kinds: tuple[str, ...]) -> list[Mapping[str, Any]]:
    if entry.get("action") != "hunt":
        return []
    targets = (entry.get("details") or {}).get("targets") or []
    return [t for t in targets if isinstance(t, Mapping) and t.get("kind") in kinds]


def _other_systems(entry: Mapping[str, Any]) -> str | None:
    targets = _hunt_targets(entry, ("root", "bundle"))
    if not targets:
        return None
    return "hunted: " + ", ".join(f"{t.get('path')} ({t.get('status')})" for t in targets)


def _backup_verified(entry: Mapping[str, Any]) -> str | None:
    clean = [t for t in _hunt_targets(entry, ("archive",)) if t.get("status") == "clean"]
    if not clean:
        return None
    return "backup checked clean: " + ", ".join(str(t.get("path")) for t in clean)


def _baseline(entry: Mapping[str, Any]) -> str | None:
    if entry.get("action") == "baseline.create":
        return f"integrity baseline of {(entry.get('details') or {}).get('root')} created"
    return None


_REPORT_SUFFIXES = (".html", ".md", ".pdf")


def _report(entry: Mapping[str, Any]) -> str | None:
    # The draft that triage writes is not the report the step asks for.
    if entry.get("action") == "report" and (entry.get("details") or {}).get("draft"):
        return None
    for output in entry.get("outputs") or []:
        path = PurePosixPath(str(output.get("path", ""))) if isinstance(output, Mapping) else None
        if path is not None and path.parts[:1] == ("report",) and path.suffix in _REPORT_SUFFIXES:
            return f"report written: {path}"
    return None


STEPS: tuple[Step, ...] = (
    Step(
        "contain",
        "Stop it getting worse",
        "Disconnect the server, or as a stop-gap block all outbound traffic the sites do not strictly need.",
        "While it is online the attacker can keep using it (for attacks on others, too) and can destroy traces.",
    ),
    Step(
        "preserve",
        "Preserve evidence before changing anything",
        "Collect the volatile state and the files into an evidence bundle (breachkit triage or collect), "
        "and image the disks if you can.",
        "Deleting the bad file first destroys the proof of how they got in, which you need to close the hole "
        "and may need for insurers or court.",
        "an evidence bundle stored in the case and verified against its manifest",
        _bundle_stored,
    ),
    Step(
        "investigate",
        "Understand it before going back online",
        "Find the way in, everything the attacker did after, and where else they went: breachkit triage, "
        "scan, timeline and logs.",
        "Attacks chain several small flaws; a server brought back with one of them open is hacked again.",
        "a triage (or scan, timeline, logs) run journaled in the case",
        _investigated,
    ),
    Step(
        "credentials",
        "Change every password",
        "Change the passwords and keys of every account on every machine that shared the network: system "
        "users, databases, CMS admins, FTP, API keys, SSH keys.",
        "An intruder with root could read every secret on the box and will try them elsewhere.",
    ),
    Step(
        "other-systems",
        "Check the other systems",
        "Hunt for this case's indicators on the other machines, especially internet-facing and money-related "
        "ones: breachkit indicators, then breachkit hunt --root or --bundle.",
        "Intruders move on from the first box; the others may be compromised already.",
        "a hunt of another root or bundle journaled",
        _other_systems,
    ),
    Step(
        "notify",
        "Tell the people who must know",
        "The data-protection officer if personal data was held (there are legal deadlines), the customers, "
        "possibly law enforcement. Never pay extortion.",
        "Late notification is a second incident, with fines of its own.",
    ),
    Step(
        "rebuild",
        "Rebuild from known-good media",
        "Install a fresh system from trusted media, patched, instead of cleaning the hacked one.",
        "Once an intruder had root, any binary, the kernel and the logs may lie; cleaning cannot be proven.",
    ),
    Step(
        "restore",
        "Restore data from a verified backup",
        "Pick the newest backup that does not contain the attacker's files (breachkit hunt --archive ...) and "
        "restore data, not programs, from it.",
        "A backup made after the break-in brings the backdoor back with it.",
        "a hunt that found a backup archive clean, journaled",
        _backup_verified,
    ),
    Step(
        "monitor",
        "Watch closely after coming back",
        "Create an integrity baseline of the rebuilt server (breachkit baseline create) and check it "
        "regularly; watch the logs for the attacker's addresses.",
        "Intruders return; seeing them try again shows the holes are closed.",
        "an integrity baseline created and journaled",
        _baseline,
    ),
    Step(
        "report",
        "Write the report",
        "What happened, how it was found, what was done and when, what was affected.",
        "Management, insurers, customers and possibly a court will ask; the journal holds the facts.",
        "a report file (HTML, Markdown or PDF) in the case's report folder, journaled",
        _report,
    ),
    Step(
        "lessons",
        "Learn from it",
        "Decide what stops it happening again: patching, consistent builds, least privilege, fewer exposed "
        "services, monitoring, integrity checking, a practised response plan.",
        "The same hole, left open, is the next incident.",
    ),
)


def step_by_id(step_id: str) -> Step:
    for step in STEPS:
        if step.id == step_id:
            return step
    raise KeyError(step_id)
