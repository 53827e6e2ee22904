"""printable(): nothing the attacker wrote reaches the terminal as a control."""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from breachkit.host.textsafe import printable

#: Any code point: controls, format characters and lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()))


def _unsafe(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x20  # C0, newline, ESC
        or 0x7F <= code <= 0x9F  # DEL, C1 (CSI, OSC, NEL, ...)
        or 0xD800 <= code <= 0xDFFF  # lone surrogates: no terminal encoding can write them
        or char in "\u2028\u2029"  # line and paragraph separators
        or unicodedata.bidirectional(char) in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")
    )


@given(ANY_TEXT)
@example("\x1b[31mred\x1b[0m")
@example("\x1b]0;title\x07")
@example("\ud800\udc00 \udfff")
@example("a\u202eb")
def test_printable_never_returns_a_control(text: str) -> None:
    out = printable(text)
    assert not [c for c in out if _unsafe(c)]
    out.encode("utf-8")  # printable on any UTF-8 terminal, never a UnicodeEncodeError
    assert out.count("\n") == 0


@given(ANY_TEXT)
def test_printable_keeps_safe_text_and_is_unambiguous(text: str) -> None:
    safe = "".join(c for c in text if not _unsafe(c) and c != "\\")
    assert printable(safe) == safe
    # Distinct inputs never print the same: the backslash itself is escaped.
    assert printable(text + "\\n") != printable(text + "\n")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("new\nline", "new\\nline"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("del\x7f", "del\\x7f"),
        ("csi\x9b", "csi\\x9b"),
        ("back\\slash", "back\\\\slash"),
        ("cr\rtab\t", "cr\\rtab\\t"),
        ("bidi\u202eexe", "bidi\\u202eexe"),
        ("lone\ud800", "lone\\ud800"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # HTML is the HTML layer's job
        ("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"),
    ],
)
def test_printable_examples(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_undecodable_bytes_show_as_hex() -> None:
    name = os.fsdecode(b"bad\xff\xfename")
    assert printable(name) == "bad\\xff\\xfename"
