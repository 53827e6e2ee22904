"""Run Sigma rules over the case tables filled by :func:`breachkit.logs.analyze`.

:func:`run_sigma` compiles each loaded rule for its logsource
(:mod:`breachkit.logs.sigma.fields`) and streams the logsource's rows from
DuckDB in batches (``web_requests`` for web rules, the ``events`` rows of the
right sources for Linux rules) to the Python matcher
(:mod:`breachkit.logs.sigma.matcher`). When the matcher can state a SQL
condition every matching row meets (ASCII strings on text columns: "the
agent contains sqlmap"), the rule gets a pass of its own in which DuckDB
hands over only those candidate rows; the other rules of a logsource share
one pass over all of its rows. Memory stays flat: per rule, a count, the
time span and the first :data:`MAX_EVIDENCE` matching lines are kept.

Each rule that matched becomes one :class:`~breachkit.findings.Finding`
(severity from the rule's ``level``, confidence from its ``status``) whose
evidence are the matching log lines (file and line number, the line or
request as excerpt). Rules that could not be evaluated are listed in
:attr:`SigmaResult.not_evaluated` with the reason, next to the files that
did not load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from breachkit.findings import Evidence, Finding, Severity, ranked
from breachkit.logs.common import span
from breachkit.logs.sigma.fields import Row, Target, target_for
from breachkit.logs.sigma.load import LoadedRule, RuleProblem, RuleSet
from breachkit.logs.sigma.matcher import CompiledRule, Filter, Unsupported, compile_rule

#: Matching lines kept as evidence per rule (the count covers all of them).
MAX_EVIDENCE = 100
#: Rows fetched from DuckDB at a time.
BATCH_ROWS = 10_000
LEVELS = {
    "INFORMATIONAL": Severity.INFO,
    "LOW": Severity.LOW,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}
#: How far a rule's author vouches for it (Sigma ``status``) -> finding confidence.
CONFIDENCE = {"STABLE": 0.8, "TEST": 0.7, "EXPERIMENTAL": 0.5, "DEPRECATED": 0.4, "UNSUPPORTED": 0.4}


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What one evaluated rule did."""

    title: str
    rule_id: str | None
    path: str
    logsource: str
    matches: int


@dataclass
class SigmaResult:
    """Findings of the rules that matched, and the rules that could not be evaluated."""

    findings: list[Finding]
    evaluated: list[RuleOutcome]
    not_evaluated: list[RuleProblem]
    #: rows of each logsource the rules covered
    rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "rules_evaluated": len(self.evaluated),
            "rules_matched": sum(1 for r in self.evaluated if r.matches),
            "rows": dict(self.rows),
            "evaluated": [
                {"title": r.title, "id": r.rule_id, "file": r.path, "logsource": r.logsource, "matches": r.matches}
                for r in self.evaluated
            ],
            "not_evaluated": [
                {"file": p.path, "title": p.title, "kind": p.kind, "reason": p.detail} for p in self.not_evaluated
            ],
        }


@dataclass
class _State:
    loaded: LoadedRule
    compiled: CompiledRule
    matches: int = 0
    first_ns: int | None = None
    last_ns: int | None = None
    evidence: list[Evidence] = field(default_factory=list)
    failed: str | None = None


def run_sigma(con: Any, rules: RuleSet | Iterable[LoadedRule], *, prefilter: bool = True) -> SigmaResult:
    """Evaluate ``rules`` over the ``events`` and ``web_requests`` tables of ``con``.

    A rule whose selections give a SQL superset filter (ASCII strings on
    text columns, see :meth:`breachkit.logs.sigma.matcher._Strings.sql`) gets
    its own pass in which DuckDB hands Python only the candidate rows; the
    other rules of a logsource share one pass over all of its rows.
    ``prefilter=False`` turns that off (the results are the same, slower).
    """
    if isinstance(rules, RuleSet):
        loaded, problems = list(rules.rules), list(rules.problems)
    else:
        loaded, problems = list(rules), []
    # Rules with a pre-filter get a pass of their own; the rest share one full pass per logsource.
    passes: list[tuple[Filter, list[_State]]] = []
    shared: dict[str, list[_State]] = {}
    for item in loaded:
        target = target_for(item.rule.logsource)
        if isinstance(target, str):
            problems.append(RuleProblem(item.label, "unsupported-logsource", target, item.title))
            continue
        try:
            compiled = compile_rule(item.rule, target)
        except Unsupported as exc:
            problems.append(RuleProblem(item.label, exc.kind, exc.detail, item.title))
            continue
        state = _State(item, compiled)
        if prefilter and compiled.prefilter is not None:
            passes.append((compiled.prefilter, [state]))
        elif target.name in shared:
            shared[target.name].append(state)
        else:
            shared[target.name] = [state]
            passes.append((None, shared[target.name]))
    rows: dict[str, int] = {}
    states: list[_State] = []
    for sql, group in passes:
        target = group[0].compiled.target
        if target.name not in rows:
            rows[target.name] = _count(con, target)
        if rows[target.name]:
            _scan(con, target, group, sql)
        states += group
    findings: list[Finding] = []
    evaluated: list[RuleOutcome] = []
    for state in states:
        if state.failed is not None:
            problems.append(RuleProblem(state.loaded.label, "evaluation-error", state.failed, state.loaded.title))
            continue
        rule = state.loaded.rule
        evaluated.append(
            RuleOutcome(
                state.loaded.title,
                str(rule.id) if rule.id else None,
                state.loaded.label,
                state.compiled.target.name,
                state.matches,
            )
        )
        if state.matches:
            findings.append(_finding(state))
    return SigmaResult(ranked(findings), evaluated, problems, rows)


def _count(con: Any, target: Target) -> int:
    """Rows of the target's logsource (0 when its table does not exist)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [target.table]
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    con.execute("SET enable_progress_bar = false")  # a long scan must not draw on stdout (JSON output)
    found = con.execute(f'SELECT count(*) FROM "{target.table}" WHERE {target.where}').fetchone()  # noqa: S608
    return int(found[0]) if found else 0


def _scan(con: Any, target: Target, group: list[_State], prefilter: Filter) -> int:
    """One pass over the target's rows (those passing ``prefilter``), testing every rule of the group.

    Returns the rows read. Table, columns and the logsource predicate are
    constants of :mod:`breachkit.logs.sigma.fields`; the pre-filter's SQL is
    built by the matcher from column names and operators only, every value
    taken from a rule is a bound parameter.
    """
    columns = ", ".join(f'"{name}"' for name in target.columns)
    condition, params = prefilter if prefilter is not None else ("TRUE", [])
    sql = f'SELECT {columns} FROM "{target.table}" WHERE ({target.where}) AND {condition}'  # noqa: S608
    cursor = con.execute(sql, params)
    names = target.columns
    seen = 0
    active = list(group)
    while active:
        batch = cursor.fetchmany(BATCH_ROWS)
        if not batch:
            break
        for values in batch:
            row = Row(dict(zip(names, values, strict=True)))
            for state in active:
                try:
                    hit = state.compiled.test(row)
                except Exception as exc:  # one broken rule must not stop the others
                    state.failed = f"stopped at {row.get('source_file')}:{row.get('source_line')}: {exc!r:.200}"
                    continue
                if hit:
                    _record(state, row, target)
            if any(state.failed for state in active):
                active = [state for state in active if state.failed is None]
        seen += len(batch)
    return seen


def _record(state: _State, row: Row, target: Target) -> None:
    state.matches += 1
    time_ns = row.get("time_ns")
    if isinstance(time_ns, int):
        state.first_ns = time_ns if state.first_ns is None else min(state.first_ns, time_ns)
        state.last_ns = time_ns if state.last_ns is None else max(state.last_ns, time_ns)
    if len(state.evidence) < MAX_EVIDENCE:
        line = row.get("source_line")
        state.evidence.append(
            Evidence(
                path=row.get("source_file"),
                line=int(line) if isinstance(line, int) else None,
                excerpt=str(target.excerpt(row))[:2000],
            )
        )


def _finding(state: _State) -> Finding:
    rule = state.loaded.rule
    level = rule.level.name if rule.level is not None else "MEDIUM"
    status = rule.status.name if rule.status is not None else "EXPERIMENTAL"
    when = ""
    if state.first_ns is not None and state.last_ns is not None:
        when = f" from {span(state.first_ns, state.last_ns)}"
    description = " ".join(str(rule.description or "").split())
    more = f" (the first {MAX_EVIDENCE} are shown)" if state.matches > MAX_EVIDENCE else ""
    reason = (
        f"Sigma rule '{state.loaded.title}' ({state.loaded.label}, level {level.lower()}, status {status.lower()}) "
        f"matched {state.matches} {state.compiled.target.name} line(s){when}{more}."
    )
    if description:
        reason += f" The rule: {description}"
    false_positives = [str(fp) for fp in (rule.falsepositives or []) if str(fp).strip()]
    next_step = "Read the matching lines in context and check what the rule looks for against what the host runs."
    if false_positives:
        next_step += " The rule's author lists these false positives: " + "; ".join(false_positives)[:400] + "."
    return Finding(
        check=f"sigma.{_slug(str(rule.id) if rule.id else state.loaded.title)}",
        title=f"Sigma: {state.loaded.title}",
        severity=LEVELS.get(level, Severity.MEDIUM),
        confidence=CONFIDENCE.get(status, 0.5),
        reason=reason,
        evidence=tuple(state.evidence),
        next_step=next_step,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "rule"
