"""Log analysis: read every log an intrusion leaves and find what matters.

:func:`analyze` parses a source's logs (auth, syslog, journal, cron,
wtmp/btmp/utmp, lastlog, audit, shell histories, dpkg/apt/yum, web access and
error logs; :mod:`breachkit.artifacts`) into the case's ``events`` table
(web requests also into ``web_requests``) and returns ranked findings. The
detections live in :mod:`breachkit.logs.auth` (SSH and accounts),
:mod:`breachkit.logs.web` (web attacks, SQL over ``web_requests``) and
:mod:`breachkit.logs.host` (cron, history, packages, audit, lastlog, web
stderr); :func:`triage_findings` is the step ``breachkit triage`` runs on a
collected bundle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from breachkit.logs.run import LogsResult, Window, analyze

if TYPE_CHECKING:
    from breachkit.case import Case
    from breachkit.findings import Finding
    from breachkit.sources.bundle import BundleSource

__all__ = ["LogsResult", "Window", "analyze", "triage_findings"]


def triage_findings(case: Case, bundle: BundleSource) -> list[Finding]:
    """Parse the bundle's logs into the case's ``events`` table and return the findings.

    Year-less lines of files whose time the bundle lost fall back to the
    collection time. When the bundle was collected live with a trusted time
    (``collect --true-time``), the measured host clock error corrects every
    log time (events flagged ``clock-corrected``).
    """
    from breachkit import tables

    acquisition = bundle.acquisition
    offset = 0.0
    measured = acquisition.get("host_clock_offset_seconds")
    if "live_summary" in acquisition and isinstance(measured, (int, float)):
        offset = -float(measured)  # the collector saw host - true; logs need true - host
    con = tables.connect(case.root)
    try:
        result = analyze(bundle, con=con, fallback_ns=_utc_ns(acquisition.get("host_clock_utc")), clock_offset_s=offset)
    finally:
        con.close()
    case.journal.append(
        "logs",
        {
            "source": bundle.label,
            "events": result.events,
            "events_by_source": result.by_source,
            "files": len(result.files),
            "problems": dict(result.problems.counts),
            "findings": len(result.findings),
            "clock_offset_s": offset,
        },
    )
    return result.findings


def _utc_ns(value: object) -> int | None:
    from datetime import datetime

    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1e9)
    except ValueError:
        return None
