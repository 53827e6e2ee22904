"""A real case from the demo host: built and triaged once per test session, shared by the tests that read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from breachkit.demo import build_tree, generate
from breachkit.demo.truth import Entry, GroundTruth


@dataclass(frozen=True)
class DemoCase:
    root: Path
    case: Path
    truth: GroundTruth
    entries: tuple[Entry, ...]


def triaged_demo(base: Path) -> DemoCase:
    from breachkit import triage

    build_tree(base / "root")
    triage.run(root=str(base / "root"), case_dir=base / "case")
    scenario = generate(0)
    return DemoCase(base / "root", base / "case", scenario.ground_truth, scenario.entries)
