"""Times from the evidence are formatted without ever raising."""

from __future__ import annotations

from breachkit.timetext import utc_text


def test_ordinary_and_hostile_times() -> None:
    assert utc_text(1_795_300_877_400_000_000) == "2026-11-21 22:41:17 UTC"
    assert utc_text(None) == "unknown" and utc_text(0) == "unknown"
    assert utc_text(-86_400 * 10**9) == "1969-12-31 00:00:00 UTC"
    assert utc_text(2**63 - 1) == "2262-04-11 23:47:16 UTC"
    assert utc_text(10**30) == f"{10**30} ns"  # beyond any calendar
