"""What the parts of the demo host share while it is generated.

:class:`World` carries the incident's dates, the file tree, the host's system
logs, the web requests and error lines gathered per site, the benign noise
noted so far, what the attacker did to the logs, and a few values one part
makes and another needs (SSH key fingerprints, passwords, when Apache
restarted). Each part gets its own random generator from
:func:`random_for`, so changing one part does not reshuffle the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from breachkit.demo.content import hostlog
from breachkit.demo.content.traffic import Hit
from breachkit.demo.rotation import Edit, Line
from breachkit.demo.story import Dates
from breachkit.demo.tree import Tree
from breachkit.demo.truth import BenignNoise

# user and group ids of the accounts that own the sites' files (www-data, the two admins)
WWW = 33
THOMAS = 1000
ANNA = 1001


def random_for(seed: int, part: str) -> random.Random:
    """A generator per part of the story, so changing one part does not reshuffle the others.

    ``random`` is right here: the demo needs reproducible variety, not secrecy.
    """
    return random.Random(f"breachkit-demo:{seed}:{part}")  # noqa: S311


@dataclass(slots=True)
class World:
    """Shared state while the scenario is put together."""

    rng: random.Random
    seed: int
    dates: Dates
    tree: Tree
    log: hostlog.HostLog
    hits: dict[str, list[Hit]]
    error_lines: dict[str, list[Line]]
    noise: list[BenignNoise]
    keys: dict[str, tuple[str, str]]
    apache_restarts: list[int]
    rotation_at: dict[int, int]
    secrets: dict[str, str]
    #: what the attacker did to a log file, by path; applied when the logs are written
    log_edits: dict[str, Edit] = field(default_factory=dict)
    #: (lines removed, lines lost) per edited log, once written
    edit_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
