"""Content type by magic bytes, and whether it matches the file's extension.

An uploaded ``logo.jpg`` that is really an ELF binary or a PHP script is one of
the plainest signs of a webshell upload or a dropped tool. The signatures are
the leading bytes documented for each format (see ``file(1)``'s magic database,
https://github.com/file/file/tree/master/magic/Magdir, and
https://en.wikipedia.org/wiki/List_of_file_signatures); only types that matter
for this question are recognised, everything else is ``"data"`` or ``"text"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: (type, prefix) checked in order; the first match wins.
SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("ELF", b"\x7fELF"),
    ("PE", b"MZ"),
    ("JPEG", b"\xff\xd8\xff"),
    ("PNG", b"\x89PNG\r\n\x1a\n"),
    ("GIF", b"GIF87a"),
    ("GIF", b"GIF89a"),
    ("PDF", b"%PDF-"),
    ("ZIP", b"PK\x03\x04"),
    ("GZIP", b"\x1f\x8b"),
    ("BZIP2", b"BZh"),
    ("XZ", b"\xfd7zXZ\x00"),
    ("ICO", b"\x00\x00\x01\x00"),
    ("WEBP", b"RIFF"),
    ("BMP", b"BM"),
)

_PHP_OPEN = re.compile(rb"^\s{0,64}<\?(php|=)", re.IGNORECASE)
_SHEBANG = re.compile(rb"^#!\s?\S{1,80}")

#: What each extension promises. Extensions not listed promise nothing we check.
EXPECTED: dict[str, frozenset[str]] = {
    "jpg": frozenset(["JPEG"]),
    "jpeg": frozenset(["JPEG"]),
    "png": frozenset(["PNG"]),
    "gif": frozenset(["GIF"]),
    "ico": frozenset(["ICO", "PNG", "BMP"]),
    "bmp": frozenset(["BMP"]),
    "webp": frozenset(["WEBP"]),
    "pdf": frozenset(["PDF"]),
    "zip": frozenset(["ZIP"]),
    "gz": frozenset(["GZIP"]),
    "tgz": frozenset(["GZIP"]),
    "css": frozenset(["text"]),
    "js": frozenset(["text"]),
    "txt": frozenset(["text"]),
    "html": frozenset(["text"]),
    "htm": frozenset(["text"]),
    "svg": frozenset(["text"]),
    "xml": frozenset(["text"]),
    "json": frozenset(["text"]),
}

#: Content types that run code; finding one behind a harmless extension is what matters.
EXECUTABLE_TYPES = frozenset(["ELF", "PE", "PHP", "SCRIPT"])


def content_type(head: bytes) -> str:
    """A short type name for data starting with ``head`` (a few hundred bytes suffice)."""
    for name, prefix in SIGNATURES:
        if head.startswith(prefix):
            if name == "WEBP" and head[8:12] != b"WEBP":
                continue
            return name
    if _PHP_OPEN.match(head):
        return "PHP"
    if _SHEBANG.match(head):
        return "SCRIPT"
    sample = head[:4096]
    if not sample:
        return "empty"
    if b"\x00" in sample:
        return "data"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(sample) - 4:
            return "data"
    return "text"


def extension(path: str) -> str:
    """The lower-case extension of the last path component, without the dot ('' if none)."""
    name = path.rsplit("/", 1)[-1]
    if "." not in name.lstrip("."):
        return ""
    return name.rsplit(".", 1)[-1].lower()


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A file whose content is not what its extension claims."""

    extension: str
    actual: str
    #: True when the content runs code (ELF, PE, PHP, script) behind a harmless name.
    executable: bool

    def describe(self) -> str:
        return f"named .{self.extension} but the content is {self.actual}"


def mismatch(path: str, head: bytes) -> Mismatch | None:
    """The mismatch between ``path``'s extension and the content ``head``, if any."""
    ext = extension(path)
    expected = EXPECTED.get(ext)
    if expected is None:
        return None
    actual = content_type(head)
    if actual in expected or actual == "empty":
        return None
    if expected == frozenset(["text"]):
        # Text formats are often in legacy encodings, and a .js with a "#!" line is a Node.js
        # script: only binaries and PHP matter there.
        if actual in ("ELF", "PE"):
            return Mismatch(ext, actual, True)
        if actual == "PHP" and ext != "txt":
            return Mismatch(ext, actual, True)
        return None
    return Mismatch(ext, actual, actual in EXECUTABLE_TYPES)
