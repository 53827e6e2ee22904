"""Shared fixtures for the demo host tests: generated scenarios, and statx for birth times."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from breachkit.demo.scenario import Scenario, generate
from breachkit.host.statx import statx_at


@functools.lru_cache(maxsize=4)
def scenario_for(seed: int, name: str = "upload") -> Scenario:
    return generate(seed, name)


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return scenario_for(0)


@pytest.fixture(scope="session")
def other_scenario() -> Scenario:
    return scenario_for(1)


@pytest.fixture(scope="session")
def wiped() -> Scenario:
    """The second incident: in through a blog plugin, root, then the logs wiped."""
    return scenario_for(0, "wiped")


@pytest.fixture(scope="session")
def statx() -> Callable[[Path], tuple[int, int, int, int, int, int, int]]:
    return statx_times


def statx_times(path: Path) -> tuple[int, int, int, int, int, int, int]:
    """(atime, mtime, ctime, btime, uid, gid, mode) of ``path`` without following a symlink."""
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        st = statx_at(fd, path.name, str(path))
    finally:
        os.close(fd)
    return (st.atime_ns, st.mtime_ns, st.ctime_ns, st.btime_ns or 0, st.uid, st.gid, st.mode)
