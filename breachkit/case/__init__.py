"""The case: one folder per incident with a tamper-evident journal and an evidence store.

Library first::

    from breachkit.case import Case, open_or_init
    case = Case.init("/cases/shop-2024-05", name="shop", examiner="alice")
    case.journal.append("note", {"text": "host isolated at the switch"})
    case.add_bundle("/media/usb/bundle-web1")
    result = breachkit.case.journal.verify("/cases/shop-2024-05")

See :mod:`breachkit.case.folder` for the layout, :mod:`breachkit.case.journal`
for the chain and what :func:`~breachkit.case.journal.verify` detects,
:mod:`breachkit.case.evidence` for how bundles are checked on arrival and
:mod:`breachkit.case.signing` for signatures over the journal head.
"""

from __future__ import annotations

from breachkit.case.evidence import (
    BundleIssue,
    BundleRejected,
    BundleResult,
    EvidenceStore,
    StoredFile,
)
from breachkit.case.folder import Case, CaseInfo, open_or_init, verify_case
from breachkit.case.journal import (
    Entry,
    Head,
    Journal,
    JournalProblem,
    TornTail,
    VerifyResult,
    default_examiner,
)

__all__ = [
    "BundleIssue",
    "BundleRejected",
    "BundleResult",
    "Case",
    "CaseInfo",
    "Entry",
    "EvidenceStore",
    "Head",
    "Journal",
    "JournalProblem",
    "StoredFile",
    "TornTail",
    "VerifyResult",
    "default_examiner",
    "open_or_init",
    "verify_case",
]
