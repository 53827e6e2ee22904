"""The case folder: layout, creating and opening, and the case file pinned by entry 0."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from breachkit.case import Case, open_or_init, verify_case
from breachkit.case.journal import verify
from breachkit.errors import CaseError


def test_init_creates_the_layout(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "incident", name="shop breach", examiner="alice")
    root = tmp_path / "incident"
    for folder in ("evidence/sha256", "evidence/bundles", "db", "report"):
        assert (root / folder).is_dir()
    for name in ("case.json", "journal.jsonl", "journal.head"):
        assert (root / name).is_file()
    info = json.loads((root / "case.json").read_text())
    assert info["name"] == "shop breach"
    assert info["examiner"] == "alice"
    assert re.fullmatch(r"[0-9a-f-]{36}", info["case_id"])
    assert info["created_utc"].endswith("Z")
    assert case.info.case_id == info["case_id"]
    entry = json.loads((root / "journal.jsonl").read_text())
    assert entry["seq"] == 0
    assert entry["action"] == "case.init"
    assert entry["examiner"] == "alice"
    assert entry["details"]["case_id"] == info["case_id"]
    assert entry["outputs"][0]["path"] == "case.json"
    assert case.playbook_path == root / "playbook.json"
    assert not case.playbook_path.exists()


def test_name_defaults_to_the_folder_and_examiner_to_the_environment(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "web1-2024")
    assert case.info.name == "web1-2024"
    assert case.info.examiner == "tester"


def test_init_refuses_an_existing_case_or_a_busy_folder(case: Case, tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="already a case"):
        Case.init(case.root)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("x")
    with pytest.raises(CaseError, match="not empty"):
        Case.init(busy)
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(CaseError, match="not a folder"):
        Case.init(afile)


def test_open(case: Case, tmp_path: Path) -> None:
    again = Case.open(case.root, examiner="bob")
    assert again.info == case.info
    entry = again.note("bob was here")
    assert entry["examiner"] == "bob"
    with pytest.raises(CaseError, match="breachkit case init"):
        Case.open(tmp_path / "nowhere")


def test_open_damaged_case_file(case: Case) -> None:
    case.case_file.write_text("[]")
    with pytest.raises(CaseError, match="damaged"):
        Case.open(case.root)


def test_open_or_init(tmp_path: Path) -> None:
    first = open_or_init(tmp_path / "c", name="c1")
    second = open_or_init(tmp_path / "c", name="ignored")
    assert first.info == second.info
    assert verify(tmp_path / "c").entries == 1


def test_edited_case_file_is_found(case: Case) -> None:
    info = json.loads(case.case_file.read_text())
    info["examiner"] = "someone else"
    case.case_file.write_text(json.dumps(info))
    result = verify_case(case.root)
    assert not result.ok
    assert [p.kind for p in result.problems] == ["case_file_changed"]
    assert verify(case.root).ok, "the journal alone is intact"


def test_deleted_case_file_is_found(case: Case) -> None:
    case.case_file.unlink()
    assert [p.kind for p in case.verify().problems] == ["case_file_missing"]
