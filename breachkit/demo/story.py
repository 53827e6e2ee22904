"""What makes one demo incident different from another: its dates and what the attacker does.

The host (``web01``, its sites, its admins, its visitors and its logs) is the
same for every incident; a :class:`Story` adds the intrusion to it. A story is
data – a name, a one-line summary, the :class:`Dates` it needs – and four
functions that :func:`breachkit.demo.generate` calls at fixed points while the
host is built:

1. ``prepare`` – what the host must already hold for this attack (a
   vulnerable plugin), right after the sites are deployed;
2. ``intrude`` – the attack itself: requests, files, logins; returns the
   :class:`~breachkit.demo.intruder.Attack` record;
3. ``aftermath`` – what the attack keeps doing once the host's own activity
   is in place (a crontab firing every five minutes, a flood filling the
   connection table);
4. ``cover_up`` – what the attacker erases before the logs are written out
   (lines cut from a log, wtmp records zeroed, a history sent to /dev/null).

The stories themselves live in :mod:`breachkit.demo.stories`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from breachkit.demo.intruder import Attack
    from breachkit.demo.world import World


@dataclass(frozen=True, slots=True)
class Dates:
    """The instants one incident adds to the host's history (epoch ns, from host wall-clock times)."""

    #: the night the attack starts, (year, month, day) in host time
    attack_day: tuple[int, int, int]
    #: the admins' own SSH sessions all end before this
    admins_until: int
    #: the hosting provider cut the network: no inbound traffic after
    network_cut: int
    #: the disk was imaged: nothing on it is later
    snapshot: int
    #: WP Super Cache's nightly preload that rewrites the blog's cached pages near the attack
    cache_preload: int
    #: the blog owner's phone photo uploaded through WordPress near the attack, and its name
    owner_photo: int
    owner_photo_name: str


def _nothing(world: World, attack: Attack) -> None:
    """A step this story does not need."""


def _no_setup(world: World) -> None:
    """The host as it is is enough for this story."""


@dataclass(frozen=True, slots=True)
class Story:
    """One incident: its name (``breachkit demo --scenario NAME``), dates and steps."""

    name: str
    #: one sentence: who got in where, and what they did
    summary: str
    dates: Dates
    intrude: Callable[[World], Attack]
    prepare: Callable[[World], None] = _no_setup
    aftermath: Callable[[World, Attack], None] = _nothing
    cover_up: Callable[[World, Attack], None] = _nothing
