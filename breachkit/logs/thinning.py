"""A log that suddenly says far less than its rotated predecessor.

Cutting lines out of a log is the cheap way to hide a login or a command;
the file then holds much less per day than the copy rotated away the week
before, which the intruder often forgets. We compare, per rotated family
(``auth.log`` with ``auth.log.1`` or ``auth.log.1.gz``), the lines per hour of
the current file with those of its predecessor, using the events already in
the case's ``events`` table. A quiet week does the same, so the finding is a
pointer, not a verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from breachkit.findings import Evidence, Finding, Severity

HOUR_NS = 3_600_000_000_000
#: Both files must cover at least this long for a rate to mean something.
MIN_SPAN_NS = 24 * HOUR_NS
#: The predecessor must have had at least this many lines.
MIN_LINES = 200
#: Flag when the current rate is below this share of the predecessor's.
RATIO = 0.1

_SQL = """
WITH per_file AS (
    SELECT source_file,
           regexp_replace(source_file, '\\.[0-9]+(\\.(gz|bz2|xz))?$', '') AS family,
           count(*) AS lines, min(time_ns) AS first_ns, max(time_ns) AS last_ns
    FROM "{table}"
    WHERE source_file IS NOT NULL AND source IN ({sources})
    GROUP BY source_file
)
SELECT cur.source_file, cur.lines, cur.last_ns - cur.first_ns,
       prev.source_file, prev.lines, prev.last_ns - prev.first_ns
FROM per_file cur
JOIN per_file prev
  ON prev.family = cur.family AND prev.source_file IN (cur.family || '.1', cur.family || '.1.gz')
WHERE cur.source_file = cur.family
ORDER BY cur.source_file
"""


def thinned_logs(con: Any, table: str, sources: Sequence[str]) -> Iterator[Finding]:
    """A finding when a log's lines per hour fell below :data:`RATIO` of its rotated predecessor's."""
    sql = _SQL.format(table=table, sources=", ".join("?" for _ in sources))
    evidence: list[Evidence] = []
    for current, lines, span, previous, prev_lines, prev_span in con.execute(sql, list(sources)).fetchall():
        if span < MIN_SPAN_NS or prev_span < MIN_SPAN_NS or prev_lines < MIN_LINES:
            continue
        rate = lines / (span / HOUR_NS)
        prev_rate = prev_lines / (prev_span / HOUR_NS)
        if rate < RATIO * prev_rate:
            evidence.append(
                Evidence(
                    path=current,
                    note=f"{rate:.1f} lines/hour over {span / HOUR_NS:.0f} h, against {prev_rate:.1f} "
                    f"lines/hour over {prev_span / HOUR_NS:.0f} h in {previous}",
                )
            )
    if evidence:
        yield Finding(
            check="logs.thinned",
            title="Logs far thinner than the copy rotated before them",
            severity=Severity.MEDIUM,
            confidence=0.35,
            reason=(
                f"{len(evidence)} log(s) hold less than {RATIO:.0%} of the lines per hour their rotated predecessor "
                "held. Lines cut out by hand leave this mark; so does a service that stopped or a quiet week."
            ),
            evidence=tuple(evidence),
            next_step="Compare the two files around the incident: are whole sessions or hours missing?",
        )
