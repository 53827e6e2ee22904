"""A realistic compromised Linux web server to try breachkit on, with the answers.

``breachkit demo``, the test suite and every analysis use the same host: ``web01``,
a shared Debian 12 server with four client sites, and one of two incidents
(:data:`SCENARIOS`): ``upload`` (default), a webshell posted through the shop's
unprotected upload form on a Saturday night, or ``wiped``, a break-in through a
blog plugin that ends with root wiping the logs (see
:mod:`breachkit.demo.scenario` and :mod:`breachkit.demo.stories`).
:func:`generate` gives the files and the :class:`GroundTruth` as data;
:func:`build_tree` writes them to a folder and :func:`build_image` (root) to a
read-only mounted ext4 image with all four inode times exact.
"""

from __future__ import annotations

from breachkit.demo.build import (
    DemoError,
    DemoHost,
    DemoImage,
    build_image,
    build_tree,
    can_build_image,
    mount,
    mounted,
    unmount,
)
from breachkit.demo.scenario import (
    AttackerAddress,
    AttackerLogin,
    AttackRequest,
    BenignNoise,
    Entry,
    EntryPoint,
    FileTimes,
    GroundTruth,
    MaliciousFile,
    Scenario,
    Timestomp,
    Trace,
    Vhost,
    Wipe,
    generate,
)
from breachkit.demo.stories import DEFAULT as DEFAULT_SCENARIO
from breachkit.demo.stories import NAMES as SCENARIOS

__all__ = [
    "DEFAULT_SCENARIO",
    "SCENARIOS",
    "AttackRequest",
    "AttackerAddress",
    "AttackerLogin",
    "BenignNoise",
    "DemoError",
    "DemoHost",
    "DemoImage",
    "Entry",
    "EntryPoint",
    "FileTimes",
    "GroundTruth",
    "MaliciousFile",
    "Scenario",
    "Timestomp",
    "Trace",
    "Vhost",
    "Wipe",
    "build_image",
    "build_tree",
    "can_build_image",
    "generate",
    "mount",
    "mounted",
    "unmount",
]
