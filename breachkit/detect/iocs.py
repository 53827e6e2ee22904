"""Indicator-of-compromise lists: file hashes and file-name patterns.

Two plain-text formats, the ones Loki and THOR use, so public lists work as they are
(https://github.com/Neo23x0/signature-base/tree/master/iocs):

* hash IOCs, one per line: ``HASH;COMMENT`` where HASH is an MD5, SHA-1 or
  SHA-256 in hex;
* file-name IOCs, one per line: ``REGEX;SCORE[;FP_REGEX]``: a Python regular
  expression searched in the full host path, a score 0-100, and an optional
  regular expression of paths that are known false positives.

Lines starting with ``#`` and blank lines are ignored. A line that does not
parse is reported (file and line number) and skipped; the rest load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256"}


@dataclass(frozen=True, slots=True)
class IocProblem:
    """A line of an IOC file that could not be used."""

    file: str
    line: int
    detail: str


@dataclass(frozen=True, slots=True)
class NameIoc:
    pattern: re.Pattern[str]
    score: int
    false_positive: re.Pattern[str] | None
    origin: str

    def matches(self, path: str) -> bool:
        if not self.pattern.search(path):
            return False
        return not (self.false_positive is not None and self.false_positive.search(path))


@dataclass
class IocSet:
    """Loaded IOCs: hashes (lower-case hex -> comment) and file-name patterns."""

    hashes: dict[str, str] = field(default_factory=dict)
    names: list[NameIoc] = field(default_factory=list)
    problems: list[IocProblem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.hashes or self.names)

    def hash_hit(self, *digests: str | None) -> tuple[str, str] | None:
        """(digest, comment) of the first digest listed, if any."""
        for digest in digests:
            if digest and digest in self.hashes:
                return digest, self.hashes[digest]
        return None

    def name_hits(self, path: str) -> list[NameIoc]:
        return [ioc for ioc in self.names if ioc.matches(path)]


def _lines(path: Path) -> list[tuple[int, str]]:
    text = path.read_bytes().decode("utf-8", "replace")
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def load_hashes(path: Path, into: IocSet) -> None:
    """Add ``HASH;COMMENT`` lines of ``path`` to ``into``."""
    for number, line in _lines(path):
        digest, _, comment = line.partition(";")
        digest = digest.strip().lower()
        if len(digest) not in _HASH_LENGTHS or not _HEX.match(digest):
            into.problems.append(IocProblem(str(path), number, "not an MD5, SHA-1 or SHA-256 in hex"))
            continue
        into.hashes[digest] = comment.strip() or f"listed in {path.name}"


def load_names(path: Path, into: IocSet) -> None:
    """Add ``REGEX;SCORE[;FP_REGEX]`` lines of ``path`` to ``into``."""
    for number, line in _lines(path):
        parts = line.split(";")
        if len(parts) < 2:
            into.problems.append(IocProblem(str(path), number, "expected REGEX;SCORE[;FP_REGEX]"))
            continue
        # The regex itself may contain ';': the score is the last numeric field before an optional FP regex.
        regex, score_text, fp_text = parts[0], parts[1], ";".join(parts[2:])
        try:
            score = max(0, min(100, int(score_text.strip())))
            pattern = re.compile(regex)
            fp = re.compile(fp_text) if fp_text.strip() else None
        except ValueError as exc:
            into.problems.append(IocProblem(str(path), number, f"bad score: {exc}"))
            continue
        except re.error as exc:
            into.problems.append(IocProblem(str(path), number, f"bad regular expression: {exc}"))
            continue
        into.names.append(NameIoc(pattern, score, fp, f"{path.name}:{number}"))


def load(paths: list[Path]) -> IocSet:
    """Load IOC files, telling the two formats apart line by line (a hash line has no regex syntax)."""
    found = IocSet()
    for path in paths:
        try:
            lines = _lines(path)
        except OSError as exc:
            found.problems.append(IocProblem(str(path), 0, f"cannot read: {exc.strerror or exc}"))
            continue
        first = lines[0][1] if lines else ""
        head = first.split(";", 1)[0].strip()
        if head and _HEX.match(head) and len(head) in _HASH_LENGTHS:
            load_hashes(path, found)
        else:
            load_names(path, found)
    return found
