"""FileStat and WarningRecord JSON: hostile names survive the round trip, lines stay lines."""

from __future__ import annotations

import base64
import json
import os

from hypothesis import given
from hypothesis import strategies as st

from breachkit.host.bundle import dumps
from breachkit.host.records import FileStat, WarningRecord, raw_b64, type_code
from breachkit.host.rootfs import RootFS
from tests.hostile import HostileRoot


def test_every_walked_entry_round_trips_through_json(shared_hostile_root: HostileRoot) -> None:
    with RootFS(str(shared_hostile_root.path)) as fs:
        entries = [e for e in fs.walk("/") if isinstance(e, FileStat)]
    with_b64 = 0
    for entry in entries:
        line = dumps(entry.to_json())
        assert "\n" not in line and line.isascii()
        data = json.loads(line)
        assert FileStat.from_json(data) == entry
        if "path_b64" in data:
            with_b64 += 1
            assert base64.b64decode(data["path_b64"]) == os.fsencode(entry.path)
    assert with_b64 >= 8  # the invalid UTF-8 names, in each folder that has them


def test_invalid_utf8_target_round_trips() -> None:
    entry = FileStat("/tmp/bad\udcfflink", "l", 0o120777, 0, 0, 3, 1, 1, 1, 0, 1, 2, 3, None, "\udcfe x")
    data = json.loads(dumps(entry.to_json()))
    assert base64.b64decode(data["target_b64"]) == b"\xfe x"
    assert base64.b64decode(data["path_b64"]) == b"/tmp/bad\xfflink"
    assert FileStat.from_json(data) == entry


def test_from_json_without_b64_uses_the_plain_fields() -> None:
    entry = FileStat("/etc/\x1b[31mred", "f", 0o100644, 0, 0, 3, 1, 1, 1, 0, 1, 2, 3, 4)
    data = json.loads(dumps(entry.to_json()))
    assert "path_b64" not in data
    assert FileStat.from_json(data) == entry


def test_warning_record_json() -> None:
    record = WarningRecord("/tmp/bad\udcff\nname", "vanished", "gone")
    data = json.loads(dumps(record.to_json()))
    assert base64.b64decode(data["path_b64"]) == b"/tmp/bad\xff\nname"
    assert data["kind"] == "vanished"


def test_raw_b64_only_for_names_that_are_not_utf8() -> None:
    assert raw_b64("/etc/passwd") is None
    assert raw_b64("/tmp/\u00e9t\u00e9") is None
    assert raw_b64("/tmp/\udcff") == base64.b64encode(b"/tmp/\xff").decode()


def test_type_codes() -> None:
    assert [type_code(m) for m in (0o100644, 0o040755, 0o120777, 0o010644, 0o140755, 0o020644, 0o060644)] == list(
        "fdlpscb"
    )
    assert type_code(0) == "?"


@given(
    path=st.text(min_size=1).map(lambda s: "/" + s.replace("/", "_")),
    target=st.one_of(st.none(), st.text()),
    btime=st.one_of(st.none(), st.integers(min_value=-(2**62), max_value=2**62)),
    numbers=st.lists(st.integers(min_value=0, max_value=2**63), min_size=11, max_size=11),
)
def test_to_jsonl_equals_sorted_json_dumps(
    path: str, target: str | None, btime: int | None, numbers: list[int]
) -> None:
    entry = FileStat(path, "l" if target is not None else "f", *numbers, btime_ns=btime, target=target)
    expected = json.dumps(entry.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert entry.to_jsonl() == expected
