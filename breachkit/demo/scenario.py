"""The demo host, ``web01``, and the incident it went through, as data.

This module is pure data. :func:`generate` returns, for a seed and a scenario,
every file of the host's root file system – path, type, owner, mode, content and
all four times to the nanosecond – and the :class:`GroundTruth` of what happened.
Nothing here touches the disk; :mod:`breachkit.demo.build` materialises it.

The host (host time, Europe/Berlin; the host is on CET, UTC+1, in November):
since February 2024 ``web01`` hosts four client sites behind Apache + mod_php –
an online shop, a WordPress blog, a law firm's PHP site and a club's static
site. Two admins (``thomas``, ``anna``) log in over SSH on workdays; visitors,
crawlers, scanners and the site owners use the sites; logrotate runs every
Sunday at midnight. The incident comes from a story (:mod:`breachkit.demo.stories`):

* ``upload`` (default): Saturday 2026-11-21 23:41 a PHP webshell is POSTed
  through the shop's unprotected ``admin/upload.php``; a DoS bot, a crontab, a
  timestomped backdoor; the provider cuts the server off on Sunday.
* ``wiped``: Thursday 2026-11-19 03:11 a webshell through a vulnerable WordPress
  file-manager plugin, then SSH as ``anna`` with a reused password, root, a
  cryptominer as a systemd service; Monday 02:53 the attacker returns as root and
  wipes – lines cut from the blog's access log, auth.log emptied, wtmp records
  zeroed, root's history linked to /dev/null – while the rotated logs, btmp and
  lastlog keep what he missed.

Both carry benign noise near the attack (session files, page-cache files, a
customer's photo upload, crawlers and scanners) that an investigator must tell
apart. Everything varies with the seed (addresses of visitors, nanoseconds,
traffic, secrets) but the story and its timing stay the same, so tests can rely
on the ground truth while tools cannot rely on fixed bytes.

Where things are: the records in :mod:`breachkit.demo.truth`, the host's dates in
:mod:`breachkit.demo.calendar` and an incident's in :mod:`breachkit.demo.story`,
the file-tree builder that turns events into inode times in
:mod:`breachkit.demo.tree`, log rotation in :mod:`breachkit.demo.rotation`, one
module per part of the host in :mod:`breachkit.demo.parts`, the attacker's common
moves in :mod:`breachkit.demo.intruder`, the answer key in
:mod:`breachkit.demo.answer_key`, and what the files contain in
:mod:`breachkit.demo.content`.
"""

from __future__ import annotations

from breachkit.demo import forge, stories
from breachkit.demo.answer_key import ground_truth
from breachkit.demo.calendar import APT_UPGRADE, LAST_BOOT, PREVIOUS_BOOT
from breachkit.demo.content import hostlog
from breachkit.demo.content.clock import MS, SECOND
from breachkit.demo.parts import (
    accounts,
    apache_php,
    base_system,
    dpkg,
    host_activity,
    logs,
    noise,
    php_sessions,
    reads,
    sites,
    web_traffic,
)
from breachkit.demo.rotation import rotation_instants
from breachkit.demo.tree import Tree
from breachkit.demo.truth import (
    AttackerAddress,
    AttackerLogin,
    AttackRequest,
    BenignNoise,
    Entry,
    EntryPoint,
    FileTimes,
    GroundTruth,
    Kind,
    MaliciousFile,
    Scenario,
    Timestomp,
    Trace,
    Vhost,
    Wipe,
    iter_paths,
)
from breachkit.demo.world import World, random_for

__all__ = [
    "AttackRequest",
    "AttackerAddress",
    "AttackerLogin",
    "BenignNoise",
    "Entry",
    "EntryPoint",
    "FileTimes",
    "GroundTruth",
    "Kind",
    "MaliciousFile",
    "Scenario",
    "Timestomp",
    "Trace",
    "Vhost",
    "Wipe",
    "generate",
    "iter_paths",
]


def generate(seed: int = 0, scenario: str = stories.DEFAULT) -> Scenario:
    """Build the whole demo host for ``seed`` and ``scenario`` (a story's name, :data:`stories.NAMES`).

    Deterministic: same seed and scenario, same bytes and times. ``KeyError`` for an unknown scenario.
    """
    story = stories.named(scenario)
    rng = random_for(seed, "main")
    tree = Tree(random_for(seed, "times"))
    world = World(
        rng=rng,
        seed=seed,
        dates=story.dates,
        tree=tree,
        log=hostlog.HostLog(random_for(seed, "pids"), [PREVIOUS_BOOT, LAST_BOOT]),
        hits={},
        error_lines={},
        noise=[],
        keys={},
        apache_restarts=[],
        rotation_at=rotation_instants(random_for(seed, "rotation")),
        secrets={},
    )
    world.secrets = {
        "shop_db": forge.secret(rng, 20),
        "blog_db": forge.secret(rng, 24),
        "wp_salt": forge.secret(rng, 128),
    }
    world.apache_restarts = sorted(
        [
            PREVIOUS_BOOT + 7 * SECOND,
            LAST_BOOT + 7 * SECOND,
            APT_UPGRADE + 41 * SECOND,
            *(r + 1_200 * MS for r in world.rotation_at.values()),
        ]
    )
    # the order is part of the output: each part builds on what the earlier ones made
    base_system.build(world)
    dpkg.build(world)
    accounts.build(world)
    apache_php.build(world)
    sites.build(world)
    story.prepare(world)
    intrusion = story.intrude(world)
    web_traffic.build(world)
    noise.build(world)
    host_activity.build(world)
    story.aftermath(world, intrusion)
    php_sessions.build(world)
    reads.from_requests(world)
    reads.by_services(world)
    story.cover_up(world, intrusion)
    logs.build(world)
    entries = tree.entries(story.dates.snapshot)
    truth = ground_truth(world, story, intrusion, {e.path: e for e in entries})
    return Scenario(seed, entries, truth, story.name)
