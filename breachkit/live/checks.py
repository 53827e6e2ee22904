"""Findings from the live state: what the running processes, sockets and kernel give away.

Each check is a function in :data:`CHECKS` taking a :class:`~breachkit.live.state.LiveState`
and yielding :class:`~breachkit.findings.Finding`. The collector's own process
is left out of every check. Thresholds are module constants, each with its why.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from breachkit.findings import Evidence, Finding, Severity
from breachkit.host.live.network import SocketRecord
from breachkit.host.live.processes import ProcessRecord
from breachkit.live.state import LiveState
from breachkit.places import TEMP_DIRS, WEB_ROOTS

MAX_EVIDENCE = 25

#: Connections from one process set to one destination beyond this look like a flood
#: (the DoS tool that got the server cut off), not a connection pool.
FLOOD_THRESHOLD = 100

WEB_SERVERS = re.compile(r"^(apache2?|httpd|nginx|lighttpd|php-fpm[\d.]*|php-cgi[\d.]*|php[\d.]*|uwsgi|gunicorn|caddy)")
SHELLS = re.compile(
    r"^(sh|bash|dash|zsh|ksh|csh|tcsh|ash|busybox|nc|ncat|netcat|socat|telnet|perl|python[\d.]*|ruby|wget|curl)$"
)
#: Programs that listen on network ports on ordinary servers.
KNOWN_LISTENERS = re.compile(
    r"^(sshd|nginx|apache2|httpd|lighttpd|caddy|haproxy|varnishd|mysqld|mariadbd|postgres|redis-server|"
    r"memcached|mongod|named|unbound|dnsmasq|systemd-resolve|systemd-network|chronyd|ntpd|exim4?|master|smtpd|"
    r"dovecot|imap-login|pop3-login|php-fpm[\d.]*|cupsd|avahi-daemon|rpcbind|rpc\.statd|dhclient|dhcpcd|"
    r"containerd|dockerd|docker-proxy|systemd|snmpd|zabbix_agentd|node_exporter|rsyslogd|sendmail|proftpd|"
    r"vsftpd|pure-ftpd|slapd|squid|tor|openvpn|wg-quick|java|node|gunicorn|uwsgi|rsync|smbd|nmbd|xinetd)"
)
#: Core dump handlers distributions install (a pipe to anything else runs as root on every crash).
CORE_HANDLERS = re.compile(r"^\|\s*/(usr/)?(lib|libexec|share)/(systemd/systemd-coredump|apport/|.*abrt)")
PRELOAD_VARS = ("LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH")


def _cmd(record: ProcessRecord) -> str:
    text = " ".join(record.cmdline) or f"[{record.name}]"
    return text if len(text) <= 300 else text[:300] + " …"


def _proc_evidence(record: ProcessRecord, note: str = "") -> Evidence:
    parts = [f"ppid {record.ppid}", f"uid {record.uid}", f"started {record.start_utc}"]
    if record.exe_copy:
        parts.append(f"copy in bundle: {record.exe_copy}")
    if note:
        parts.append(note)
    # The table shows the excerpt: who (pid, name) and what (command line) in one line.
    excerpt = f"pid {record.pid} ({record.name}): {_cmd(record)}"
    return Evidence(path=record.exe, sha256=record.exe_sha256, excerpt=excerpt, note="; ".join(parts))


def _user_processes(state: LiveState) -> list[ProcessRecord]:
    skip = state.collector_pid
    return [p for p in state.processes if not p.kernel_thread and p.pid != skip and p.ppid != skip]


#: Hidden folders in home directories where language and tool managers install programs.
TOOL_HOMES = re.compile(
    r"^/(root|home/[^/]+)/\.(pyenv|cargo|rustup|local|nvm|rbenv|sdkman|vscode-server|cursor-server|deno|bun|"
    r"volta|asdf|linuxbrew|npm-global|poetry|conda|miniconda3|anaconda3|go|dotnet)/"
)


def _hidden_dir(path: str) -> bool:
    if TOOL_HOMES.match(path):
        return False
    return any(part.startswith(".") and part not in (".", "..") for part in path.split("/")[:-1])


#: Where packages install programs: a deleted binary there is usually an upgrade not yet restarted.
PACKAGE_PREFIXES = ("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/")


def deleted_executables(state: LiveState) -> Iterator[Finding]:
    found = [p for p in _user_processes(state) if p.exe_deleted or (p.exe or "").startswith("/memfd:")]
    upgraded = [p for p in found if (p.exe or "").startswith(PACKAGE_PREFIXES)]
    odd = [p for p in found if p not in upgraded]
    if odd:
        copied = [p for p in odd if p.exe_copy]
        yield Finding(
            check="live.deleted-exe",
            title="Processes running from deleted or memory-only executables",
            severity=Severity.HIGH,
            confidence=0.8,
            reason=(
                f"{len(odd)} process(es) run a program whose file was deleted after it started, or that never "
                "existed on disk (memfd), outside the folders packages install to. Malware deletes itself "
                "to hide from a look at the disk."
                + (
                    f" {len(copied)} running binary(ies) were copied into the bundle from /proc/PID/exe."
                    if copied
                    else ""
                )
            ),
            evidence=tuple(_proc_evidence(p) for p in odd[:MAX_EVIDENCE]),
            next_step=(
                "Do not kill it yet: note its connections and analyse the copy in the bundle "
                "(hash it against threat intelligence; never run it)."
            ),
        )
    if upgraded:
        yield Finding(
            check="live.deleted-exe",
            title="Services running program files that were replaced or deleted",
            severity=Severity.MEDIUM,
            confidence=0.4,
            reason=(
                f"{len(upgraded)} process(es) run a system program whose file is gone: usually a package "
                "upgrade without a restart, but also what a replaced (trojaned) daemon looks like."
            ),
            evidence=tuple(_proc_evidence(p) for p in upgraded[:MAX_EVIDENCE]),
            next_step="Compare the hash of the running copy with the package's; check the package log for an upgrade.",
        )


def injected_code(state: LiveState) -> Iterator[Finding]:
    found: list[tuple[ProcessRecord, str]] = []
    for record in _user_processes(state):
        exe_is_memfd = (record.exe or "").startswith("/memfd:")
        for entry in record.maps_memfd:
            if entry.endswith(" [x]") and not exe_is_memfd:
                found.append((record, f"executable memory-only file {entry[:-4]}"))
        for entry in record.maps_deleted:
            path = entry[:-4] if entry.endswith(" [x]") else ""
            if path and (path.startswith(TEMP_DIRS) or _hidden_dir(path) or WEB_ROOTS.match(path)):
                found.append((record, f"executable code from deleted {path}"))
    if found:
        yield Finding(
            check="live.injected-code",
            title="Processes running code loaded from memory-only or deleted files",
            severity=Severity.HIGH,
            confidence=0.6,
            reason=(
                f"{len(found)} executable mapping(s) in running processes come from a memfd (a file that only "
                "exists in memory) or from a deleted file in a temp, hidden or web folder: how injected "
                "libraries and fileless implants run inside legitimate processes."
            ),
            evidence=tuple(_proc_evidence(p, why) for p, why in found[:MAX_EVIDENCE]),
            next_step="Capture the process memory (or a full memory image) before anything is restarted.",
        )


def sessions(state: LiveState) -> Iterator[Finding]:
    agents = [s for s in state.sessions if s.agent_socket]
    if agents:
        yield Finding(
            check="live.ssh-agent",
            title="SSH agents forwarded into this host",
            severity=Severity.MEDIUM,
            confidence=0.5,
            reason=(
                f"{len(agents)} session(s) forward an SSH agent. Anyone with root here can use it to log into "
                "every machine those keys open, for as long as the session lasts."
            ),
            evidence=tuple(
                Evidence(path=s.agent_socket, excerpt=f"{s.user} from {s.remote}", note=f"pid {s.pid}") for s in agents
            ),
            next_step="End those sessions; treat the keys as exposed and check the machines they reach.",
        )
    if state.sessions:
        yield Finding(
            check="live.sessions",
            title="Who is logged in",
            severity=Severity.INFO,
            confidence=1.0,
            reason=f"{len(state.sessions)} login session(s) from utmp and the SSH processes. An intruder may still be one of them.",
            evidence=tuple(
                Evidence(
                    excerpt=f"{s.user or '?'} on {s.tty or '?'} from {s.remote or 'local'}",
                    note=f"{s.source}; pid {s.pid}; since {s.time_utc}",
                )
                for s in state.sessions[:MAX_EVIDENCE]
            ),
        )


def suspicious_locations(state: LiveState) -> Iterator[Finding]:
    temp: list[ProcessRecord] = []
    hidden: list[ProcessRecord] = []
    web: list[ProcessRecord] = []
    for record in _user_processes(state):
        exe = record.exe or ""
        if not exe.startswith("/") or exe.startswith("/memfd:"):
            continue
        if exe.startswith(TEMP_DIRS):
            temp.append(record)
        elif WEB_ROOTS.match(exe):
            web.append(record)
        elif _hidden_dir(exe):
            hidden.append(record)
    for group, title, why in (
        (
            temp,
            "Processes running programs from temp folders",
            "/tmp, /var/tmp and /dev/shm are writable by every user",
        ),
        (web, "Processes running programs from a web root", "a web root only holds what the web server serves"),
        (hidden, "Processes running programs from hidden folders", "a leading dot hides the folder from 'ls'"),
    ):
        if group:
            yield Finding(
                check="live.exe-location",
                title=title,
                severity=Severity.HIGH,
                confidence=0.75,
                reason=f"{len(group)} process(es) run an executable from where dropped tools live: {why}.",
                evidence=tuple(_proc_evidence(p) for p in group[:MAX_EVIDENCE]),
                next_step="Find the file's birth time and the request or login that created it.",
            )


def web_shells(state: LiveState) -> Iterator[Finding]:
    by_pid = {p.pid: p for p in state.processes}
    found: list[tuple[ProcessRecord, ProcessRecord]] = []
    for record in _user_processes(state):
        if not SHELLS.match(record.name):
            continue
        parent = by_pid.get(record.ppid)
        for _ in range(4):  # shell -> sh -c -> php-fpm: look a few levels up
            if parent is None:
                break
            if WEB_SERVERS.match(parent.name):
                found.append((record, parent))
                break
            parent = by_pid.get(parent.ppid)
    if found:
        yield Finding(
            check="live.web-shell",
            title="Web server processes running shells or network tools",
            severity=Severity.CRITICAL,
            confidence=0.8,
            reason=(
                f"{len(found)} shell or network tool process(es) descend from a web server. A web server "
                "that starts a shell is what a webshell or an exploited application looks like."
            ),
            evidence=tuple(
                _proc_evidence(child, f"under {parent.name} pid {parent.pid}") for child, parent in found[:MAX_EVIDENCE]
            ),
            next_step="Find the script that ran it: the web server's access log at the process start time.",
        )


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _unspecified(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


def _listeners(state: LiveState) -> list[SocketRecord]:
    return [
        s
        for s in state.sockets
        if (s.proto in ("tcp", "tcp6") and s.state == "LISTEN") or (s.proto in ("udp", "udp6") and s.state == "CLOSE")
    ]


def _sock_evidence(sock: SocketRecord) -> Evidence:
    owners = (
        ", ".join(f"{name} (pid {pid})" for pid, name in zip(sock.pids, sock.process_names, strict=True))
        or "owner unknown"
    )
    remote = "" if sock.state == "LISTEN" else f" -> {sock.remote_addr}:{sock.remote_port}"
    return Evidence(
        excerpt=f"{sock.proto} {sock.local_addr}:{sock.local_port}{remote} {sock.state} by {owners}",
        note=f"inode {sock.inode}; uid {sock.uid}",
    )


def listeners(state: LiveState) -> Iterator[Finding]:
    exposed = [s for s in _listeners(state) if not _is_loopback(s.local_addr)]
    unexpected = [
        s for s in exposed if not s.process_names or not all(KNOWN_LISTENERS.match(n) for n in s.process_names)
    ]
    odd_owner = [s for s in unexpected if s.process_names]
    if odd_owner:
        yield Finding(
            check="live.listener",
            title="Network ports opened by unexpected programs",
            severity=Severity.MEDIUM,
            confidence=0.5,
            reason=(
                f"{len(odd_owner)} port(s) reachable from the network are held by programs that are not "
                "common server daemons. A bind shell or backdoor listens like this; so does software you installed."
            ),
            evidence=tuple(_sock_evidence(s) for s in odd_owner[:MAX_EVIDENCE]),
            next_step="Confirm each with the owner of the server; block the port if nobody knows it.",
        )
    if exposed:
        yield Finding(
            check="live.listener",
            title="Listening network services",
            severity=Severity.INFO,
            confidence=1.0,
            reason=(
                f"{len(exposed)} TCP/UDP port(s) are open to the network. Every one is a way in; compare them "
                "with what the server is meant to offer."
                + (
                    f" {len(exposed) - len([s for s in exposed if s.process_names])} have no known owner "
                    "(not root, or a process in another namespace)."
                    if any(not s.process_names for s in exposed)
                    else ""
                )
            ),
            evidence=tuple(_sock_evidence(s) for s in exposed[:MAX_EVIDENCE]),
        )


def outbound(state: LiveState) -> Iterator[Finding]:
    connected = [
        s
        for s in state.sockets
        if s.proto in ("tcp", "tcp6", "udp", "udp6")
        and s.state in ("ESTABLISHED", "SYN_SENT", "SYN_RECV")
        and not _is_loopback(s.remote_addr)
        and not _unspecified(s.remote_addr)
    ]
    by_remote: Counter[tuple[str, str | None, int | None]] = Counter()
    owners: dict[tuple[str, str | None, int | None], set[str]] = {}
    for sock in connected:
        key = (sock.proto.rstrip("6"), sock.remote_addr, sock.remote_port)
        by_remote[key] += 1
        owners.setdefault(key, set()).update(
            f"{n} (pid {p})" for p, n in zip(sock.pids, sock.process_names, strict=True)
        )
    floods = [(key, count) for key, count in by_remote.most_common() if count >= FLOOD_THRESHOLD]
    if floods:
        yield Finding(
            check="live.connection-flood",
            title="Floods of connections to one destination",
            severity=Severity.HIGH,
            confidence=0.7,
            reason=(
                f"{len(floods)} destination(s) receive {FLOOD_THRESHOLD} or more simultaneous connections from "
                "this host: a denial-of-service tool or a scanner, which is what gets a server cut off."
            ),
            evidence=tuple(
                Evidence(
                    excerpt=f"{proto} -> {addr}:{port}: {count} connections by "
                    + (", ".join(sorted(owners[(proto, addr, port)])[:5]) or "owner unknown"),
                )
                for (proto, addr, port), count in floods[:MAX_EVIDENCE]
            ),
            next_step="Block outbound traffic now (containment), then find the program and how it got here.",
        )
    if connected:
        top = by_remote.most_common(MAX_EVIDENCE)
        yield Finding(
            check="live.connections",
            title="Open connections, by remote address",
            severity=Severity.INFO,
            confidence=1.0,
            reason=f"{len(connected)} connection(s) to {len(by_remote)} remote address(es) and port(s), most first.",
            evidence=tuple(
                Evidence(
                    excerpt=f"{proto} {addr}:{port}: {count} by "
                    + (", ".join(sorted(owners[(proto, addr, port)])[:5]) or "owner unknown"),
                )
                for (proto, addr, port), count in top
            ),
        )


def hidden_processes(state: LiveState) -> Iterator[Finding]:
    if state.hidden:
        yield Finding(
            check="live.hidden-process",
            title="Hidden processes",
            severity=Severity.CRITICAL,
            confidence=0.8,
            reason=(
                f"{len(state.hidden)} process(es) exist but are hidden from the process listing or from ps. "
                "Hiding processes is what rootkits do; nothing the host reports can be trusted now."
            ),
            evidence=tuple(
                Evidence(path=f"/proc/{h.pid}", excerpt=h.cmdline or h.name, note=f"{h.how}: {h.detail}")
                for h in state.hidden[:MAX_EVIDENCE]
            ),
            next_step="Capture memory if you can, then plan a rebuild from known-good media: do not clean this host.",
        )


def kernel_modules(state: LiveState) -> Iterator[Finding]:
    hidden = [m for m in state.modules if m.in_proc_modules != m.in_sys_module]
    if hidden:
        yield Finding(
            check="live.hidden-module",
            title="Kernel modules hidden from one of the kernel's own lists",
            severity=Severity.CRITICAL,
            confidence=0.7,
            reason=(
                f"{len(hidden)} module(s) appear in /proc/modules or /sys/module but not both. Rootkit modules "
                "unlink themselves from the module list to hide."
            ),
            evidence=tuple(
                Evidence(
                    path=f"/sys/module/{m.name}",
                    note="missing from /proc/modules" if not m.in_proc_modules else "missing from /sys/module",
                )
                for m in hidden[:MAX_EVIDENCE]
            ),
            next_step="Treat the kernel as compromised: rebuild from known-good media.",
        )
    odd = [m for m in state.modules if set(m.taint) & {"O", "E", "P", "F"}]
    if odd:
        yield Finding(
            check="live.module-taint",
            title="Out-of-tree, unsigned or force-loaded kernel modules",
            severity=Severity.MEDIUM,
            confidence=0.4,
            reason=(
                f"{len(odd)} loaded module(s) did not come with the kernel (O), are unsigned (E), proprietary (P) "
                "or were forced (F). Vendor drivers (VirtualBox, NVIDIA, ZFS) do this; so do rootkits."
            ),
            evidence=tuple(Evidence(path=f"/sys/module/{m.name}", note=f"taint {m.taint}") for m in odd[:MAX_EVIDENCE]),
            next_step="Check that each module belongs to software installed on purpose (modinfo on a clean system).",
        )


def preloads(state: LiveState) -> Iterator[Finding]:
    found = [p for p in _user_processes(state) if any(p.environ.get(v) for v in ("LD_PRELOAD", "LD_AUDIT"))]
    if found:
        yield Finding(
            check="live.ld-preload",
            title="Processes started with LD_PRELOAD or LD_AUDIT",
            severity=Severity.HIGH,
            confidence=0.6,
            reason=(
                f"{len(found)} process(es) load a library into every program they start. Userland rootkits "
                "(libprocesshider, Jynx, Azazel) hide files and processes this way."
            ),
            evidence=tuple(
                _proc_evidence(p, "; ".join(f"{v}={p.environ[v]}" for v in PRELOAD_VARS if v in p.environ))
                for p in found[:MAX_EVIDENCE]
            ),
            next_step="Copy the library named, and check /etc/ld.so.preload too.",
        )


def package_mismatch(state: LiveState) -> Iterator[Finding]:
    if not state.package_md5:
        return
    seen: set[str] = set()
    changed: list[ProcessRecord] = []
    for record in _user_processes(state):
        if record.exe is None or record.exe_md5 is None or record.exe_deleted or record.exe in seen:
            continue
        seen.add(record.exe)
        expected = _package_md5(state.package_md5, record.exe)
        if expected is not None and expected != record.exe_md5:
            changed.append(record)
    if changed:
        yield Finding(
            check="live.package-mismatch",
            title="Running programs that differ from their package",
            severity=Severity.CRITICAL,
            confidence=0.7,
            reason=(
                f"{len(changed)} running executable(s) do not match the checksum their package recorded: "
                "a replaced system binary (trojaned sshd, ps, login) is the classic rootkit."
            ),
            evidence=tuple(
                _proc_evidence(p, f"md5 {p.exe_md5}, package says {_package_md5(state.package_md5, p.exe or '')}")
                for p in changed[:MAX_EVIDENCE]
            ),
            next_step="Compare with the same package version from a clean mirror; plan a rebuild.",
        )


def _package_md5(sums: dict[str, str], path: str) -> str | None:
    """The recorded sum, trying the /usr-merged twin (/bin/ls is /usr/bin/ls on modern systems)."""
    if path in sums:
        return sums[path]
    if path.startswith("/usr/"):
        return sums.get(path[4:])
    return sums.get("/usr" + path)


def sniffing(state: LiveState) -> Iterator[Finding]:
    promisc = [i for i in state.interfaces if i.promiscuous]
    packet = [s for s in state.sockets if s.proto == "packet" and s.process_names]
    evidence = [Evidence(path=f"/sys/class/net/{i.name}", note="promiscuous") for i in promisc]
    evidence += [_sock_evidence(s) for s in packet]
    if evidence:
        yield Finding(
            check="live.sniffing",
            title="Packet capture: promiscuous interfaces or raw packet sockets",
            severity=Severity.MEDIUM,
            confidence=0.4,
            reason=(
                "Something reads raw network frames. DHCP clients and monitoring use packet sockets; a "
                "password sniffer does too."
            ),
            evidence=tuple(evidence[:MAX_EVIDENCE]),
        )


def sysctls(state: LiveState) -> Iterator[Finding]:
    values = state.kernel.get("sysctls")
    if not isinstance(values, dict):
        return
    evidence = []
    core = str(values.get("kernel.core_pattern", ""))
    if core.startswith("|") and not CORE_HANDLERS.match(core):
        evidence.append(
            Evidence(path="/proc/sys/kernel/core_pattern", excerpt=core, note="pipes crashes to a program run as root")
        )
    modprobe = str(values.get("kernel.modprobe", "/sbin/modprobe"))
    if modprobe not in ("/sbin/modprobe", "/usr/sbin/modprobe", "/bin/kmod", "/usr/bin/kmod", ""):
        evidence.append(
            Evidence(path="/proc/sys/kernel/modprobe", excerpt=modprobe, note="run as root to load modules")
        )
    hotplug = str(values.get("kernel.hotplug", ""))
    if hotplug:
        evidence.append(Evidence(path="/proc/sys/kernel/hotplug", excerpt=hotplug, note="run as root on device events"))
    if evidence:
        yield Finding(
            check="live.sysctl",
            title="Kernel settings that run a program as root",
            severity=Severity.HIGH,
            confidence=0.6,
            reason="Kernel hooks point at programs outside the usual handlers: a persistence trick that survives in memory.",
            evidence=tuple(evidence),
        )


CHECKS: tuple[Callable[[LiveState], Iterable[Finding]], ...] = (
    hidden_processes,
    kernel_modules,
    web_shells,
    deleted_executables,
    injected_code,
    suspicious_locations,
    package_mismatch,
    preloads,
    outbound,
    listeners,
    sniffing,
    sysctls,
    sessions,
)
