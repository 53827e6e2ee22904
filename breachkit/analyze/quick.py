"""The first look: where the examined host changed last.

One streaming pass over the file walk keeps the newest inode changes (ctime,
which ``touch`` cannot set back), logs and caches left out, as an
informational finding that tells the responder where to look first. The
judging checks live with the analyses that see enough to judge:
the timeline (:mod:`breachkit.timeline.findings`: temp-folder programs,
setuid files, forged times, off-hours bursts), detection
(:mod:`breachkit.detect`: scripts in upload folders, persistence, accounts)
and the live state (:mod:`breachkit.live`). Memory stays flat: a bounded heap,
never the walk.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

from breachkit.findings import Evidence, Finding, Severity
from breachkit.host.records import WarningRecord
from breachkit.sources.base import Source
from breachkit.timetext import utc_text

#: Folders whose churn says nothing about an intrusion.
NOISY = re.compile(r"^/(var/log|var/cache|var/lib/php/sessions|proc|run)/|/\.cache/")


@dataclass(frozen=True, slots=True)
class QuickResult:
    findings: tuple[Finding, ...]
    entries: int
    warnings: int
    warning_kinds: dict[str, int]


def analyze(source: Source, limit: int = 15) -> QuickResult:
    """The ``limit`` most recently changed files of ``source``, in one pass of its walk."""
    heap: list[tuple[int, str]] = []
    entries = 0
    kinds: dict[str, int] = {}
    for entry in source.walk():
        if isinstance(entry, WarningRecord):
            kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
            continue
        entries += 1
        if entry.type == "d" or NOISY.search(entry.path):
            continue
        item = (entry.ctime_ns, entry.path)
        if len(heap) < limit:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    findings: tuple[Finding, ...] = ()
    if heap:
        newest = sorted(heap, reverse=True)
        findings = (
            Finding(
                check="quick.recent-activity",
                title="Most recently changed files",
                severity=Severity.INFO,
                confidence=1.0,
                reason="The files whose inode changed last (ctime, which 'touch' cannot set back), "
                "logs and caches left out: where to look first.",
                evidence=tuple(Evidence(path=path, note=f"ctime {utc_text(ns)}") for ns, path in newest),
            ),
        )
    return QuickResult(findings, entries, sum(kinds.values()), kinds)


__all__ = ["QuickResult", "analyze"]
