"""Correlation: how they got in and what they did, from the case tables.

:func:`correlate` reads a case after ``breachkit triage`` (or the timeline and
logs commands with ``--case``): the ``files`` table, ``web_requests``,
``events`` (``<case>/db/case.duckdb``), the findings (``db/findings.jsonl``,
or given by the caller) and the web server configuration in the newest
evidence bundle. It links each suspicious file to the requests that could have
created and used it (:mod:`.links`), pivots on the addresses involved and on
the web server account (:mod:`.pivot`), ranks the entry point (:mod:`.entry`)
and tells the story (:mod:`.story`). Whatever is missing (no web logs, no
birth times, no web configuration) is said in :attr:`Correlation.gaps`.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.web.config import read_config
from breachkit.correlate.entry import rank_entry_points
from breachkit.correlate.links import (
    DEFAULT_SKEW_S,
    NS,
    Sites,
    burst_windows,
    hidden_parents,
    link_all,
    load_suspects,
    suspects_from_bursts,
    suspects_from_findings,
)
from breachkit.correlate.model import (
    AddressActivity,
    Correlation,
    EntryCandidate,
    Link,
    Request,
    ServiceChange,
    StoryLine,
    Suspect,
)
from breachkit.correlate.pivot import pivot_addresses, service_changes
from breachkit.correlate.story import tell
from breachkit.errors import BreachkitError
from breachkit.findings import Evidence, Finding, Severity
from breachkit.hostzone import HostZone, host_zone
from breachkit.logs.webload import WEB_COLUMNS
from breachkit.sources.base import Source
from breachkit.sources.bundle import BundleSource
from breachkit.timeline.window import format_ns

#: Margin around the linked activity for the web server account pivot.
WINDOW_MARGIN_NS = 120 * NS
REPORT_NAME = "correlation.json"
#: Files correlated at most (each costs a few queries over the requests).
MAX_SUSPECTS = 400
_EMPTY_WEB = ", ".join(f'"{name}" {kind}' for name, kind in WEB_COLUMNS)


class CorrelationError(BreachkitError):
    """The case cannot be correlated (no case tables yet)."""


def correlate(
    case_root: Path,
    findings: Iterable[Finding] | None = None,
    *,
    skew_s: float = DEFAULT_SKEW_S,
    bundle: Path | None = None,
    source: Source | None = None,
) -> Correlation:
    """Correlate the case at ``case_root``; ``findings`` default to the case's ``db/findings.jsonl``.

    The web server configuration and the host's zone are read from ``source``
    (the examined root, which has every configuration file and its symlinks)
    when given, else from ``bundle`` or the case's newest bundle.
    """
    case_root = Path(case_root)
    if not tables.db_path(case_root).is_file():
        raise CorrelationError(f"{case_root} has no case tables yet: run 'breachkit triage --case {case_root}' first")
    gaps: list[str] = []
    if findings is None:
        findings = read_findings(case_root / "db" / "findings.jsonl", gaps)
    sites, zone = _host_facts(case_root, bundle, source, gaps)
    con = tables.connect(case_root, read_only=True)
    try:
        present = {str(name) for (name,) in con.execute("SELECT name FROM (SHOW TABLES)").fetchall()}
        if not sites.known and {"files", "web_requests"} <= present:
            guess_sites(con, sites, gaps)
        return _correlate(con, present, list(findings), sites, zone, int(skew_s * NS), gaps)
    finally:
        con.close()


def _correlate(
    con: Any, present: set[str], findings: list[Finding], sites: Sites, zone: HostZone, skew_ns: int, gaps: list[str]
) -> Correlation:
    if "files" not in present:
        gaps.append("the case has no file timeline (files table): no file could be examined")
        return Correlation((), (), (), 0, (), (), tuple(gaps), zone.name, None, None, skew_ns, _site_roots(sites))
    has_requests = "web_requests" in present and bool(con.execute("SELECT count(*) FROM web_requests").fetchone()[0])
    if not has_requests:
        gaps.append("the case holds no web access log requests: no file could be tied to the request that created it")
        if "web_requests" not in present:
            # An empty stand-in, so every query below runs unchanged and finds nothing.
            con.execute(f"CREATE TEMP TABLE web_requests ({_EMPTY_WEB})")
    has_events = "events" in present
    wanted = suspects_from_findings(findings)
    bursts = burst_windows(con, zone.zone, zone.name)
    for path, item in suspects_from_bursts(con, bursts).items():
        wanted.setdefault(path, item)
    for folder, item in hidden_parents(wanted).items():
        wanted.setdefault(folder, item)
    if len(wanted) > MAX_SUSPECTS:
        # Each file costs a few queries over the requests: the most severe first, the rest counted.
        keep = sorted(wanted.items(), key=lambda item: (-item[1][2], item[0]))[:MAX_SUSPECTS]
        gaps.append(
            f"{len(wanted) - MAX_SUSPECTS} less severe suspicious file(s) beyond the first {MAX_SUSPECTS} were not correlated"
        )
        wanted = dict(keep)
    suspects = load_suspects(con, wanted, sites)
    missing = sorted(set(wanted) - {s.path for s in suspects})
    if missing:
        gaps.append(f"{len(missing)} file(s) named by findings are not in the file timeline: {', '.join(missing[:5])}")
    if not suspects:
        gaps.append("no suspicious file in a web root, temp folder or scheduled job to correlate")
    elif all(s.btime_ns is None for s in suspects):
        gaps.append("the file system recorded no birth times: change and modification times were matched instead")
    links = link_all(con, sites, suspects, skew_ns, has_requests)
    entries = rank_entry_points(con, sites, links) if has_requests else []
    if has_requests and links and not entries:
        gaps.append("could not establish the entry point: no dropped file could be tied to the request that created it")
    addresses = pivot_addresses(con, sites, links, has_events) if has_requests else []
    start, end = _window(links, bursts)
    changes: list[ServiceChange] = []
    total = 0
    if start is not None and end is not None:
        changes, total = service_changes(con, start, end)
    else:
        gaps.append("no attack window could be established: the web server account's changes are not listed")
    # Files only medium findings named (odd times, quiet-hour changes) are listed, not counted as gaps.
    gaps += [link.gap for link in links if link.gap and link.file.severity >= Severity.HIGH]
    story = tell(links, entries, addresses, zone.zone)
    return Correlation(
        links=tuple(links),
        addresses=tuple(addresses),
        service_changes=tuple(changes),
        service_changes_total=total,
        entry_points=tuple(entries),
        story=tuple(story),
        gaps=tuple(gaps),
        zone=zone.name,
        window_start_ns=start,
        window_end_ns=end,
        skew_ns=skew_ns,
        sites=_site_roots(sites),
    )


def _site_roots(sites: Sites) -> dict[str, str]:
    return {name: root for root, name in sites.roots}


def _window(links: list[Link], bursts: list[tuple[int, int]]) -> tuple[int | None, int | None]:
    """From the first linked request to the last linked file or attacker request, with a margin.

    Without any link, the off-hours bursts that saw a suspicious file born stand in for it.
    """
    times: list[int] = []
    for link in links:
        if link.creator is not None and link.anchor_ns is not None:
            times += [link.creator.time_ns, link.anchor_ns]
            times += [r.time_ns for r in link.later]
    if not times:
        for start, end in bursts:
            if any(link.file.btime_ns is not None and start <= link.file.btime_ns <= end for link in links):
                times += [start, end]
    if not times:
        return None, None
    return min(times) - WINDOW_MARGIN_NS, max(times) + WINDOW_MARGIN_NS


def _host_facts(case_root: Path, bundle: Path | None, source: Source | None, gaps: list[str]) -> tuple[Sites, HostZone]:
    """The web server configuration and the host's zone, from ``source`` or the newest bundle of the case."""
    sites = Sites()
    opened: Source | None = None
    if source is None:
        path = bundle if bundle is not None else newest_bundle(case_root)
        if path is None:
            gaps.append("the case holds no evidence bundle: no web server configuration, times shown in UTC")
            return sites, HostZone("UTC", zoneinfo.ZoneInfo("UTC"), "no bundle: UTC assumed")
        source = opened = BundleSource(path)
    try:
        zone = host_zone(source)
        config = read_config(source, Problems())
    finally:
        if opened is not None:
            opened.close()
    for vhost in config.vhosts:
        name = vhost.name
        if vhost.document_root:
            sites.roots.append((vhost.document_root.rstrip("/") or "/", name))
        for spec in vhost.access_logs:
            sites.logs.setdefault(spec.path, name)
        for host in vhost.names:
            sites.names.setdefault(host.lower(), name)
    return sites, zone


#: ``/var/log/apache2/shop.example.com_access.log``, ``/var/log/nginx/shop.example.com.access.log`` …
_LOG_DOMAIN = re.compile(r"/([a-z0-9][a-z0-9.-]*\.[a-z]{2,})[._-](?:access|ssl_access|access_log)", re.IGNORECASE)
_DOCROOT_NAMES = ("htdocs", "public_html", "html", "www", "web", "public")


def guess_sites(con: Any, sites: Sites, gaps: list[str]) -> None:
    """Without a configuration: map ``<domain>_access.log`` to ``/var/www/<domain>[/htdocs…]`` when both exist.

    The common hosting layout; every guess is said in the gaps.
    """
    logs = [str(s) for (s,) in con.execute("SELECT DISTINCT site FROM web_requests").fetchall() if s]
    guessed: list[str] = []
    for log in logs:
        match = _LOG_DOMAIN.search(log)
        if not match:
            continue
        domain = match.group(1).lower()
        candidates = [f"/var/www/{domain}/{name}" for name in _DOCROOT_NAMES] + [f"/var/www/{domain}", f"/srv/{domain}"]
        present = {
            str(p)
            for (p,) in con.execute(
                "SELECT path FROM files WHERE type = 'd' AND list_contains(?, path)", [candidates]
            ).fetchall()
        }
        root = next((c for c in candidates if c in present), None)
        if root is None:
            continue
        sites.roots.append((root, domain))
        sites.logs[log] = domain
        sites.names.setdefault(domain, domain)
        guessed.append(f"{domain} -> {root}")
    if guessed:
        gaps.append(
            "no web server configuration with a DocumentRoot was found: sites were mapped by the usual layout "
            "(log named after the domain, files under /var/www/<domain>): " + ", ".join(guessed)
        )
    else:
        gaps.append(
            "no web server configuration with a DocumentRoot was found: files could not be mapped to sites, so "
            "requests were matched on every site and later requests for a file's URL could not be counted"
        )


def newest_bundle(case_root: Path) -> Path | None:
    folder = Path(case_root) / "evidence" / "bundles"
    try:
        bundles = [p for p in folder.iterdir() if (p / "walk.jsonl").is_file()]
    except OSError:
        return None
    return max(bundles, key=lambda p: (p.stat().st_mtime_ns, p.name)) if bundles else None


def read_findings(path: Path, gaps: list[str]) -> list[Finding]:
    """Findings from a ``findings.jsonl`` written by triage (lines that do not parse are counted)."""
    found: list[Finding] = []
    bad = 0
    try:
        handle = path.open("rb")
    except OSError:
        gaps.append(f"no findings in the case ({path.name} is missing): only files born in bursts were examined")
        return found
    with handle:
        for raw in handle:
            try:
                found.append(Finding.from_json(json.loads(raw)))
            except ValueError:  # JSON errors are ValueErrors too
                bad += 1
    if bad:
        gaps.append(f"{bad} line(s) of {path.name} could not be read as findings")
    return found


def write_report(case_root: Path, correlation: Correlation) -> Path:
    """``report/correlation.json`` (ASCII JSON)."""
    report = Path(case_root) / "report" / REPORT_NAME
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(correlation.to_json(), ensure_ascii=True, indent=2, sort_keys=True) + "\n", "ascii")
    return report


def triage_findings(
    case: Any,
    findings: Iterable[Finding] | None = None,
    *,
    source: Source | None = None,
    skew_s: float = DEFAULT_SKEW_S,
) -> list[Finding]:
    """Triage hook: correlate the case and return the entry point, story, addresses and gaps as findings.

    ``findings`` are those of the analyses that ran before (triage writes
    ``db/findings.jsonl`` only at the end); ``source`` is the examined root
    (for the web server configuration). Writes ``report/correlation.json``.
    """
    correlation = correlate(case.root, findings, skew_s=skew_s, source=source)
    write_report(case.root, correlation)
    return as_findings(correlation)


def _request_evidence(request: Request, note: str) -> Evidence:
    excerpt = f"{request.ip} {request.method} {request.target} {request.status if request.status is not None else '-'}"
    return Evidence(path=request.source_file, line=request.source_line, excerpt=excerpt, note=note)


def _file_evidence(suspect: Suspect, note: str) -> Evidence:
    return Evidence(path=suspect.path, sha256=suspect.sha256, note=note)


def as_findings(correlation: Correlation) -> list[Finding]:
    """The correlation as findings: entry point, story, addresses, web account changes, gaps."""
    found: list[Finding] = []
    linked = {link.file.path: link for link in correlation.links}
    if correlation.entry_points:
        best = correlation.entry_points[0]
        request = best.request
        created = linked[best.created].file
        others = [
            _request_evidence(c.request, f"other candidate (score {c.score}): " + "; ".join(c.reasons))
            for c in correlation.entry_points[1:4]
        ]
        found.append(
            Finding(
                check="correlate.entry-point",
                title=f"Likely entry point: {request.method} {request.path}"
                + (f" on {request.site}" if request.site else "")
                + f" from {request.ip}",
                severity=Severity.CRITICAL if best.score >= 6 else Severity.HIGH,
                confidence=min(0.95, 0.4 + 0.07 * best.score),
                reason="Ranked first because " + "; ".join(best.reasons) + ".",
                evidence=(
                    _request_evidence(request, "the request"),
                    _file_evidence(created, "the file it created"),
                    *others,
                ),
                next_step=(
                    f"Read {request.path} on the site: does it check the login and the file type? Patch or remove it "
                    "before the site goes back online; keep the log line and the file as evidence."
                ),
            )
        )
    if correlation.story:
        first = correlation.story[0]
        found.append(
            Finding(
                check="correlate.story",
                title=f"How the attack unfolded ({len(correlation.story)} step(s) from {first.utc})",
                severity=Severity.HIGH if correlation.entry_points else Severity.MEDIUM,
                confidence=0.8 if correlation.entry_points else 0.5,
                reason=" ".join(f"{line.utc}: {line.text}." for line in correlation.story[:3]),
                evidence=tuple(_ref_evidence(line) for line in correlation.story),
                next_step="breachkit correlate CASE shows the whole story, the addresses and what they did.",
            )
        )
    clients = [a for a in correlation.addresses if a.role == "client"]
    if correlation.addresses:
        found.append(
            Finding(
                check="correlate.addresses",
                title="Addresses involved in the attack: " + ", ".join(a.ip for a in correlation.addresses),
                severity=Severity.HIGH,
                confidence=0.8 if clients else 0.5,
                reason=(
                    "These addresses created or used the suspicious files, or were named in the commands sent "
                    "through them (download or control hosts)."
                ),
                evidence=tuple(Evidence(note=_address_note(a)) for a in correlation.addresses),
                next_step="Block them at the firewall, and search the other servers' logs for them (breachkit hunt).",
            )
        )
    if correlation.service_changes:
        found.append(
            Finding(
                check="correlate.web-account-changes",
                title=f"Files the web server account wrote in the attack window ({correlation.service_changes_total})",
                severity=Severity.MEDIUM,
                confidence=0.6,
                reason=(
                    "An attacker who got in through the web server works as its account: everything that account "
                    "created or changed in the window is the attacker's or collateral of the attack."
                ),
                evidence=tuple(
                    Evidence(path=c.path, note=f"{c.what} {format_ns(c.time_ns)} by {c.user}")
                    for c in correlation.service_changes[:40]
                ),
                next_step="Check each file; remove what the attacker wrote and restore the rest from a clean backup.",
            )
        )
    if correlation.gaps:
        found.append(
            Finding(
                check="correlate.gaps",
                title="What correlation could not establish",
                severity=Severity.INFO,
                confidence=1.0,
                reason=f"{len(correlation.gaps)} thing(s) could not be established from the evidence in the case.",
                evidence=tuple(Evidence(note=gap) for gap in correlation.gaps),
                next_step="Look for the missing logs in backups, the hosting provider's logs or a central log server.",
            )
        )
    return found


def _ref_evidence(line: StoryLine) -> Evidence:
    """A story line as evidence: its first reference (``log:line`` or a host path) and the sentence."""
    note = f"{line.utc} ({line.local}): {line.text}"
    if not line.refs:
        return Evidence(note=note)
    ref = line.refs[0]
    where, _, number = ref.rpartition(":")
    if where and number.isdigit():
        return Evidence(path=where, line=int(number), note=note)
    return Evidence(path=ref, note=note)


def _address_note(address: AddressActivity) -> str:
    if address.role == "mentioned":
        return f"{address.ip}: named in {len(address.mentioned_in)} command(s) sent through a webshell; {address.requests} request(s) of its own"
    auth = ", ".join(f"{k} x{v}" for k, v in address.auth.items()) or "none"
    return (
        f"{address.ip}: {address.requests} web request(s) on {', '.join(address.sites) or '-'}, {address.errors} failed; "
        f"auth events: {auth}; {'logged in' if address.logged_in else 'never logged in'}"
    )


__all__ = [
    "REPORT_NAME",
    "AddressActivity",
    "Correlation",
    "CorrelationError",
    "EntryCandidate",
    "Link",
    "Request",
    "ServiceChange",
    "StoryLine",
    "Suspect",
    "as_findings",
    "correlate",
    "guess_sites",
    "newest_bundle",
    "read_findings",
    "triage_findings",
    "write_report",
]
