"""The :class:`~breachkit.demo.truth.GroundTruth`, assembled from what the attack recorded and the finished file system.

Times in the answer key are taken from the finished entries (after the tree gave
them their nanoseconds), and log paths follow the weekly rotation, so the key
says exactly what an examiner finds on the image: the rotated file that holds a
request's line, or – for a line the attacker cut out – the file it was cut from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from breachkit.demo.content import clock, system, web
from breachkit.demo.intruder import Attack
from breachkit.demo.story import Story
from breachkit.demo.truth import (
    BenignNoise,
    Entry,
    GroundTruth,
    MaliciousFile,
    Timestomp,
    Trace,
    Vhost,
)
from breachkit.demo.world import World


def holder(world: World, live: str, t: int) -> str:
    """The file of a weekly rotated Apache log (``live`` is its current name) that holds a line written at ``t``."""
    later = sum(1 for instant in world.rotation_at.values() if instant > t)
    if later == 0:
        return live
    return f"{live}.{later}" + (".gz" if later >= 2 else "")  # delaycompress: .1 stays plain


def ground_truth(world: World, story: Story, attack: Attack, entries: Mapping[str, Entry]) -> GroundTruth:
    """The answer key, from the attack's record and the finished entries by path."""
    assert attack.entry is not None and attack.timestomp is not None
    # times as the finished file system has them (with the nanoseconds the tree gave them)
    malicious = [
        MaliciousFile(m.path, m.role, m.description, m.sha256, entries[m.path].times.btime_ns) for m in attack.malicious
    ]
    stomped = entries[attack.timestomp.path].times
    timestomp = Timestomp(
        attack.timestomp.path,
        stomped.mtime_ns,
        stomped.atime_ns,
        stomped.btime_ns,
        stomped.ctime_ns,
        attack.timestomp.command,
    )
    for number in range(1, 10):
        path = world.secrets.get(f"attacker-session:{number}")
        if path:
            attack.traces.append(Trace(path, "PHP session file created by the attacker's scan of /admin/"))
    vhosts = []
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, web.TSV):
        logs = tuple(sorted(p for p in world.tree.nodes if p.startswith(f"/var/log/apache2/{domain}_access.log")))
        errors = tuple(sorted(p for p in world.tree.nodes if p.startswith(f"/var/log/apache2/{domain}_error.log")))
        vhosts.append(Vhost(domain, web.docroot(domain), logs, errors))
    requests = tuple(
        r if r.wiped else dataclasses.replace(r, log_path=holder(world, r.log_path, r.time_ns)) for r in attack.requests
    )
    entry = dataclasses.replace(attack.entry, log_path=holder(world, attack.entry.log_path, attack.entry.request_ns))
    wiping = tuple(
        dataclasses.replace(w, lines_removed=world.edit_counts[w.path][0], lines_lost=world.edit_counts[w.path][1])
        if w.path in world.edit_counts
        else w
        for w in attack.wiping
    )
    noise = sorted({(n.path, n.category, n.reason) for n in world.noise})
    return GroundTruth(
        seed=world.seed,
        hostname=system.HOSTNAME,
        timezone=clock.TZ_NAME,
        os_release="Debian GNU/Linux 12 (bookworm)",
        snapshot_ns=world.dates.snapshot,
        network_cut_ns=world.dates.network_cut,
        attacker_ips=attack.ips,
        payload_url=attack.payload_url,
        c2=attack.c2,
        attack_start_ns=attack.start,
        attack_end_ns=attack.end,
        entry_point=entry,
        malicious=tuple(sorted(malicious, key=lambda m: m.btime_ns)),
        hidden_dirs=tuple(attack.hidden_dirs),
        persistence=tuple(attack.persistence),
        timestomped=timestomp,
        attacker_requests=requests,
        attacker_commands=tuple(attack.commands),
        traces=tuple(attack.traces),
        exposed_credentials=tuple(attack.exposed_credentials),
        benign_noise=tuple(BenignNoise(p, c, r) for p, c, r in noise),
        vhosts=tuple(vhosts),
        login_users=("root", "thomas", "anna"),
        scenario=story.name,
        summary=story.summary,
        addresses=tuple(attack.addresses),
        attacker_logins=tuple(attack.logins),
        wiping=wiping,
        not_established=tuple(attack.not_established),
    )


__all__ = ["ground_truth", "holder"]
