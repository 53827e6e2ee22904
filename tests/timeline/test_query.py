"""Window queries: sorting in slices merged in Python gives exactly DuckDB's own order."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from breachkit.timeline import query
from breachkit.timeline.window import make_window
from tests.timeline.conftest import NS, entry


def _files(count: int) -> list[Any]:
    rng = random.Random(7)
    base = 1_700_000_000 * NS
    files = []
    for number in range(count):
        born = base + rng.randrange(0, 50) * NS  # many ties in time: the path decides
        files.append(
            entry(
                f"/srv/{rng.choice('abc')}/f{number:03d}\\n{'é' if number % 5 == 0 else ''}",
                btime_ns=born,
                mtime_ns=born + rng.randrange(0, 3) * NS,
                atime_ns=born + rng.randrange(0, 100) * NS,
                ctime_ns=born + rng.randrange(0, 3) * NS,
            )
        )
    return files


@pytest.mark.parametrize("shape", ["entries", "events"])
@pytest.mark.parametrize("limit", [None, 25])
def test_slices_merged_equal_one_sort(
    load: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, shape: str, limit: int | None
) -> None:
    con = load(_files(120))
    window = make_window(start="2023-11-14 22:13:30", end="2023-11-14 22:14:30")
    run = getattr(query, shape)
    whole = list(run(con, window, limit))
    monkeypatch.setattr(query, "CHUNK_ROWS", 7)  # 18 slices
    sliced = list(run(con, window, limit))
    assert sliced == whole
    assert len(whole) == (limit or len(whole)) and len(whole) > 20
    assert [(r.time_ns, r.path) for r in whole] == sorted((r.time_ns, r.path) for r in whole)
