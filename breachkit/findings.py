"""Findings: what an analysis concluded, why, and the evidence behind it.

Every analysis converges on :class:`Finding`. A finding explains itself in
plain words (``reason``) and points at raw evidence (:class:`Evidence`: a path
on the examined host, a line of a file, a hash), so a user can always get from
a conclusion back to what supports it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

#: The ``format`` of the JSON incident report (:mod:`breachkit.report`). Readers that collect the
#: findings of a case's ``report/*.json`` skip it: it restates findings stored elsewhere, evidence capped.
REPORT_FORMAT = "breachkit-report"


class Severity(enum.IntEnum):
    """How bad it is if true. Ordered, so findings sort by it."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of raw evidence: a host path, optionally a line in it, a hash, or a note."""

    path: str | None = None
    line: int | None = None
    sha256: str | None = None
    excerpt: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A conclusion of an analysis, ranked by severity and confidence."""

    check: str
    title: str
    severity: Severity
    #: 0.0-1.0: how sure the analysis is that this is what it says.
    confidence: float
    reason: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    next_step: str | None = None

    @property
    def rank(self) -> tuple[int, float]:
        return (int(self.severity), self.confidence)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label
        data["evidence"] = [{k: v for k, v in asdict(e).items() if v is not None} for e in self.evidence]
        return data

    @classmethod
    def from_json(cls, data: object) -> Finding:
        """A finding read back from :meth:`to_json` output (a stored, possibly damaged file).

        Raises ``ValueError`` when check, title or severity is missing or wrong; evidence items
        that are not objects are left out, and fields of the wrong type become ``None``.
        """
        if not isinstance(data, dict):
            raise ValueError("a finding must be a JSON object")
        try:
            severity = Severity[str(data["severity"]).upper()]
            check, title = str(data["check"]), str(data["title"])
            confidence = float(data.get("confidence", 0.5))
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"not a finding: {exc}") from None
        raw = data.get("evidence")
        evidence = tuple(
            Evidence(
                path=_text(item.get("path")),
                line=item["line"] if isinstance(item.get("line"), int) and not isinstance(item["line"], bool) else None,
                sha256=_text(item.get("sha256")),
                excerpt=_text(item.get("excerpt")),
                note=_text(item.get("note")),
            )
            for item in (raw if isinstance(raw, list) else ())
            if isinstance(item, dict)
        )
        return cls(
            check=check,
            title=title,
            severity=severity,
            confidence=confidence,
            reason=str(data.get("reason") or ""),
            evidence=evidence,
            next_step=_text(data.get("next_step")),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def ranked(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe and most certain first; ties keep their order."""
    return sorted(findings, key=lambda f: f.rank, reverse=True)
