"""Indicators from a case: what the analyses found, turned into things to hunt for.

Read from the case folder (see :mod:`breachkit.case.folder`):

* ``db/findings.jsonl`` (one finding a line, written by triage) and every
  ``report/*.json`` holding a ``findings`` list (triage, scan and the other
  commands' reports); the same finding in both counts once;
* ``db/case.duckdb`` when present: the ``events`` table (web requests, see
  :mod:`breachkit.events`) for the addresses and user agents that requested
  the attacker's files, and the ``files`` table for when those files were born.

Only findings that are strong enough become indicators — severity high or
critical, or medium with a confidence of at least :data:`MIN_MEDIUM_CONFIDENCE` —
because weaker findings are leads for a human (a list of SUID files changed by
a package update), and an indicator taken from one would make every clean host
"hit". Every indicator says which finding and which evidence it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from breachkit.findings import REPORT_FORMAT, Severity
from breachkit.indicators.model import Indicator, is_public_ip, merge, severity_rank

MIN_MEDIUM_CONFIDENCE = 0.6
#: Findings of these checks are not analyses of this case's host: a ``hunt`` of another
#: host or a backup reports where the indicators were found, and feeding those places
#: back (a log file that mentions the attacker's address) would make noise indicators.
EXCLUDED_CHECKS = ("hunt.",)
#: Largest findings file read; a case's findings are far smaller.
MAX_FINDINGS_BYTES = 256 * 1024 * 1024

_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])"
)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s'\"<>`|;)]+", re.IGNORECASE)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MD5 = re.compile(r"^[0-9a-f]{32}$")
#: A log file: evidence in it is a record *about* the attack, not a file the attacker left.
_LOG_PATH = re.compile(r"^/var/log/|\.log(?:\.\d+)?(?:\.(?:gz|bz2|xz|zst))?$|/(?:syslog|messages|secure)(?:\.\d+)?")


@dataclass
class Extraction:
    """Indicators taken, and what could not be read (file and why)."""

    indicators: list[Indicator] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    findings_read: int = 0
    findings_used: int = 0


def strong_enough(severity: str, confidence: float) -> bool:
    rank = severity_rank(severity)
    if rank >= Severity.HIGH:
        return True
    return rank == Severity.MEDIUM and confidence >= MIN_MEDIUM_CONFIDENCE


def extract(case_root: str | Path) -> Extraction:
    """All indicators of the case at ``case_root``, merged by (kind, value), most severe first."""
    root = Path(case_root)
    result = Extraction()
    found: dict[tuple[str, str], Indicator] = {}

    def add(items: Iterable[Indicator]) -> None:
        for item in items:
            found[item.key] = merge(found[item.key], item) if item.key in found else item

    own = own_names(root, result)
    seen: set[str] = set()
    for finding in _findings(root, result):
        ident = json.dumps(finding, sort_keys=True, default=str)
        if ident in seen:
            continue
        seen.add(ident)
        result.findings_read += 1
        if str(finding.get("check", "")).startswith(EXCLUDED_CHECKS):
            continue
        severity = str(finding.get("severity", "info"))
        confidence = _float(finding.get("confidence"))
        if not strong_enough(severity, confidence):
            continue
        result.findings_used += 1
        add(from_finding(finding, own))
    add(_from_tables(root, list(found.values()), result))
    result.indicators = sorted(
        found.values(), key=lambda i: (-severity_rank(i.severity), -i.confidence, i.kind, i.value)
    )
    return result


def from_finding(finding: dict[str, Any], own: frozenset[str] = frozenset()) -> Iterator[Indicator]:
    """The indicators in one finding's evidence: hashes, paths, file names, addresses, URLs.

    ``own`` are the examined host's own names (its host name, its web sites): a URL or
    domain of the victim is where the attack went, not something to hunt for.
    """
    check = str(finding.get("check", ""))
    title = str(finding.get("title", ""))
    severity = str(finding.get("severity", "medium"))
    confidence = _float(finding.get("confidence"))
    evidence = finding.get("evidence") or []
    if not isinstance(evidence, list):
        return
    # The hash of a path, when any evidence item of this finding gives one.
    hashes = {
        str(item.get("path")): str(item["sha256"]).lower()
        for item in evidence
        if isinstance(item, dict) and isinstance(item.get("sha256"), str) and item.get("path")
    }

    def make(kind: Any, value: str, reason: str, item: dict[str, Any], sha: str | None = None) -> Indicator:
        line = item.get("line")
        return Indicator(
            kind=kind,
            value=value,
            confidence=confidence,
            severity=severity,
            reason=reason,
            source_check=check,
            source_title=title,
            evidence_path=str(item["path"]) if isinstance(item.get("path"), str) else None,
            evidence_line=_int(line),
            sha256=sha,
        )

    for item in evidence:
        if not isinstance(item, dict):
            continue
        path = item.get("path")
        sha = item.get("sha256")
        if isinstance(sha, str) and _SHA256.match(sha.lower()):
            yield make("sha256", sha.lower(), f"SHA-256 of a file the finding '{title}' is about", item)
        elif isinstance(sha, str) and _MD5.match(sha.lower()):
            yield make("md5", sha.lower(), f"MD5 of a file the finding '{title}' is about", item)
        if isinstance(path, str) and path.startswith("/") and not (_LOG_PATH.search(path) and path not in hashes):
            yield make("path", path, f"a path named by the finding '{title}'", item, hashes.get(path))
            if path in hashes:
                # A file name alone is a weak sign; it is only taken when the file's
                # own content was judged (the finding gives its hash).
                name = path.rsplit("/", 1)[-1]
                if name:
                    yield make("filename", name, f"name of a file the finding '{title}' is about", item)
        for text in (item.get("excerpt"), item.get("note")):
            if isinstance(text, str):
                yield from _from_text(text, own, lambda kind, value, why, it=item: make(kind, value, why, it))


def _from_text(text: str, own: frozenset[str], make: Any) -> Iterator[Indicator]:
    urls = [m.group(0).rstrip(".,") for m in _URL.finditer(text)]
    for url in urls:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            continue
        if host in own:
            continue
        yield make("url", url, "a URL in the evidence of the finding")
        if host and not _IPV4.fullmatch(host) and "." in host:
            yield make("domain", host.lower(), "the host name of a URL in the evidence")
    for match in _IPV4.finditer(text):
        if is_public_ip(match.group(0)):
            yield make("ip", match.group(0), "an address in the evidence of the finding")


def own_names(root: Path, result: Extraction) -> frozenset[str]:
    """The examined host's names: its host name and its web sites' names, from the case's bundles."""
    names: set[str] = {"localhost"}
    bundles = root / "evidence" / "bundles"
    if not bundles.is_dir():
        return frozenset(names)
    from breachkit.artifacts.rotated import Problems
    from breachkit.artifacts.web.config import read_config
    from breachkit.sources.bundle import BundleSource

    for bundle_dir in sorted(p for p in bundles.iterdir() if (p / "manifest.jsonl").is_file()):
        try:
            source = BundleSource(bundle_dir)
        except Exception as exc:  # one unreadable bundle must not lose the rest
            result.problems.append(f"{bundle_dir}: cannot read its web configuration ({exc})")
            continue
        try:
            host = source.acquisition.get("hostname")
            if isinstance(host, str):
                names.add(host.lower())
            problems = Problems()
            for vhost in read_config(source, problems).vhosts:
                for name in vhost.names:
                    names.add(name.lower().split(":", 1)[0])
                    names.add(name.lower().split(":", 1)[0].removeprefix("www."))
        except Exception as exc:
            result.problems.append(f"{bundle_dir}: cannot read its web configuration ({exc})")
        finally:
            source.close()
        # Sites that are configured but whose enabling links were not copied still are the victim's.
        names.update(_configured_names(bundle_dir / "root"))
    return frozenset(names)


_SERVER_NAME = re.compile(rb"^\s*(?:ServerName|ServerAlias|server_name)\s+([^;#\n]+)", re.IGNORECASE | re.MULTILINE)


def _configured_names(copies: Path) -> set[str]:
    names: set[str] = set()
    for folder in ("etc/apache2", "etc/httpd", "etc/nginx"):
        base = copies / folder
        if not base.is_dir() or base.is_symlink():
            continue
        for count, path in enumerate(sorted(base.rglob("*"))):
            if count > 5000:
                break
            if path.is_symlink() or not path.is_file():
                continue
            try:
                with path.open("rb") as handle:
                    data = handle.read(1 << 20)
            except OSError:
                continue
            for match in _SERVER_NAME.finditer(data):
                for word in match.group(1).decode("utf-8", "replace").split():
                    host = word.lower().split(":", 1)[0].strip("\"'")
                    if host and "*" not in host:
                        names.update({host, host.removeprefix("www.")})
    return names


def _findings(root: Path, result: Extraction) -> Iterator[dict[str, Any]]:
    jsonl = root / "db" / "findings.jsonl"
    if jsonl.is_file():
        for number, line in enumerate(_read(jsonl, result).splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                result.problems.append(f"{jsonl}:{number}: not JSON; skipped")
                continue
            if isinstance(data, dict):
                yield data
    report_dir = root / "report"
    if report_dir.is_dir():
        for report in sorted(report_dir.glob("*.json")):
            try:
                data = json.loads(_read(report, result) or "null")
            except ValueError:
                result.problems.append(f"{report}: not JSON; skipped")
                continue
            if not isinstance(data, dict) or data.get("format") == REPORT_FORMAT:
                continue  # the incident report restates findings read above
            items = data.get("findings")
            if isinstance(items, list):
                yield from (item for item in items if isinstance(item, dict))


def _read(path: Path, result: Extraction) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FINDINGS_BYTES + 1)
    except OSError as exc:
        result.problems.append(f"{path}: cannot read ({exc.strerror or exc})")
        return ""
    if len(data) > MAX_FINDINGS_BYTES:
        result.problems.append(f"{path}: larger than {MAX_FINDINGS_BYTES} bytes; only the start was read")
        data = data[:MAX_FINDINGS_BYTES]
    return data.decode("utf-8", "replace")


def _from_tables(root: Path, taken: list[Indicator], result: Extraction) -> Iterator[Indicator]:
    """Who requested the attacker's files (``events``), and when those files were born (``files``)."""
    database = root / "db" / "case.duckdb"
    paths = {i.value: i for i in taken if i.kind == "path"}
    if not database.is_file() or not paths:
        return
    try:
        import duckdb

        con = duckdb.connect(str(database), read_only=True)
    except Exception as exc:  # a locked or damaged database must not lose the findings' indicators
        result.problems.append(f"{database}: cannot open ({exc}); indicators from the findings only")
        return
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "files" in tables:
            yield from _birth_times(con, paths)
        if "web_requests" in tables:
            yield from _requesters(con, paths, _WEB_REQUESTS)
        elif "events" in tables:
            yield from _requesters(con, paths, _EVENTS)
    except Exception as exc:
        result.problems.append(f"{database}: query failed ({exc}); some table indicators are missing")
    finally:
        con.close()


def _birth_times(con: Any, paths: dict[str, Indicator]) -> Iterator[Indicator]:
    rows = con.execute(
        "SELECT path, min(coalesce(btime_ns, ctime_ns)), max(greatest(ctime_ns, mtime_ns)) FROM files "
        "WHERE path IN (SELECT unnest(?)) GROUP BY path",
        [list(paths)],
    ).fetchall()
    for path, first, last in rows:
        base = paths[path]
        yield Indicator(**{**_fields(base), "first_seen_ns": first, "last_seen_ns": last})


#: The web requests of the case: the logs analysis's own table, else the timeline events.
_WEB_REQUESTS = (
    "SELECT path, ip, agent, CAST(status AS VARCHAR), min(time_ns), max(time_ns), any_value(source_file), "
    "min(source_line) FROM web_requests WHERE path LIKE '%/%' AND ip IS NOT NULL GROUP BY ALL"
)
_EVENTS = (
    "SELECT path, ip, json_extract_string(extra, '$.agent'), json_extract_string(extra, '$.status'), "
    "min(time_ns), max(time_ns), any_value(source_file), min(source_line) "
    "FROM events WHERE kind = 'request' AND path LIKE '%/%' AND ip IS NOT NULL GROUP BY ALL"
)


def _requesters(con: Any, paths: dict[str, Indicator], query: str) -> Iterator[Indicator]:
    """Clients that requested an attacker file by URL (the URL path is the tail of its host path)."""
    rows = con.execute(query).fetchall()
    for url_path, ip, agent, status, first, last, source_file, line in rows:
        if not url_path or url_path == "/" or str(status or "").startswith("4"):
            continue
        for host_path, base in paths.items():
            if not host_path.endswith(url_path) or base.sha256 is None:
                continue
            why = f"requested {url_path}, which serves {host_path} (finding '{base.source_title}')"
            common = {
                "confidence": base.confidence,
                "severity": base.severity,
                "source_check": base.source_check,
                "source_title": base.source_title,
                "evidence_path": source_file,
                "evidence_line": _int(line),
                "first_seen_ns": first,
                "last_seen_ns": last,
            }
            if is_public_ip(str(ip)):
                yield Indicator(kind="ip", value=str(ip), reason=f"this address {why}", **common)
            if agent and agent != "-":
                # A user agent is shared by many clients: a weaker sign than the address.
                shared = {**common, "confidence": round(base.confidence / 2, 3)}
                yield Indicator(kind="user-agent", value=str(agent), reason=f"this client {why}", **shared)


def _fields(item: Indicator) -> dict[str, Any]:
    return {name: getattr(item, name) for name in Indicator.__dataclass_fields__}


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
