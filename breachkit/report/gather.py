"""Read a case folder into a :class:`~breachkit.report.model.Report`.

What it reads, all inside the case (the evidence itself is not touched):

* ``db/findings.jsonl`` — every finding (:func:`breachkit.correlate.read_findings`);
* ``report/correlation.json`` — entry point, story, addresses, linked files
  (computed on the spot when a case has tables but no correlation yet);
* ``db/case.duckdb`` — the heat map, the incident chart, secrets at risk and
  log-ins of the attacker's addresses (SQL; nothing is loaded whole);
* ``db/indicators.json``, ``journal.jsonl`` (actions, and its verification),
  ``playbook.json`` and the evidence store (manifest hashes re-checked).

A file that is missing or damaged becomes a line in :attr:`Report.problems`
or :attr:`Report.gaps`; the report is still written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from breachkit import correlate, tables
from breachkit.case import Case
from breachkit.case.journal import file_sha256, iter_entries, read_head
from breachkit.errors import BreachkitError
from breachkit.findings import Finding
from breachkit.host.collect import bundle_path_for
from breachkit.host.toolinfo import VERSION
from breachkit.hostzone import HostZone, host_zone
from breachkit.indicators import CASE_FILE as INDICATORS_FILE
from breachkit.indicators.model import Indicator
from breachkit.playbook.state import next_step, view
from breachkit.report.charts import heat_view, incident_chart
from breachkit.report.graph import attack_graph
from breachkit.report.lessons import Facts, derive
from breachkit.report.model import (
    Account,
    Action,
    Address,
    AttackGraph,
    DataAtRisk,
    DroppedFile,
    EntryPoint,
    EvidenceItem,
    FindingItem,
    HeatMapView,
    IndicatorItem,
    PlaybookItem,
    Report,
    RequestItem,
    StoryItem,
    TimelineChart,
)
from breachkit.report.summary import summarize
from breachkit.sources.bundle import BundleSource

NS = 1_000_000_000
#: Evidence items kept per finding in the report (all of them stay in db/findings.jsonl).
MAX_EVIDENCE = 25
#: Files with secrets listed at most.
MAX_SECRETS = 100
#: Journal entries shown at most (the newest; the journal itself has them all).
MAX_ACTIONS = 500
HIGH = 3
#: Names of files that usually hold database passwords, keys and tokens in a web root.
SECRET_NAMES = re.compile(
    r"/(wp-config\.php|config(uration)?\.(php|inc\.php|ini|ya?ml|json|xml)|config\.inc\.php|settings(\.local)?\.php"
    r"|local\.xml|env\.php|parameters\.ya?ml|database\.(php|ya?ml)|secrets?\.(php|ya?ml|json)|\.env(\.[a-z]+)?"
    r"|\.htpasswd|\.my\.cnf|\.pgpass|credentials(\.json)?|id_(rsa|ecdsa|ed25519)|[^/]*\.(sql|sql\.gz|pem|key))$",
    re.IGNORECASE,
)
#: Margin around the attack window in which a secret's access time counts as "read during the attack".
READ_MARGIN_NS = 15 * 60 * NS


def gather(case_root: str | Path, *, now: datetime | None = None) -> Report:
    """Everything the report says about the case at ``case_root``."""
    case = Case.open(case_root)
    root = case.root
    problems: list[str] = []
    gaps: list[str] = []
    indicators = _indicators(root, problems)
    findings = correlate.read_findings(root / "db" / "findings.jsonl", problems)
    corr = _correlation(root, findings, problems)
    gaps.extend(str(g) for g in corr.get("gaps") or ())
    zone = _zone(root)
    present, con = _tables(root)
    try:
        story = tuple(_story(corr))
        entries = [_entry(item, zone.zone) for item in corr.get("entry_points") or () if isinstance(item, Mapping)]
        entry = entries[0] if entries else None
        attack_links = [link for link in corr.get("links") or () if _is_attack(link)]
        dropped = _with_hashes(root, tuple(_dropped(link, zone.zone) for link in attack_links))
        addresses = tuple(_address(a, zone.zone) for a in corr.get("addresses") or () if isinstance(a, Mapping))
        addresses += _other_addresses(indicators, {a.ip for a in addresses})
        window = _window(corr)
        affected = [str(s) for s in corr.get("affected_sites") or ()]
        site_roots = {str(k): str(v) for k, v in (corr.get("sites") or {}).items()}
        accounts = _accounts(con, present, dropped, corr, [a.ip for a in addresses])
        secrets = _secrets(con, present, [(s, site_roots[s]) for s in affected if s in site_roots], window)
        heat, chart = _charts(con, present, zone, window, [a.ip for a in addresses if a.role == "client"], corr)
    finally:
        if con is not None:
            con.close()
    items = tuple(_finding_item(f) for f in findings)
    by_severity: dict[str, int] = {}
    for item in items:
        by_severity[item.severity] = by_severity.get(item.severity, 0) + 1
    journal = _journal(root, problems)
    try:
        steps = view(case)
    except BreachkitError as exc:  # a damaged playbook.json must not cost the whole report
        problems.append(f"the playbook could not be read: {exc}")
        steps = []
    upcoming = next_step(steps)
    verified = case.verify()
    head = read_head(root / "journal.head")
    report_facts = Facts(
        items,
        entry,
        dropped,
        secrets,
        tuple(a.ip for a in addresses if a.role != "client"),
        journal.names,
    )
    host = journal.host or case.info.name
    first_ns = _first_ns(corr, dropped_links=attack_links)
    return Report(
        case_id=case.info.case_id,
        case_name=case.info.name,
        host=host,
        generated_utc=(now or datetime.now(tz=timezone.utc)).strftime("%Y-%m-%d %H:%M:%S UTC"),
        tool_version=VERSION,
        zone=f"{zone.name} ({zone.how})",
        summary=summarize(
            host,
            _long_local(first_ns, zone.zone) if first_ns is not None else None,
            entry,
            dropped,
            addresses,
            accounts,
            secrets,
            by_severity,
            upcoming.step.title if upcoming is not None else None,
        ),
        entry_point=entry,
        other_entries=tuple(entries[1:4]),
        story=story,
        sites=tuple((site, site_roots.get(site, "")) for site in affected),
        accounts=accounts,
        data_at_risk=secrets,
        addresses=addresses,
        dropped=dropped,
        findings=items,
        by_severity=by_severity,
        heat_map=heat,
        chart=chart,
        graph=_graph(attack_links, corr, findings),
        indicators=tuple(IndicatorItem(i.kind, i.value, i.severity, i.reason) for i in indicators),
        actions=journal.actions,
        playbook=tuple(
            PlaybookItem(
                v.step.id,
                v.step.title,
                v.status,
                v.state.who if v.state is not None else None,
                v.state.when if v.state is not None else None,
                v.proven,
                v.proofs[-1].summary if v.proofs else (v.state.note if v.state is not None and v.state.note else None),
            )
            for v in steps
        ),
        next_step=upcoming.step.title if upcoming is not None else None,
        evidence=_evidence(root, journal.bundles, problems),
        journal_head=head.sha256 if head is not None else None,
        journal_ok=verified.ok,
        journal_problems=tuple(p.message for p in verified.problems),
        lessons=derive(report_facts),
        gaps=tuple(dict.fromkeys(gaps)),
        problems=tuple(problems),
    )


# -- correlation --------------------------------------------------------------------------------


def _correlation(root: Path, findings: list[Finding], problems: list[str]) -> dict[str, Any]:
    path = root / "report" / correlate.REPORT_NAME
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path.relative_to(root)} could not be read ({exc}); the correlation was computed again")
        else:
            if isinstance(data, dict):
                return data
            problems.append(f"{path.relative_to(root)} is not a JSON object; the correlation was computed again")
    if not tables.db_path(root).is_file():
        return {"gaps": ["the case has no tables yet (run 'breachkit triage'): no correlation, charts or story"]}
    try:
        return correlate.correlate(root, findings).to_json()
    except correlate.CorrelationError as exc:
        return {"gaps": [str(exc)]}


def _is_attack(link: object) -> bool:
    """The correlation's own rule (:attr:`Correlation.attack_links`), on its JSON form."""
    if not isinstance(link, Mapping):
        return False
    file = link.get("file") or {}
    return link.get("creator") is not None or int(file.get("severity", 0)) >= HIGH


def _window(corr: Mapping[str, Any]) -> tuple[int, int] | None:
    start, end = corr.get("window_start_ns"), corr.get("window_end_ns")
    if isinstance(start, int) and isinstance(end, int) and end >= start:
        return start, end
    return None


def _first_ns(corr: Mapping[str, Any], dropped_links: list[Any]) -> int | None:
    times = [
        int(s["time_ns"])
        for s in corr.get("story") or ()
        if isinstance(s, Mapping) and isinstance(s.get("time_ns"), int)
    ]
    if not times:
        for link in dropped_links:
            file = link.get("file") or {}
            times += [int(t) for t in (file.get("btime_ns"), file.get("ctime_ns")) if isinstance(t, int)]
    return min(times) if times else None


def _request(data: Mapping[str, Any], zone: tzinfo) -> RequestItem:
    ns = data.get("time_ns")
    return RequestItem(
        utc=_utc(ns),
        local=_local(ns, zone),
        ip=str(data.get("ip", "")),
        method=str(data.get("method", "")),
        target=str(data.get("target", data.get("path", ""))),
        site=_opt(data.get("site")),
        status=data.get("status") if isinstance(data.get("status"), int) else None,
        agent=_opt(data.get("agent")),
        where=f"{data.get('source_file', '?')}:{data.get('source_line', '?')}",
    )


def _entry(item: Mapping[str, Any], zone: tzinfo) -> EntryPoint:
    return EntryPoint(
        request=_request(item.get("request") or {}, zone),
        created=str(item.get("created", "")),
        score=int(item.get("score", 0)),
        reasons=tuple(str(r) for r in item.get("reasons") or ()),
    )


def _story(corr: Mapping[str, Any]) -> Iterable[StoryItem]:
    for line in corr.get("story") or ():
        if isinstance(line, Mapping):
            yield StoryItem(
                str(line.get("utc", "")),
                str(line.get("local", "")),
                str(line.get("text", "")),
                tuple(str(r) for r in line.get("refs") or ()),
            )


def _dropped(link: Mapping[str, Any], zone: tzinfo) -> DroppedFile:
    file = link.get("file") or {}
    creator = link.get("creator")
    born = file.get("btime_ns") if isinstance(file.get("btime_ns"), int) else file.get("ctime_ns")
    return DroppedFile(
        path=str(file.get("path", "")),
        what=str(file.get("why", "")),
        sha256=_opt(file.get("sha256")),
        born=_utc(born),
        owner=_opt(file.get("user")) or (str(file["uid"]) if isinstance(file.get("uid"), int) else None),
        site=_opt(file.get("site")),
        created_by=_request(creator, zone) if isinstance(creator, Mapping) else None,
        used=int(link.get("later_count", 0) or 0),
    )


def _with_hashes(root: Path, dropped: tuple[DroppedFile, ...]) -> tuple[DroppedFile, ...]:
    """Fill in the SHA-256 of dropped files no finding hashed, from the newest bundle's manifest (copied files)."""
    wanted = {bundle_path_for(d.path): d.path for d in dropped if d.sha256 is None and d.path.startswith("/")}
    bundle = correlate.newest_bundle(root)
    if not wanted or bundle is None:
        return dropped
    found: dict[str, str] = {}
    source = BundleSource(bundle)
    try:
        for _where, data in source.records("manifest.jsonl"):
            if data is None:
                continue
            path, sha = data.get("path"), data.get("sha256")
            if isinstance(path, str) and path in wanted and isinstance(sha, str):
                found[wanted[path]] = sha
    finally:
        source.close()
    return tuple(replace(d, sha256=found.get(d.path, d.sha256)) for d in dropped)


def _address(data: Mapping[str, Any], zone: tzinfo) -> Address:
    return Address(
        ip=str(data.get("ip", "")),
        role=str(data.get("role", "client")),
        requests=int(data.get("requests", 0) or 0),
        sites=tuple(str(s) for s in data.get("sites") or ()),
        first=_utc(data.get("first_ns")) if data.get("first_ns") else "",
        last=_utc(data.get("last_ns")) if data.get("last_ns") else "",
        logged_in=bool(data.get("logged_in")),
        auth={str(k): int(v) for k, v in (data.get("auth") or {}).items() if isinstance(v, int)},
    )


def _graph(links: list[Any], corr: Mapping[str, Any], findings: list[Finding]) -> AttackGraph:
    paths = {str((link.get("file") or {}).get("path", "")) for link in links}
    quotes: dict[str, str] = {}
    for finding in findings:
        for item in finding.evidence:
            if item.path in paths and (item.excerpt or item.note):
                quotes[item.path] = quotes.get(item.path, "") + "\n" + (item.excerpt or item.note or "")
    return attack_graph(links, [a for a in corr.get("addresses") or () if isinstance(a, Mapping)], quotes)


# -- case tables ---------------------------------------------------------------------------------


def _tables(root: Path) -> tuple[set[str], Any]:
    if not tables.db_path(root).is_file():
        return set(), None
    con = tables.connect(root, read_only=True)
    present = {str(name) for (name,) in con.execute("SELECT name FROM (SHOW TABLES)").fetchall()}
    return present, con


def _accounts(
    con: Any, present: set[str], dropped: tuple[DroppedFile, ...], corr: Mapping[str, Any], ips: list[str]
) -> tuple[Account, ...]:
    found: dict[str, list[str]] = {}
    for item in dropped:
        if item.owner:
            found.setdefault(item.owner, []).append(f"owns {item.path}")
    for change in corr.get("service_changes") or ():
        if isinstance(change, Mapping) and change.get("user"):
            found.setdefault(str(change["user"]), []).append(f"{change.get('what', 'changed')} {change.get('path')}")
    if con is not None and "events" in present and ips:
        rows = con.execute(
            "SELECT user, ip, count(*) FROM events WHERE list_contains(?, ip) AND user IS NOT NULL AND user <> '' "
            "AND source IN ('auth', 'wtmp', 'lastlog') GROUP BY user, ip ORDER BY 3 DESC LIMIT 50",
            [ips],
        ).fetchall()
        for user, ip, number in rows:
            found.setdefault(str(user), []).append(f"{number} log-in record(s) from {ip}")
    return tuple(
        Account(name, "; ".join(reasons[:3]) + (f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else ""))
        for name, reasons in found.items()
    )


def _secrets(
    con: Any, present: set[str], roots: list[tuple[str, str]], window: tuple[int, int] | None
) -> tuple[DataAtRisk, ...]:
    """Files with secrets under the affected sites' document roots, those read in the attack window first."""
    if con is None or "files" not in present or not roots:
        return ()
    # Without a window nothing counts as read in it (an empty range).
    start, end = (window[0] - READ_MARGIN_NS, window[1] + READ_MARGIN_NS) if window else (0, -1)
    found = []
    for site, root in roots:
        prefix = root.rstrip("/") + "/"
        rows = con.execute(
            "SELECT path, atime_ns FROM files WHERE type = 'f' AND starts_with(path, ?) "
            "AND regexp_matches(path, ?, 'i') ORDER BY coalesce(atime_ns BETWEEN ? AND ?, false) DESC, path LIMIT ?",
            [prefix, SECRET_NAMES.pattern, start, end, MAX_SECRETS],
        ).fetchall()
        for path, atime in rows:
            read = isinstance(atime, int) and start <= atime <= end
            why = (
                "its access time falls in the attack window: it was read then"
                if read
                else "readable by the web server account"
            )
            found.append(DataAtRisk(str(path), site, why, read))
    found.sort(key=lambda d: (not d.read_in_window, d.path))
    return tuple(found)


def _charts(
    con: Any,
    present: set[str],
    zone: HostZone,
    window: tuple[int, int] | None,
    attackers: list[str],
    corr: Mapping[str, Any],
) -> tuple[HeatMapView | None, TimelineChart | None]:
    if con is None:
        return None, None
    marks = [
        (int(s["time_ns"]), str(s.get("text", ""))[:80])
        for s in corr.get("story") or ()
        if isinstance(s, Mapping) and isinstance(s.get("time_ns"), int)
    ]
    heat = (
        heat_view(con, zone.zone, zone.name, marks[0][0] if marks else (window[0] if window else None))
        if "files" in present
        else None
    )
    chart = incident_chart(con, present, window[0], window[1], attackers, marks, zone.zone) if window else None
    return heat, chart


# -- the case's own files --------------------------------------------------------------------------


def _finding_item(finding: Finding) -> FindingItem:
    return FindingItem(
        severity=finding.severity.label,
        check=finding.check,
        title=finding.title,
        confidence=finding.confidence,
        reason=finding.reason,
        evidence=finding.evidence[:MAX_EVIDENCE],
        evidence_more=max(0, len(finding.evidence) - MAX_EVIDENCE),
        next_step=finding.next_step,
    )


def _indicators(root: Path, problems: list[str]) -> tuple[Indicator, ...]:
    path = root / INDICATORS_FILE
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["indicators"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"{INDICATORS_FILE} could not be read ({type(exc).__name__}); indicators are not listed")
        return ()
    found = []
    for number, item in enumerate(items if isinstance(items, list) else (), 1):
        try:
            found.append(Indicator.from_json(item))
        except (ValueError, TypeError, AttributeError):
            problems.append(f"{INDICATORS_FILE}: indicator {number} is not readable")
    return tuple(found)


def _other_addresses(indicators: Iterable[Indicator], known: set[str]) -> tuple[Address, ...]:
    """Addresses the findings name (logins, downloads) that the correlation of web requests did not follow."""
    found: dict[str, Address] = {}
    for item in indicators:
        if item.kind != "ip" or item.value in known or item.value in found:
            continue
        found[item.value] = Address(
            ip=item.value,
            role="named by a finding",
            requests=0,
            sites=(),
            first=_utc(item.first_seen_ns) if item.first_seen_ns else "",
            last=_utc(item.last_seen_ns) if item.last_seen_ns else "",
            logged_in=item.source_check.startswith(("logs.login", "logs.lastlog", "logs.ssh", "logs.root-login")),
            auth={},
            why=item.source_title,
        )
    return tuple(found.values())


@dataclass(frozen=True, slots=True)
class _JournalFacts:
    """What the report takes from the journal, in one pass over it."""

    actions: tuple[Action, ...]
    names: frozenset[str]
    #: the examined host's name, from the newest triage entry
    host: str | None
    #: stored bundles: name -> (manifest SHA-256, description, time added)
    bundles: dict[str, tuple[str, str, str]]


def _journal(root: Path, problems: list[str]) -> _JournalFacts:
    actions: list[Action] = []
    names: set[str] = set()
    host: str | None = None
    bundles: dict[str, tuple[str, str, str]] = {}
    damaged = 0
    for _raw, entry in iter_entries(root / "journal.jsonl"):
        if entry is None:
            damaged += 1
            continue
        name = str(entry.get("action", ""))
        raw = entry.get("details")
        details: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        names.add(name)
        actions.append(
            Action(
                int(entry.get("seq", -1)),
                str(entry.get("time_utc", "")),
                str(entry.get("examiner", "")),
                name,
                _summary(details),
            )
        )
        if name in ("triage", "triage.start") and details.get("host"):
            host = str(details["host"])
        if (
            name == "bundle.add"
            and details.get("status") in ("stored", "already_present")
            and isinstance(details.get("bundle"), str)
        ):
            bundles[details["bundle"]] = (
                str(details.get("manifest_sha256", "")),
                f"{details.get('manifest_entries', '?')} files, {details.get('bytes', '?')} bytes, "
                f"from {details.get('source', '?')}",
                str(entry.get("time_utc", "")),
            )
    if damaged:
        problems.append(f"{damaged} journal line(s) could not be read; see 'breachkit case verify'")
    if len(actions) > MAX_ACTIONS:
        problems.append(f"the journal has {len(actions)} entries; the report lists the newest {MAX_ACTIONS}")
        actions = actions[-MAX_ACTIONS:]
    return _JournalFacts(tuple(actions), frozenset(names), host, bundles)


def _summary(details: object) -> str:
    """A journal entry's details in one line: a note's text, else its plain values."""
    if not isinstance(details, Mapping):
        return ""
    if isinstance(details.get("text"), str):
        return str(details["text"])[:2000]
    parts = [f"{k}={v}" for k, v in details.items() if isinstance(v, (str, int, float, bool))]
    text = ", ".join(parts)
    return text if len(text) <= 300 else text[:299] + "…"


def _evidence(root: Path, journaled: dict[str, tuple[str, str, str]], problems: list[str]) -> tuple[EvidenceItem, ...]:
    """Bundles (manifest re-hashed and compared with the journal) and single stored files."""
    items: list[EvidenceItem] = []
    bundles = root / "evidence" / "bundles"
    for folder in sorted(bundles.iterdir()) if bundles.is_dir() else ():
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            sha = file_sha256(folder / "manifest.jsonl")[0]
        except OSError:
            sha = ""
        expected, detail, added = journaled.get(folder.name, ("", "not in the journal", None))
        if not expected:
            problems.append(f"evidence bundle {folder.name} is not recorded in the journal")
        intact = bool(expected) and sha == expected
        if expected and not intact:
            problems.append(f"evidence bundle {folder.name}: its manifest no longer matches the hash in the journal")
        items.append(EvidenceItem(folder.name, "bundle (manifest.jsonl)", sha or "unreadable", detail, added, intact))
    stored = root / "evidence" / "sha256"
    for sub in sorted(stored.iterdir()) if stored.is_dir() else ():
        for item in sorted(sub.iterdir()) if sub.is_dir() else ():
            if item.name.startswith("."):
                continue
            # Named by their hash on arrival; 'breachkit case verify' and the store re-check the content.
            items.append(EvidenceItem(item.name[:16] + "…", "file", item.name, f"{_size(item)} bytes", None, None))
    return tuple(items)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _zone(root: Path) -> HostZone:
    bundle = correlate.newest_bundle(root)
    if bundle is not None:
        source = BundleSource(bundle)
        try:
            return host_zone(source)
        finally:
            source.close()
    return HostZone("UTC", timezone.utc, "no evidence bundle in the case: times in UTC")


# -- small formatting helpers ----------------------------------------------------------------------


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _when(ns: object) -> datetime | None:
    if not isinstance(ns, int):
        return None
    try:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ns // 1000)
    except OverflowError:
        return None


def _utc(ns: object) -> str:
    moment = _when(ns)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else "unknown"


def _local(ns: object, zone: tzinfo) -> str:
    moment = _when(ns)
    if moment is None:
        return "unknown"
    try:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
    except (OverflowError, ValueError):
        return _utc(ns)


def _long_local(ns: int, zone: tzinfo) -> str:
    """``Saturday 21 November 2026 at 23:41 CET (22:41 UTC)``."""
    moment = _when(ns)
    if moment is None:
        return "an unknown time"
    try:
        local = moment.astimezone(zone)
    except (OverflowError, ValueError):
        local = moment
    return f"{local:%A %d %B %Y at %H:%M} {local.tzname() or ''} ({moment:%H:%M} UTC)".replace("  ", " ")
