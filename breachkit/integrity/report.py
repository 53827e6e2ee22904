"""Package verification of a whole source, and the findings it leads to.

:func:`verify_packages` loads every package database on the source
(:mod:`breachkit.integrity.packages`), verifies each packaged file
(:mod:`breachkit.integrity.verify`), optionally against trusted .deb archives
(:mod:`breachkit.integrity.trusted_debs`), and lists files in system folders no
package owns (:mod:`breachkit.integrity.unowned`). :func:`findings` turns the
result into ranked :class:`~breachkit.findings.Finding` s, most urgent class
first (setuid, binaries and libraries, loader, PAM, sshd, startup).

On a bundle only the files the collector copied can be compared (it copies
package metadata and configuration, not the binaries): the report says so and
counts what could not be checked, never calling an uncollected file missing.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachkit.findings import Evidence, Finding, Severity
from breachkit.host.baseline.engine import CLASSES, classify
from breachkit.host.records import WarningRecord
from breachkit.host.rootfs import RootFS
from breachkit.integrity.packages import DbProblem, ExpectedFile, Package, load
from breachkit.integrity.packages.dpkg import DpkgDb
from breachkit.integrity.trusted_debs import TrustedExpectations, trusted_files
from breachkit.integrity.unowned import Unowned, find_unowned
from breachkit.integrity.verify import Accounts, FileResult, Group, Progress, verify, verify_groups
from breachkit.sources.base import Source

MAX_EVIDENCE = 25
#: Report classes (see :data:`breachkit.host.baseline.engine.CLASSES`) where a change is an alarm.
URGENT = {0, 1, 2, 3, 4}


@dataclass
class PackageReport:
    """Everything ``packages verify`` found."""

    source: str
    content_checked: bool
    managers: list[str] = field(default_factory=list)
    packages: int = 0
    files_checked: int = 0
    #: Files not compared because the bundle holds no copy of them.
    not_collected: int = 0
    problems: list[FileResult] = field(default_factory=list)
    no_digests: list[Package] = field(default_factory=list)
    db_problems: list[DbProblem] = field(default_factory=list)
    unowned: list[Unowned] = field(default_factory=list)
    generated: int = 0
    warnings: list[WarningRecord] = field(default_factory=list)
    trusted: TrustedExpectations | None = None
    seconds: float = 0.0

    def changed(self, config: bool | None = None) -> list[FileResult]:
        return [r for r in self.problems if r.status == "changed" and (config is None or r.expected.config == config)]

    def missing(self) -> list[FileResult]:
        return [r for r in self.problems if r.status == "missing"]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "content_checked": self.content_checked,
            "managers": self.managers,
            "packages": self.packages,
            "files_checked": self.files_checked,
            "not_collected": self.not_collected,
            "seconds": round(self.seconds, 3),
            "problems": [r.to_json() for r in self.problems],
            "packages_without_digests": [f"{p.name} {p.version} {p.arch}" for p in self.no_digests],
            "database_problems": [{"path": p.path, "line": p.line, "detail": p.detail} for p in self.db_problems],
            "unowned": [{"path": u.path, "type": u.entry.type, "mode": u.entry.mode} for u in self.unowned],
            "unowned_generated": self.generated,
            "warnings": [w.to_json() for w in self.warnings[:1000]],
            "trusted_debs": None
            if self.trusted is None
            else {
                "packages_covered": sorted(self.trusted.covered),
                "md5sums_mismatches": [
                    {"package": p, "path": path, "local_md5": a, "deb_md5": b}
                    for p, path, a, b in self.trusted.md5sums_mismatches
                ],
            },
        }


def verify_packages(
    source: Source,
    trusted_debs: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    unowned: bool = True,
    include_config: bool = True,
) -> PackageReport:
    """Verify every packaged file of ``source``; see the module docstring."""
    started = time.monotonic()
    fs: RootFS | None = getattr(source, "fs", None)
    is_bundle = hasattr(source, "acquisition")
    report = PackageReport(source.label, content_checked=not is_bundle)
    databases = load(source)
    for db in databases:
        report.managers.append(db.manager)
        report.packages += len(db.packages)
        report.no_digests.extend(p for p in db.packages if not p.has_digests)
    if fs is None:
        return report
    accounts = Accounts.read(fs)
    for db in databases:
        files = db.files()
        if trusted_debs is not None and isinstance(db, DpkgDb):
            report.trusted = TrustedExpectations()
            files = trusted_files(db, trusted_debs, report.trusted)
        if isinstance(db, DpkgDb) and report.trusted is None and not is_bundle:
            _verify_dpkg(fs, db, report, accounts, include_config, workers, progress)
            report.db_problems.extend(db.problems)
            continue
        selected = (f for f in files if include_config or not f.config)
        for result in verify(fs, selected, accounts, workers, progress):
            if is_bundle and result.status == "missing":
                report.not_collected += 1
                continue
            report.files_checked += 1
            if result.problem:
                report.problems.append(result)
        report.db_problems.extend(db.problems)
        if report.trusted is not None:
            report.db_problems.extend(report.trusted.problems)
    if unowned and not is_bundle and databases:
        owned: list[str] = []
        for db in databases:
            owned.extend(db.owned_paths())
        for item in find_unowned(fs, owned):
            if isinstance(item, WarningRecord):
                report.warnings.append(item)
            elif item.generated:
                report.generated += 1
            else:
                report.unowned.append(item)
    report.seconds = time.monotonic() - started
    return report


def _verify_dpkg(
    fs: RootFS,
    db: DpkgDb,
    report: PackageReport,
    accounts: Accounts,
    include_config: bool,
    workers: int | None,
    progress: Progress | None,
) -> None:
    """Verify a dpkg database package by package (:func:`verify_groups`): the same verdicts as :func:`verify`."""
    groups: list[Group] = []
    for package in db.packages:
        cost = db.installed_kib.get(f"{package.name}:{package.arch}", 0)
        groups.append((cost, functools.partial(db.package_files, package, include_config)))
    for group in verify_groups(fs, groups, db.problems, accounts, workers, progress):
        report.files_checked += group.checked
        report.problems.extend(group.problems)
        db.problems.extend(group.db_problems)


def _evidence(result: FileResult) -> Evidence:
    exp = result.expected
    sha = result.actual_digest if exp.algorithm == "sha256" else None
    note = f"{result.flags} package {exp.package}"
    if result.detail:
        note += f"; {result.detail}"
    return Evidence(path=exp.path, sha256=sha, excerpt=note, note=f"expected by {exp.origin}")


def _klass(exp: ExpectedFile) -> int:
    return classify(exp.path, {"m": exp.mode, "t": "f"} if exp.mode is not None else None, None)


def findings(report: PackageReport) -> list[Finding]:
    """Ranked findings from a :class:`PackageReport`."""
    out: list[Finding] = []
    if report.trusted is not None and report.trusted.md5sums_mismatches:
        items = report.trusted.md5sums_mismatches
        out.append(
            Finding(
                check="integrity.md5sums-tampered",
                title="The package database's checksums were altered",
                severity=Severity.CRITICAL,
                confidence=0.9,
                reason=(
                    f"{len(items)} md5sums line(s) on the host disagree with the .deb archives of the very same "
                    "package versions. Someone rewrote dpkg's checksum lists, which only makes sense to hide "
                    "a replaced file from debsums."
                ),
                evidence=tuple(
                    Evidence(path=path, excerpt=f"package {pkg}: local md5 {a}, .deb md5 {b}")
                    for pkg, path, a, b in items[:MAX_EVIDENCE]
                ),
                next_step="Treat every binary on this host as suspect; rebuild from trusted media.",
            )
        )
    changed = sorted(report.changed(config=False), key=lambda r: (_klass(r.expected), r.expected.path))
    urgent = [r for r in changed if _klass(r.expected) in URGENT]
    other = [r for r in changed if _klass(r.expected) not in URGENT]
    basis = "the .deb archives given" if report.trusted is not None else "the package database on the host"
    if urgent:
        classes = sorted({CLASSES[_klass(r.expected)][0] for r in urgent})
        out.append(
            Finding(
                check="integrity.packages-changed",
                title="System binaries or libraries differ from their packages",
                severity=Severity.HIGH,
                confidence=0.8 if report.trusted is None else 0.95,
                reason=(
                    f"{len(urgent)} packaged file(s) in security-relevant places ({', '.join(classes)}) do not "
                    f"match {basis}. A trojaned program or library looks exactly like this; so does a local "
                    "rebuild or a half-finished upgrade."
                ),
                evidence=tuple(_evidence(r) for r in urgent[:MAX_EVIDENCE]),
                next_step="Compare with a clean copy of the same package version (--trusted-debs); "
                "do not run the changed programs.",
            )
        )
    if other:
        out.append(
            Finding(
                check="integrity.packages-changed",
                title="Packaged files differ from their packages",
                severity=Severity.MEDIUM,
                confidence=0.6,
                reason=f"{len(other)} other packaged file(s) do not match {basis}.",
                evidence=tuple(_evidence(r) for r in other[:MAX_EVIDENCE]),
            )
        )
    config = sorted(report.changed(config=True), key=lambda r: (_klass(r.expected), r.expected.path))
    sensitive = [r for r in config if _klass(r.expected) in URGENT | {5}]
    if sensitive:
        out.append(
            Finding(
                check="integrity.config-changed",
                title="Security-relevant configuration differs from the packaged version",
                severity=Severity.MEDIUM,
                confidence=0.5,
                reason=(
                    f"{len(sensitive)} configuration file(s) for PAM, SSH, the loader or startup differ from what "
                    "the package installed. Admins edit these; so do intruders (a PAM line that accepts any "
                    "password, an sshd option, a cron job)."
                ),
                evidence=tuple(_evidence(r) for r in sensitive[:MAX_EVIDENCE]),
                next_step="Read each one and ask who changed it and why.",
            )
        )
    missing = report.missing()
    if missing:
        out.append(
            Finding(
                check="integrity.packages-missing",
                title="Packaged files are missing",
                severity=Severity.LOW,
                confidence=0.5,
                reason=f"{len(missing)} file(s) that packages installed are gone (cleanup tools remove docs; "
                "intruders remove logs and tools).",
                evidence=tuple(_evidence(r) for r in missing[:MAX_EVIDENCE]),
            )
        )
    suspicious = [u for u in report.unowned if u.executable or _unowned_class(u) in URGENT]
    if suspicious:
        urgent_unowned = [u for u in suspicious if _unowned_class(u) in {0, 2, 3} or "/security/pam_" in u.path]
        out.append(
            Finding(
                check="integrity.unowned",
                title="Files in system folders that no package installed",
                severity=Severity.HIGH if urgent_unowned else Severity.MEDIUM,
                confidence=0.5,
                reason=(
                    f"{len(suspicious)} executable or security-relevant file(s) in /bin, /sbin, /usr, /lib, PAM "
                    "or loader folders belong to no package. Intruders put tools and preloaded libraries there; "
                    "software installed by hand (npm -g, a vendor tarball) looks the same."
                ),
                evidence=tuple(
                    Evidence(path=u.path, note=f"mode {u.entry.mode:o}, {u.entry.size} bytes")
                    for u in sorted(suspicious, key=lambda u: (_unowned_class(u), u.path))[:MAX_EVIDENCE]
                ),
                next_step="Find out who installed each one (times, logs); compare its hash with known software.",
            )
        )
    if report.no_digests:
        out.append(
            Finding(
                check="integrity.no-checksums",
                title="Packages without checksums",
                severity=Severity.LOW,
                confidence=0.9,
                reason=f"{len(report.no_digests)} installed package(s) have no checksum list, so their files "
                "cannot be verified from the host's own database.",
                evidence=tuple(
                    Evidence(note=f"{p.name} {p.version} {p.arch}") for p in report.no_digests[:MAX_EVIDENCE]
                ),
                next_step="Verify them with --trusted-debs and the matching .deb files.",
            )
        )
    if report.db_problems:
        out.append(
            Finding(
                check="integrity.database-damaged",
                title="Damage in the package database",
                severity=Severity.MEDIUM,
                confidence=0.7,
                reason=f"{len(report.db_problems)} problem(s) reading the package database; everything else was "
                "still verified.",
                evidence=tuple(
                    Evidence(path=p.path, line=p.line, excerpt=p.detail) for p in report.db_problems[:MAX_EVIDENCE]
                ),
            )
        )
    if not report.content_checked:
        out.append(
            Finding(
                check="integrity.bundle-only",
                title="Installed files were not verified (bundle only)",
                severity=Severity.INFO,
                confidence=1.0,
                reason=(
                    f"A bundle holds the package database but not the installed programs: {report.files_checked} "
                    f"copied file(s) were compared, {report.not_collected} could not be. Run "
                    "'breachkit packages verify --root <mounted image>' to check them all."
                ),
            )
        )
    return out


def _unowned_class(item: Unowned) -> int:
    return classify(item.path, {"m": item.entry.mode, "t": item.entry.type}, None)
