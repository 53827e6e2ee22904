"""PHP session files in ``/var/lib/php/sessions``: the ones still there at the snapshot.

One file per browsing visit that reached a page that starts a session (one per
request for clients without cookies); Debian's ``sessionclean`` removes them 48
hours after their last change. What is left is mostly the weekend's – including
the sessions the attacker's scan of ``/admin/`` started.
"""

from __future__ import annotations

import random

from breachkit.demo.calendar import midnights
from breachkit.demo.content import web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND
from breachkit.demo.content.traffic import Hit
from breachkit.demo.truth import BenignNoise
from breachkit.demo.world import WWW, World, random_for


def build(world: World) -> None:
    """Session files: one per browsing visit that reached a session page; one per request for
    clients without cookies. Debian's sessionclean deletes them 48 h after their last change."""
    tree = world.tree
    rng = random_for(world.seed, "sessions")
    session_pages = {
        web.SHOP: (
            "/cart.php",
            "/checkout.php",
            "/admin/",
            "/admin/index.php",
            "/admin/login.php",
            "/admin/orders.php",
            "/admin/products.php",
            "/admin/logout.php",
            "/admin/upload.php",
        ),
        web.KANZLEI: ("/kontakt.php",),
    }
    lifetime = 172_800 * SECOND
    runs = sorted(
        day + hour * HOUR + minute * MINUTE
        for day in midnights(world.dates.snapshot - 4 * DAY, world.dates.snapshot)
        for hour in range(24)
        for minute in (9, 39)
    )
    folder = "/var/lib/php/sessions"
    attacker_sessions = 0
    for domain, pages in session_pages.items():
        sessions: dict[tuple[int, int], list[Hit]] = {}
        for hit in sorted(world.hits.get(domain, []), key=lambda h: h.time_ns):
            base = hit.target.split("?", 1)[0]
            if base not in pages or hit.status >= 400:
                continue
            if base == "/admin/upload.php":
                continue  # the vulnerable script never starts a session
            key = (hit.visit, 0 if hit.cookies else hit.time_ns)
            sessions.setdefault(key, []).append(hit)
        for hits in sessions.values():
            first, last = hits[0], hits[-1]
            if last.time_ns < world.dates.snapshot - 4 * DAY:
                continue
            born = first.time_ns + rng.randrange(2, 9) * MS + tree.small()
            changed = last.time_ns + rng.randrange(12, 60) * MS + tree.small()
            deleted = next((r for r in runs if r - changed > lifetime + MINUTE), None)
            if any(h.target == "/admin/logout.php" for h in hits):
                deleted = changed
            if deleted is not None and deleted <= world.dates.snapshot:
                tree.removed(folder, deleted + 200 * MS)
                continue
            if first.actor == "owner":
                data = b"admin_id|i:2;"
            elif domain == web.KANZLEI:
                data = f'token|s:32:"{rng.randbytes(16).hex()}";'.encode()
            elif any(h.method == "POST" and h.target == "/cart.php" for h in hits):
                data = f"cart|a:1:{{i:{1001 + rng.randrange(18)};i:1;}}".encode()
                if any(h.target.startswith("/checkout.php") for h in hits):
                    data += f'csrf|s:64:"{rng.randbytes(32).hex()}";'.encode()
            elif any(h.target.startswith(("/cart.php", "/checkout.php")) for h in hits):
                data = b"cart|a:0:{}"
            else:
                data = b""
            path = f"{folder}/sess_{_session_id(rng)}"
            node = tree.write(path, data, born, uid=WWW, gid=WWW, mode=0o600, done=changed)
            node.fixed_atime = changed
            if first.actor == "attacker":
                attacker_sessions += 1
                world.secrets[f"attacker-session:{attacker_sessions}"] = path
            else:
                world.noise.append(BenignNoise(path, "php-session", f"PHP session of a {first.actor} on {domain}"))


def _session_id(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(26))
