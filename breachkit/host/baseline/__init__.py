"""AIDE-class file integrity baseline, runnable with the standard library only (Python >= 3.8).

``create`` records the selected files (rules: :mod:`.rules`) into a sorted,
self-verifying database (:mod:`.db`); ``check`` compares the tree with it in
one streaming merge and reports what was added, removed or changed, most
urgent first; ``update`` makes the current state the baseline and keeps the
old database in ``<db>.history/`` (:mod:`.engine`). Hashing runs in parallel
and streams (:mod:`.scan`); signatures over the database hash are made and
checked on the analyst side (:mod:`.signature`).

Library use::

    from breachkit.host.baseline import create, run_check_ordered
    summary = create("/", "/media/usb/web01.baseline.jsonl.gz")
    db, changes, summary = run_check_ordered("/", "/media/usb/web01.baseline.jsonl.gz")
"""

from .db import BaselineError, Database, DatabaseTampered
from .engine import (
    ADDED,
    CHANGED,
    CLASSES,
    REMOVED,
    Change,
    Spool,
    Summary,
    check,
    classify,
    compare,
    create,
    run_check_ordered,
    update,
)
from .rules import DEFAULT_RULES, Rules, RulesError, parse

__all__ = [
    "ADDED",
    "CHANGED",
    "CLASSES",
    "DEFAULT_RULES",
    "REMOVED",
    "BaselineError",
    "Change",
    "Database",
    "DatabaseTampered",
    "Rules",
    "RulesError",
    "Spool",
    "Summary",
    "check",
    "classify",
    "compare",
    "create",
    "parse",
    "run_check_ordered",
    "update",
]
