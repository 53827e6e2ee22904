"""What triage must establish on the "wiped" demo host, whichever way it was built (folder or image).

Shared by the folder test (:mod:`tests.demo.test_wiped_triage`) and the
root-only image test (:mod:`tests.demo.test_wiped_triage_image`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from breachkit.correlate import Correlation
from breachkit.demo.truth import GroundTruth
from breachkit.findings import Finding, Severity

#: Which checks must name a log the attacker wiped, by what he did to it (the folder cannot show births).
TELLS = {
    "lines-removed": ("logs.log-stopped",),
    "truncated": ("logs.log-cut",),
    "records-zeroed": ("logs.login-records-tampered",),
    "linked-to-dev-null": ("logs.history-disabled",),
    "deleted": ("logs.history-missing",),
}
#: Every check that reports wiping; none of them may fire on a host nobody wiped.
WIPING_CHECKS = frozenset(
    {
        "logs.log-cut",
        "logs.log-stopped",
        "logs.log-rewritten",
        "logs.lastlog-not-in-wtmp",
        "logs.history-disabled",
        "logs.history-missing",
        "logs.login-records-tampered",
        "logs.login-missing-from-wtmp",
    }
)


def line_number(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if line == text:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def _text(finding: Finding) -> str:
    parts = [finding.title, finding.reason]
    for e in finding.evidence:
        parts += [e.path or "", e.note or "", e.excerpt or ""]
    return "\n".join(parts)


def check_entry(
    findings: Sequence[Finding], result: Correlation, truth: GroundTruth, local: Callable[[str], Path]
) -> None:
    """The upload through the plugin's connector, from the rotated log the attacker did not touch."""
    entry = truth.entry_point
    best = result.entry_points[0]
    assert (best.request.method, best.request.path) == (entry.method, urlsplit(entry.url).path)
    assert best.request.ip == truth.attacker_ips[0]
    assert best.request.source_file == entry.log_path
    assert best.request.source_line == line_number(local(entry.log_path), entry.log_line)
    assert best.created == entry.created
    finding = next(f for f in findings if f.check == "correlate.entry-point")
    assert finding.severity == Severity.CRITICAL
    assert (finding.evidence[0].path, finding.evidence[0].line) == (entry.log_path, best.request.source_line)


def check_addresses(findings: Sequence[Finding], result: Correlation, truth: GroundTruth) -> None:
    """The web client and the download host by correlation; the SSH logins by the log detections."""
    web = {a.ip for a in truth.addresses if a.role in ("web client", "download host and mining pool")}
    assert web == set(result.attacker_addresses)
    reported = "\n".join(_text(f) for f in findings if f.severity >= Severity.MEDIUM)
    for ip in truth.attacker_ips:
        assert ip in reported, ip
    root = next(login for login in truth.attacker_logins if login.user == "root")
    lastlog = next(f for f in findings if f.check == "logs.lastlog-not-in-wtmp")
    # only lastlog kept root's Monday login: the tool says auth.log has nothing either
    assert any(root.ip in (e.note or "") and "no such login either" in (e.note or "") for e in lastlog.evidence)


def check_dropped_files(findings: Sequence[Finding], result: Correlation, truth: GroundTruth) -> None:
    named = {e.path for f in findings if f.severity >= Severity.MEDIUM for e in f.evidence}
    for path in truth.malicious_paths():
        assert path in named, path
    assert set(truth.malicious_paths()) <= {link.file.path for link in result.links} | {
        c.path for c in result.service_changes
    }
    # the unit was written over SSH as root: correlation says it could not tie it to a request
    assert any(
        g.startswith(f"could not establish the request that created {truth.timestomped.path}") for g in result.gaps
    )


def check_no_noise(findings: Sequence[Finding], truth: GroundTruth) -> None:
    noise = {n.path for n in truth.benign_noise if n.category != "log-rotation"}
    for finding in findings:
        if finding.severity >= Severity.HIGH:
            assert not noise & {e.path for e in finding.evidence}, finding.title


def check_wiping(
    findings: Sequence[Finding], truth: GroundTruth, extra: dict[str, tuple[str, ...]] | None = None
) -> None:
    """Every log the attacker wiped is named by the checks that notice that kind of wiping."""
    by_check = {f.check: f for f in findings if f.severity >= Severity.MEDIUM}
    tells = {action: TELLS[action] + (extra or {}).get(action, ()) for action in TELLS}
    for wipe in truth.wiping:
        for check in tells[wipe.action]:
            assert check in by_check, f"{check} missing for {wipe.path}"
            assert wipe.path in {e.path for e in by_check[check].evidence}, (check, wipe.path)
    stopped = by_check["logs.log-stopped"]
    assert "everything after it is lost" in stopped.reason
    assert by_check["logs.log-cut"].severity == Severity.HIGH
    assert by_check["logs.history-disabled"].severity == Severity.HIGH
