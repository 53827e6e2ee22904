"""Live response analysis: findings from the running host's processes, sockets and kernel.

Library first::

    from breachkit.live import analyze, from_bundle, from_host
    findings = analyze(from_host())            # this machine, now
    findings = analyze(from_bundle(bundle))    # a bundle's live/ tables

:func:`triage_findings` is the hook ``breachkit triage`` calls on the bundle it
collected. The tables are written by :mod:`breachkit.host.live.collect`.
"""

from __future__ import annotations

from breachkit.case import Case
from breachkit.findings import Finding, ranked
from breachkit.live.checks import CHECKS
from breachkit.live.state import LiveState, from_bundle, from_host, package_md5
from breachkit.sources.bundle import BundleSource


def analyze(state: LiveState) -> list[Finding]:
    """Every live check on ``state``, most severe first (nothing when the state is missing)."""
    if state.missing:
        return []
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(state))
    return ranked(findings)


def triage_findings(case: Case | None, bundle: BundleSource) -> list[Finding]:
    """Findings from ``bundle``'s live tables; a bundle without them yields none, and the case journal says why."""
    state = from_bundle(bundle.path, bundle)
    if state.missing:
        if case is not None:
            case.journal.append("live.skipped", {"bundle": str(bundle.path), "reason": state.missing})
        return []
    return analyze(state)


__all__ = ["LiveState", "analyze", "from_bundle", "from_host", "package_md5", "triage_findings"]
