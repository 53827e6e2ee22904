"""Shared fixtures: hostile examined roots and a guard for root-only tests.

The builder and the snapshot helpers live in :mod:`tests.hostile`; import them
from there (``from tests.hostile import snapshot, snapshot_diff``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.democase import DemoCase, triaged_demo
from tests.hostile import HostileRoot, build_hostile_root

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``root`` unless running as root, and say so."""
    if IS_ROOT:
        return
    skip = pytest.mark.skip(reason="needs root (run as root, as CI does)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def hostile_root(tmp_path: Path) -> HostileRoot:
    """A fresh hostile examined root under ``tmp_path / "root"`` (see ``tests/hostile.py``)."""
    return build_hostile_root(tmp_path / "root")


@pytest.fixture(scope="module")
def shared_hostile_root(tmp_path_factory: pytest.TempPathFactory) -> HostileRoot:
    """One hostile root per test module, for tests that only read it."""
    return build_hostile_root(tmp_path_factory.mktemp("hostile") / "root")


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    """The demo host (a folder) triaged into a case, once per session; tests may add to the case, not rewrite it."""
    return triaged_demo(tmp_path_factory.mktemp("demo"))
