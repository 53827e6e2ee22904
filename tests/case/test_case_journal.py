"""The hash-chained journal: building the chain, and every kind of tampering found where it is."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
from pathlib import Path

import pytest

from breachkit.case import Case, Journal
from breachkit.case.journal import (
    GENESIS,
    Head,
    canonical_json,
    default_examiner,
    tool_sha256,
    verify,
)
from breachkit.errors import CaseError, UsageError


def lines(case: Case) -> list[bytes]:
    return case.journal.path.read_bytes().splitlines(keepends=True)


def rewrite(case: Case, new_lines: list[bytes]) -> None:
    case.journal.path.write_bytes(b"".join(new_lines))


def with_notes(case: Case, count: int) -> Case:
    for number in range(count):
        case.note(f"note {number}")
    return case


def kinds(path: Path) -> list[str]:
    return [problem.kind for problem in verify(path).problems]


# -- building -------------------------------------------------------------------


def test_chain_links_every_entry_to_the_exact_bytes_of_the_previous_line(case: Case) -> None:
    with_notes(case, 3)
    raw = lines(case)
    assert len(raw) == 4
    prev = GENESIS
    for seq, line in enumerate(raw):
        assert line.endswith(b"\n")
        entry = json.loads(line)
        assert entry["seq"] == seq
        assert entry["prev"] == prev
        assert canonical_json(entry) + b"\n" == line, "lines are canonical JSON"
        prev = hashlib.sha256(line[:-1]).hexdigest()
    head = Head.from_bytes(case.journal.head_path.read_bytes())
    assert head == Head(3, prev)


def test_entry_fields(case: Case, tmp_path: Path) -> None:
    produced = case.root / "report" / "out.txt"
    produced.write_bytes(b"finding\n")
    entry = case.journal.append("triage", {"findings": 1}, outputs=[produced], argv=["breachkit", "triage"])
    assert entry["action"] == "triage"
    assert entry["details"] == {"findings": 1}
    assert entry["argv"] == ["breachkit", "triage"]
    assert entry["examiner"] == "tester"
    assert entry["host"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", entry["time_utc"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d", entry["host_clock"])
    assert entry["tool"]["name"] == "breachkit"
    assert re.fullmatch(r"[0-9a-f]{64}", entry["tool"]["sha256"])
    assert entry["outputs"] == [
        {
            "path": "report/out.txt",
            "sha256": hashlib.sha256(b"finding\n").hexdigest(),
            "size": 8,
        }
    ]
    assert json.loads(lines(case)[-1]) == entry


def test_tool_hash_is_stable() -> None:
    assert tool_sha256() == tool_sha256()


def test_details_must_be_json(case: Case) -> None:
    with pytest.raises(UsageError):
        case.journal.append("triage", {"bad": object()})
    with pytest.raises(UsageError):
        case.journal.append("triage", {"nan": float("nan")})
    assert verify(case.root).ok


def test_examiner_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACHKIT_EXAMINER", "alice")
    assert default_examiner() == "alice"
    monkeypatch.delenv("BREACHKIT_EXAMINER")

    def broken() -> str:
        raise OSError("no passwd entry")

    monkeypatch.setattr("getpass.getuser", broken)
    assert default_examiner().startswith("uid:")


def test_a_long_last_line_is_read_back_from_the_end(case: Case) -> None:
    case.note("x" * 300_000)  # several tail-read chunks
    entry = case.note("after")
    assert entry["seq"] == 2
    assert verify(case.root).ok


def test_journal_is_never_recreated(case: Case) -> None:
    with pytest.raises(CaseError, match="never recreated"):
        Journal.create(case.journal.path)


# -- clean verification -----------------------------------------------------------


def test_clean_journal_verifies(case: Case) -> None:
    with_notes(case, 5)
    result = verify(case.root)
    assert result.ok
    assert result.entries == 6
    assert result.problems == ()
    assert result.last_seq == 5
    assert result.head == Head(5, result.last_sha256 or "")
    assert result.signature == "unsigned"


# -- tampering --------------------------------------------------------------------


def test_edited_field_is_found_at_the_next_entry(case: Case) -> None:
    with_notes(case, 4)
    raw = lines(case)
    entry = json.loads(raw[2])
    entry["details"]["text"] = "nothing happened"
    raw[2] = canonical_json(entry) + b"\n"
    rewrite(case, raw)
    result = verify(case.root)
    assert not result.ok
    [problem] = result.problems
    assert problem.kind == "hash_mismatch"
    assert (problem.line, problem.seq) == (4, 3)
    assert "entry 2 (line 3) was changed" in problem.message


def test_edited_last_entry_is_found_by_the_head(case: Case) -> None:
    with_notes(case, 2)
    raw = lines(case)
    raw[-1] = raw[-1].replace(b"note 1", b"note X")
    rewrite(case, raw)
    [problem] = verify(case.root).problems
    assert problem.kind == "head_mismatch"
    assert (problem.line, problem.seq) == (3, 2)


def test_edited_first_entry_prev(case: Case) -> None:
    raw = lines(case)
    raw[0] = raw[0].replace(GENESIS.encode(), b"1" * 64)
    rewrite(case, raw)
    assert "hash_mismatch" in kinds(case.root)


def test_deleted_entry_is_a_gap(case: Case) -> None:
    with_notes(case, 4)
    raw = lines(case)
    del raw[2]
    rewrite(case, raw)
    [problem] = verify(case.root).problems
    assert problem.kind == "seq_gap"
    assert (problem.line, problem.seq) == (3, 3)
    assert "entry 2 are missing" in problem.message


def test_deleted_entry_with_renumbering_breaks_the_hash(case: Case) -> None:
    with_notes(case, 4)
    raw = lines(case)
    del raw[2]
    for index in range(2, len(raw)):
        entry = json.loads(raw[index])
        entry["seq"] = index
        raw[index] = canonical_json(entry) + b"\n"
    rewrite(case, raw)
    problems = verify(case.root).problems
    assert problems[0].kind == "hash_mismatch"
    assert problems[0].line == 3


def test_swapped_entries_are_out_of_order(case: Case) -> None:
    with_notes(case, 4)
    raw = lines(case)
    raw[2], raw[3] = raw[3], raw[2]
    rewrite(case, raw)
    problems = verify(case.root).problems
    assert [p.kind for p in problems] == ["seq_gap", "seq_order", "seq_gap"]
    assert problems[1].line == 4
    assert problems[1].seq == 2
    assert "out of order" in problems[1].message


def test_truncated_journal_is_caught_by_the_head(case: Case) -> None:
    with_notes(case, 3)
    raw = lines(case)
    rewrite(case, raw[:-1])
    [problem] = verify(case.root).problems
    assert problem.kind == "truncated"
    assert "ends at entry 2" in problem.message
    assert "records entry 3" in problem.message


def test_truncation_with_the_head_deleted_says_head_missing(case: Case) -> None:
    with_notes(case, 3)
    rewrite(case, lines(case)[:-1])
    case.journal.head_path.unlink()
    assert kinds(case.root) == ["head_missing"]


def test_damaged_head_file(case: Case) -> None:
    case.journal.head_path.write_text("{not json")
    assert kinds(case.root) == ["head_invalid"]
    with pytest.raises(CaseError, match="damaged"):
        case.note("more")


def test_garbage_line_in_the_middle(case: Case) -> None:
    with_notes(case, 3)
    raw = lines(case)
    raw[1] = b"this is not json\n"
    rewrite(case, raw)
    problems = verify(case.root).problems
    assert [(p.kind, p.line) for p in problems] == [("bad_line", 2)]


def test_missing_journal(case: Case) -> None:
    case.journal.path.unlink()
    with pytest.raises(CaseError, match="deleted"):
        verify(case.root)
    with pytest.raises(CaseError, match="missing"):
        case.note("into the void")


# -- torn tail and recovery ---------------------------------------------------------


def torn(case: Case, garbage: bytes = b'{"seq":3,"prev":"ab') -> int:
    size = case.journal.path.stat().st_size
    with open(case.journal.path, "ab") as handle:
        handle.write(garbage)
    return size


def test_torn_tail_is_reported_not_dropped(case: Case) -> None:
    with_notes(case, 2)
    offset = torn(case)
    result = verify(case.root)
    assert not result.ok
    assert result.entries == 3
    [problem] = result.problems
    assert problem.kind == "torn_tail"
    assert problem.message == (f"verified up to entry 2; torn tail of 19 bytes at offset {offset} (a crash mid-write?)")
    assert result.torn_tail is not None
    assert (result.torn_tail.offset, result.torn_tail.size) == (offset, 19)


def test_invalid_json_at_the_very_end_is_a_torn_tail(case: Case) -> None:
    torn(case, b"{broken\n")
    assert kinds(case.root) == ["torn_tail"]


def test_append_refuses_after_a_torn_tail(case: Case) -> None:
    offset = torn(case)
    before = case.journal.path.read_bytes()
    with pytest.raises(CaseError, match=f"torn tail of 19 bytes at offset {offset}") as info:
        case.note("must not be chained onto garbage")
    assert "breachkit case verify" in str(info.value)
    assert case.journal.path.read_bytes() == before


def test_repair_sets_a_torn_tail_aside_on_the_record(case: Case) -> None:
    with_notes(case, 1)
    offset = torn(case)
    entry = case.journal.repair()
    assert entry is not None
    assert entry["action"] == "journal.repair"
    aside = case.root / f"journal.torn-{offset}.bin"
    assert aside.read_bytes() == b'{"seq":3,"prev":"ab'
    assert entry["details"]["torn_tail"]["sha256"] == hashlib.sha256(aside.read_bytes()).hexdigest()
    assert verify(case.root).ok
    assert case.journal.repair() is None
    case.note("and on we go")
    assert verify(case.root).ok


def test_repair_rewrites_a_missing_head_and_says_so(case: Case) -> None:
    with_notes(case, 2)
    case.journal.head_path.unlink()
    with pytest.raises(CaseError, match=r"journal\.head is missing"):
        case.note("refused")
    entry = case.journal.repair()
    assert entry is not None
    assert entry["details"]["head_rewritten"] == {"was": None, "now": 2}
    assert verify(case.root).ok


def test_repair_refuses_to_hide_tampering(case: Case) -> None:
    with_notes(case, 3)
    raw = lines(case)
    del raw[1]
    rewrite(case, raw)
    torn(case)
    with pytest.raises(CaseError, match="start a new case"):
        case.journal.repair()


def test_append_refuses_on_a_truncated_journal(case: Case) -> None:
    with_notes(case, 3)
    rewrite(case, lines(case)[:-1])
    with pytest.raises(CaseError, match="truncated"):
        case.note("would hide the truncation")


def test_append_refuses_when_the_last_entry_was_changed(case: Case) -> None:
    with_notes(case, 1)
    raw = lines(case)
    raw[-1] = raw[-1].replace(b"note 0", b"note 9")
    rewrite(case, raw)
    with pytest.raises(CaseError, match="changed"):
        case.note("would hide the edit")


def test_head_behind_after_a_crash_is_a_warning(case: Case) -> None:
    with_notes(case, 2)
    first = lines(case)[0][:-1]
    case.journal.head_path.write_bytes(Head(0, hashlib.sha256(first).hexdigest()).to_bytes())
    result = verify(case.root)
    assert result.ok
    assert [w.kind for w in result.warnings] == ["head_behind"]
    case.note("the next append catches the head up")
    result = verify(case.root)
    assert result.ok
    assert result.warnings == ()


# -- concurrency --------------------------------------------------------------------


def _append_notes(path: str, worker: int, count: int, start: multiprocessing.synchronize.Event) -> None:
    journal = Journal(Path(path) / "journal.jsonl", examiner=f"worker{worker}")
    start.wait()
    for number in range(count):
        journal.append("note", {"text": f"{worker}-{number}"})


def test_concurrent_appends_from_two_processes_keep_one_chain(case: Case) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [context.Process(target=_append_notes, args=(str(case.root), worker, 40, start)) for worker in range(2)]
    for process in workers:
        process.start()
    start.set()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    result = verify(case.root)
    assert result.ok, result.problems
    assert result.entries == 81
    texts = [json.loads(line)["details"].get("text") for line in lines(case)[1:]]
    assert sorted(texts) == sorted(f"{w}-{n}" for w in range(2) for n in range(40))


def test_oversized_lines_are_hashed_not_held(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("breachkit.case.journal.MAX_LINE", 4096)
    with pytest.raises(UsageError, match="too large"):
        case.note("x" * 5000)
    case.note("fits")
    raw = lines(case)
    raw.insert(1, b"y" * 10_000 + b"\n")
    rewrite(case, raw)
    problems = verify(case.root).problems
    assert [(p.kind, p.line) for p in problems] == [("bad_line", 2)]
    assert "offset" in problems[0].message
    with open(case.journal.path, "ab") as handle:
        handle.write(b"z" * 9000)
    result = verify(case.root)
    assert result.torn_tail is not None
    assert result.torn_tail.size == 9000
    assert result.torn_tail.offset == case.journal.path.stat().st_size - 9000
