"""Indicators of compromise: taken from a case's findings, exported, and hunted for elsewhere.

:mod:`~breachkit.indicators.extract` turns the findings (and the case tables) into
:class:`~breachkit.indicators.model.Indicator` records, each saying why it was taken;
:mod:`~breachkit.indicators.export` writes them as CSV, JSON, STIX 2.1 or Loki IOC files;
:mod:`~breachkit.indicators.hunt` sweeps another root, a bundle or a backup archive with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from breachkit.indicators.extract import Extraction, extract
from breachkit.indicators.model import Indicator, IndicatorKind

if TYPE_CHECKING:
    from breachkit.case import Case

__all__ = ["CASE_FILE", "Extraction", "Indicator", "IndicatorKind", "extract", "write_case_indicators"]

#: Where the case's indicators are kept, relative to the case folder (rebuilt by every call).
CASE_FILE = Path("db") / "indicators.json"


def write_case_indicators(case: Case) -> tuple[Path, Extraction]:
    """Extract the case's indicators into ``db/indicators.json`` (the JSON export format).

    For the end of triage and for the report; the caller journals the file with its hash.
    """
    from breachkit.indicators import export

    result = extract(case.root)
    path = case.root / CASE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export.to_json(result.indicators, case.info.case_id), encoding="ascii")
    return path, result
