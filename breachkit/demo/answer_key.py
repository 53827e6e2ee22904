"""The :class:`~breachkit.demo.truth.GroundTruth`, assembled from what the attack recorded and the finished file system.

Times in the answer key are taken from the finished entries (after the tree gave
them their nanoseconds), and log paths follow Sunday's rotation, so the key says
exactly what an examiner finds on the image.
"""

from __future__ import annotations

from collections.abc import Mapping

from breachkit.demo.calendar import NETWORK_CUT, ROTATION_SUNDAYS, SNAPSHOT
from breachkit.demo.content import clock, system, traffic, web
from breachkit.demo.parts.attack import Attack
from breachkit.demo.truth import (
    AttackRequest,
    BenignNoise,
    Entry,
    EntryPoint,
    GroundTruth,
    MaliciousFile,
    Timestomp,
    Trace,
    Vhost,
)
from breachkit.demo.world import World


def ground_truth(world: World, attack: Attack, entries: Mapping[str, Entry]) -> GroundTruth:
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
    # the attack's access-log lines sit in .1 after Sunday's rotation
    rotated = world.rotation_at[ROTATION_SUNDAYS[-1]]
    log_of = {True: f"/var/log/apache2/{web.SHOP}_access.log.1", False: f"/var/log/apache2/{web.SHOP}_access.log"}
    requests = tuple(
        AttackRequest(r.time_ns, r.ip, r.method, r.target, r.status, log_of[r.time_ns < rotated], r.purpose)
        for r in attack.requests
    )
    entry = attack.entry
    entry = EntryPoint(
        entry.url,
        entry.method,
        entry.script,
        entry.weakness,
        entry.request_ns,
        log_of[entry.request_ns < rotated],
        entry.log_line,
        entry.created,
    )
    noise = sorted({(n.path, n.category, n.reason) for n in world.noise})
    return GroundTruth(
        seed=world.seed,
        hostname=system.HOSTNAME,
        timezone=clock.TZ_NAME,
        os_release="Debian GNU/Linux 12 (bookworm)",
        snapshot_ns=SNAPSHOT,
        network_cut_ns=NETWORK_CUT,
        attacker_ips=(traffic.ATTACKER_IP, traffic.PAYLOAD_HOST_IP),
        payload_url=f"http://{traffic.PAYLOAD_HOST_IP}/k.bin",
        c2=f"{traffic.PAYLOAD_HOST_IP}:6667",
        attack_start_ns=attack.start,
        attack_end_ns=attack.end,
        entry_point=entry,
        malicious=tuple(sorted(malicious, key=lambda m: m.btime_ns)),
        hidden_dirs=("/tmp/.X11-cache",),
        persistence=("/var/spool/cron/crontabs/www-data",),
        timestomped=timestomp,
        attacker_requests=requests,
        attacker_commands=tuple(attack.commands),
        traces=tuple(attack.traces),
        exposed_credentials=(
            f"MariaDB user 'shop' (DB_PASS in {web.docroot(web.SHOP)}/includes/config.php, read through the webshell)",
        ),
        benign_noise=tuple(BenignNoise(p, c, r) for p, c, r in noise),
        vhosts=tuple(vhosts),
        login_users=("root", "thomas", "anna"),
    )
