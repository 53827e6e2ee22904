"""Benign files that change near the attack: WP Super Cache's nightly preload and the shop's sitemap cron.

Both rewrite files under a document root around the attack, as the webshell
does; the ground truth lists them as benign noise so a detection can be checked
for not flagging them. The preload is modelled on the night the story says
(:attr:`breachkit.demo.story.Dates.cache_preload`).
"""

from __future__ import annotations

from breachkit.demo.calendar import SHOP_LAUNCH, midnights
from breachkit.demo.content import clock, web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND, local_ns
from breachkit.demo.truth import BenignNoise
from breachkit.demo.world import WWW, World, random_for


def build(world: World) -> None:
    """Rewrite the blog's page cache on the night the story says and the shop's sitemap every night."""
    tree = world.tree
    rng = random_for(world.seed, "weekend")
    # WP Super Cache preload: every night it rewrites every cached page
    cache = f"{web.docroot(web.BLOG)}/wp-content/cache/supercache/{web.BLOG}"
    t = world.dates.cache_preload + rng.randrange(SECOND)
    at = clock.to_local(t).strftime("%H:%M")
    pages = [("", "Bergblick Blog", f"https://{web.BLOG}/")] + [
        (f"{date.replace('-', '/')}/{slug}", title, f"https://{web.BLOG}/{date.replace('-', '/')}/{slug}/")
        for date, slug, title in web.BLOG_POSTS
    ]
    for rel, title, url in pages:
        folder = f"{cache}/{rel}" if rel else cache
        if folder not in tree:
            year, month, day = (int(x) for x in rel.split("/")[:3])
            tree.mkdirs(folder, local_ns(year, month, day, 21, 3) + tree.ns(), WWW, WWW)
        t += rng.randrange(600, 2_900) * MS
        stamp = clock.to_utc(t).strftime("%d %B %Y %H:%M:%S")
        page = web.cached_page(title, url, f"{stamp} UTC")
        # the plugin deletes the old copy, writes a temp file and renames it into place
        tree.removed(folder, t)
        path = f"{folder}/index-https.html"
        tree.write(path, page, t + tree.small(), uid=WWW, gid=WWW, linked=t + 9 * MS)
        world.noise.append(
            BenignNoise(path, "cms-cache", f"WP Super Cache's nightly preload ({at}) rewrote the cached page")
        )
    # the shop's nightly sitemap (cron 02:15, www-data) rewrites the file in place
    sitemap = tree.nodes[f"{web.docroot(web.SHOP)}/sitemap.xml"]
    for day in midnights(SHOP_LAUNCH + 2 * DAY, world.dates.snapshot):
        when = day + 2 * HOUR + 15 * MINUTE + 1_400 * MS + rng.randrange(400) * MS
        if when < world.dates.snapshot:
            sitemap.mods.append(when)
    world.noise.append(
        BenignNoise(sitemap.path, "cron-output", "the shop's nightly cron job (02:15) rewrites sitemap.xml in place")
    )
