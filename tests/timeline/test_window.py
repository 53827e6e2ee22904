from __future__ import annotations

import pytest

from breachkit.errors import UsageError
from breachkit.timeline.window import (
    NS,
    Window,
    format_ns,
    make_window,
    parse_span,
    parse_time,
    parse_times,
    parse_zone,
)

# 2026-11-21 22:41:18 UTC
T = 1795300878 * NS


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("2026-11-21T22:41:18Z", None, T),
        ("2026-11-21T23:41:18+01:00", None, T),
        ("2026-11-21 22:41:18", None, T),
        ("2026-11-21 23:41:18", "Europe/Berlin", T),
        ("2026-11-21 23:41:18", "+01:00", T),
        ("2026-11-21T22:41:18.025932127Z", None, T + 25932127),
        ("2026-11-21T22:41:18,5Z", None, T + 500_000_000),
        ("2026-11-21 22:41", None, T - 18 * NS),
        ("2026-11-21", None, T - (22 * 3600 + 41 * 60 + 18) * NS),
        ("1969-12-31T23:59:59Z", None, -NS),
        ("2150-01-01T00:00:00Z", None, 5680281600 * NS),
    ],
)
def test_parse_time_forms(text: str, tz: str | None, expected: int) -> None:
    assert parse_time(text, parse_zone(tz)) == expected


def test_offset_in_text_wins_over_tz() -> None:
    assert parse_time("2026-11-21T22:41:18Z", parse_zone("Europe/Berlin")) == T


def test_summer_time_uses_the_zone_rules() -> None:
    # CEST (+02:00) in June, CET (+01:00) in November
    assert parse_time("2026-06-14 10:22:31", parse_zone("Europe/Berlin")) == parse_time("2026-06-14T08:22:31Z")


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30 10:00", "21.11.2026", ""])
def test_bad_times_say_what_to_type(bad: str) -> None:
    with pytest.raises(UsageError, match=r"time|date"):
        parse_time(bad)


def test_unknown_zone_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="IANA"):
        parse_zone("Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "ns"), [("30m", 1800 * NS), ("2h", 7200 * NS), ("1h30m", 5400 * NS), ("90s", 90 * NS), ("1d", 86400 * NS)]
)
def test_spans(text: str, ns: int) -> None:
    assert parse_span(text) == ns


@pytest.mark.parametrize("bad", ["", "30", "m30", "1x", "1h junk"])
def test_bad_spans(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_span(bad)


def test_times_letters_come_back_in_macb_order() -> None:
    assert parse_times("any") == "macb"
    assert parse_times("bc") == "cb"
    with pytest.raises(UsageError):
        parse_times("mz")


def test_around_and_span_make_a_symmetric_window() -> None:
    window = make_window(around="2026-11-21 23:41", span="10m", tz="Europe/Berlin", times="cb")
    assert window.end_ns is not None and window.start_ns is not None
    assert window.end_ns - window.start_ns == 1200 * NS
    assert window.times == "cb"
    assert window.contains(T)


def test_conflicting_window_options_are_refused() -> None:
    with pytest.raises(UsageError):
        make_window(start="2026-11-21", around="2026-11-21")
    with pytest.raises(UsageError):
        make_window(span="10m")
    with pytest.raises(UsageError, match="swap"):
        make_window(start="2026-11-22", end="2026-11-21")


def test_macb_marks_only_chosen_times_inside() -> None:
    window = Window(T, T + 10 * NS, "macb")
    assert window.macb(T, T - NS, T + NS, None) == "m.c."
    assert Window(T, T + 10 * NS, "cb").macb(T, T, T, T) == "..cb"
    assert Window().macb(1, 2, 3, None) == "mac."


def test_format_ns_keeps_nanoseconds_and_zones() -> None:
    assert format_ns(T + 25932127) == "2026-11-21T22:41:18.025932127Z"
    assert format_ns(T, parse_zone("Europe/Berlin")) == "2026-11-21T23:41:18.000000000+01:00"
    assert format_ns(-NS) == "1969-12-31T23:59:59.000000000Z"
    assert format_ns(None) == "-"
    assert format_ns(10**30).startswith("@")  # beyond datetime: shown raw, never a crash
