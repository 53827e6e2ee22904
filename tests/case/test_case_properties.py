"""Properties of the chain: any notes verify, and no single changed byte goes unnoticed."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breachkit.case import Case
from breachkit.case.journal import verify

notes = st.lists(st.text(max_size=40), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=notes, data=st.data())
def test_any_notes_verify_and_any_changed_byte_is_detected(texts: list[str], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case = Case.init(Path(folder) / "case", name="prop", examiner="tester")
        for text in texts:
            case.note(text)
        result = verify(case.root)
        assert result.ok, result.problems
        assert result.entries == len(texts) + 1

        journal = case.journal.path
        original = journal.read_bytes()
        position = data.draw(st.integers(0, len(original) - 1), label="position")
        replacement = data.draw(
            st.integers(0, 255).filter(lambda value: value != original[position]),
            label="byte",
        )
        changed = bytearray(original)
        changed[position] = replacement
        journal.write_bytes(bytes(changed))
        tampered = verify(case.root)
        assert not tampered.ok
        assert tampered.problems
