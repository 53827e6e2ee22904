"""The playbook's state in a case: ``playbook.json``, and the proofs read from the journal.

``playbook.json`` (in the case folder, see :mod:`breachkit.case.folder`)::

    {"format": "breachkit-playbook", "version": 1,
     "steps": {"<step id>": {"status": "todo|doing|done|skipped", "who": "...",
                             "when": "<UTC ISO 8601>", "note": "...", "evidence": [<journal seq>, ...]}}}

Only steps someone marked appear in it; it is replaced atomically and every change is
journaled (``playbook.update``, with the file's hash). Proofs are not stored: they are
computed from the journal each time (:func:`breachkit.case.journal.iter_entries`), so they
cannot disagree with it. A step the tool proves counts as done even if nobody marked it;
a person's "skipped" (with the reason) still wins, and is shown beside the proof.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from breachkit.case import Case
from breachkit.case.journal import iter_entries
from breachkit.errors import CaseError, UsageError
from breachkit.playbook.steps import STEPS, Step, step_by_id

Status = Literal["todo", "doing", "done", "skipped"]
STATUSES: tuple[Status, ...] = ("todo", "doing", "done", "skipped")
FORMAT_NAME = "breachkit-playbook"


@dataclass(frozen=True, slots=True)
class StepState:
    """What a person recorded about a step."""

    status: Status
    who: str
    when: str
    note: str = ""
    evidence: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "who": self.who,
            "when": self.when,
            "note": self.note,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class Proof:
    """A journal entry that shows a step done."""

    seq: int
    time_utc: str
    examiner: str
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time_utc": self.time_utc, "examiner": self.examiner, "summary": self.summary}


@dataclass(frozen=True, slots=True)
class StepView:
    """A step as the checklist shows it: recorded state, proofs, and the status that results."""

    step: Step
    state: StepState | None
    proofs: tuple[Proof, ...]

    @property
    def status(self) -> Status:
        if self.state is not None and self.state.status in ("done", "skipped"):
            return self.state.status
        if self.proofs:
            return "done"
        return self.state.status if self.state is not None else "todo"

    @property
    def proven(self) -> bool:
        return bool(self.proofs)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.step.id,
            "title": self.step.title,
            "what": self.step.what,
            "why": self.step.why,
            "proved_by": self.step.proved_by,
            "status": self.status,
            "proven": self.proven,
            "state": self.state.to_json() if self.state is not None else None,
            "proofs": [p.to_json() for p in self.proofs],
        }


def load_state(case: Case) -> dict[str, StepState]:
    """The recorded state; a damaged file is an error that says how to recover."""
    path = case.playbook_path
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise ValueError(f"not a {FORMAT_NAME} file")
        out: dict[str, StepState] = {}
        for step_id, item in (data.get("steps") or {}).items():
            if item.get("status") not in STATUSES:
                raise ValueError(f"step {step_id!r} has an unknown status")
            out[str(step_id)] = StepState(
                status=item["status"],
                who=str(item.get("who", "")),
                when=str(item.get("when", "")),
                note=str(item.get("note", "")),
                evidence=tuple(int(seq) for seq in item.get("evidence", [])),
            )
        return out
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise CaseError(
            f"{path} is damaged ({exc}); its history is in the journal ('playbook.update' entries): "
            "move the file aside and mark the steps again"
        ) from None


def proofs(case: Case) -> dict[str, list[Proof]]:
    """Journal entries proving each step, oldest first."""
    found: dict[str, list[Proof]] = {step.id: [] for step in STEPS}
    checks = [(step.id, step.proof) for step in STEPS if step.proof is not None]
    for _raw, entry in iter_entries(case.root / "journal.jsonl"):
        if entry is None:
            continue
        for step_id, check in checks:
            assert check is not None
            summary = check(entry)
            if summary:
                found[step_id].append(
                    Proof(
                        int(entry.get("seq", -1)),
                        str(entry.get("time_utc", "")),
                        str(entry.get("examiner", "")),
                        summary,
                    )
                )
    return found


def view(case: Case) -> list[StepView]:
    """Every step with its recorded state and proofs, in playbook order."""
    state = load_state(case)
    proven = proofs(case)
    return [StepView(step, state.get(step.id), tuple(proven[step.id])) for step in STEPS]


def next_step(views: Iterable[StepView]) -> StepView | None:
    """What to do next: the first step in order that is neither done nor skipped."""
    return next((v for v in views if v.status not in ("done", "skipped")), None)


def mark(case: Case, step_id: str, status: Status, note: str = "", evidence: Iterable[int] = ()) -> StepState:
    """Record a step's status (who: the case's current examiner), journal it and return it."""
    try:
        step = step_by_id(step_id)
    except KeyError:
        known = ", ".join(s.id for s in STEPS)
        raise UsageError(f"no playbook step {step_id!r}; the steps are: {known}") from None
    if status not in STATUSES:
        raise UsageError(f"status must be one of {', '.join(STATUSES)}")
    if status == "skipped" and not note.strip():
        raise UsageError(f"say why {step_id!r} is skipped: --note WHY (it goes into the report)")
    refs = tuple(evidence)
    if refs:
        seqs = {entry.get("seq") for _, entry in iter_entries(case.root / "journal.jsonl") if entry is not None}
        missing = [seq for seq in refs if seq not in seqs]
        if missing:
            raise UsageError(f"no journal entry {missing[0]} in this case; see 'breachkit case log {case.root}'")
    state = load_state(case)
    new = StepState(
        status=status,
        who=case.journal.examiner,
        when=datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        note=note,
        evidence=refs,
    )
    state[step.id] = new
    _write(case.playbook_path, state)
    case.journal.append(
        "playbook.update",
        {"step": step.id, "status": status, "note": note, "evidence": list(new.evidence)},
        outputs=[case.playbook_path],
    )
    return new


def _write(path: Path, state: Mapping[str, StepState]) -> None:
    data = {
        "format": FORMAT_NAME,
        "version": 1,
        "steps": {step.id: state[step.id].to_json() for step in STEPS if step.id in state},
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
