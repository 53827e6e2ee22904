"""The case folder: one per incident, holding the journal, the evidence and what is derived.

Layout::

    case.json        name, examiner, created (UTC), case id — written once, pinned by entry 0
    journal.jsonl    the hash-chained journal (:mod:`breachkit.case.journal`)
    journal.head     the last entry written;  journal.sig  its optional signature
    evidence/        the evidence store (:mod:`breachkit.case.evidence`)
    db/              tables and findings, rebuilt from the evidence at any time
    report/          generated reports
    playbook.json    the response playbook's state (written by the playbook, not here)

``case.json`` is written before the first journal entry, and that entry records
its hash, so :func:`verify_case` can tell when the case's identity was edited.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from breachkit.case.evidence import BundleResult, EvidenceStore, StoredFile
from breachkit.case.journal import (
    JOURNAL_NAME,
    Entry,
    Journal,
    JournalProblem,
    VerifyResult,
    default_examiner,
    file_sha256,
    fsync_dir,
    iter_entries,
    verify,
)
from breachkit.errors import CaseError

CASE_FILE = "case.json"
EVIDENCE_DIR = "evidence"
DB_DIR = "db"
REPORT_DIR = "report"
PLAYBOOK_FILE = "playbook.json"
#: Bumped when the layout changes in a way older code must not write to.
CASE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class CaseInfo:
    """The identity of a case, as in ``case.json``."""

    case_id: str
    name: str
    examiner: str
    created_utc: str
    format: int = CASE_FORMAT

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "name": self.name,
            "examiner": self.examiner,
            "created_utc": self.created_utc,
            "format": self.format,
        }

    @classmethod
    def from_json(cls, data: object) -> CaseInfo:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        values = [data.get(key) for key in ("case_id", "name", "examiner", "created_utc")]
        if not all(isinstance(value, str) for value in values):
            raise ValueError("needs string fields case_id, name, examiner, created_utc")
        fmt = data.get("format", CASE_FORMAT)
        if type(fmt) is not int:
            raise ValueError("'format' must be an integer")
        case_id, name, examiner, created = (str(value) for value in values)
        return cls(case_id, name, examiner, created, fmt)


class Case:
    """An open case folder. Create with :meth:`init`, open with :meth:`open`.

    ``journal`` writes entries as the examiner given when opening (default:
    ``$BREACHKIT_EXAMINER`` or the login name), which need not be the case's
    lead examiner in ``case.json``.
    """

    __slots__ = ("evidence", "info", "journal", "root")

    def __init__(self, root: Path, info: CaseInfo, *, examiner: str | None = None) -> None:
        self.root = root
        self.info = info
        self.journal = Journal(root / JOURNAL_NAME, examiner=examiner, base=root)
        self.evidence = EvidenceStore(root / EVIDENCE_DIR)

    def __repr__(self) -> str:
        return f"Case({str(self.root)!r}, name={self.info.name!r})"

    @property
    def case_file(self) -> Path:
        return self.root / CASE_FILE

    @property
    def db_dir(self) -> Path:
        return self.root / DB_DIR

    @property
    def report_dir(self) -> Path:
        return self.root / REPORT_DIR

    @property
    def playbook_path(self) -> Path:
        return self.root / PLAYBOOK_FILE

    @classmethod
    def init(
        cls,
        path: str | os.PathLike[str],
        name: str | None = None,
        examiner: str | None = None,
    ) -> Case:
        """Create a case folder (new or empty) and journal its creation as entry 0."""
        root = Path(path)
        if root.exists() and not root.is_dir():
            raise CaseError(f"{root} exists and is not a folder; choose a new case folder")
        if (root / CASE_FILE).exists():
            raise CaseError(f"{root} is already a case; use it as it is (e.g. 'breachkit case log')")
        if root.is_dir() and any(root.iterdir()):
            raise CaseError(f"{root} is not empty; a case needs a folder of its own (choose a new path)")
        root.mkdir(parents=True, exist_ok=True)
        examiner = examiner or default_examiner()
        info = CaseInfo(
            case_id=str(uuid.uuid4()),
            name=name or root.resolve().name,
            examiner=examiner,
            created_utc=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        # The journal is created first and exclusively: it is what a second,
        # concurrent init trips over, before anything else is written.
        Journal.create(root / JOURNAL_NAME)
        for sub in (
            Path(EVIDENCE_DIR, "sha256"),
            Path(EVIDENCE_DIR, "bundles"),
            Path(DB_DIR),
            Path(REPORT_DIR),
        ):
            (root / sub).mkdir(parents=True, exist_ok=True)
        case_file = root / CASE_FILE
        fd = os.open(case_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, (json.dumps(info.to_json(), indent=2, sort_keys=True) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(root)
        case = cls(root, info, examiner=examiner)
        case.journal.append("case.init", info.to_json(), outputs=[case_file])
        return case

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, examiner: str | None = None) -> Case:
        """Open an existing case folder; its journal is checked on each append, not here."""
        root = Path(path)
        case_file = root / CASE_FILE
        try:
            data = case_file.read_bytes()
        except FileNotFoundError:
            raise CaseError(
                f"{root} is not a breachkit case (no {CASE_FILE}); create one with 'breachkit case init {root}'"
            ) from None
        except OSError as exc:
            raise CaseError(f"cannot read {case_file}: {exc.strerror}") from exc
        try:
            info = CaseInfo.from_json(json.loads(data))
        except ValueError as exc:
            raise CaseError(f"{case_file} is damaged ({exc}); run 'breachkit case verify {root}'") from None
        if info.format > CASE_FORMAT:
            raise CaseError(f"{root} was made by a newer breachkit (case format {info.format}); upgrade")
        return cls(root, info, examiner=examiner)

    def note(self, text: str) -> Entry:
        """Journal a human note: what was seen, decided or done by hand."""
        return self.journal.append("note", {"text": text})

    def add_bundle(self, bundle_dir: str | os.PathLike[str], *, move: bool = False) -> BundleResult:
        """Ingest a collector bundle into ``evidence/bundles/`` (see :mod:`~breachkit.case.evidence`)."""
        return self.evidence.add_bundle(bundle_dir, self.journal, move=move)

    def add_file(self, path: str | os.PathLike[str]) -> StoredFile:
        """Store one file content-addressed and journal it."""
        stored = self.evidence.add_file(path)
        self.journal.append(
            "evidence.add_file",
            {
                "source": str(Path(path).absolute()),
                "sha256": stored.sha256,
                "size": stored.size,
                "already_present": stored.already_present,
            },
            outputs=[stored.path],
        )
        return stored

    def verify(self, public_key: bytes | None = None) -> VerifyResult:
        return verify_case(self.root, public_key=public_key)


def open_or_init(path: str | os.PathLike[str], name: str | None = None, examiner: str | None = None) -> Case:
    """The case at ``path``, created first if there is none (for commands that need one)."""
    if (Path(path) / CASE_FILE).exists():
        return Case.open(path, examiner=examiner)
    return Case.init(path, name, examiner)


def verify_case(path: str | os.PathLike[str], *, public_key: bytes | None = None) -> VerifyResult:
    """Verify the journal of a case folder and that ``case.json`` is the one entry 0 pinned."""
    root = Path(path)
    result = verify(root / JOURNAL_NAME, public_key=public_key)
    extra = _check_case_file(root)
    if not extra:
        return result
    problems = result.problems + tuple(extra)
    return replace(result, ok=False, problems=problems)


def _check_case_file(root: Path) -> list[JournalProblem]:
    case_file = root / CASE_FILE
    first = next(iter_entries(root / JOURNAL_NAME), None)
    if first is None or first[1] is None or first[1].get("action") != "case.init":
        return []  # the chain check already reports a damaged start
    pinned = [out for out in first[1].get("outputs", []) if isinstance(out, dict) and out.get("path") == CASE_FILE]
    if not case_file.exists():
        return [JournalProblem(None, None, "case_file_missing", f"{CASE_FILE} is missing (deleted?)")]
    if not pinned:
        return []
    try:
        sha, _size = file_sha256(case_file)
    except OSError as exc:
        return [JournalProblem(None, None, "case_file_changed", f"cannot read {CASE_FILE}: {exc}")]
    if sha != pinned[0].get("sha256"):
        return [
            JournalProblem(
                1,
                0,
                "case_file_changed",
                f"{CASE_FILE} does not match the hash entry 0 recorded: it was edited",
            )
        ]
    return []
