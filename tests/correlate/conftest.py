"""The demo host triaged once per session, whole and with its attack log wiped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from breachkit import triage
from breachkit.demo import DemoHost, build_tree
from breachkit.demo.truth import GroundTruth


@dataclass(frozen=True)
class Triaged:
    host: DemoHost
    root: Path
    case: Path

    @property
    def truth(self) -> GroundTruth:
        return self.host.scenario.ground_truth


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> Triaged:
    work = tmp_path_factory.mktemp("correlate-demo")
    host = build_tree(work / "root")
    triage.run(root=str(host.root), case_dir=work / "case")
    return Triaged(host, Path(host.root), work / "case")


@pytest.fixture(scope="session")
def wiped_case(tmp_path_factory: pytest.TempPathFactory) -> Triaged:
    """The attacker (or a careless admin) emptied the rotated shop access log that holds the attack."""
    work = tmp_path_factory.mktemp("correlate-wiped")
    host = build_tree(work / "root")
    log = Path(host.path(host.scenario.ground_truth.entry_point.log_path))
    assert log.stat().st_size > 0
    log.write_bytes(b"")
    triage.run(root=str(host.root), case_dir=work / "case")
    return Triaged(host, Path(host.root), work / "case")
