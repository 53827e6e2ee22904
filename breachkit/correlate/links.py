"""Suspicious files and the web requests that could have created or used them.

Inputs are the case tables: ``files`` (the file timeline,
:mod:`breachkit.timeline.load`) and ``web_requests`` (one row per logged
request, :mod:`breachkit.logs.webload`), plus the web server configuration
(:mod:`breachkit.artifacts.web.config`) that maps each virtual host to its
DocumentRoot and its access logs.

A file is linked to a request when the request could have written it: a PUT,
or a POST to a script of the same site, or any request to a script that is
itself suspicious (a webshell running a command), logged within a small skew
*before* the file's birth time. Access logs (Apache ``%t``,
https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats; nginx
``$time_local``, https://nginx.org/en/docs/http/ngx_http_log_module.html)
record when the request arrived, truncated to the second, so the file appears
between 0 and skew + 1 s after the logged time. Birth times come from statx(2)
(https://man7.org/linux/man-pages/man2/statx.2.html); without one (ext3, old
kernels, a copy that reset it) the change time and then the modification time
are tried, and the link says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any
from urllib.parse import unquote_plus

from breachkit.correlate.model import Link, Request, Suspect
from breachkit.findings import Finding, Severity
from breachkit.places import SCRIPT_EXT, TEMP_DIRS, WEB_ROOTS
from breachkit.timeline.findings import MIN_ACTIVE_HOURS, NOISE, find_bursts, heat_map
from breachkit.timeline.window import format_ns

NS = 1_000_000_000
#: How far before a file's time its creating request may be logged, by default.
DEFAULT_SKEW_S = 10.0
#: How many later requests each link keeps (all are counted).
MAX_LATER = 50
#: Log lines are whole seconds: a file may carry a time up to this much after its request's logged second.
LOG_PRECISION_NS = NS
#: Where persistence lives (findings there are followed too).
PERSISTENCE = ("/var/spool/cron/", "/etc/cron", "/etc/systemd/system/", "/etc/init.d/", "/etc/rc.local")

REQUEST_COLUMNS = "time_ns, site, vhost, ip, method, target, path, status, agent, source_file, source_line"


@dataclass
class Sites:
    """The virtual hosts: DocumentRoot -> name, log family -> name, and whether any configuration was found."""

    roots: list[tuple[str, str]] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return bool(self.roots)

    def site_of(self, path: str) -> tuple[str | None, str | None]:
        """(site name, URL path) of a host path under a DocumentRoot; the longest root wins."""
        best: tuple[str, str] | None = None
        for root, name in self.roots:
            prefix = root.rstrip("/") + "/"
            if path.startswith(prefix) and (best is None or len(root) > len(best[0])):
                best = (root, name)
        if best is None:
            return None, None
        return best[1], "/" + path[len(best[0].rstrip("/")) + 1 :]

    def name_of(self, log: str | None, vhost: str | None) -> str | None:
        if log is not None and log in self.logs:
            return self.logs[log]
        if log is not None and any(name == log for _, name in self.roots):
            return log
        if vhost:
            host = vhost.split(":", 1)[0].lower()
            return self.names.get(host, host)
        return None

    def logs_of(self, site: str) -> list[str]:
        return [log for log, name in self.logs.items() if name == site]

    def hosts_of(self, site: str) -> list[str]:
        return [host for host, name in self.names.items() if name == site]


def site_filter(sites: Sites, site: str | None) -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) for the requests of one site; true for every site when unknown."""
    if site is None:
        return "TRUE", []
    # ``web_requests.site`` is the site's name when the loader knew the configuration, else the log family.
    return (
        "(site = ? OR list_contains(?, site) OR list_contains(?, lower(split_part(coalesce(vhost, ''), ':', 1))))",
        [site, sites.logs_of(site), sites.hosts_of(site)],
    )


def to_request(row: Sequence[Any], sites: Sites) -> Request:
    time_ns, log, vhost, ip, method, target, path, status, agent, source_file, source_line = row
    return Request(
        time_ns=int(time_ns),
        log=str(log or ""),
        site=sites.name_of(log, vhost),
        ip=str(ip or "-"),
        method=str(method or "-"),
        target=str(target or ""),
        path=str(path or ""),
        status=int(status) if status is not None else None,
        agent=agent,
        source_file=str(source_file or log or ""),
        source_line=int(source_line or 0),
    )


def query_requests(con: Any, sites: Sites, where: str, params: list[Any], limit: int) -> list[Request]:
    # ``where`` is built from fixed text in this package only; evidence values are bound parameters.
    sql = f"SELECT {REQUEST_COLUMNS} FROM web_requests WHERE {where} ORDER BY time_ns, source_file, source_line LIMIT {int(limit)}"  # noqa: S608
    return [to_request(row, sites) for row in con.execute(sql, params).fetchall()]


def decoded(target: str) -> str:
    """A request target as the server's script saw it (percent and plus decoded)."""
    return unquote_plus(target, errors="replace")


# -- which files --------------------------------------------------------------------------------


def _watched(path: str, check: str) -> bool:
    if WEB_ROOTS.match(path) or path.startswith(TEMP_DIRS):
        return True
    return check.startswith("persistence.") and path.startswith(PERSISTENCE)


#: path -> (why, sha256, severity)
Wanted = dict[str, tuple[str, str | None, int]]


def suspects_from_findings(findings: Iterable[Finding]) -> Wanted:
    """Paths named by findings at medium or above under a web root, a temp folder or persistence."""
    found: Wanted = {}
    for finding in findings:
        # Bursts are followed through their windows (suspects_from_bursts), file by file, not as a whole.
        if finding.severity < Severity.MEDIUM or finding.check.startswith(("logs.", "correlate.", "timeline.burst")):
            continue
        for evidence in finding.evidence:
            path = evidence.path
            if not path or not path.startswith("/") or not _watched(path, finding.check):
                continue
            why, sha, level = found.get(path, (finding.title, None, 0))
            if int(finding.severity) > level:
                why = finding.title
            found[path] = (why, sha or evidence.sha256, max(level, int(finding.severity)))
    return found


def burst_windows(con: Any, zone: tzinfo, zone_name: str) -> list[tuple[int, int]]:
    """The off-hours bursts the timeline finds (same rules as ``timeline.burst``)."""
    heat, hours = heat_map(con, zone, zone_name)
    if len(hours) < MIN_ACTIVE_HOURS:
        return []
    return [(b.start_ns, b.end_ns) for b in find_bursts(heat, hours) if b.off_hours]


def suspects_from_bursts(con: Any, windows: list[tuple[int, int]]) -> Wanted:
    """Scripts in web roots, programs and hidden folders in temp folders, and jobs born in an off-hours burst."""
    found: Wanted = {}
    high = int(Severity.HIGH)  # what the timeline rates a burst with such files
    for start, end in windows:
        rows = con.execute(
            "SELECT path, type, mode FROM files WHERE btime_ns BETWEEN ? AND ? ORDER BY btime_ns LIMIT 20000",
            [start, end],
        ).fetchall()
        for path, kind, mode in rows:
            path = str(path)
            if NOISE.search(path):
                continue
            script = kind == "f" and SCRIPT_EXT.search(path) is not None
            if WEB_ROOTS.match(path) and script:
                found[path] = ("script born in a burst of off-hours activity", None, high)
            elif path.startswith(TEMP_DIRS) and (
                script or (kind == "f" and int(mode or 0) & 0o111) or (kind == "d" and "/." in path)
            ):
                found[path] = ("program, script or hidden folder born in a temp folder in a burst", None, high)
            elif path.startswith(PERSISTENCE) and kind == "f":
                found[path] = ("scheduled job or service born in a burst", None, high)
    return found


def hidden_parents(wanted: Wanted) -> Wanted:
    """Hidden folders in temp folders that hold a suspicious file (attackers' staging folders)."""
    found: Wanted = {}
    for path, (_, _, level) in wanted.items():
        if not path.startswith(TEMP_DIRS):
            continue
        parts = path.split("/")
        for depth in range(3, len(parts)):
            folder = "/".join(parts[:depth])
            if parts[depth - 1].startswith(".") and folder.startswith(TEMP_DIRS):
                why, _, known = found.get(folder, (f"hidden folder holding {path}", None, 0))
                found[folder] = (why, None, max(known, level))
    return found


def load_suspects(con: Any, wanted: Wanted, sites: Sites) -> list[Suspect]:
    """The ``files`` rows of the wanted paths (paths the table does not hold are left out)."""
    if not wanted:
        return []
    rows = con.execute(
        "SELECT path, type, uid, user_name, mtime_ns, ctime_ns, btime_ns FROM files WHERE list_contains(?, path)",
        [sorted(wanted)],
    ).fetchall()
    suspects = []
    for path, kind, uid, user, mtime, ctime, btime in rows:
        why, sha, level = wanted[path]
        site, url = sites.site_of(path)
        suspects.append(
            Suspect(
                path=path,
                why=why,
                type=str(kind),
                uid=uid,
                user=user,
                mtime_ns=mtime,
                ctime_ns=ctime,
                btime_ns=btime,
                sha256=sha,
                severity=level,
                site=site,
                url_path=url,
            )
        )
    return sorted(suspects, key=lambda s: (first_time(s), s.path))


def first_time(suspect: Suspect) -> int:
    """When a file came to be, as well as its times say: birth, else change (never the forgeable mtime)."""
    for value in (suspect.btime_ns, suspect.ctime_ns, suspect.mtime_ns):
        if value is not None:
            return value
    return 0


# -- linking ------------------------------------------------------------------------------------

_COMMAND = re.compile(r"(?:^|[?&])(cmd|c|exec|command|execute|shell|run|system|passthru|e|x)=([^&]*)", re.IGNORECASE)


def command_of(target: str) -> str | None:
    """The shell command a request carried in its query (``cmd=id``), decoded; None without one."""
    if "?" not in target:
        return None
    match = _COMMAND.search(target.split("?", 1)[1])
    return decoded(match.group(2)) if match else None


def _anchors(suspect: Suspect) -> list[tuple[str, int]]:
    return [
        (name, value)
        for name, value in (
            ("birth", suspect.btime_ns),
            ("change", suspect.ctime_ns),
            ("modification", suspect.mtime_ns),
        )
        if value is not None
    ]


def _creators(
    con: Any, sites: Sites, suspect: Suspect, anchor_ns: int, skew_ns: int, script_urls: dict[str, set[str]]
) -> list[Request]:
    where, params = site_filter(sites, suspect.site)
    # A script URL that is itself suspicious may run commands: any method counts for it.
    shells = sorted(url for site, urls in script_urls.items() if suspect.site in (None, site) for url in urls)
    sql = (
        f"{where} AND time_ns BETWEEN ? AND ? AND coalesce(status, 200) < 400 AND (path <> ? OR method = 'PUT') AND ("
        "method = 'PUT' OR (method = 'POST' AND regexp_matches(path, ?, 'i')) OR list_contains(?, path))"
    )
    params += [anchor_ns - skew_ns - LOG_PRECISION_NS + 1, anchor_ns, suspect.url_path or "", SCRIPT_EXT.pattern]
    params.append(shells)
    return query_requests(con, sites, sql, params, 200)


def _score(request: Request, suspect: Suspect, anchor_ns: int) -> tuple[int, int]:
    name = suspect.path.rsplit("/", 1)[-1]
    text = decoded(request.target)
    points = 0
    if name and (name in text or suspect.path in text):
        points += 2
    if request.method == "PUT" and request.path == suspect.url_path:
        points += 3
    if request.method in ("POST", "PUT"):
        points += 1
    return points, -(anchor_ns - request.time_ns)


def link_file(
    con: Any, sites: Sites, suspect: Suspect, skew_ns: int, script_urls: dict[str, set[str]], has_requests: bool
) -> Link:
    """The request that most likely created ``suspect``, and the later requests that used it."""
    anchors = _anchors(suspect)
    creator: Request | None = None
    alternatives: list[Request] = []
    anchor, anchor_ns = "", None
    if has_requests:
        for name, value in anchors:
            found = _creators(con, sites, suspect, value, skew_ns, script_urls)
            if found:
                ranked = sorted(found, key=lambda r: _score(r, suspect, value), reverse=True)
                creator, alternatives, anchor, anchor_ns = ranked[0], ranked[1:6], name, value
                break
    later, later_count = _later(con, sites, suspect, anchor_ns if anchor_ns is not None else first_time(suspect))
    skew_s = skew_ns / NS
    if creator is not None and anchor_ns is not None:
        delta = anchor_ns - creator.time_ns
        notes = []
        if anchor != "birth":
            notes.append(
                f"matched on its {anchor} time: "
                + (
                    "the file system recorded no birth time"
                    if suspect.btime_ns is None
                    else "no such request preceded its birth time (the birth time may come from a later copy)"
                )
            )
        confidence = min(0.95, 0.55 + (0.2 if anchor == "birth" else 0.0) + (0.1 if not alternatives else 0.0))
        if _score(creator, suspect, anchor_ns)[0] >= 2:
            confidence = min(0.95, confidence + 0.1)
        reason = (
            f"{creator.method} {creator.path} from {creator.ip} was logged {delta / NS:.1f} s before the file's "
            f"{anchor} time" + (f" ({len(alternatives)} other request(s) in the window)" if alternatives else "")
        )
        if notes:
            reason += "; " + "; ".join(notes)
        return Link(
            suspect, anchor, anchor_ns, creator, tuple(alternatives), delta, confidence, reason, later, later_count
        )
    gap = _gap(con, sites, suspect, anchors, skew_s, has_requests)
    return Link(suspect, "", None, None, (), None, 0.0, gap, later, later_count, gap)


def _later(con: Any, sites: Sites, suspect: Suspect, since_ns: int) -> tuple[tuple[Request, ...], int]:
    """Requests for the file's URL on its site, or naming its host path in their query, from ``since_ns`` on."""
    clauses: list[str] = []
    params: list[Any] = []
    if suspect.url_path is not None:
        where, site_params = site_filter(sites, suspect.site)
        clauses.append(f"({where} AND path = ?)")
        params += [*site_params, suspect.url_path]
    if suspect.path.startswith(TEMP_DIRS) or suspect.url_path is None:
        clauses.append("(contains(target, '?') AND contains(url_decode(replace(target, '+', ' ')), ?))")
        params.append(suspect.path)
    if not clauses:
        return (), 0
    where = "(" + " OR ".join(clauses) + ") AND time_ns >= ?"
    params.append(since_ns - LOG_PRECISION_NS)
    total = int(con.execute(f"SELECT count(*) FROM web_requests WHERE {where}", params).fetchone()[0])  # noqa: S608
    return tuple(query_requests(con, sites, where, params, MAX_LATER)), total


def _gap(
    con: Any, sites: Sites, suspect: Suspect, anchors: list[tuple[str, int]], skew_s: float, has_requests: bool
) -> str:
    what = f"could not establish the request that created {suspect.path}"
    if not has_requests:
        return f"{what}: the case holds no web access log requests"
    if not anchors:
        return f"{what}: the file has no times to match"
    where, params = site_filter(sites, suspect.site)
    site = f"the access logs of {suspect.site}" if suspect.site else "the access logs"
    hour = 3600 * NS
    covered = []
    for name, value in anchors:
        near = con.execute(
            f"SELECT count(*) FROM web_requests WHERE {where} AND time_ns BETWEEN ? AND ?",  # noqa: S608
            [*params, value - hour, value + hour],
        ).fetchone()[0]
        covered.append((name, value, int(near)))
    last = con.execute(f"SELECT max(time_ns) FROM web_requests WHERE {where}", params).fetchone()[0]  # noqa: S608
    parts: list[str] = []
    inode_times = [(name, value, n) for name, value, n in covered if name != "modification"]
    if inode_times and last is not None and all(value > int(last) + hour for _, value, _ in inode_times):
        parts.append(
            f"its birth and change times lie after the last request in {site} ({format_ns(int(last))}), so they "
            "probably come from a later copy or restore of the file, not from its creation"
        )
    else:
        parts += [
            f"{site} hold no request within an hour of its {name} time {format_ns(value)}: the log covering that time "
            "is missing, rotated away or was wiped"
            for name, value, n in inode_times
            if n == 0
        ]
    for name, value, n in covered:
        if name != "modification":
            continue
        if n == 0:
            parts.append(
                f"{site} hold no request within an hour of its modification time {format_ns(value)}: the log covering "
                "that time is missing, rotated away or was wiped"
            )
        else:
            parts.append(f"its modification time {format_ns(value)} matched no request (it may be forged)")
    parts.insert(
        0,
        f"no PUT, no POST to a script and no call of a suspicious script in {site} within {skew_s:g} s before "
        f"its {', '.join(name for name, _ in anchors)} time(s)",
    )
    return f"{what}: " + "; ".join(parts)


def link_all(con: Any, sites: Sites, suspects: list[Suspect], skew_ns: int, has_requests: bool) -> list[Link]:
    """Link every suspect; scripts in web roots are known first, so commands sent through them count."""
    script_urls: dict[str, set[str]] = {}
    for suspect in suspects:
        if is_shell(suspect) and suspect.site is not None and suspect.url_path is not None:
            script_urls.setdefault(suspect.site, set()).add(suspect.url_path)
    return [link_file(con, sites, s, skew_ns, script_urls, has_requests) for s in suspects]


def is_shell(suspect: Suspect) -> bool:
    """A script in a web root rated high or worse: requests to it are the attacker at work.

    Medium findings (odd times, a quiet-hour change) name ordinary site scripts
    too; treating those as webshells would make every visitor an attacker.
    """
    return (
        suspect.url_path is not None
        and suspect.type == "f"
        and suspect.severity >= Severity.HIGH
        and SCRIPT_EXT.search(suspect.path) is not None
    )
