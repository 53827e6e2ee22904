"""The four client sites under ``/var/www``, each deployed its own way.

* TSV (static, ``thomas``) and the law firm (PHP, ``anna``): ``rsync -a`` from a
  laptop, so new inodes carry the laptop's older mtimes.
* The blog: WordPress unpacked from the release zip (two-second mtimes) and
  owned by ``www-data``; its media uploads are made by :func:`wp_upload`.
* The shop: PHP owned by ``www-data``, with the vulnerable ``admin/upload.php``
  added in June 2025 and product photos uploaded through it since.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from breachkit.demo.calendar import (
    APACHE_LOG_FROM,
    BLOG_INSTALL,
    KANZLEI_DEPLOY,
    SHOP_LAUNCH,
    TSV_DEPLOY,
    UPLOAD_FEATURE,
    utc_ns,
)
from breachkit.demo.content import blobs, clock, web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND, local_ns
from breachkit.demo.truth import BenignNoise
from breachkit.demo.world import ANNA, THOMAS, WWW, World


def _deploy(
    world: World,
    root: str,
    files: Mapping[str, bytes],
    t: int,
    uid: int,
    gid: int,
    *,
    edited_days: int = 30,
    chown_at: int | None = None,
) -> int:
    """rsync -a from a developer's laptop: new inodes now, mtimes from the laptop (with ns)."""
    tree, rng = world.tree, world.rng
    for rel in sorted(files):
        path = f"{root}/{rel}"
        tree.mkdirs(str(PurePosixPath(path).parent), t, uid, gid)
        mtime = t - rng.randrange(HOUR, edited_days * DAY) - tree.ns()
        node = tree.write(path, files[rel], t, uid=uid, gid=gid, mtime=mtime)
        node.changes.append(t + tree.small())
        if chown_at is not None:
            node.changes.append(chown_at + tree.small())
        t += tree.small(200, 3_000)
    return t


def build(world: World) -> None:
    """Deploy the four sites, each with its own history of updates and uploads."""
    tree, rng = world.tree, world.rng
    # tsv: static, thomas
    root = web.docroot(web.TSV)
    tree.mkdirs(f"/var/www/{web.TSV}", TSV_DEPLOY - HOUR, THOMAS, THOMAS)
    files = {name: web.tsv_page(title, body) for name, (title, body) in web.TSV_PAGES.items()}
    files["css/tsv.css"] = web.TSV_CSS
    files["img/wappen.png"] = blobs.png(48, 48, "tsv-wappen")
    for n in range(1, 5):
        files[f"img/mannschaft-{n}.jpg"] = blobs.picture(f"tsv-{n}", 24, 16)
    _deploy(world, root, files, TSV_DEPLOY, THOMAS, THOMAS)
    # season update in October: termine and the membership form
    t = local_ns(2026, 10, 19, 20, 11, 5)
    tree.nodes[f"{root}/termine.html"].born = t
    tree.nodes[f"{root}/termine.html"].mods = [t + tree.small()]
    tree.nodes[f"{root}/termine.html"].fixed_mtime = t - 2 * DAY + tree.ns()
    tree.removed(root, t)
    tree.mkdir(f"{root}/downloads", t, THOMAS, THOMAS)
    tree.write(
        f"{root}/downloads/Beitrittserklärung 2026.pdf",
        blobs.pdf(
            "Beitrittserklärung 2026",
            ["TSV Musterstadt 1898 e.V.", "Beitrittserklärung", "Name, Vorname: ____________"],
        ),
        t + tree.small(),
        uid=THOMAS,
        gid=THOMAS,
        mtime=t - 5 * DAY + tree.ns(),
    )

    # kanzlei: PHP, anna
    root = web.docroot(web.KANZLEI)
    tree.mkdirs(f"/var/www/{web.KANZLEI}", KANZLEI_DEPLOY - HOUR, ANNA, 33)
    files = dict(web.KANZLEI_FILES)
    files["img/logo.png"] = blobs.png(64, 32, "kanzlei-logo")
    files["img/kanzlei.jpg"] = blobs.picture("kanzlei-raum", 40, 24)
    files["downloads/Vollmacht Mandant.pdf"] = blobs.pdf(
        "Vollmacht", ["Vollmacht", "Hiermit wird Kanzlei Schneider & Partner bevollmächtigt ..."]
    )
    files["downloads/Datenschutzhinweise Mandanten.pdf"] = blobs.pdf(
        "Datenschutz", ["Informationen nach Art. 13 DSGVO"]
    )
    _deploy(world, root, files, KANZLEI_DEPLOY + 3 * DAY, ANNA, 33)

    # blog: WordPress unpacked from the release zip (2-second resolution, no ns), then chowned
    root = web.docroot(web.BLOG)
    tree.mkdirs(f"/var/www/{web.BLOG}", BLOG_INSTALL - 30 * MINUTE, 0, 0)
    tree.mkdir(root, BLOG_INSTALL, WWW, WWW)
    zip_time = utc_ns("2025-09-30 17:46:12")
    t = local_ns(2025, 10, 1, 9, 3, 11) + tree.ns()  # last core update
    files = dict(web.BLOG_FILES)
    files["wp-config.php"] = web.wp_config(world.secrets["blog_db"], world.secrets["wp_salt"])
    for rel in sorted(files):
        path = f"{root}/{rel}"
        tree.mkdirs(str(PurePosixPath(path).parent), BLOG_INSTALL + tree.small(), WWW, WWW)
        mtime = zip_time - (len(rel) % 17) * 2 * SECOND
        born = (BLOG_INSTALL + 40 * SECOND) if rel in ("wp-config.php", ".htaccess") else t
        tree.write(
            path,
            files[rel],
            born + tree.small(),
            uid=WWW,
            gid=WWW,
            mtime=None if rel in ("wp-config.php", ".htaccess") else mtime,
        )
        t += tree.small(100, 900)
    uploads = f"{root}/wp-content/uploads"
    tree.mkdir(uploads, BLOG_INSTALL + 5 * MINUTE, WWW, WWW)
    for date, slug, _title in web.BLOG_POSTS:
        y, m, d = (int(x) for x in date.split("-"))
        when = local_ns(y, m, d, 19, 0) + rng.randrange(0, 2 * HOUR)
        if when >= APACHE_LOG_FROM:
            continue  # posts inside the log window are uploaded by the blog owner's traffic
        wp_upload(world, f"{slug}-1.jpg", when)
    tree.mkdirs(f"{root}/wp-content/cache/supercache/{web.BLOG}", BLOG_INSTALL + DAY, WWW, WWW)
    tree.write(
        f"{root}/wp-content/wp-cache-config.php",
        b"<?php\n$cache_enabled = true;\n"
        b"$super_cache_enabled = true;\n$cache_max_time = 0;\n$wp_cache_preload_on = 1;\n"
        b"$wp_cache_preload_interval = 1440;\n",
        BLOG_INSTALL + DAY + tree.ns(),
        uid=WWW,
        gid=WWW,
    )

    # shop: PHP, www-data (chowned after each deploy so the upload folder is writable)
    root = web.docroot(web.SHOP)
    tree.mkdirs(f"/var/www/{web.SHOP}", SHOP_LAUNCH - DAY, 0, 0)
    files = dict(web.SHOP_FILES)
    files["includes/config.php"] = web.shop_config(world.secrets["shop_db"])
    upload = files.pop("admin/upload.php")
    tree.mkdir(root, SHOP_LAUNCH - DAY + tree.ns(), WWW, WWW)
    _deploy(world, root, files, SHOP_LAUNCH, WWW, WWW, edited_days=60, chown_at=SHOP_LAUNCH + 2 * MINUTE)
    # the upload feature, deployed by anna in June 2025
    node = tree.write(
        f"{root}/admin/upload.php",
        upload,
        UPLOAD_FEATURE + tree.ns(),
        uid=WWW,
        gid=WWW,
        mtime=UPLOAD_FEATURE - 40 * MINUTE + tree.ns(),
    )
    node.changes.append(UPLOAD_FEATURE + 70 * SECOND + tree.ns())
    # a later CSS/JS release (October) – newer inodes among the old ones
    for rel in ("css/shop.css", "js/shop.js"):
        asset = tree.nodes[f"{root}/{rel}"]
        asset.born = local_ns(2026, 10, 8, 17, 20, 3) + tree.ns()
        asset.mods = [asset.born + tree.small()]
        asset.fixed_mtime = asset.born - 3 * HOUR - tree.ns()
        asset.changes = [asset.born + 90 * SECOND]
        tree.removed(str(PurePosixPath(asset.path).parent), asset.born)
    images = f"{root}/images"
    tree.mkdir(images, SHOP_LAUNCH - HOUR, WWW, WWW)
    tree.write(
        f"{images}/logo.png", blobs.png(96, 48, "bergblick-logo"), SHOP_LAUNCH - HOUR + tree.ns(), uid=WWW, gid=WWW
    )
    # product photos uploaded through the admin over the months before the logs begin
    t = UPLOAD_FEATURE + DAY
    for name in web.SHOP_PRODUCTS:
        t += rng.randrange(5 * DAY, 25 * DAY)
        when = clock.day_start(t) + (9 + rng.randrange(8)) * HOUR + rng.randrange(HOUR)
        tree.write(f"{images}/{name}.jpg", blobs.picture(name, 30, 22), when, uid=WWW, gid=WWW)
        tree.removed("/tmp", when - 200 * MS)
    tree.mkdir(f"{images}/banner", SHOP_LAUNCH - HOUR + tree.ns(), WWW, WWW)
    tree.write(
        f"{images}/banner/winter-2026.jpg",
        blobs.picture("banner-winter", 60, 20),
        local_ns(2026, 11, 2, 10, 14, 51) + tree.ns(),
        uid=WWW,
        gid=WWW,
    )
    products = "".join(
        f"<url><loc>https://{web.SHOP}/product.php?id={1001 + i}</loc></url>" for i in range(len(web.SHOP_PRODUCTS))
    )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">{products}</urlset>\n'
    ).encode()
    tree.write(f"{root}/sitemap.xml", sitemap, SHOP_LAUNCH + DAY + 2 * HOUR + 15 * MINUTE + tree.ns(), uid=WWW, gid=WWW)


def wp_upload(world: World, name: str, t: int, *, noise: str = "") -> list[str]:
    """WordPress media upload: the original plus the sizes it generates, within a second or so."""
    tree = world.tree
    moment = clock.to_local(t)
    folder = f"{web.docroot(web.BLOG)}/wp-content/uploads/{moment.year}"
    if folder not in tree:
        tree.mkdir(folder, t, WWW, WWW)
    folder = f"{folder}/{moment.month:02d}"
    if folder not in tree:
        tree.mkdir(folder, t, WWW, WWW)
    stem = name.rsplit(".", 1)[0]
    made = []
    born = t + 180 * MS + tree.small(1_000, 200_000)
    path = f"{folder}/{name}"
    tree.write(path, blobs.picture(stem, 48, 36), born, uid=WWW, gid=WWW, linked=born + 3 * MS)
    tree.removed("/tmp", born + 3 * MS)
    made.append(path)
    for w, h, cols, rows in ((150, 150, 19, 19), (300, 225, 38, 28), (768, 576, 48, 36)):
        born += tree.small(30_000, 160_000)
        path = f"{folder}/{stem}-{w}x{h}.jpg"
        tree.write(path, blobs.picture(f"{stem}-{w}", cols // 2, rows // 2), born, uid=WWW, gid=WWW)
        made.append(path)
    if noise:
        for path in made:
            world.noise.append(BenignNoise(path, "customer-upload", noise))
    return made
