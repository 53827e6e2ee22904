"""Target patterns expand inside the root: wildcards per component, links resolved in the root."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from breachkit.host.rootfs import RootFS
from breachkit.host.targets import TARGETS, expand
from tests.hostile import HostileRoot


@pytest.fixture
def fs(shared_hostile_root: HostileRoot) -> Iterator[RootFS]:
    with RootFS(str(shared_hostile_root.path)) as handle:
        yield handle


def test_wildcards_and_symlinked_homes(fs: RootFS) -> None:
    # /home/bob -> ../../../../root: resolved inside the root, listed once.
    assert list(expand(fs, "/home/*/.ssh")) == ["/home/alice/.ssh", "/root/.ssh"]
    assert list(expand(fs, "/home/*/.*history")) == ["/home/alice/.bash_history", "/root/.bash_history"]


def test_a_looping_target_is_yielded_as_the_link(fs: RootFS) -> None:
    # alice's is a self loop (kept as the link, so collect records and warns about it);
    # bob's lands on /root/.profile, absent, which collect's lstat then skips.
    assert list(expand(fs, "/home/*/.profile")) == ["/home/alice/.profile", "/root/.profile"]
    assert fs.lstat("/home/alice/.profile").type == "l"


def test_absent_targets_and_hostile_names_are_not_patterns(fs: RootFS) -> None:
    assert list(expand(fs, "/var/lib/rpm/Packages")) == []  # no /var/lib at all
    assert list(expand(fs, "/var/log/absent")) == ["/var/log/absent"]  # collect's lstat skips it
    assert list(expand(fs, "/nonexistent/*/x")) == []
    # Names that look like patterns are matched as names, never re-expanded.
    matched = list(expand(fs, "/tmp/[[]ab]"))
    assert matched == ["/tmp/[ab]"]


def test_targets_are_absolute_and_explained() -> None:
    for target in TARGETS:
        assert target.pattern.startswith("/") and target.cap > 0 and target.why
