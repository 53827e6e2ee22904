"""What the super timeline reads from a case besides its tables: findings, live state, host names.

* **Findings** (:func:`read_findings`): ``db/findings.jsonl`` (written by
  triage), ``db/timeline_findings.jsonl`` (``breachkit timeline --case``) and
  the ``findings`` list of every ``report/*.json`` (``breachkit live --case``,
  ``scan``, ``hunt``, ``logs`` …). The same finding written by two commands is
  kept once. Each becomes a :class:`CaseFinding` with the addresses it names
  (IPv4 and IPv6, from its title, reason and evidence text).
* **Live state** (:func:`live_events`): process starts and login sessions from
  the ``live/processes.jsonl`` and ``live/sessions.jsonl`` of each bundle in
  ``evidence/bundles/`` (written by :mod:`breachkit.host.live.collect` when the
  collection ran on the live host). Kernel threads are left out: they start at
  boot and say nothing about an intrusion.
* **Host names** (:func:`bundle_hosts`): ``hostname`` of each bundle's
  ``acquisition.json``.

Everything here came from the examined host at one remove, so it is read as
hostile: lines are capped in length, a line that does not parse is counted
with its location and skipped, never fatal.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachkit.errors import BreachkitError
from breachkit.events import Event
from breachkit.findings import REPORT_FORMAT, Evidence, Finding, Severity
from breachkit.timeline.window import parse_time

#: A findings or live line longer than this is skipped (and counted), not read into memory.
MAX_LINE = 16 * 1024 * 1024
#: A ``report/*.json`` larger than this is skipped with a note.
MAX_REPORT = 256 * 1024 * 1024
#: ``report/triage.json`` repeats ``db/findings.jsonl``; read it only when that file is missing.
TRIAGE_REPORT = "triage.json"
#: Command lines are cut to this many characters in a timeline message.
MAX_COMMAND = 400
#: Process start times come from clock ticks (1/100 s on Linux); sessions from utmp's microseconds.
PROCESS_PRECISION_NS = 10_000_000
SESSION_PRECISION_NS = 1_000

I64_MIN, I64_MAX = -(2**63), 2**63 - 1

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


@dataclass(frozen=True, slots=True)
class CaseFinding:
    """A finding as stored in the case, with where it was read and the addresses it names."""

    check: str
    title: str
    severity: Severity
    confidence: float
    reason: str
    evidence: tuple[Evidence, ...]
    next_step: str | None
    #: The case file it was read from, relative to the case folder (``db/findings.jsonl``).
    stored_in: str
    ips: tuple[str, ...] = ()


@dataclass
class InputProblems:
    """Lines and files that could not be read, counted, with a few examples for the user."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, where: str) -> None:
        self.count += 1
        if len(self.examples) < 10:
            self.examples.append(where)


def read_findings(case_root: Path, problems: InputProblems) -> list[CaseFinding]:
    """Every finding stored in the case, each once, in the order the files list them."""
    root = Path(case_root)
    found: list[CaseFinding] = []
    seen: set[str] = set()

    def keep(data: Any, where: str, stored_in: str) -> None:
        finding = _finding(data, stored_in)
        if finding is None:
            problems.add(f"{where}: not a finding")
            return
        key = json.dumps(
            [data.get("check"), data.get("title"), data.get("severity"), data.get("reason"), data.get("evidence")],
            sort_keys=True,
            default=str,
        )
        if key not in seen:
            seen.add(key)
            found.append(finding)

    jsonl_files = [root / "db" / "findings.jsonl", root / "db" / "timeline_findings.jsonl"]
    for path in jsonl_files:
        rel = path.relative_to(root).as_posix()
        for number, data in _json_lines(path, problems, rel):
            keep(data, f"{rel}:{number}", rel)
    report_dir = root / "report"
    reports = sorted(report_dir.glob("*.json")) if report_dir.is_dir() else []
    for report in reports:
        if report.name == TRIAGE_REPORT and jsonl_files[0].is_file():
            continue
        rel = report.relative_to(root).as_posix()
        items = _report_findings(report, problems, rel)
        for index, data in enumerate(items, 1):
            keep(data, f"{rel} finding {index}", rel)
    return found


def _finding(data: Any, stored_in: str) -> CaseFinding | None:
    try:
        finding = Finding.from_json(data)
    except ValueError:
        return None
    texts = [finding.title, finding.reason] + [t for e in finding.evidence for t in (e.excerpt, e.note) if t]
    return CaseFinding(
        check=finding.check,
        title=finding.title,
        severity=finding.severity,
        confidence=finding.confidence,
        reason=finding.reason,
        evidence=finding.evidence,
        next_step=finding.next_step,
        stored_in=stored_in,
        ips=addresses(texts),
    )


def addresses(texts: list[str]) -> tuple[str, ...]:
    """The IP addresses named in ``texts``, in order of appearance, each once.

    Unspecified and loopback addresses (``0.0.0.0``, ``::``, ``127.0.0.1``) are
    left out: a finding that mentions a listener on them does not make every
    local request suspect.
    """
    found: dict[str, None] = {}
    for text in texts:
        for pattern in (_IPV4, _IPV6):
            for match in pattern.finditer(text):
                try:
                    address = ipaddress.ip_address(match.group(0))
                except ValueError:
                    continue
                if address.is_unspecified or address.is_loopback:
                    continue
                found.setdefault(str(address), None)
    return tuple(found)


def _json_lines(path: Path, problems: InputProblems, rel: str) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed JSON)`` of a JSON Lines file; bad and overlong lines are counted."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as exc:
        problems.add(f"{rel}: cannot read ({exc.strerror or exc})")
        return
    with handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                problems.add(f"{rel}:{number}: longer than {MAX_LINE} bytes")
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = handle.readline(MAX_LINE + 1)
                continue
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw)
            except ValueError:
                problems.add(f"{rel}:{number}: not JSON")


def _report_findings(path: Path, problems: InputProblems, rel: str) -> list[Any]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT + 1)
    except OSError as exc:
        problems.add(f"{rel}: cannot read ({exc.strerror or exc})")
        return []
    if len(data) > MAX_REPORT:
        problems.add(f"{rel}: larger than {MAX_REPORT} bytes; skipped")
        return []
    try:
        document = json.loads(data)
    except ValueError:
        problems.add(f"{rel}: not JSON")
        return []
    if not isinstance(document, dict) or document.get("format") == REPORT_FORMAT:
        return []  # the incident report restates findings stored elsewhere, with evidence capped
    items = document.get("findings")
    return items if isinstance(items, list) else []


def bundles(case_root: Path) -> list[Path]:
    """The case's stored bundles, by name."""
    folder = Path(case_root) / "evidence" / "bundles"
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []


def bundle_hosts(case_root: Path) -> list[str]:
    """The host names the case's bundles were collected from, each once."""
    names: dict[str, None] = {}
    for bundle in bundles(case_root):
        name = _bundle_host(bundle)
        if name is not None:
            names.setdefault(name, None)
    return list(names)


def live_events(case_root: Path, users: dict[int, str], problems: InputProblems) -> Iterator[Event]:
    """Process starts and login sessions from the live tables of every bundle in the case."""
    root = Path(case_root)
    for bundle in bundles(root):
        host = _bundle_host(bundle)
        live = bundle / "live"
        rel = bundle.relative_to(root).as_posix() + "/live"
        name = f"{rel}/processes.jsonl"
        for number, data in _json_lines(live / "processes.jsonl", problems, name):
            if isinstance(data, dict) and (data.get("kernel_thread") or data.get("start_utc") is None):
                continue  # kernel threads, and processes whose start the collector could not read
            event = _process_event(data, host, users, name, number)
            if event is None:
                problems.add(f"{name}:{number}: not a process record with a valid start time")
            else:
                yield event
        name = f"{rel}/sessions.jsonl"
        for number, data in _json_lines(live / "sessions.jsonl", problems, name):
            if isinstance(data, dict) and data.get("time_utc") is None:
                continue  # a session from the process table without a start time
            event = _session_event(data, host, name, number)
            if event is None:
                problems.add(f"{name}:{number}: not a session record with a valid time")
            else:
                yield event


def _bundle_host(bundle: Path) -> str | None:
    try:
        with (bundle / "acquisition.json").open("rb") as handle:
            data = json.loads(handle.read(1024 * 1024))
    except (OSError, ValueError):
        return None
    name = data.get("hostname") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def _time(value: Any) -> int | None:
    """UTC ns of an ISO 8601 time in a record; None when it is missing, malformed or beyond 64 bits."""
    if not isinstance(value, str):
        return None
    try:
        at = parse_time(value)
    except BreachkitError:
        return None
    return at if I64_MIN <= at <= I64_MAX else None


def _process_event(data: Any, host: str | None, users: dict[int, str], rel: str, number: int) -> Event | None:
    if not isinstance(data, dict):
        return None
    at = _time(data.get("start_utc"))
    pid = data.get("pid")
    if at is None or not isinstance(pid, int):
        return None
    uid = data.get("uid")
    exe = data.get("exe") if isinstance(data.get("exe"), str) else None
    cmdline = data.get("cmdline")
    command = " ".join(str(part) for part in cmdline) if isinstance(cmdline, list) else ""
    name = str(data.get("name") or "")
    shown = (command or exe or name)[:MAX_COMMAND]
    deleted = bool(data.get("exe_deleted"))
    return Event(
        time_ns=at,
        source="live-process",
        kind="process-start",
        message=f"process {pid} ({name}) started: {shown}" + (" [executable deleted]" if deleted else ""),
        precision_ns=PROCESS_PRECISION_NS,
        host=host,
        path=exe,
        user=users.get(uid, str(uid)) if isinstance(uid, int) else None,
        source_file=rel,
        source_line=number,
        flags="exe-deleted" if deleted else "",
        extra={"pid": pid, "ppid": data.get("ppid"), "uid": uid},
    )


def _session_event(data: Any, host: str | None, rel: str, number: int) -> Event | None:
    if not isinstance(data, dict):
        return None
    at = _time(data.get("time_utc"))
    if at is None:
        return None
    remote = data.get("remote") if isinstance(data.get("remote"), str) else None
    ip = None
    if remote:
        try:
            ip = str(ipaddress.ip_address(remote))
        except ValueError:
            ip = None
    user = data.get("user") if isinstance(data.get("user"), str) else None
    tty = data.get("tty") if isinstance(data.get("tty"), str) else None
    return Event(
        time_ns=at,
        source="live-session",
        kind="session",
        message=f"session of {user or '?'} on {tty or '?'} from {remote or 'local'} ({data.get('source') or 'live'})",
        precision_ns=SESSION_PRECISION_NS,
        host=host,
        user=user,
        ip=ip,
        source_file=rel,
        source_line=number,
        extra={"pid": data.get("pid")},
    )
