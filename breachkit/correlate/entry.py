"""The likely entry point: the request that let the attacker in, ranked with its reasoning.

Candidates are the requests that created a suspicious file in a web root or a
temp folder *without* going through an already-dropped script (those are the
attacker at work, not getting in). Each gets points for what makes an entry
request: it preceded the first dropped file, it went to an admin or upload
script, its address never logged in on that site, its address then used what
it dropped, its address probed the site first. The reasons are kept in words.
"""

from __future__ import annotations

from typing import Any

from breachkit.correlate.links import Sites, is_shell, site_filter
from breachkit.correlate.model import EntryCandidate, Link
from breachkit.logs.web import ADMIN_POST, LOGIN

#: Failed requests from one address before the entry that make a probe.
PROBE_ERRORS = 10


def _shell_urls(links: list[Link]) -> set[tuple[str | None, str]]:
    return {(link.file.site, link.file.url_path) for link in links if is_shell(link.file) and link.file.url_path}


def _logged_in(con: Any, sites: Sites, site: str | None, ip: str) -> bool:
    where, params = site_filter(sites, site)
    row = con.execute(
        f"SELECT count(*) FROM web_requests WHERE {where} AND ip = ? AND method = 'POST' "  # noqa: S608
        "AND status BETWEEN 200 AND 399 AND regexp_matches(path, ?, 'i')",
        [*params, ip, LOGIN.pattern],
    ).fetchone()
    return bool(row and row[0])


def _probe_errors(con: Any, sites: Sites, site: str | None, ip: str, before_ns: int) -> int:
    where, params = site_filter(sites, site)
    row = con.execute(
        f"SELECT count(*) FROM web_requests WHERE {where} AND ip = ? AND status >= 400 AND time_ns < ?",  # noqa: S608
        [*params, ip, before_ns],
    ).fetchone()
    return int(row[0]) if row else 0


def rank_entry_points(con: Any, sites: Sites, links: list[Link]) -> list[EntryCandidate]:
    """Entry-point candidates, best first."""
    shells = _shell_urls(links)
    anchored = [link for link in links if link.anchor_ns is not None]
    first_ns = min((link.anchor_ns for link in anchored if link.anchor_ns is not None), default=None)
    candidates: list[EntryCandidate] = []
    seen: set[tuple[str, int]] = set()
    for link in anchored:
        request = link.creator
        if request is None or link.anchor_ns is None:
            continue
        if (request.site, request.path) in shells or (None, request.path) in shells:
            continue  # a dropped script at work: the attacker was already in
        key = (request.source_file, request.source_line)
        if key in seen:
            continue
        seen.add(key)
        score = 0
        reasons: list[str] = []
        if link.anchor_ns == first_ns:
            score += 3
            reasons.append(f"it preceded the first dropped file ({link.file.path})")
        else:
            reasons.append(f"it preceded the dropped file {link.file.path}")
        if request.method in ("POST", "PUT"):
            score += 1
            if ADMIN_POST.search(request.path):
                score += 2
                reasons.append(f"it went to an admin or upload script ({request.path})")
        if not _logged_in(con, sites, link.file.site or request.site, request.ip):
            score += 2
            reasons.append(f"{request.ip} never logged in on this site")
        if any(r.ip == request.ip and r.time_ns >= request.time_ns for r in link.later):
            score += 1
            reasons.append(f"{request.ip} then requested what it had dropped")
        errors = _probe_errors(con, sites, link.file.site or request.site, request.ip, request.time_ns)
        if errors >= PROBE_ERRORS:
            score += 1
            reasons.append(f"{request.ip} probed the site first ({errors} failed requests)")
        if link.anchor == "birth":
            score += 1
            reasons.append(f"the file was born {link.delta_ns / 1e9 if link.delta_ns else 0:.1f} s after it")
        candidates.append(
            EntryCandidate(
                request=request,
                created=link.file.path,
                created_ns=link.anchor_ns,
                score=score,
                reasons=tuple(reasons),
            )
        )
    return sorted(candidates, key=lambda c: (-c.score, c.request.time_ns))
