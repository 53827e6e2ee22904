"""A realistic compromised Linux web server to try breachkit on, with the answers.

``breachkit demo``, the test suite and every analysis use the same host: ``web01``,
a shared Debian 12 server whose online shop was broken into through an
unprotected upload form on a Saturday night (see :mod:`breachkit.demo.scenario`
for the story). :func:`generate` gives the files and the
:class:`GroundTruth` as data; :func:`build_tree` writes them to a folder and
:func:`build_image` (root) to a read-only mounted ext4 image with all four
inode times exact.
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
    generate,
)

__all__ = [
    "AttackRequest",
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
    "build_image",
    "build_tree",
    "can_build_image",
    "generate",
    "mount",
    "mounted",
    "unmount",
]
