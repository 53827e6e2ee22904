"""``breachkit triage``: the responder's first minutes, in one command.

1. open (or create) the case folder and journal the start;
2. collect an evidence bundle of the root into the case — metadata of every
   file first, then copies of logs, configuration, crontabs, keys, histories —
   hashed on arrival in the evidence store;
3. run every analysis in :data:`ANALYSES` on the collected evidence (first look,
   file timeline, package verification, logs, detection, live state, and the
   correlation of what they found);
4. write the full results to the case (``report/triage.json``,
   ``db/findings.jsonl``, the indicators), journal them with their hashes, write
   the draft HTML report (``report/report.html``) and return a short ranked summary.

Read-only by construction: the root is only read through
:class:`breachkit.host.rootfs.RootFS`; everything written goes to the case
folder, which the walk leaves out when it lies inside the root.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from breachkit import correlate, detect, integrity, live, logs, timeline
from breachkit.analyze import quick
from breachkit.case import Case, open_or_init
from breachkit.errors import SourceError
from breachkit.findings import Finding, ranked
from breachkit.host.collect import CollectResult, collect
from breachkit.host.rootfs import RootFS
from breachkit.indicators import write_case_indicators
from breachkit.sources.bundle import BundleSource
from breachkit.sources.root import RootSource

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class TriageContext:
    """What an analysis gets: the case, the collected bundle, and the examined root itself."""

    case: Case
    bundle: BundleSource
    #: The examined root, read-only; analyses that need more than the bundle holds
    #: (file contents outside the collected set) read it through this.
    root: RootSource
    #: Findings of the analyses that ran before this one (correlation builds on them).
    earlier: list[Finding] = field(default_factory=list)


Analysis = Callable[[TriageContext], Iterable[Finding]]


def _quick(ctx: TriageContext) -> Iterable[Finding]:
    return quick.analyze(ctx.bundle).findings


def _timeline(ctx: TriageContext) -> Iterable[Finding]:
    return timeline.triage_findings(ctx.case, ctx.bundle)


def _packages(ctx: TriageContext) -> Iterable[Finding]:
    # The examined root, not the bundle: verifying needs the installed files themselves.
    return integrity.triage_findings(ctx.case, ctx.root)


def _logs(ctx: TriageContext) -> Iterable[Finding]:
    return logs.triage_findings(ctx.case, ctx.bundle)


def _detect(ctx: TriageContext) -> Iterable[Finding]:
    return detect.triage_findings(ctx.case, ctx.bundle, ctx.root)


def _live(ctx: TriageContext) -> Iterable[Finding]:
    return live.triage_findings(ctx.case, ctx.bundle)


def _correlate(ctx: TriageContext) -> Iterable[Finding]:
    return correlate.triage_findings(ctx.case, list(ctx.earlier), source=ctx.root)


#: The analyses triage runs, in order: (name, function). A static list: adding an
#: analysis is one line here.
ANALYSES: tuple[tuple[str, Analysis], ...] = (
    ("quick checks", _quick),
    ("file timeline", _timeline),
    ("package verification", _packages),
    ("logs", _logs),
    ("detection (rules, persistence)", _detect),
    ("live-state checks", _live),
    # Last: it ties together what the others found.
    ("correlation (attack story)", _correlate),
)


@dataclass(frozen=True, slots=True)
class AnalysisRun:
    """How one analysis went: finished (with its count of findings) or failed (with why)."""

    name: str
    ok: bool
    seconds: float
    findings: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TriageResult:
    case: Case
    host: str
    root: str
    bundle: Path
    collection: CollectResult
    findings: tuple[Finding, ...]
    analyses: tuple[AnalysisRun, ...]
    #: Collection warnings by kind (unreadable, vanished, symlink-loop …).
    warning_kinds: dict[str, int]
    report: Path
    #: The HTML report (``report/report.html``), or None when writing it failed (see db/errors.log).
    html_report: Path | None = None


def utc_stamp() -> str:
    return datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def host_name(root: str) -> str:
    """The examined host's own name (its /etc/hostname), not the analyst's."""
    try:
        with RootFS(root) as fs:
            data, _ = fs.read_bytes("/etc/hostname", 256)
            is_live = fs.is_live
    except OSError:
        return "unknown"
    name = data.decode("utf-8", "replace").strip().splitlines()[0] if data.strip() else ""
    if not name and is_live:
        name = socket.gethostname()
    # The name becomes part of a folder name: keep it to safe characters.
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return cleaned[:64] or "unknown"


def default_case_dir(root: str) -> Path:
    return Path("cases") / f"{host_name(root)}-{utc_stamp()}"


def run(
    root: str = "/",
    case_dir: Path | None = None,
    examiner: str | None = None,
    true_time: str | None = None,
    progress: Progress | None = None,
) -> TriageResult:
    """Collect and analyse ``root`` into the case at ``case_dir``."""
    if not Path(root).is_dir():
        raise SourceError(f"the root {root!r} is not a directory; give a mounted image or / for this host")
    host = host_name(root)
    case_path = Path(case_dir) if case_dir is not None else default_case_dir(root)
    case = open_or_init(case_path, name=f"incident on {host}", examiner=examiner)
    case.journal.append("triage.start", {"root": str(Path(root).resolve()), "host": host})

    incoming = case.root / "incoming" / _bundle_name(case, host)
    case_in_root = _host_path_inside(Path(root).resolve(), case.root.resolve())
    if progress:
        progress(f"collecting {root} into the case")
    collection = collect(
        root,
        str(incoming),
        examiner=examiner,
        true_time=true_time,
        exclude=[case_in_root] if case_in_root else [],
        progress=progress,
    )
    stored = case.add_bundle(incoming, move=True)
    with contextlib.suppress(OSError):
        incoming.parent.rmdir()  # only when no other collection is in flight
    bundle_dir = Path(stored.stored_at)  # where the evidence store keeps it

    findings, runs = _analyse(case, bundle_dir, root, [case_in_root] if case_in_root else [], progress)
    kinds = _warning_kinds(bundle_dir)
    report = _write_results(case, host, root, bundle_dir, collection, findings, runs, kinds)
    indicators_path, _ = write_case_indicators(case)
    correlation = case.root / "report" / correlate.REPORT_NAME
    case.journal.append(
        "triage",
        {
            "root": str(Path(root).resolve()),
            "host": host,
            "bundle": str(bundle_dir.relative_to(case.root)),
            "manifest_sha256": collection.manifest_sha256,
            "entries": collection.files_walked,
            "warnings": collection.warnings,
            "findings": len(findings),
            "by_severity": _by_severity(findings),
            "analyses": [{"name": r.name, "ok": r.ok, "findings": r.findings, "error": r.error} for r in runs],
        },
        outputs=[p for p in (report, case.root / "db" / "findings.jsonl", indicators_path, correlation) if p.exists()],
    )
    html = _write_html_report(case, progress)
    return TriageResult(case, host, root, bundle_dir, collection, findings, runs, kinds, report, html)


def _write_html_report(case: Case, progress: Progress | None) -> Path | None:
    """The draft HTML report; failing to write it loses nothing else (the results are already written)."""
    from breachkit.report import write_report

    if progress:
        progress("writing the HTML report")
    try:
        return write_report(case.root, "html", draft=True)
    except Exception:  # the report must not turn a finished triage into a failed one
        _log_failure(case, "HTML report")
        return None


def _analyse(
    case: Case, bundle_dir: Path, root: str, exclude: list[str], progress: Progress | None
) -> tuple[tuple[Finding, ...], tuple[AnalysisRun, ...]]:
    """Run every analysis; one that fails is reported, never fatal to the others."""
    found: list[Finding] = []
    runs: list[AnalysisRun] = []
    bundle = BundleSource(bundle_dir)
    examined = RootSource(root, exclude=exclude)
    try:
        ctx = TriageContext(case, bundle, examined, found)
        for name, analysis in ANALYSES:
            if progress:
                progress(f"running the {name}")
            started = time.monotonic()
            try:
                produced = list(analysis(ctx))
            except Exception as exc:  # a broken analysis must not lose the others
                runs.append(AnalysisRun(name, False, time.monotonic() - started, 0, f"{type(exc).__name__}: {exc}"))
                _log_failure(case, name)
                continue
            found.extend(produced)
            runs.append(AnalysisRun(name, True, time.monotonic() - started, len(produced)))
    finally:
        bundle.close()
        examined.close()
    return tuple(ranked(found)), tuple(runs)


def _log_failure(case: Case, name: str) -> None:
    """Keep the traceback of a failed analysis in the case, for the bug report."""
    (case.root / "db").mkdir(exist_ok=True)
    with (case.root / "db" / "errors.log").open("a", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(f"--- {datetime.now(tz=timezone.utc).isoformat()} {name}\n{traceback.format_exc()}\n")


def _bundle_name(case: Case, host: str) -> str:
    """``<host>-<UTC time>``, made unique among the case's bundles (two runs in one second)."""
    base = f"{host}-{utc_stamp()}"
    name, number = base, 1
    while (case.root / "evidence" / "bundles" / name).exists() or (case.root / "incoming" / name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _host_path_inside(root: Path, path: Path) -> str | None:
    try:
        rel = path.relative_to(root)
    except ValueError:
        return None
    return "/" + rel.as_posix() if rel.as_posix() != "." else "/"


def _by_severity(findings: tuple[Finding, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.severity.label] = counts.get(finding.severity.label, 0) + 1
    return counts


def _write_results(
    case: Case,
    host: str,
    root: str,
    bundle: Path,
    collection: CollectResult,
    findings: tuple[Finding, ...],
    runs: tuple[AnalysisRun, ...],
    kinds: dict[str, int],
) -> Path:
    (case.root / "db").mkdir(exist_ok=True)
    (case.root / "report").mkdir(exist_ok=True)
    findings_path = case.root / "db" / "findings.jsonl"
    with findings_path.open("w", encoding="ascii") as handle:
        for finding in findings:
            handle.write(json.dumps(finding.to_json(), ensure_ascii=True, sort_keys=True) + "\n")
    report = case.root / "report" / "triage.json"
    summary = {
        "host": host,
        "root": str(Path(root).resolve()),
        "bundle": str(bundle),
        "manifest_sha256": collection.manifest_sha256,
        "collection": {
            "entries_walked": collection.files_walked,
            "files_copied": collection.files_copied,
            "bytes_copied": collection.bytes_copied,
            "warnings": collection.warnings,
        },
        "warning_kinds": kinds,
        "analyses": [
            {"name": r.name, "ok": r.ok, "seconds": round(r.seconds, 3), "findings": r.findings, "error": r.error}
            for r in runs
        ],
        "findings": [finding.to_json() for finding in findings],
    }
    text = json.dumps(summary, ensure_ascii=True, indent=2, sort_keys=True) + "\n"
    report.write_text(text, encoding="ascii")
    return report


def _warning_kinds(bundle: Path) -> dict[str, int]:
    """Collection warnings by kind, from the bundle's warnings.jsonl."""
    kinds: dict[str, int] = {}
    source = BundleSource(bundle)
    try:
        for _, data in source.records("warnings.jsonl"):
            kind = str(data.get("kind", "malformed-record")) if data is not None else "malformed-record"
            kinds[kind] = kinds.get(kind, 0) + 1
    finally:
        source.close()
    return kinds
