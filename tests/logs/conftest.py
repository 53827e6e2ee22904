"""One demo host tree for all log tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.demo import DemoHost, build_tree


@pytest.fixture(scope="session")
def demo_host(tmp_path_factory: pytest.TempPathFactory) -> DemoHost:
    return build_tree(tmp_path_factory.mktemp("logs-demo") / "root")


@pytest.fixture(scope="session")
def demo_root(demo_host: DemoHost) -> Path:
    return Path(demo_host.root)
