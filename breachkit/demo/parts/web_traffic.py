"""Everyone but the attacker who talks to the web server: visitors, crawlers, scanners, the site owners, WordPress itself.

The requests become the access logs (:mod:`breachkit.demo.parts.logs`), PHP
sessions (:mod:`breachkit.demo.parts.php_sessions`) and atimes
(:mod:`breachkit.demo.parts.reads`). The owners' uploads also create files: the
shop owner's product photos through the shop's ``admin/upload.php``, and the
blog owner's phone photo near the attack – benign files in
upload folders an investigator must tell apart from the webshell. Scanners that
probe for a file a site really has (a plugin's ``readme.txt``) get it.
"""

from __future__ import annotations

import random
import urllib.parse

from breachkit.demo.calendar import APACHE_LOG_FROM, midnights
from breachkit.demo.content import blobs, clock, traffic, web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND, local_ns
from breachkit.demo.content.traffic import Hit, Site
from breachkit.demo.parts.sites import wp_upload
from breachkit.demo.truth import BenignNoise
from breachkit.demo.world import WWW, World, random_for


def _site_profiles(world: World) -> dict[str, Site]:
    tree = world.tree

    def sizes(domain: str) -> dict[str, int]:
        root = web.docroot(domain)
        out = {}
        for path, node in tree.nodes.items():
            if path.startswith(root + "/") and node.kind == "file":
                out[urllib.parse.quote(path[len(root) :])] = len(node.data)
        return out

    shop_images = tuple(f"/images/{n}.jpg" for n in web.SHOP_PRODUCTS)
    blog_images = tuple(
        urllib.parse.quote(p[len(web.docroot(web.BLOG)) :])
        for p in sorted(tree.nodes)
        if p.startswith(f"{web.docroot(web.BLOG)}/wp-content/uploads/") and p.endswith("-300x225.jpg")
    )
    posts = tuple((f"/{d.replace('-', '/')}/{slug}/", 3.0) for d, slug, _ in web.BLOG_POSTS)
    return {
        web.SHOP: Site(
            web.SHOP,
            (
                ("/", 30),
                *((f"/product.php?id={1001 + i}", 2.0) for i in range(len(web.SHOP_PRODUCTS))),
                ("/category.php?c=rucksaecke", 5),
                ("/category.php?c=zelte", 4),
                ("/category.php?c=bekleidung", 5),
                ("/search.php?q=zelt", 1),
                ("/search.php?q=schlafsack", 1),
                ("/impressum.php", 1),
                ("/agb.php", 1),
                ("/datenschutz.php", 1),
            ),
            ("/css/shop.css?v=14", "/js/shop.js?v=14", "/images/logo.png"),
            shop_images,
            36,
            28,
            True,
            22,
            True,
            sizes(web.SHOP),
            2_611,
        ),
        web.BLOG: Site(
            web.BLOG,
            (("/", 30), *posts, ("/feed/", 4), ("/category/allgemein/", 3), ("/2026/11/", 2)),
            ("/wp-content/themes/twentytwentyfour/style.css?ver=1.3", "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"),
            blog_images,
            22,
            20,
            True,
            20,
            True,
            sizes(web.BLOG),
            9_114,
        ),
        web.KANZLEI: Site(
            web.KANZLEI,
            (
                ("/", 30),
                ("/team.php", 8),
                ("/rechtsgebiete.php", 10),
                ("/kontakt.php", 8),
                ("/impressum.php", 3),
                ("/datenschutz.php", 2),
                ("/downloads/Vollmacht%20Mandant.pdf", 2),
                ("/downloads/Datenschutzhinweise%20Mandanten.pdf", 1),
            ),
            ("/css/kanzlei.css", "/img/logo.png"),
            ("/img/kanzlei.jpg",),
            12,
            3,
            False,
            12,
            False,
            sizes(web.KANZLEI),
            196,
        ),
        web.TSV: Site(
            web.TSV,
            (
                ("/", 30),
                ("/index.html", 5),
                ("/verein.html", 6),
                ("/termine.html", 12),
                ("/kontakt.html", 4),
                ("/impressum.html", 1),
                ("/downloads/Beitrittserkl%C3%A4rung%202026.pdf", 3),
            ),
            ("/css/tsv.css", "/img/wappen.png"),
            tuple(f"/img/mannschaft-{n}.jpg" for n in range(1, 5)),
            8,
            11,
            True,
            10,
            False,
            sizes(web.TSV),
            196,
        ),
    }


def build(world: World) -> None:
    """Add the benign requests to ``world.hits`` (per site; ``""`` for requests to the bare address, the default vhost)."""
    rng = random_for(world.seed, "traffic")
    gen = traffic.Traffic(rng, 1_000_000)
    sites = _site_profiles(world)
    network_cut = world.dates.network_cut
    days = midnights(APACHE_LOG_FROM, network_cut)
    scan_status = {
        web.SHOP: {"/admin/": 302, "/server-status": 403, "/.git/config": 403, "/": 200},
        web.BLOG: {"/wp-login.php": 200, "/xmlrpc.php": 405, "/server-status": 403, "/": 200},
        web.KANZLEI: {"/server-status": 403, "/": 200},
        web.TSV: {"/server-status": 403, "/": 200},
    }
    for domain, status_of in scan_status.items():
        for _method, probe in traffic.SCANNER_PROBES:
            node = world.tree.nodes.get(web.docroot(domain) + probe)
            if node is not None and node.kind == "file":
                status_of.setdefault(probe, 200)
    for domain, site in sites.items():
        hits = list(gen.visits(site, days))
        hits += gen.crawlers(site, days)
        hits += gen.scanners(site, days, 2.5, scan_status[domain])
        if domain == web.SHOP:
            hits += gen.monitor(site, APACHE_LOG_FROM, network_cut, 30 * MINUTE)
            hits += _cart_flows(rng, gen, hits)
        world.hits.setdefault(domain, []).extend(hits)
    world.hits.setdefault("", []).extend(gen.scanners(None, days, 6, {"/": 200}, not_found_size=196))
    _shop_owner(world, rng, gen, days)
    _blog_owner(world, rng, gen, days)
    _wordpress_self(world, rng, days)
    # nothing reaches the host after the provider cut it off
    for domain in world.hits:
        world.hits[domain] = [h for h in world.hits[domain] if h.time_ns < network_cut or h.actor == "attacker"]


def _cart_flows(rng: random.Random, gen: traffic.Traffic, hits: list[Hit]) -> list[Hit]:
    """Some shop visitors put something in the cart; a few check out. These start PHP sessions."""
    out: list[Hit] = []
    last_of_visit: dict[int, Hit] = {}
    for hit in hits:
        if hit.actor == "visitor" and hit.target.startswith("/product.php"):
            last_of_visit[hit.visit] = hit
    for hit in last_of_visit.values():
        if rng.random() > 0.22:
            continue
        t = hit.time_ns + rng.randrange(15, 90) * SECOND + rng.randrange(SECOND)
        url = f"https://{web.SHOP}{hit.target}"
        out.append(Hit(t, hit.ip, "POST", "/cart.php", 302, 268, url, hit.agent, "visitor", hit.visit))
        out.append(
            Hit(
                t + 180 * MS,
                hit.ip,
                "GET",
                "/cart.php",
                200,
                6_842 + rng.randrange(300),
                url,
                hit.agent,
                "visitor",
                hit.visit,
            )
        )
        if rng.random() < 0.35:
            t += rng.randrange(20, 120) * SECOND
            cart = f"https://{web.SHOP}/cart.php"
            out.append(
                Hit(
                    t,
                    hit.ip,
                    "GET",
                    "/checkout.php",
                    200,
                    7_310 + rng.randrange(200),
                    cart,
                    hit.agent,
                    "visitor",
                    hit.visit,
                )
            )
            t += rng.randrange(60, 300) * SECOND
            number = f"B-2026-{rng.randrange(10_000, 99_999)}"
            checkout = f"https://{web.SHOP}/checkout.php"
            out.append(Hit(t, hit.ip, "POST", "/checkout.php", 302, 301, checkout, hit.agent, "visitor", hit.visit))
            out.append(
                Hit(
                    t + 400 * MS,
                    hit.ip,
                    "GET",
                    f"/checkout.php?done={number}",
                    200,
                    5_120,
                    checkout,
                    hit.agent,
                    "visitor",
                    hit.visit,
                )
            )
    return out


_NEW_PRODUCTS = (
    "daunenjacke-alpin",
    "schneeschuhe-tour",
    "lawinenschaufel",
    "lvs-geraet-3ant",
    "sonde-240",
    "thermoskanne-075",
    "skitourenfell",
    "softshellhose",
    "buff-merino",
    "stirnband-fleece",
    "winterzelt-4s",
    "biwaksack",
    "gletscherbrille",
    "steigeisen-c2",
    "pickel-tour",
    "helm-leicht",
    "handwaermer",
    "tourenrucksack-30",
)


def _shop_owner(world: World, rng: random.Random, gen: traffic.Traffic, days: list[int]) -> None:
    """The shop's owner manages orders on workdays and uploads new product photos."""
    agent = traffic.BROWSERS[0][0]
    ip = traffic.SHOP_OWNER_IP
    base = f"https://{web.SHOP}"
    images = f"{web.docroot(web.SHOP)}/images"
    product_iter = iter(_NEW_PRODUCTS)
    hits: list[Hit] = []
    for day in days:
        if clock.weekday(day) >= 5:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            t = day + (8 * HOUR + 30 * MINUTE) + rng.randrange(8 * HOUR)
            visit = gen.next_visit = gen.next_visit + 1

            def add(method: str, target: str, status: int, size: int, ref: str, gap: int, visit: int = visit) -> int:
                nonlocal t
                t += gap * SECOND + rng.randrange(SECOND)
                hits.append(Hit(t, ip, method, target, status, size, ref, agent, "owner", visit))
                return t

            add("GET", "/admin/", 302, 251, "", 0)
            add("GET", "/admin/login.php", 200, 1_402, "", 0)
            add("POST", "/admin/login.php", 302, 262, f"{base}/admin/login.php", rng.randrange(5, 15))
            add("GET", "/admin/", 200, 1_873, f"{base}/admin/login.php", 0)
            add("GET", "/admin/orders.php", 200, 8_000 + rng.randrange(4_000), f"{base}/admin/", rng.randrange(3, 20))
            if rng.random() < 0.35:
                add(
                    "GET",
                    "/admin/products.php",
                    200,
                    14_000 + rng.randrange(3_000),
                    f"{base}/admin/orders.php",
                    rng.randrange(20, 200),
                )
                add("GET", "/admin/upload.php", 200, 688, f"{base}/admin/products.php", rng.randrange(3, 30))
                for _n in range(rng.randrange(1, 3)):
                    name = next(product_iter, None)
                    if name is None:
                        break
                    when = add(
                        "POST",
                        "/admin/upload.php",
                        200,
                        312 + len(name) * 2,
                        f"{base}/admin/upload.php",
                        rng.randrange(10, 60),
                    )
                    path = f"{images}/{name}.jpg"
                    born = when + rng.randrange(90, 1_400) * MS + world.tree.small()
                    world.tree.write(
                        path,
                        blobs.picture(name, 30, 22),
                        born,
                        uid=WWW,
                        gid=WWW,
                        linked=born + rng.randrange(2, 40) * MS,
                    )
                    world.tree.removed("/tmp", born + 5 * MS)
                    world.noise.append(
                        BenignNoise(
                            path,
                            "shop-admin-upload",
                            "the shop owner uploaded a product photo through admin/upload.php after logging in",
                        )
                    )
                add(
                    "POST",
                    "/admin/products.php",
                    200,
                    14_200 + rng.randrange(3_000),
                    f"{base}/admin/products.php",
                    rng.randrange(30, 240),
                )
            if rng.random() < 0.5:
                add("GET", "/admin/logout.php", 302, 249, f"{base}/admin/orders.php", rng.randrange(30, 900))
    world.hits[web.SHOP].extend(hits)


def _blog_owner(world: World, rng: random.Random, gen: traffic.Traffic, days: list[int]) -> None:
    """The blog's owner publishes posts in the evening, each with a photo; and near the attack
    uploads a phone photo for the next post (benign noise in an upload folder)."""
    agent = traffic.BROWSERS[4][0]
    ip = traffic.BLOG_OWNER_IP
    base = f"https://{web.BLOG}"
    hits: list[Hit] = []
    sessions: list[tuple[int, str, bool]] = []
    for date, slug, _title in web.BLOG_POSTS:
        y, m, d = (int(x) for x in date.split("-"))
        when = local_ns(y, m, d, 19, 0) + rng.randrange(0, 2 * HOUR)
        if when >= APACHE_LOG_FROM:
            sessions.append((when, f"{slug}-1.jpg", True))
    sessions.append((world.dates.owner_photo + rng.randrange(SECOND), world.dates.owner_photo_name, False))
    for start, name, publish in sessions:
        visit = gen.next_visit = gen.next_visit + 1
        t = start
        seq: list[tuple[str, str, int, int, str, int]] = [
            ("GET", "/wp-login.php", 200, 4_781, "", 0),
            ("POST", "/wp-login.php", 302, 1_210, f"{base}/wp-login.php", 9),
            ("GET", "/wp-admin/", 200, 58_300, f"{base}/wp-login.php", 0),
            ("GET", "/wp-admin/post-new.php", 200, 71_200, f"{base}/wp-admin/", 14),
            ("POST", "/wp-admin/async-upload.php", 200, 1_893, f"{base}/wp-admin/post-new.php", 52),
        ]
        if publish:
            seq.append(("POST", "/wp-admin/post.php", 302, 412, f"{base}/wp-admin/post-new.php", 600))
        for method, target, status, size, ref, gap in seq:
            t += gap * SECOND + rng.randrange(SECOND)
            hits.append(Hit(t, ip, method, target, status, size + rng.randrange(50), ref, agent, "owner", visit))
            if target == "/wp-admin/async-upload.php":
                wp_upload(
                    world,
                    name,
                    t,
                    noise=""
                    if publish
                    else (
                        "the blog owner uploaded a phone photo through WordPress "
                        f"({clock.to_local(t).strftime('%A %H:%M')}, async-upload.php); WordPress made the resized copies"
                    ),
                )
    world.hits[web.BLOG].extend(hits)


def _wordpress_self(world: World, rng: random.Random, days: list[int]) -> None:
    """WordPress's loopback: wp-cron.php requested by the server itself, about hourly."""
    agent = f"WordPress/{web.WP_VERSION}; https://{web.BLOG}"
    hits = []
    for day in days:
        t = day + rng.randrange(40 * MINUTE)
        while t < day + DAY:
            stamp = f"{t // SECOND}.{rng.randrange(10**21, 10**22)}"
            hits.append(
                Hit(
                    t,
                    traffic.SERVER_IP,
                    "POST",
                    f"/wp-cron.php?doing_wp_cron={stamp}",
                    200,
                    247,
                    "",
                    agent,
                    "wordpress",
                    0,
                    cookies=False,
                )
            )
            t += HOUR + rng.randrange(-10 * MINUTE, 25 * MINUTE)
    world.hits[web.BLOG].extend(hits)
