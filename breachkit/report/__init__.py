"""The incident report: for management and lawyers, from the case folder, in HTML, Markdown or JSON.

Library first::

    from breachkit.report import write_report
    path = write_report("cases/web01", "html")   # cases/web01/report/report.html, journaled

:mod:`~breachkit.report.gather` reads the case into a :class:`~breachkit.report.model.Report`
(summary, entry point, story, attack graph, charts, affected sites/accounts/data,
findings, indicators, actions, playbook, evidence, lessons, gaps);
:mod:`~breachkit.report.html` and :mod:`~breachkit.report.markdown` lay it out;
JSON is :meth:`Report.to_json`. Writing a report is journaled with the file's hash,
which is what marks the playbook's "report" step done.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from breachkit.case import Case
from breachkit.report.gather import gather
from breachkit.report.model import Report

Format = Literal["html", "md", "json"]
FORMATS: tuple[Format, ...] = ("html", "md", "json")
SUFFIX = {"html": ".html", "md": ".md", "json": ".json"}

__all__ = ["FORMATS", "Format", "Report", "gather", "render", "write_report"]


def render(report: Report, fmt: Format) -> str:
    if fmt == "html":
        from breachkit.report.html import render_html

        return render_html(report)
    if fmt == "md":
        from breachkit.report.markdown import render_markdown

        return render_markdown(report)
    return json.dumps(report.to_json(), ensure_ascii=True, indent=2, sort_keys=True) + "\n"


def write_report(
    case_root: str | os.PathLike[str], fmt: Format = "html", out: Path | None = None, *, draft: bool = False
) -> Path:
    """Write the case's report (default ``<case>/report/report.<ext>``) and journal it with its hash.

    ``draft`` marks the one triage writes at the end of its run: journaled as a draft, it
    does not count as the playbook's "write the report" step.
    """
    case = Case.open(case_root)
    report = gather(case.root)
    text = render(report, fmt)
    target = Path(out) if out is not None else case.root / "report" / f"report{SUFFIX[fmt]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    case.journal.append(
        "report",
        {"format": fmt, "findings": len(report.findings), "by_severity": report.by_severity, "draft": draft},
        outputs=[target],
    )
    return target
