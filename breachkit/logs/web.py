"""Detections on web access logs: scanners, the upload that let the attacker in, webshell use.

SQL over the ``web_requests`` table (:mod:`breachkit.logs.webload`): DuckDB
narrows millions of requests to the few candidates, Python judges those
(base64 payloads, shell words) and writes the findings. What the demo case
(and the real one it is modelled on) needs to show: a directory scan (a burst
of 404s), a POST to an admin upload form from an address that never logged
in, and then requests with ``cmd=`` to a PHP file in ``images/`` — while the
shop owner's own uploads after logging in stay quiet.

Evidence lines are quoted from the log files themselves (one extra read of
only the files that hold evidence), so every finding shows the raw line.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from breachkit.findings import Evidence, Finding, Severity
from breachkit.logs.common import MAX_EVIDENCE, line_evidence, span
from breachkit.logs.webload import WEB_TABLE, excerpts
from breachkit.sources.base import Source

SECOND = 1_000_000_000
#: Client errors from one source within :data:`BURST_WINDOW_NS` that make a scan.
BURST_ERRORS = 20
BURST_WINDOW_NS = 120 * SECOND
SCRIPT = re.compile(r"\.(php\d?|phtml|phar|pht|inc|jsp|jspx|aspx?|cgi|pl|py|sh)$", re.IGNORECASE)
UPLOAD_DIRS = re.compile(
    r"/(images?|img|imgs|uploads?|media|files|pictures?|photos?|thumbs?|thumbnails?|cache|tmp|temp|assets|wp-content/uploads)/",
    re.IGNORECASE,
)
# File-manager connectors (elFinder and its WordPress plugins) write files for whoever calls them.
ADMIN_POST = re.compile(
    r"(/admin|/administrator|/manager|/backend|/wp-admin|upload|file[-_]?manager|elfinder|/connector|/cms)",
    re.IGNORECASE,
)
#: Public endpoints inside admin folders that every visitor uses.
PUBLIC_ADMIN = re.compile(r"/wp-admin/admin-ajax\.php$|/wp-admin/admin-post\.php$", re.IGNORECASE)
LOGIN = re.compile(r"(login|signin|sign-in|logon|wp-login\.php|auth)", re.IGNORECASE)
SCANNER_AGENTS = re.compile(
    r"(nikto|sqlmap|zgrab|nuclei|masscan|nmap|wpscan|gobuster|dirbuster|dirb/|ffuf|feroxbuster|wfuzz|acunetix|"
    r"netsparker|openvas|nessus|l9scan|l9explore|censysinspect|expanse|internetmeasurement|httpx|jaeles|"
    r"zmeu|morfeus|fuzz|whatweb|hydra|python-requests|go-http-client|libwww-perl|curl/|wget/)",
    re.IGNORECASE,
)
#: Cheap prefilter for DuckDB: queries that may carry commands (judged again in Python).
COMMAND_PREFILTER = r"(^|[?&])(cmd|c|exec|command|execute|shell|run|system|passthru|e|x)=|wget|curl|[A-Za-z0-9+/%]{40,}"
COMMAND_PARAM = re.compile(r"(?:^|&)(cmd|c|exec|command|execute|shell|run|system|passthru|e|x)=([^&]*)", re.IGNORECASE)
SHELL_WORDS = re.compile(
    r"(\b(wget|curl|chmod|uname|whoami|id|cat|ls|nc|ncat|bash|sh|perl|python3?|php|base64|tftp|busybox)\b"
    r"|/bin/|/tmp/|/dev/shm|;|\||`|\$\()",
    re.IGNORECASE,
)
BASE64 = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
#: A response this many times the page's median size, and at least OVERSIZE_MIN bytes, is
#: an anomaly — judged only for pages with OVERSIZE_HISTORY successful requests or more.
OVERSIZE_FACTOR = 10
OVERSIZE_MIN = 1_000_000
OVERSIZE_HISTORY = 20


@dataclass(frozen=True, slots=True)
class _Row:
    """A request picked by a detection query."""

    time_ns: int
    site: str
    ip: str
    target: str
    source_file: str
    source_line: int
    note: str = ""


_ROW = "time_ns, site, ip, target, source_file, source_line"


class WebDetector:
    """Web attack detections over this run's ``web_requests`` rows."""

    def __init__(self, con: Any, source: Source) -> None:
        self.con = con
        self.source = source

    def _rows(self, where: str, params: list[Any] | None = None, limit: int = 100_000) -> list[_Row]:
        sql = f'SELECT {_ROW} FROM "{WEB_TABLE}" w WHERE {where} ORDER BY time_ns, source_file, source_line LIMIT {int(limit)}'  # noqa: S608
        return [_Row(*row) for row in self.con.execute(sql, params or []).fetchall()]

    def findings(self) -> list[Finding]:
        commands, command_ips = self._commands()
        uploads = self._rows(
            "status BETWEEN 200 AND 299 AND regexp_matches(path, ?, 'i') AND regexp_matches(path, ?, 'i')",
            [SCRIPT.pattern, UPLOAD_DIRS.pattern],
        )
        suspects = set(command_ips) | {row.ip for row in uploads}
        admin, admin_ips = self._admin_posts()
        new_scripts = self._new_scripts(suspects)
        bursts = self._bursts()
        agents = self._scanner_agents()
        oversized = self._oversized()
        # One read of the files that hold evidence, for the raw lines.
        shown = commands[:MAX_EVIDENCE] + uploads[:MAX_EVIDENCE] + admin[:MAX_EVIDENCE] + new_scripts[:MAX_EVIDENCE]
        shown += oversized[:MAX_EVIDENCE]
        shown += [burst.first for burst in bursts[:MAX_EVIDENCE]]
        wanted: dict[str, set[int]] = {}
        for row in shown:
            wanted.setdefault(row.source_file, set()).add(row.source_line)
        self.text = excerpts(self.source, wanted)
        found: list[Finding] = []
        tied = admin_ips & suspects
        if admin:
            found.append(
                Finding(
                    check="logs.web-admin-post-without-login",
                    title="POSTs to admin or upload endpoints from sources that never logged in",
                    severity=Severity.CRITICAL if tied else Severity.HIGH,
                    confidence=0.8 if tied else 0.55,
                    reason=(
                        f"{len(admin)} POST request(s) to admin or upload pages came from {len(admin_ips)} address(es) "
                        "that never posted a login on that site. An upload form that does not check the login lets "
                        "anyone place a file on the server."
                        + (
                            f" {', '.join(sorted(tied))} then ran commands or scripts in upload folders."
                            if tied
                            else ""
                        )
                        + _more(admin)
                    ),
                    evidence=self._evidence(admin),
                    next_step="Read the script that handled the POST: does it check the login and the file type? Find what the upload created.",
                )
            )
        if commands:
            ips = ", ".join(f"{ip} ({n})" for ip, n in sorted(command_ips.items(), key=lambda i: -i[1])[:10])
            found.append(
                Finding(
                    check="logs.web-command-parameters",
                    title="Requests carrying shell commands (webshell use)",
                    severity=Severity.CRITICAL,
                    confidence=0.85,
                    reason=(
                        f"{len(commands)} request(s) pass shell commands in the URL (cmd=, exec=, wget/curl, base64 "
                        f"payloads) from {ips}. A status 200 means a script answered: a webshell ran them.{_more(commands)}"
                    ),
                    evidence=self._evidence(commands),
                    next_step="Find the script they call on disk, keep a copy with its hash, and list every command sent to it.",
                )
            )
        if uploads:
            found.append(
                Finding(
                    check="logs.web-upload-folder-script",
                    title="Scripts in upload or image folders answered requests",
                    severity=Severity.HIGH,
                    confidence=0.75,
                    reason=(
                        f"{len(uploads)} successful request(s) for server-side scripts in folders meant for uploads or "
                        f"images: the web server ran code someone placed there.{_more(uploads)}"
                    ),
                    evidence=self._evidence(uploads),
                    next_step="Look at these files on disk and find the request that created them (an upload form POST shortly before).",
                )
            )
        if new_scripts:
            found.append(
                Finding(
                    check="logs.web-new-script",
                    title="Scripts requested for the first time, by one or two sources only",
                    severity=Severity.HIGH,
                    confidence=0.6,
                    reason=(
                        "Server-side scripts that nobody requested in the first half of the logs and that only one or "
                        f"two addresses ever used: a dropped webshell looks like this.{_more(new_scripts)}"
                    ),
                    evidence=self._evidence(new_scripts),
                )
            )
        if oversized:
            found.append(
                Finding(
                    check="logs.web-response-size",
                    title="Responses far larger than the page usually sends",
                    severity=Severity.HIGH if {row.ip for row in oversized} & suspects else Severity.MEDIUM,
                    confidence=0.5,
                    reason=(
                        f"{len(oversized)} successful response(s) were over {OVERSIZE_FACTOR} times the usual size "
                        f"of the same page and over {OVERSIZE_MIN // 1_000_000} MB. A page that suddenly sends "
                        "megabytes can be leaking a database (SQL injection, a dump through a webshell); large "
                        f"exports and backups look the same.{_more(oversized)}"
                    ),
                    evidence=self._evidence(oversized),
                    next_step="Check what the page returns for those parameters and whether the address did anything else.",
                )
            )
        found += self._scan_findings(bursts, agents, suspects)
        return found

    def _oversized(self) -> list[_Row]:
        """Successful responses over OVERSIZE_FACTOR x the median size of the same page (pages with history only)."""
        sql = f"""
            WITH usual AS (
                SELECT site, path, median(size) AS med FROM "{WEB_TABLE}"
                WHERE status BETWEEN 200 AND 299 AND size IS NOT NULL
                GROUP BY site, path HAVING count(*) >= ?
            )
            SELECT w.time_ns, w.site, w.ip, w.target, w.source_file, w.source_line,
                   'response of ' || w.size || ' bytes; usually ' || CAST(u.med AS BIGINT) || ' bytes'
            FROM "{WEB_TABLE}" w JOIN usual u ON w.site IS NOT DISTINCT FROM u.site AND w.path = u.path
            WHERE w.status BETWEEN 200 AND 299 AND w.size > greatest(? * u.med, ?)
            ORDER BY w.time_ns, w.source_file, w.source_line LIMIT 100000
        """  # noqa: S608 - the table name is a constant; values are bound
        rows = self.con.execute(sql, [OVERSIZE_HISTORY, OVERSIZE_FACTOR, OVERSIZE_MIN]).fetchall()
        return [_Row(*row) for row in rows]

    def _evidence(self, rows: list[_Row]) -> tuple[Evidence, ...]:
        return tuple(
            line_evidence(
                row.source_file,
                row.source_line,
                self.text.get((row.source_file, row.source_line), row.target),
                row.note or row.site,
            )
            for row in rows[:MAX_EVIDENCE]
        )

    def _commands(self) -> tuple[list[_Row], dict[str, int]]:
        rows = self._rows(
            "status BETWEEN 200 AND 499 AND contains(target, '?') AND regexp_matches(target, ?, 'i')",
            [COMMAND_PREFILTER],
            limit=1_000_000,
        )
        found: list[_Row] = []
        ips: dict[str, int] = {}
        for row in rows:
            reasons = command_reasons(row.target.split("?", 1)[1])
            if reasons:
                found.append(
                    _Row(
                        row.time_ns, row.site, row.ip, row.target, row.source_file, row.source_line, "; ".join(reasons)
                    )
                )
                ips[row.ip] = ips.get(row.ip, 0) + 1
        return found, ips

    def _admin_posts(self) -> tuple[list[_Row], set[str]]:
        # "Logged in" = a successful POST to a login page of the same site from the same address, at any time.
        logged_in = (
            f"SELECT 1 FROM \"{WEB_TABLE}\" l WHERE l.site = w.site AND l.ip = w.ip AND l.method = 'POST' "  # noqa: S608
            "AND l.status BETWEEN 200 AND 399 AND regexp_matches(l.path, ?, 'i')"
        )
        where = (
            "method IN ('POST', 'PUT') AND regexp_matches(path, ?, 'i') AND NOT regexp_matches(path, ?, 'i') "
            f"AND NOT EXISTS ({logged_in})"
        )
        rows = self._rows(where, [ADMIN_POST.pattern, PUBLIC_ADMIN.pattern, LOGIN.pattern], limit=10_000)
        rows = [
            _Row(
                r.time_ns,
                r.site,
                r.ip,
                r.target,
                r.source_file,
                r.source_line,
                f"{r.site}: {r.ip} never logged in on this site",
            )
            for r in rows
        ]
        return rows, {row.ip for row in rows}

    def _new_scripts(self, suspects: set[str]) -> list[_Row]:
        sql = f"""
            WITH spans AS (
                SELECT site, min(time_ns) + (max(time_ns) - min(time_ns)) // 2 AS half FROM "{WEB_TABLE}" GROUP BY site
            ), scripts AS (
                SELECT site, path, min(time_ns) AS first_ns, arg_min(ip, time_ns) AS ip,
                    arg_min(source_file, time_ns) AS source_file, arg_min(source_line, time_ns) AS source_line,
                    arg_min(target, time_ns) AS target, list(DISTINCT ip) AS ips
                FROM "{WEB_TABLE}"
                WHERE status BETWEEN 200 AND 299 AND regexp_matches(path, ?, 'i')
                GROUP BY site, path
                HAVING count(DISTINCT ip) <= 2
            )
            SELECT s.first_ns, s.site, s.ip, s.target, s.source_file, s.source_line, s.ips, s.path
            FROM scripts s JOIN spans USING (site)
            WHERE s.first_ns > spans.half
            ORDER BY s.first_ns
            LIMIT 100000
        """  # noqa: S608
        found: list[_Row] = []
        for first_ns, site, ip, target, source_file, source_line, ips, path in self.con.execute(
            sql, [SCRIPT.pattern]
        ).fetchall():
            if set(ips) & suspects or UPLOAD_DIRS.search(path):
                note = f"{site}: first request ever for {path}, only from {', '.join(sorted(ips))}"
                found.append(_Row(first_ns, site, ip, target, source_file, source_line, note))
        return found

    def _bursts(self) -> list[_Burst]:
        window = BURST_WINDOW_NS
        sql = f"""
            WITH errors AS (
                SELECT site, ip, time_ns, target, source_file, source_line,
                    count(*) OVER (PARTITION BY ip ORDER BY time_ns RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS dense,
                    time_ns - lag(time_ns) OVER (PARTITION BY ip ORDER BY time_ns) AS gap
                FROM "{WEB_TABLE}" WHERE status BETWEEN 400 AND 499
            ), sessions AS (
                SELECT *, sum(CASE WHEN gap IS NULL OR gap > {window} THEN 1 ELSE 0 END)
                    OVER (PARTITION BY ip ORDER BY time_ns ROWS UNBOUNDED PRECEDING) AS session
                FROM errors
            )
            SELECT ip, min(time_ns), max(time_ns), count(*), arg_min(site, time_ns), arg_min(target, time_ns),
                arg_min(source_file, time_ns), arg_min(source_line, time_ns)
            FROM sessions GROUP BY ip, session HAVING max(dense) >= {BURST_ERRORS}
            ORDER BY count(*) DESC
            LIMIT 10000
        """  # noqa: S608
        return [
            _Burst(ip, _Row(first, site, ip, target, source_file, source_line), last, count, site)
            for ip, first, last, count, site, target, source_file, source_line in self.con.execute(sql).fetchall()
        ]

    def _scanner_agents(self) -> list[tuple[str, str, int, str, int]]:
        distinct = f'SELECT DISTINCT agent FROM "{WEB_TABLE}" WHERE agent IS NOT NULL'  # noqa: S608
        agents = [row[0] for row in self.con.execute(distinct).fetchall()]
        names = {agent: match.group(1).lower() for agent in agents if (match := SCANNER_AGENTS.search(agent))}
        if not names:
            return []
        self.con.execute("CREATE OR REPLACE TEMP TABLE bk_scanner_agents (agent VARCHAR, name VARCHAR)")
        self.con.executemany("INSERT INTO bk_scanner_agents VALUES (?, ?)", list(names.items()))
        sql = f"""
            SELECT a.name, w.ip, count(*), arg_min(w.source_file, w.time_ns), arg_min(w.source_line, w.time_ns)
            FROM "{WEB_TABLE}" w JOIN bk_scanner_agents a USING (agent)
            GROUP BY a.name, w.ip ORDER BY count(*) DESC LIMIT 10000
        """  # noqa: S608
        rows = [(str(n), str(ip), int(c), str(f), int(line)) for n, ip, c, f, line in self.con.execute(sql).fetchall()]
        self.con.execute("DROP TABLE IF EXISTS bk_scanner_agents")
        return rows

    def _scan_findings(
        self, bursts: list[_Burst], agents: list[tuple[str, str, int, str, int]], suspects: set[str]
    ) -> Iterator[Finding]:
        if bursts:
            bursts.sort(key=lambda b: (b.ip not in suspects, -b.count))
            tied = [b for b in bursts if b.ip in suspects]
            yield Finding(
                check="logs.web-scan-burst",
                title="Scanner bursts: many failed requests from one source in a short time",
                severity=Severity.HIGH if tied else Severity.LOW,
                confidence=0.8,
                reason=(
                    f"{len(bursts)} burst(s) of {BURST_ERRORS} or more client errors (404, 403 …) within "
                    f"{BURST_WINDOW_NS // SECOND} s: someone probing for files."
                    + (
                        f" {', '.join(sorted({b.ip for b in tied}))} went on to run commands or scripts afterwards: "
                        "the scan that preceded the attack."
                        if tied
                        else " Internet-wide scanners do this to every server; it matters when the same source comes back."
                    )
                ),
                evidence=tuple(
                    line_evidence(
                        b.first.source_file,
                        b.first.source_line,
                        self.text.get((b.first.source_file, b.first.source_line), b.first.target),
                        f"{b.site}: {b.ip}, {b.count} errors, {span(b.first.time_ns, b.last_ns)}",
                    )
                    for b in bursts[:MAX_EVIDENCE]
                ),
            )
        if agents:
            yield Finding(
                check="logs.web-scanner-agents",
                title="Requests from known scanning tools",
                severity=Severity.LOW,
                confidence=0.6,
                reason=f"{len(agents)} source/tool pair(s) identify as scanners or scripts (user agent).",
                evidence=tuple(
                    Evidence(path=path, line=line, note=f"{name} from {ip}: {count} request(s)")
                    for name, ip, count, path, line in agents[:MAX_EVIDENCE]
                ),
            )


@dataclass
class _Burst:
    ip: str
    first: _Row
    last_ns: int
    count: int
    site: str


def command_reasons(query: str) -> list[str]:
    """Why a query string looks like it carries shell commands (empty when it does not)."""
    text = urllib.parse.unquote_plus(query)
    reasons = []
    for match in COMMAND_PARAM.finditer(query):
        value = urllib.parse.unquote_plus(match.group(2))
        if value and (
            SHELL_WORDS.search(value)
            or match.group(1).lower() in ("cmd", "exec", "command", "shell", "system", "passthru")
        ):
            reasons.append(f"{match.group(1)}={value[:80]}")
    if re.search(r"\b(wget|curl)\s+\S", text):
        reasons.append("downloads with wget/curl")
    for blob in BASE64.findall(text)[:3]:
        decoded = _base64_text(blob)
        if decoded and SHELL_WORDS.search(decoded):
            reasons.append(f"base64 payload: {decoded[:80]}")
    return reasons


def _more(rows: list[_Row]) -> str:
    hidden = len(rows) - MAX_EVIDENCE
    return f" ({hidden} more not listed)" if hidden > 0 else ""


def _base64_text(blob: str) -> str | None:
    try:
        data = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    text = data.decode("ascii", "replace")
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\t")
    return text if printable >= 0.9 * len(text) else None
