"""Make text from the evidence safe to print on a terminal.

File names and log lines from a compromised host can hold newlines, ANSI
escape sequences (which can rewrite what the screen shows), other control
characters and bytes that are not UTF-8. :func:`printable` turns all of them
into visible escapes, so one entry is always one line and the terminal never
interprets anything the attacker wrote.
"""

import re

# C0 controls, DEL, C1 controls, lone surrogates (undecodable bytes, or any
# other: no terminal encoding can write them), and the Unicode bidi and
# line-separator characters that can reorder or split a line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\\\\]")

# The same without the backslash, for media where a backslash is not an escape (HTML).
_UNSAFE_KEEP_BACKSLASH = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape(match: "re.Match[str]") -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape of a raw byte
        return "\\x%02x" % (code - 0xDC00)
    if code <= 0xFF:
        return "\\x%02x" % code
    return "\\u%04x" % code


def printable(text: str, keep_backslash: bool = False) -> str:
    """Return ``text`` with every control or undecodable character escaped.

    Backslashes are doubled so an escape in the output is never ambiguous, unless
    ``keep_backslash`` (for HTML, where a backslash is just a character).
    """
    return (_UNSAFE_KEEP_BACKSLASH if keep_backslash else _UNSAFE).sub(_escape, text)
