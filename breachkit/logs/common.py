"""Shared pieces of the log detections: bounded evidence lists and how a log line becomes evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from breachkit.findings import Evidence
from breachkit.timetext import utc_text

MAX_EVIDENCE = 25
EXCERPT = 400


@dataclass
class Bounded:
    """At most ``limit`` pieces of evidence, plus the count of all."""

    limit: int = MAX_EVIDENCE
    items: list[Evidence] = field(default_factory=list)
    count: int = 0

    def add(self, evidence: Evidence) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(evidence)

    def more(self) -> str:
        hidden = self.count - len(self.items)
        return f" ({hidden} more not listed)" if hidden > 0 else ""


def line_evidence(path: str, line: int, text: str, note: str | None = None) -> Evidence:
    """A log line as evidence: file, line number and the line itself (cut to :data:`EXCERPT`)."""
    excerpt = text if len(text) <= EXCERPT else text[:EXCERPT] + "…"
    return Evidence(path=path, line=line, excerpt=excerpt, note=note)


def span(first_ns: int, last_ns: int) -> str:
    minutes = (last_ns - first_ns) / 60e9
    if minutes < 120:
        duration = f"{minutes:.0f} min"
    elif minutes < 48 * 60:
        duration = f"{minutes / 60:.1f} h"
    else:
        duration = f"{minutes / 1440:.1f} days"
    return f"{utc_text(first_ns)} to {utc_text(last_ns)} ({duration})"
