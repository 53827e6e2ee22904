"""The indicator record: one thing to look for on other hosts and in backups.

An :class:`Indicator` is a value of one :data:`IndicatorKind` (a file hash, a
host path, a file name, an IP address, a URL, a domain, an HTTP user agent) with
where it came from: the finding (``check`` and title) and the evidence path or
log line that holds it, the reason it was taken, and first/last seen times when
the source has them. Indicators are plain data so the correlation and the report
can use them without knowing how they were found.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import Any, Literal

IndicatorKind = Literal["sha256", "md5", "sha1", "path", "filename", "ip", "url", "domain", "user-agent"]

KINDS: tuple[IndicatorKind, ...] = ("sha256", "md5", "sha1", "path", "filename", "ip", "url", "domain", "user-agent")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator of compromise and why it was taken."""

    kind: IndicatorKind
    value: str
    #: 0.0-1.0, from the finding it came from.
    confidence: float
    #: severity label of that finding (``critical``, ``high``, ``medium``).
    severity: str
    #: plain words: why this value is an indicator.
    reason: str
    #: the finding's check and title.
    source_check: str = ""
    source_title: str = ""
    #: where it was seen: a host path, optionally with a line number.
    evidence_path: str | None = None
    evidence_line: int | None = None
    #: UTC nanoseconds, when known.
    first_seen_ns: int | None = None
    last_seen_ns: int | None = None
    #: for a path: the SHA-256 of the bad file at that path, when known.
    sha256: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "value": self.value,
            "confidence": self.confidence,
            "severity": self.severity,
            "reason": self.reason,
            "source_check": self.source_check,
            "source_title": self.source_title,
        }
        for name in ("evidence_path", "evidence_line", "first_seen_ns", "last_seen_ns", "sha256"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Indicator:
        kind = data.get("kind")
        if kind not in KINDS or not isinstance(data.get("value"), str):
            raise ValueError("an indicator needs a known 'kind' and a string 'value'")
        line = data.get("evidence_line")
        return cls(
            kind=kind,
            value=str(data["value"]),
            confidence=float(data.get("confidence", 0.5)),
            severity=str(data.get("severity", "medium")),
            reason=str(data.get("reason", "")),
            source_check=str(data.get("source_check", "")),
            source_title=str(data.get("source_title", "")),
            evidence_path=_opt_str(data.get("evidence_path")),
            evidence_line=int(line) if isinstance(line, int) else None,
            first_seen_ns=_opt_int(data.get("first_seen_ns")),
            last_seen_ns=_opt_int(data.get("last_seen_ns")),
            sha256=_opt_str(data.get("sha256")),
        )


def merge(old: Indicator, new: Indicator) -> Indicator:
    """One indicator seen twice: keep the stronger source, widen the seen times, keep a known hash."""
    best = new if (severity_rank(new.severity), new.confidence) > (severity_rank(old.severity), old.confidence) else old
    firsts = [t for t in (old.first_seen_ns, new.first_seen_ns) if t is not None]
    lasts = [t for t in (old.last_seen_ns, new.last_seen_ns) if t is not None]
    return replace(
        best,
        first_seen_ns=min(firsts) if firsts else None,
        last_seen_ns=max(lasts) if lasts else None,
        sha256=best.sha256 or old.sha256 or new.sha256,
    )


_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def severity_rank(label: str) -> int:
    return _SEVERITY_RANK.get(label, 0)


def is_public_ip(text: str) -> bool:
    """True for an address worth hunting: not loopback, unspecified or link-local.

    Private (RFC 1918) addresses are kept: an intruder's pivot host on the same
    network is exactly what the other machines should be checked for.
    """
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified or address.is_link_local or address.is_multicast)


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
