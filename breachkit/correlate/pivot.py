"""Pivots: from the addresses involved to everything they did, from the web server account to what it wrote.

Address pivot: every request of each address on every site (``web_requests``)
and every auth-log, wtmp and btmp event with that address (``events``). The
addresses come from the links (the creating requests and the requests that
used a dropped script) plus the addresses named inside the commands sent
through a webshell (a download or control host: ``curl http://198.51.100.23/…``).

Account pivot: every file the web server's account (``www-data``, ``apache``,
``nginx`` …) owns that was born, changed or modified inside the attack window
(``files``). Attackers who came in through the web server work as that
account, so this lists what they wrote even where no request could be matched.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from breachkit.correlate.links import Sites, command_of, query_requests
from breachkit.correlate.model import AddressActivity, Link, Request, ServiceChange
from breachkit.findings import Severity

#: Accounts web servers run as on common distributions.
WEB_USERS = ("www-data", "apache", "nginx", "http", "wwwrun", "lighttpd")
MAX_SERVICE_CHANGES = 200
MAX_SAMPLES = 5
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
#: Successful logins in the events table (auth.log and wtmp).
LOGIN_KINDS = ("ssh-accept", "login")


def involved_clients(links: Iterable[Link]) -> list[str]:
    """Addresses that created a suspicious file, or called a suspicious script, in order of first appearance."""
    seen: dict[str, int] = {}
    for link in links:
        requests: list[Request] = []
        if link.creator is not None:
            # A file tied to its creating request: whoever created it and whoever used it is involved.
            requests = [link.creator, *(r for r in link.later if r.status is None or r.status < 400)]
        elif link.file.severity >= Severity.HIGH:
            # Not tied: only those who sent it commands or posted to it.
            requests = [r for r in link.later if r.method in ("POST", "PUT") or command_of(r.target) is not None]
        for request in requests:
            if request.time_ns < seen.get(request.ip, 1 << 62):
                seen[request.ip] = request.time_ns
    return [ip for ip, _ in sorted(seen.items(), key=lambda item: item[1])]


def mentioned_addresses(requests: Iterable[Request], exclude: set[str]) -> dict[str, list[Request]]:
    """Public addresses named in the commands the requests carried (download and control hosts)."""
    found: dict[str, list[Request]] = {}
    for request in requests:
        # Only commands: an address in an ordinary query string (a form field, a tracking parameter) says nothing.
        command = command_of(request.target)
        for match in _IPV4.finditer(command or ""):
            try:
                address = ipaddress.ip_address(match.group(1))
            except ValueError:
                continue
            if address.is_loopback or address.is_unspecified or str(address) in exclude:
                continue
            found.setdefault(str(address), []).append(request)
    return found


def address_activity(
    con: Any, sites: Sites, ip: str, role: str, has_events: bool, mentioned_in: tuple[Request, ...] = ()
) -> AddressActivity:
    row = con.execute(
        "SELECT count(*), min(time_ns), max(time_ns), count(*) FILTER (WHERE status >= 400) "
        "FROM web_requests WHERE ip = ?",
        [ip],
    ).fetchone()
    total, first, last, errors = int(row[0]), row[1], row[2], int(row[3] or 0)
    methods = {
        str(m): int(n)
        for m, n in con.execute(
            "SELECT method, count(*) FROM web_requests WHERE ip = ? GROUP BY method ORDER BY 2 DESC", [ip]
        ).fetchall()
    }
    logs = [str(s) for (s,) in con.execute("SELECT DISTINCT site FROM web_requests WHERE ip = ?", [ip]).fetchall()]
    named = sorted({sites.name_of(log, None) or log for log in logs})
    auth: dict[str, int] = {}
    if has_events:
        for source, kind, number, low, high in con.execute(
            "SELECT source, kind, count(*), min(time_ns), max(time_ns) FROM events "
            "WHERE ip = ? AND source <> 'web-access' GROUP BY source, kind ORDER BY 3 DESC",
            [ip],
        ).fetchall():
            auth[f"{source}:{kind}"] = int(number)
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    logged_in = any(key.split(":", 1)[1] in LOGIN_KINDS for key in auth)
    samples = tuple(query_requests(con, sites, "ip = ?", [ip], MAX_SAMPLES))
    return AddressActivity(
        ip=ip,
        role=role,
        requests=total,
        sites=tuple(named),
        first_ns=int(first) if first is not None else None,
        last_ns=int(last) if last is not None else None,
        methods=methods,
        errors=errors,
        auth=auth,
        logged_in=logged_in,
        mentioned_in=mentioned_in[:MAX_SAMPLES],
        samples=samples,
    )


def pivot_addresses(con: Any, sites: Sites, links: list[Link], has_events: bool) -> list[AddressActivity]:
    clients = involved_clients(links)
    result = [address_activity(con, sites, ip, "client", has_events) for ip in clients]
    if clients:
        sent = query_requests(con, sites, "list_contains(?, ip) AND contains(target, '?')", [clients], 100_000)
        for ip, where in mentioned_addresses(sent, set(clients)).items():
            result.append(address_activity(con, sites, ip, "mentioned", has_events, tuple(where)))
    return result


def service_changes(con: Any, start_ns: int, end_ns: int) -> tuple[list[ServiceChange], int]:
    """Files of the web server accounts born, changed or modified in the window (first ones, and the count)."""
    where = (
        "list_contains(?, user_name) AND (btime_ns BETWEEN ? AND ? OR ctime_ns BETWEEN ? AND ? "
        "OR mtime_ns BETWEEN ? AND ?)"
    )
    params: list[Any] = [list(WEB_USERS), start_ns, end_ns, start_ns, end_ns, start_ns, end_ns]
    total = int(con.execute(f"SELECT count(*) FROM files WHERE {where}", params).fetchone()[0])  # noqa: S608
    rows = con.execute(
        f"""
        SELECT path, user_name, type,
            CASE WHEN btime_ns BETWEEN $2 AND $3 THEN 'born'
                 WHEN ctime_ns BETWEEN $2 AND $3 THEN 'changed' ELSE 'modified' END AS what,
            CASE WHEN btime_ns BETWEEN $2 AND $3 THEN btime_ns
                 WHEN ctime_ns BETWEEN $2 AND $3 THEN ctime_ns ELSE mtime_ns END AS t
        FROM files
        WHERE list_contains($1, user_name)
          AND (btime_ns BETWEEN $2 AND $3 OR ctime_ns BETWEEN $2 AND $3 OR mtime_ns BETWEEN $2 AND $3)
        ORDER BY t, path LIMIT {MAX_SERVICE_CHANGES}
        """,  # noqa: S608
        [list(WEB_USERS), start_ns, end_ns],
    ).fetchall()
    return [ServiceChange(str(p), str(u), str(w), int(t), str(k)) for p, u, k, w, t in rows], total
