"""Detection: webshells, backdoors, dropped tools (YARA, IOCs, magic bytes, context) and persistence.

Library entry points:

* :func:`scan` — files of a source: rules, IOCs, magic bytes and context, as
  :class:`~breachkit.detect.filescan.ScanReport` and findings;
* :func:`breachkit.detect.persistence.check_all` — persistence artifacts;
* :func:`triage_findings` — both, for ``breachkit triage``.

Nothing is quarantined, changed or deleted: every file is only read, through
the source, with byte caps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachkit.detect import iocs as iocs_module
from breachkit.detect.context import load_context
from breachkit.detect.explain import to_finding
from breachkit.detect.filescan import ScanOptions, ScanReport, scan_source
from breachkit.detect.persistence import check_all
from breachkit.detect.scanner import RuleProblem, compile_rules
from breachkit.findings import Evidence, Finding, Severity, ranked
from breachkit.host.records import WarningRecord
from breachkit.sources.base import Source

__all__ = ["DetectResult", "scan", "triage_findings"]


@dataclass
class DetectResult:
    """Findings of a detection run and everything needed to judge how complete it was."""

    findings: list[Finding]
    report: ScanReport
    rule_problems: list[RuleProblem] = field(default_factory=list)
    ioc_problems: list[iocs_module.IocProblem] = field(default_factory=list)
    persistence_warnings: tuple[WarningRecord, ...] = ()
    engine: str = ""
    rule_files: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "rule_files": self.rule_files,
            "files_seen": self.report.files_seen,
            "files_scanned": self.report.files_scanned,
            "bytes_read": self.report.bytes_read,
            "skipped": self.report.skipped,
            "warnings": self.report.warning_count + len(self.persistence_warnings),
            "warning_examples": [w._asdict() for w in (self.report.warnings + list(self.persistence_warnings))[:50]],
            "rule_problems": [{"file": p.file, "line": p.line, "detail": p.detail} for p in self.rule_problems],
            "ioc_problems": [{"file": p.file, "line": p.line, "detail": p.detail} for p in self.ioc_problems],
            "findings": [f.to_json() for f in self.findings],
        }


def scan(
    source: Source,
    *,
    rules: Sequence[Path] = (),
    iocs: Sequence[Path] = (),
    allowlists: Sequence[Path] = (),
    known_good: frozenset[tuple[str, str]] = frozenset(),
    window: tuple[int, int] | None = None,
    scope: str = "drop-zones",
    persistence: bool = True,
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
) -> DetectResult:
    """Scan ``source`` for malicious files (and, with ``persistence``, persistence artifacts).

    ``known_good`` is the hook for package verification: (host path, sha256)
    pairs that ``breachkit.integrity`` verified against the package manager's
    checksums are hashed but not scanned.
    """
    from breachkit.detect import allowlist

    ruleset = compile_rules(list(rules))
    ioc_set = iocs_module.load(list(iocs))
    options = ScanOptions(
        rules=ruleset,
        iocs=ioc_set,
        known_good=known_good,
        allowlist=allowlist.load(list(allowlists)),
        context=load_context(source, window),
        scope=scope,
        jobs=jobs,
        want_md5=ruleset.uses_md5 or any(len(h) == 32 for h in ioc_set.hashes),
        want_sha1=any(len(h) == 40 for h in ioc_set.hashes),
        skip=_own_folders(source),
    )
    report = scan_source(source, options, progress)
    found = [to_finding(v) for v in report.verdicts]
    warnings: tuple[WarningRecord, ...] = ()
    if persistence:
        result = check_all(source)
        found.extend(result.findings)
        warnings = result.warnings
    if ruleset.problems:
        found.append(_rule_problem_finding(ruleset.problems))
    return DetectResult(
        ranked(found), report, ruleset.problems, ioc_set.problems, warnings, ruleset.engine, len(ruleset.files)
    )


def _own_folders(source: Source) -> tuple[str, ...]:
    """breachkit's own rule cache, when scanning the live host it sits on (compiled rules hold every pattern)."""
    from breachkit.detect.scanner import cache_dir
    from breachkit.sources.root import RootSource

    if isinstance(source, RootSource) and source.fs.is_live:
        return (str(cache_dir()),)
    return ()


def _rule_problem_finding(problems: list[RuleProblem]) -> Finding:
    return Finding(
        check="detect.rules",
        title="Some YARA rules did not compile and were not used",
        severity=Severity.INFO,
        confidence=1.0,
        reason=f"{len(problems)} rule file(s) or rule(s) failed to compile; every other rule ran.",
        evidence=tuple(Evidence(path=p.file, line=p.line, note=p.detail) for p in problems[:25]),
        next_step="Fix or remove the listed rules (yara-x rejects some legacy YARA syntax).",
    )


def triage_findings(case: Any, source: Source, root: Source | None = None) -> list[Finding]:
    """Detection for ``breachkit triage``: persistence and a file scan of the bundle, and of ``root`` if given.

    ``source`` is the collected bundle (persistence artifacts, temp folders and
    every file the bundle holds; files it holds no copy of are judged by name
    and metadata). ``root`` is the examined root itself (``RootSource``): its
    web roots and temp folders are scanned with the rules too; where both
    judged a file, the root's verdict (from its full content) is kept. ``case`` is journalled by the caller; it is
    accepted so a later version can read the case's incident window.
    """
    del case  # the caller journals; the window is not stored in the case yet
    result = scan(source, persistence=True, jobs=1)
    found = list(result.findings)
    if root is not None:
        extra = scan(root, persistence=False)
        # The root has the full content of files the bundle only knows by name: its verdict wins.
        from_root = {f.evidence[0].path for f in extra.findings if f.check == "detect.file" and f.evidence}
        found = [f for f in found if not (f.check == "detect.file" and f.evidence and f.evidence[0].path in from_root)]
        found.extend(f for f in extra.findings if f.check == "detect.file")
    return ranked(found)
