"""The triage hook: correlation runs last, on the findings of the analyses before it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from breachkit import correlate, triage
from breachkit.demo import build_tree
from breachkit.findings import Finding, Severity


def test_triage_ends_with_the_entry_point_and_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier: list[Finding] = []

    def recording(analysis: triage.Analysis) -> triage.Analysis:
        def run(ctx: triage.TriageContext) -> Iterable[Finding]:
            produced = list(analysis(ctx))
            earlier.extend(produced)
            return produced

        return run

    def correlation(ctx: triage.TriageContext) -> Iterable[Finding]:
        return correlate.triage_findings(ctx.case, list(earlier), source=ctx.root)

    analyses = tuple((name, recording(fn)) for name, fn in triage.ANALYSES)
    monkeypatch.setattr(triage, "ANALYSES", (*analyses, ("correlation (attack story)", correlation)))
    host = build_tree(tmp_path / "root")
    result = triage.run(root=str(host.root), case_dir=tmp_path / "case")
    assert all(run.ok for run in result.analyses), [run.error for run in result.analyses]
    entry = next(f for f in result.findings if f.check == "correlate.entry-point")
    assert entry.severity == Severity.CRITICAL
    assert entry.evidence[0].path == host.scenario.ground_truth.entry_point.log_path
    assert (tmp_path / "case" / "report" / "correlation.json").is_file()
    assert any(f.check == "correlate.story" for f in result.findings)
