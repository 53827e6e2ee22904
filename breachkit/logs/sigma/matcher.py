"""Evaluate a Sigma rule's detection over breachkit rows.

pySigma (:mod:`breachkit.logs.sigma.load`) parses a rule and applies its value
modifiers; this module compiles what is left into plain Python predicates
over a :class:`~breachkit.logs.sigma.fields.Row`, following the Sigma
specification (https://github.com/SigmaHQ/sigma-specification/blob/main/specification/sigma-rules-specification.md):

- a selection that is a map is the AND of its fields, a list of maps the OR
  of the maps; a field with a list of values is the OR of the values (AND
  with ``|all``); a list of plain strings is a keyword search of the row's
  text (:attr:`~breachkit.logs.sigma.fields.Target.keywords`), each keyword
  matching anywhere in it;
- the condition (parsed here, not by pySigma) takes ``and``, ``or``,
  ``not``, parentheses, ``1 of name*``, ``all of name*``, ``1 of them`` and
  ``all of them`` (``them`` leaves out names starting with ``_``), and a
  list of conditions is their OR;
- strings compare case-insensitively, with ``*`` and ``?`` as wildcards
  (``contains``, ``startswith`` and ``endswith`` arrive from pySigma as
  wildcards; ``base64``/``base64offset``/``windash`` as expanded value
  lists; ``cased`` makes a string case-sensitive); ``re`` is a
  case-sensitive search unless the rule adds ``|i``; ``cidr`` tests an IPv4
  or IPv6 address; ``null`` means the field is absent or empty; numbers
  compare as numbers (``gt``/``gte``/``lt``/``lte`` too); ``exists`` tests
  presence.

Anything else (``fieldref``, placeholders, a field breachkit does not record
for the rule's logsource) makes the rule :class:`Unsupported`, with the
reason, instead of silently never matching.

Alongside each predicate the compiler derives, where it safely can, a SQL
condition every matching row meets (ASCII equal/contains/startswith/endswith
strings on plain text columns, combined through ``and``/``or``, never through
``not``); :mod:`breachkit.logs.sigma.run` lets DuckDB apply it so Python only
sees candidate rows. The predicate still decides.

Regular expressions from rules run on RE2 (``google-re2``, a pySigma
dependency), which matches in time linear in the input: a catastrophic
backtracking pattern such as ``(a+)+$`` costs no more than any other, so no
timeout is needed. Patterns RE2 cannot run (look-around, back-references)
and patterns longer than :data:`MAX_REGEX` characters make the rule
unsupported. Wildcard values compile to RE2 too.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, NoReturn

from breachkit.logs.sigma.fields import Getter, Row, Target

Predicate = Callable[[Row], bool]
ValueTest = Callable[[Any], bool]
#: SQL text with ``?`` placeholders and their values
Filter = tuple[str, list[Any]] | None
#: a compiled selection or condition: the row test and its SQL superset filter
Compiled = tuple[Predicate, Filter]

#: Longest regular expression (or wildcard value) a rule may use.
MAX_REGEX = 4096
#: Memory RE2 may use for one compiled pattern (bytes); bigger programs are refused.
RE2_MAX_MEM = 8 << 20
#: Deepest nesting of parentheses and ``not`` accepted in a condition.
MAX_CONDITION_DEPTH = 50
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


class Unsupported(Exception):
    """The rule uses something the matcher does not evaluate."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to test rows of its target."""

    target: Target
    test: Predicate
    #: the Sigma field names the rule reads (for the report)
    fields: tuple[str, ...]
    #: SQL that every matching row satisfies (a superset filter for DuckDB), with its parameters; or None
    prefilter: Filter = None


def compile_rule(rule: Any, target: Target) -> CompiledRule:
    """Compile a pySigma ``SigmaRule`` for ``target``; raises :class:`Unsupported`."""
    used: list[str] = []
    detections: dict[str, Compiled] = {}
    for name, detection in rule.detection.detections.items():
        detections[str(name)] = _detection(detection, target, used)
    conditions = [str(c) for c in rule.detection.condition]
    if not conditions:
        raise Unsupported("invalid", "the rule has no condition")
    parsed = [_Condition(text, detections).parse() for text in conditions]
    test, prefilter = parsed[0] if len(parsed) == 1 else _or(parsed)
    return CompiledRule(target, test, tuple(dict.fromkeys(used)), prefilter)


def _or(parts: Sequence[Compiled]) -> Compiled:
    """OR of compiled parts; its SQL filter exists only when every part has one."""
    tests = tuple(p[0] for p in parts)
    filters = [p[1] for p in parts]
    sql: Filter = None
    if all(f is not None for f in filters):
        sql = (
            "(" + " OR ".join(f[0] for f in filters if f) + ")",
            [value for f in filters if f for value in f[1]],
        )
    return (tests[0] if len(tests) == 1 else lambda row: any(t(row) for t in tests)), sql


def _and(parts: Sequence[Compiled]) -> Compiled:
    """AND of compiled parts; its SQL filter is the AND of the parts that have one (a superset)."""
    tests = tuple(p[0] for p in parts)
    filters = [p[1] for p in parts if p[1] is not None]
    sql: Filter = None
    if filters:
        sql = (
            "(" + " AND ".join(f[0] for f in filters if f) + ")",
            [value for f in filters if f for value in f[1]],
        )
    return (tests[0] if len(tests) == 1 else lambda row: all(t(row) for t in tests)), sql


# --- selections ------------------------------------------------------------------------------


def _detection(detection: Any, target: Target, used: list[str]) -> Compiled:
    from sigma.conditions import ConditionOR
    from sigma.rule import SigmaDetection

    parts: list[Compiled] = []
    for item in detection.detection_items:
        if isinstance(item, SigmaDetection):
            parts.append(_detection(item, target, used))
        else:
            parts.append(_item(item, target, used))
    if not parts:
        raise Unsupported("invalid", "an empty selection")
    linking = getattr(detection, "item_linking", None)
    return _or(parts) if linking is ConditionOR else _and(parts)


def _item(item: Any, target: Target, used: list[str]) -> Compiled:
    from sigma.conditions import ConditionAND

    keyword = item.field is None
    getter: Getter | None
    if keyword:
        getter = target.keywords
        column = target.keyword_column
    else:
        getter = target.getter(str(item.field))
        if getter is None:
            raise Unsupported("unknown-field", f"field {item.field!r} is not recorded for logsource {target.name}")
        used.append(str(item.field))
        column = target.text_columns.get(str(item.field).lower())
    if not item.value:
        raise Unsupported("invalid", f"field {item.field!r} has no value")
    fast = None if item.value_linking is ConditionAND else _fast_strings(item.value, keyword)
    tests = [fast.test] if fast is not None else [_value_test(value, keyword) for value in item.value]
    combine = all if item.value_linking is ConditionAND else any
    negated = bool(getattr(item, "negated", False))
    read = getter

    def predicate(row: Row) -> bool:
        value = read(row)
        if isinstance(value, tuple | list):
            hit = combine(any(test(v) for v in value) for test in tests)
        else:
            hit = combine(test(value) for test in tests)
        return not hit if negated else hit

    sql = fast.sql(column) if fast is not None and column is not None and not negated else None
    return predicate, sql


@dataclass(frozen=True, slots=True)
class _Strings:
    """An OR of lower-cased equal/contains/startswith/endswith strings, as a test and as SQL."""

    equal: frozenset[str]
    contains: tuple[str, ...]
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    test: ValueTest

    def sql(self, column: str) -> Filter:
        """A DuckDB filter true for every value :attr:`test` accepts, or None.

        Python and DuckDB lower-case the same way only for ASCII, so only
        ASCII needles are pushed down and a value with any non-ASCII
        character (more bytes than characters) always passes to Python.
        """
        needles = [*self.equal, *self.contains, *self.starts, *self.ends]
        # An empty needle matches the empty text Python reads for a NULL message; SQL would drop the row.
        if not needles or not all(n and n.isascii() and "\x00" not in n for n in needles):
            return None
        low = f'lower("{column}")'
        parts = [f'strlen("{column}") <> length("{column}")']
        params: list[Any] = []
        for kind, values in (("=", self.equal), ("contains", self.contains), ("starts_with", self.starts)):
            for value in sorted(values) if isinstance(values, frozenset) else values:
                parts.append(f"{low} = ?" if kind == "=" else f"{kind}({low}, ?)")
                params.append(value)
        for value in self.ends:
            parts.append(f"suffix({low}, ?)")
            params.append(value)
        return "(" + " OR ".join(parts) + ")", params


def _fast_strings(values: Sequence[Any], keyword: bool) -> _Strings | None:
    """One test for an OR of case-insensitive plain, contains, startswith and endswith strings.

    The common shape of real rules (a list of user agents, a list of URL
    fragments, a base64offset expansion): the row's text is lowered once
    instead of once per value. None when some value needs the general path.
    """
    from sigma import types

    multi = types.SpecialChars.WILDCARD_MULTI
    equal: set[str] = set()
    contains: list[str] = []
    starts: list[str] = []
    ends: list[str] = []
    pending = list(values)
    while pending:
        value = pending.pop()
        if isinstance(value, types.SigmaExpansion):
            pending += value.values
            continue
        if not isinstance(value, types.SigmaString) or isinstance(value, types.SigmaCasedString):
            return None
        if value.contains_placeholder():
            return None
        parts = list(value.s)
        texts = [p for p in parts if isinstance(p, str)]
        if len(texts) == len(parts):
            (contains.append if keyword else equal.add)("".join(texts).lower())
        elif keyword:
            return None
        elif len(parts) == 3 and parts[0] is multi and parts[2] is multi and isinstance(parts[1], str):
            contains.append(parts[1].lower())
        elif len(parts) == 2 and isinstance(parts[0], str) and parts[1] is multi:
            starts.append(parts[0].lower())
        elif len(parts) == 2 and parts[0] is multi and isinstance(parts[1], str):
            ends.append(parts[1].lower())
        else:
            return None
    needles = tuple(contains)
    prefixes = tuple(starts)
    suffixes = tuple(ends)

    def test(value: Any) -> bool:
        text = _text(value)
        if text is None:
            return False
        low = text.lower()
        if low in equal or (prefixes and low.startswith(prefixes)) or (suffixes and low.endswith(suffixes)):
            return True
        return any(needle in low for needle in needles)

    return _Strings(frozenset(equal), needles, prefixes, suffixes, test)


def _value_test(value: Any, keyword: bool) -> ValueTest:
    from sigma import types

    if isinstance(value, types.SigmaExpansion):
        tests = [_value_test(v, keyword) for v in value.values]
        return lambda v: any(t(v) for t in tests)
    if isinstance(value, types.SigmaString):
        return _string_test(value, keyword)
    if isinstance(value, types.SigmaNull):
        return lambda v: v is None or v == ""
    if isinstance(value, types.SigmaBool):
        wanted = bool(value.boolean)
        return lambda v: (v is wanted) if isinstance(v, bool) else str(v).lower() == str(wanted).lower()
    if isinstance(value, types.SigmaNumber):
        return _number_test(value.number, keyword)
    if isinstance(value, types.SigmaRegularExpression):
        return _regex_test(value)
    if isinstance(value, types.SigmaCIDRExpression):
        return _cidr_test(value.network)
    if isinstance(value, types.SigmaCompareExpression):
        return _compare_test(value)
    if isinstance(value, types.SigmaExists):
        wanted = bool(value.exists)
        return lambda v: (v is not None and v != "") is wanted
    raise Unsupported("unsupported-value", f"{type(value).__name__} values (modifier) are not evaluated")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _string_test(value: Any, keyword: bool) -> ValueTest:
    from sigma import types

    if value.contains_placeholder():
        raise Unsupported("unsupported-value", f"placeholder in value {value.original!r:.60}")
    cased = isinstance(value, types.SigmaCasedString)
    parts = list(value.s)
    texts = [p for p in parts if isinstance(p, str)]
    if len(texts) == len(parts):
        plain = "".join(texts)
        if keyword:
            return _contains(plain, cased)
        if cased:
            return lambda v: _text(v) == plain
        low = plain.lower()
        return lambda v: (t := _text(v)) is not None and t.lower() == low
    multi = types.SpecialChars.WILDCARD_MULTI
    if not keyword and len(parts) == 3 and parts[0] is multi and parts[2] is multi and isinstance(parts[1], str):
        return _contains(parts[1], cased)
    if not keyword and len(parts) == 2 and isinstance(parts[0], str) and parts[1] is multi:
        start = parts[0] if cased else parts[0].lower()
        return lambda v: (t := _text(v)) is not None and (t if cased else t.lower()).startswith(start)
    if not keyword and len(parts) == 2 and parts[0] is multi and isinstance(parts[1], str):
        end = parts[1] if cased else parts[1].lower()
        return lambda v: (t := _text(v)) is not None and (t if cased else t.lower()).endswith(end)
    pattern = "".join(
        re.escape(p) if isinstance(p, str) else (".*" if p is multi else ".") for p in parts
    )  # RE2 accepts Python's escapes of punctuation
    compiled = _re2(pattern, ignore_case=not cased, dotall=True, multiline=False, what="wildcard value")
    if keyword:
        return lambda v: (t := _text(v)) is not None and compiled.search(t) is not None
    return lambda v: (t := _text(v)) is not None and compiled.fullmatch(t) is not None


def _contains(needle: str, cased: bool) -> ValueTest:
    if cased:
        return lambda v: (t := _text(v)) is not None and needle in t
    low = needle.lower()
    return lambda v: (t := _text(v)) is not None and low in t.lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _number_test(number: Any, keyword: bool) -> ValueTest:
    if keyword:
        return _contains(str(number), cased=False)
    wanted = float(number)
    return lambda v: _number(v) == wanted


def _compare_test(value: Any) -> ValueTest:
    from sigma.types import SigmaCompareExpression

    ops = SigmaCompareExpression.CompareOperators
    limit = float(value.number.number)
    compare: Callable[[float], bool] = {
        ops.LT: lambda n: n < limit,
        ops.LTE: lambda n: n <= limit,
        ops.GT: lambda n: n > limit,
        ops.GTE: lambda n: n >= limit,
        ops.NEQ: lambda n: n != limit,
    }[value.op]

    def test(v: Any) -> bool:
        n = _number(v)
        return n is not None and compare(n)

    return test


def _regex_test(value: Any) -> ValueTest:
    from sigma.types import SigmaRegularExpressionFlag as Flag

    flags = set(value.flags or ())
    compiled = _re2(
        str(value.regexp.original),
        ignore_case=Flag.IGNORECASE in flags,
        dotall=Flag.DOTALL in flags,
        multiline=Flag.MULTILINE in flags,
        what="regular expression",
    )
    return lambda v: (t := _text(v)) is not None and compiled.search(t) is not None


def _re2(pattern: str, *, ignore_case: bool, dotall: bool, multiline: bool, what: str) -> Any:
    if len(pattern) > MAX_REGEX:
        raise Unsupported("unsupported-value", f"{what} of {len(pattern)} characters (at most {MAX_REGEX})")
    import re2  # type: ignore[import-untyped]  # google-re2, installed with pySigma

    options = re2_options()
    inline = "".join(flag for flag, on in (("i", ignore_case), ("s", dotall), ("m", multiline)) if on)
    try:
        return re2.compile(f"(?{inline}){pattern}" if inline else pattern, options=options)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise Unsupported(
            "unsupported-value", f"{what} {pattern[:60]!r} cannot run on RE2 (linear-time engine): {detail}"
        ) from None


def re2_options() -> Any:
    """RE2 options for rule patterns: bounded memory, no logging of rejected (untrusted) patterns."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = RE2_MAX_MEM
    return options


def _cidr_test(network: Any) -> ValueTest:
    def test(v: Any) -> bool:
        if not isinstance(v, str) or not v:
            return False
        try:
            address = ipaddress.ip_address(v.strip("[]"))
        except ValueError:
            return False
        return address.version == network.version and address in network

    return test


# --- condition -------------------------------------------------------------------------------


class _Condition:
    """Recursive-descent parser of a condition string into a predicate.

    ``expr := and ('or' and)*``, ``and := not ('and' not)*``,
    ``not := 'not' not | '(' expr ')' | quantifier 'of' (pattern | 'them') | name``.
    """

    def __init__(self, text: str, detections: dict[str, Compiled]) -> None:
        self.text = text
        self.tokens = _TOKEN.findall(text)
        self.position = 0
        self.detections = detections
        self.depth = 0

    def parse(self) -> Compiled:
        if not self.tokens:
            raise Unsupported("invalid", "empty condition")
        predicate = self._or()
        if self.position != len(self.tokens):
            self._fail(f"unexpected {self.tokens[self.position]!r}")
        return predicate

    def _peek(self) -> str | None:
        return self.tokens[self.position].lower() if self.position < len(self.tokens) else None

    def _next(self) -> str:
        if self.position >= len(self.tokens):
            self._fail("ends too early")
        word: str = self.tokens[self.position]
        self.position += 1
        return word

    def _fail(self, why: str) -> NoReturn:
        raise Unsupported("invalid", f"condition {self.text[:120]!r}: {why}")

    def _or(self) -> Compiled:
        parts = [self._and()]
        while self._peek() == "or":
            self.position += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _or(parts)

    def _and(self) -> Compiled:
        parts = [self._not()]
        while self._peek() == "and":
            self.position += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else _and(parts)

    def _not(self) -> Compiled:
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            self._fail(f"nested deeper than {MAX_CONDITION_DEPTH}")
        try:
            word = self._next()
            low = word.lower()
            if low == "not":
                negated = self._not()[0]
                return (lambda row: not negated(row)), None  # no SQL superset of a negation
            if word == "(":
                inner = self._or()
                if self._next() != ")":
                    self._fail("missing ')'")
                return inner
            if low in ("and", "or", "of", "them", ")"):
                self._fail(f"unexpected {word!r}")
            if self._peek() == "of":
                self.position += 1
                return self._quantified(low, self._next())
            found = self.detections.get(word)
            if found is None:
                self._fail(f"no selection named {word!r}")
            return found
        finally:
            self.depth -= 1

    def _quantified(self, quantifier: str, pattern: str) -> Compiled:
        if pattern.lower() == "them":
            names = [n for n in self.detections if not n.startswith("_")]
        else:
            names = [n for n in self.detections if fnmatchcase(n, pattern)]
        if not names:
            self._fail(f"no selection matches {pattern!r}")
        chosen = [self.detections[n] for n in names]
        if quantifier == "all":
            return _and(chosen)
        if quantifier == "1":
            return _or(chosen)
        self._fail(f"'{quantifier} of' is not a Sigma quantifier (use '1 of' or 'all of')")
