"""The Markdown report: the same content as the HTML, for tickets, wikis and e-mail.

Markdown viewers render inline HTML and interpret punctuation, so every value
from the evidence goes through :func:`md`: control characters become visible
escapes, ``<``, ``>`` and ``&`` become entities, Markdown punctuation gets a
backslash and a line break cannot start a new block. Charts become text: the
heat map as numbers, the incident chart as a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from breachkit.host.textsafe import printable
from breachkit.report.model import Report

SEVERITIES = ("critical", "high", "medium", "low", "info")
#: Characters Markdown (CommonMark and its table and strike-through extensions) gives a meaning inline.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md(value: object) -> str:
    """Text from the evidence as inert Markdown (one line, no markup, no HTML)."""
    text = printable(str(value), keep_backslash=True)
    text = _PUNCTUATION.sub(r"\\\1", text)
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(report: Report) -> str:
    r = report
    out: list[str] = [f"# Incident report: {md(r.host)}", ""]
    out += [
        f"Case {md(r.case_name)} ({md(r.case_id)}), written {md(r.generated_utc)} by breachkit {md(r.tool_version)}. "
        f"Host time zone: {md(r.zone)}. Case journal: "
        + ("verified, unchanged" if r.journal_ok else f"**NOT intact** ({len(r.journal_problems)} problem(s))")
        + (f", head {md(r.journal_head)}." if r.journal_head else "."),
        "",
        "## Summary",
        "",
    ]
    out += [md(line) + "\n" for line in r.summary]
    out += ["## How they got in", ""]
    if r.entry_point is not None:
        e = r.entry_point.request
        out += _table(
            ("", ""),
            [
                ("Request", f"{e.method} {e.target}"),
                ("Site", e.site or "unknown"),
                ("From", e.ip),
                ("When", f"{e.utc} ({e.local})"),
                ("Answer", e.status if e.status is not None else "unknown"),
                ("Client", e.agent or ""),
                ("What it created", r.entry_point.created),
                ("Log line", e.where),
            ],
        )
        out += ["Why this request is ranked first:", ""] + [f"- {md(x)}" for x in r.entry_point.reasons] + [""]
    else:
        out += ["The way in could not be established from the evidence (see the last section).", ""]
    out += ["## What happened, step by step", ""]
    out += _table(
        ("UTC", "Host time", "What happened", "Evidence"),
        [(s.utc, s.local, s.text, ", ".join(s.refs)) for s in r.story],
    )
    out += ["## Attack path", ""]
    names = {n.id: n.label for n in r.graph.nodes}
    out += [
        f"- {md(names.get(e.source, e.source))} → {md(names.get(e.target, e.target))} ({md(e.label)})"
        for e in r.graph.edges
    ]
    out += ["", "## When", ""]
    if r.chart is not None:
        c = r.chart
        out += [
            f"Activity around the incident, {md(c.start_utc)} to {md(c.end_utc)}, per {c.bucket_seconds // 60} min (host time):",
            "",
        ]
        rows = [
            (label, *(s.counts[i] for s in c.series))
            for i, label in enumerate(c.labels)
            if any(s.counts[i] for s in c.series)
        ]
        out += _table(("time", *(s.name for s in c.series)), rows)
    if r.heat_map is not None:
        h = r.heat_map
        out += [f"Files born or changed per weekday and hour ({md(h.zone)}):", ""]
        days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        out += _table(("", *(str(x) for x in range(24))), [(days[d], *h.cells[d]) for d in range(7)])
    out += ["## Affected sites, accounts and data", ""]
    out += _table(("Site", "Document root"), r.sites)
    out += _table(("Account", "How it was involved"), [(a.name, a.why) for a in r.accounts])
    out += _table(("File with secrets", "Site", "Why"), [(d.path, d.site or "", d.why) for d in r.data_at_risk])
    out += _table(
        ("Address", "Role", "Requests", "Sites", "First (UTC)", "Last (UTC)"),
        [
            (a.ip, a.role + (f" ({a.why})" if a.why else ""), a.requests, ", ".join(a.sites), a.first, a.last)
            for a in r.addresses
        ],
    )
    out += _table(
        ("File", "What it is", "Born (UTC)", "Owner", "Created by", "SHA-256"),
        [
            (
                d.path,
                d.what,
                d.born,
                d.owner or "",
                f"{d.created_by.method} {d.created_by.target} from {d.created_by.ip}"
                if d.created_by
                else "not established",
                d.sha256 or "",
            )
            for d in r.dropped
        ],
    )
    out += ["## Findings by severity", ""]
    for severity in SEVERITIES:
        for f in (f for f in r.findings if f.severity == severity):
            out += [f"### {severity.upper()}: {md(f.title)}", "", md(f.reason), ""]
            for ev in f.evidence:
                where = (ev.path or "") + (f":{ev.line}" if ev.line is not None else "")
                detail = " — ".join(x for x in (ev.sha256 and f"sha256 {ev.sha256}", ev.excerpt, ev.note) if x)
                out.append(f"- {md(where)}" + (f" — {md(detail)}" if detail else ""))
            if f.evidence_more:
                out.append(f"- {f.evidence_more} more item(s) in db/findings.jsonl")
            if f.next_step:
                out += ["", f"Next: {md(f.next_step)}"]
            out.append("")
    out += ["## Indicators of compromise", ""]
    out += _table(("Kind", "Value", "Severity", "Why"), [(i.kind, i.value, i.severity, i.reason) for i in r.indicators])
    out += ["## Actions taken and open steps", ""]
    out += _table(
        ("Step", "Status", "Who", "When", "Shown by"),
        [
            (p.title, p.status + (" (proven)" if p.proven else ""), p.who or "", p.when or "", p.proof or "")
            for p in r.playbook
        ],
    )
    out += _table(
        ("#", "UTC", "Who", "Action", "Details"), [(a.seq, a.utc, a.examiner, a.action, a.summary) for a in r.actions]
    )
    out += ["## Evidence", ""]
    out += _table(
        ("Item", "Kind", "SHA-256", "Details", "Added (UTC)", "Check"),
        [
            (
                e.name,
                e.kind,
                e.sha256,
                e.detail,
                e.added or "",
                "stored under its hash"
                if e.intact is None
                else ("matches the journal" if e.intact else "DOES NOT MATCH"),
            )
            for e in r.evidence
        ],
    )
    out += ["## Prevention and lessons", ""]
    for lesson in r.lessons:
        out += [
            f"### {md(lesson.title)}",
            "",
            md(lesson.advice),
            "",
            "Because: " + "; ".join(md(b) for b in lesson.because),
            "",
        ]
    out += ["## What could not be established", ""]
    out += [f"- {md(g)}" for g in (*r.gaps, *r.problems)] or ["Nothing: every analysis had the data it needed."]
    return "\n".join(out) + "\n"
