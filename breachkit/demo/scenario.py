"""The demo incident: a shared Debian 12 web server, ``web01``, broken into on a Saturday night.

This module is pure data. :func:`generate` returns, for a seed, every file of the
host's root file system – path, type, owner, mode, content and all four times to
the nanosecond – and the :class:`GroundTruth` of what happened. Nothing here
touches the disk; :mod:`breachkit.demo.build` materialises it.

The story (host time, Europe/Berlin; the host is on CET, UTC+1, in November):

* Since February 2024 ``web01`` hosts four client sites behind Apache + mod_php:
  an online shop, a WordPress blog, a law firm's PHP site and a club's static
  site. Two admins (``thomas``, ``anna``) log in over SSH on workdays.
* The shop's ``admin/upload.php`` checks neither the login nor the file type.
* Saturday 2026-11-21, 23:38: ``203.0.113.77`` scans the shop, at 23:41 POSTs a
  PHP webshell to ``admin/upload.php`` (it lands as ``images/thumb_cache.php``),
  runs commands through it, downloads a DoS bot from ``198.51.100.23`` into
  ``/tmp/.X11-cache/``, installs a ``www-data`` crontab that restarts it every five
  minutes, drops a second, cookie-keyed backdoor among the shop's classes and
  sets that file's mtime back to June with ``touch -d``.
* Sunday 00:00 logrotate rotates every log; the weekend also brings PHP session
  files, page-cache files, a customer's photo upload to the blog, and the usual
  crawlers and scanners – benign activity that an investigator must tell apart.
* Sunday 17:52 the hosting provider cuts the server off; 21:40 the disk is imaged.

Everything varies with the seed (addresses of visitors, nanoseconds, traffic,
secrets) but the story and its timing stay the same, so tests can rely on the
ground truth while tools cannot rely on fixed bytes.

Where things are: the records in :mod:`breachkit.demo.truth`, the dates of the
story in :mod:`breachkit.demo.calendar`, the file-tree builder that turns events
into inode times in :mod:`breachkit.demo.tree`, log rotation in
:mod:`breachkit.demo.rotation`, one module per part of the host in
:mod:`breachkit.demo.parts`, the answer key in :mod:`breachkit.demo.answer_key`,
and what the files contain in :mod:`breachkit.demo.content`.
"""

from __future__ import annotations

from breachkit.demo import forge
from breachkit.demo.answer_key import ground_truth
from breachkit.demo.calendar import APT_UPGRADE, LAST_BOOT, PREVIOUS_BOOT, SNAPSHOT
from breachkit.demo.content import hostlog
from breachkit.demo.content.clock import MS, SECOND
from breachkit.demo.parts import (
    accounts,
    apache_php,
    attack,
    base_system,
    dpkg,
    host_activity,
    logs,
    php_sessions,
    reads,
    sites,
    web_traffic,
    weekend_noise,
)
from breachkit.demo.rotation import rotation_instants
from breachkit.demo.tree import Tree
from breachkit.demo.truth import (
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
    iter_paths,
)
from breachkit.demo.world import World, random_for

__all__ = [
    "AttackRequest",
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
    "generate",
    "iter_paths",
]


def generate(seed: int = 0) -> Scenario:
    """Build the whole demo host for ``seed``. Deterministic: same seed, same bytes and times."""
    rng = random_for(seed, "main")
    tree = Tree(random_for(seed, "times"))
    world = World(
        rng=rng,
        seed=seed,
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
    intrusion = attack.build(world)
    web_traffic.build(world)
    weekend_noise.build(world)
    host_activity.build(world, intrusion)
    php_sessions.build(world)
    reads.from_requests(world)
    reads.by_services(world)
    logs.build(world)
    entries = tree.entries(SNAPSHOT)
    truth = ground_truth(world, intrusion, {e.path: e for e in entries})
    return Scenario(seed, entries, truth)
