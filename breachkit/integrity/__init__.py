"""Integrity: is every system file what it should be?

Two questions, two tools:

* **"What changed since we knew the box was good?"** needs a baseline taken
  before: :mod:`breachkit.host.baseline` (create/check/update, standard library
  only, so it runs on the servers themselves) with signing here in
  :mod:`breachkit.integrity.signing`.
* **"There was no baseline: which system files are not what the vendor
  shipped?"** — :func:`verify_packages` compares every packaged file with the
  package manager's own checksums (dpkg, rpm), or with the .deb archives
  themselves when the local database may have been rewritten
  (``trusted_debs``), and lists files in system folders no package owns.

Library use::

    from breachkit.integrity import findings, verify_packages
    from breachkit.sources import RootSource
    report = verify_packages(RootSource("/mnt/evidence"))
    for finding in findings(report): ...
"""

from __future__ import annotations

from typing import Any

from breachkit.findings import Finding
from breachkit.integrity.report import PackageReport, findings, verify_packages
from breachkit.sources.base import Source

__all__ = ["PackageReport", "findings", "triage_findings", "verify_packages"]


def triage_findings(case: Any, source: Source) -> list[Finding]:
    """Package verification for ``breachkit triage``: findings, with the full report saved in the case.

    ``source`` should be a :class:`~breachkit.sources.RootSource` on the
    examined root (every packaged file is hashed: on this machine ~4.5 GB in
    96,000 files); on a bundle only copied files are compared and a finding
    says so. The full report goes to ``<case>/db/packages.json``; the caller
    journals it with the other outputs.
    """
    import json

    report = verify_packages(source)
    if case is not None:
        db_dir = case.root / "db"
        db_dir.mkdir(exist_ok=True)
        (db_dir / "packages.json").write_text(
            json.dumps(report.to_json(), ensure_ascii=True, sort_keys=True) + "\n", encoding="ascii"
        )
    return findings(report)
