"""Sigma rules over the parsed logs: load with pySigma, evaluate with breachkit's own matcher.

``load_rules([folder, ...])`` reads rule files (:mod:`.load`), ``run_sigma(con,
rules)`` evaluates them over the case tables that
:func:`breachkit.logs.analyze` filled (:mod:`.run`, :mod:`.matcher`), through
the logsource and field mapping of :mod:`.fields`. What is supported and
what is reported as not evaluated is described in those modules; the format
is at https://github.com/SigmaHQ/sigma-specification.
"""

from __future__ import annotations

from breachkit.logs.sigma.load import LoadedRule, RuleProblem, RuleSet, SigmaLoadError, load_rules
from breachkit.logs.sigma.run import RuleOutcome, SigmaResult, run_sigma

__all__ = [
    "LoadedRule",
    "RuleOutcome",
    "RuleProblem",
    "RuleSet",
    "SigmaLoadError",
    "SigmaResult",
    "load_rules",
    "run_sigma",
]
