"""Read Sigma rule files (YAML) into pySigma :class:`~sigma.rule.SigmaRule` objects.

A Sigma rule (https://sigmahq.io/docs/basics/rules.html, specification at
https://github.com/SigmaHQ/sigma-specification) is a YAML document with a
``logsource`` (which log it is about) and a ``detection`` (named selections
and a ``condition`` over them). Users bring their own rule folders (the
SigmaHQ repository's ``rules/linux`` and ``rules/web`` or their own); any
``*.yml``/``*.yaml`` file below a given folder is read, several documents a
file allowed.

pySigma parses each document: it checks the rule's structure and applies the
value modifiers (``contains``, ``base64offset``, ``windash`` … become
wildcard or expanded values), so :mod:`breachkit.logs.sigma.matcher` only
evaluates. Rule files are untrusted input (downloaded rule packs), so before
pySigma sees a file it is

- capped in size (:data:`MAX_FILE_BYTES`) and must be UTF-8;
- scanned for YAML anchors and aliases, which are refused: real rules never
  use them, and aliases are how a few hundred bytes of YAML expand into
  gigabytes ("billion laughs"); collections nested deeper than
  :data:`MAX_DEPTH` are refused too (the parsers recurse per level);
- checked for what breachkit does not evaluate (aggregations ``| count()``,
  ``near``, ``timeframe``, correlation rules, the legacy ``action: global``
  collections), which is reported instead of guessed at.

A file or rule that cannot be used is a :class:`RuleProblem` with its file and
the reason; loading never stops at one bad file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breachkit.errors import BreachkitError

if TYPE_CHECKING:
    from sigma.rule import SigmaRule

#: Rule files larger than this are refused (SigmaHQ's largest rule is ~30 KiB).
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of YAML collections accepted (real rules nest 4 or 5 deep); the YAML and
#: pySigma parsers recurse once per level.
MAX_DEPTH = 64
#: Rule files read from one folder at most (a whole SigmaHQ checkout has ~3,500).
MAX_FILES = 20_000
RULE_SUFFIXES = (".yml", ".yaml")


class SigmaLoadError(BreachkitError):
    """The rule folder cannot be used at all."""


@dataclass(frozen=True, slots=True)
class LoadedRule:
    """One parsed rule and where it came from."""

    rule: SigmaRule
    path: str
    #: position of the document in its file (0 for single-document files)
    document: int = 0

    @property
    def title(self) -> str:
        return str(self.rule.title)

    @property
    def label(self) -> str:
        return f"{self.path}#{self.document}" if self.document else self.path


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule file or rule that could not be loaded or evaluated, and why."""

    path: str
    #: ``unreadable``, ``invalid``, ``unsupported-yaml``, ``unsupported-feature``,
    #: ``unsupported-modifier``, ``unsupported-logsource``, ``unknown-field``, ``unsupported-value``
    kind: str
    detail: str
    title: str | None = None


@dataclass
class RuleSet:
    """The rules loaded from some files or folders, and the ones that were refused."""

    rules: list[LoadedRule]
    problems: list[RuleProblem]


def load_rules(paths: Iterable[str | os.PathLike[str]]) -> RuleSet:
    """Every rule of the given files and folders (folders read recursively, sorted)."""
    try:
        import sigma.rule  # noqa: F401 - fail here, with the fix, rather than per file
    except ImportError as exc:
        raise SigmaLoadError("Sigma rules need pySigma 2: pip install 'pysigma>=2'") from exc
    rules: list[LoadedRule] = []
    problems: list[RuleProblem] = []
    for path in paths:
        for file in _rule_files(Path(path)):
            for item in load_file(file):
                if isinstance(item, LoadedRule):
                    rules.append(item)
                else:
                    problems.append(item)
    return RuleSet(rules, problems)


def load_file(path: Path) -> Iterator[LoadedRule | RuleProblem]:
    """The rules of one YAML file, or the problems that kept them out."""
    label = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        yield RuleProblem(label, "unreadable", f"cannot read the file: {exc.strerror or exc}")
        return
    if len(data) > MAX_FILE_BYTES:
        yield RuleProblem(label, "unreadable", f"larger than {MAX_FILE_BYTES} bytes; not a Sigma rule")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield RuleProblem(label, "invalid", f"not UTF-8 text (byte {exc.start}); Sigma rules are UTF-8 YAML")
        return
    yield from load_text(text, label)


def load_text(text: str, label: str = "<rule>") -> Iterator[LoadedRule | RuleProblem]:
    """The rules of one YAML text (one or more documents)."""
    import yaml

    refused = _refuse_anchors(text)
    if refused:
        yield RuleProblem(label, "unsupported-yaml", refused)
        return
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        yield RuleProblem(label, "invalid", f"not valid YAML: {_one_line(str(exc))}")
        return
    except RecursionError:
        yield RuleProblem(label, "unsupported-yaml", "nested too deeply to parse")
        return
    for index, document in enumerate(documents):
        if document is None:
            continue
        yield _parse(document, label, index)


def _policy() -> Any:
    """pySigma's safe policy (regular expressions checked with RE2), with RE2's stderr logging off.

    RE2 logs a pattern it rejects to stderr by default: rule text is
    untrusted and must not reach the terminal unescaped.
    """
    from sigma.policy import SigmaPolicy
    from sigma.policy.regex_engine import RE2RegexEngine

    class QuietRE2(RE2RegexEngine):
        def compile(self, pattern: str, flags: int = 0) -> Any:
            from breachkit.logs.sigma.matcher import re2_options

            prefix = "".join(v for k, v in ((2, "i"), (8, "m"), (16, "s")) if flags & k)  # re.I, re.M, re.S
            return self._re2.compile(f"(?{prefix}){pattern}" if prefix else pattern, options=re2_options())

    return SigmaPolicy(regex_engine=QuietRE2())


def _parse(document: Any, label: str, index: int) -> LoadedRule | RuleProblem:
    from sigma.exceptions import SigmaError, SigmaModifierError, SigmaRegularExpressionError
    from sigma.rule import SigmaRule

    where = f"{label}#{index}" if index else label
    if not isinstance(document, dict):
        return RuleProblem(where, "invalid", "the document is not a mapping (title, logsource, detection …)")
    title = document.get("title") if isinstance(document.get("title"), str) else None
    if "correlation" in document:
        return RuleProblem(where, "unsupported-feature", "correlation rules are not evaluated", title)
    if "action" in document:
        return RuleProblem(
            where, "unsupported-feature", f"legacy collection document (action: {document['action']!s:.40})", title
        )
    if "filter" in document and "detection" not in document:
        return RuleProblem(where, "unsupported-feature", "filter rules (Sigma filters) are not evaluated", title)
    unsupported = _unsupported_detection(document.get("detection"))
    if unsupported:
        return RuleProblem(where, "unsupported-feature", unsupported, title)
    try:
        rule = SigmaRule.from_dict(document, policy=_policy())
    except SigmaModifierError as exc:
        return RuleProblem(where, "unsupported-modifier", _one_line(str(exc)), title)
    except SigmaRegularExpressionError as exc:
        # Look-around and back-references: RE2 (linear time, see matcher.py) does not run them.
        return RuleProblem(where, "unsupported-value", _one_line(str(exc)), title)
    except SigmaError as exc:
        return RuleProblem(where, "invalid", _one_line(str(exc)), title)
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
        # pySigma assumes well-formed input in places; a malformed rule must not stop the others.
        return RuleProblem(where, "invalid", f"malformed rule ({type(exc).__name__}: {_one_line(str(exc))})", title)
    return LoadedRule(rule, label, index)


def _unsupported_detection(detection: Any) -> str | None:
    if not isinstance(detection, dict):
        return None  # pySigma reports the missing or malformed detection
    if "timeframe" in detection:
        return "timeframe (aggregation over time) is not evaluated"
    conditions = detection.get("condition")
    for condition in conditions if isinstance(conditions, list) else [conditions]:
        if not isinstance(condition, str):
            continue
        if "|" in condition:
            return f"aggregation in the condition ({condition.split('|', 1)[1].strip()[:60]}) is not evaluated"
        if " near " in f" {condition} ":
            return "'near' conditions are not evaluated"
    return None


def _refuse_anchors(text: str) -> str | None:
    """Why the text is refused (anchors, aliases, deep nesting), or None; scans tokens only, builds nothing."""
    import yaml

    opening = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_DEPTH:
                    return f"YAML nested more than {MAX_DEPTH} levels deep at line {token.start_mark.line + 1}: refused"
            elif isinstance(token, closing):
                depth -= 1
            elif isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                mark = token.start_mark
                return (
                    f"YAML anchor or alias at line {mark.line + 1}: refused (Sigma rules do not need them and "
                    "aliases can expand a small file into gigabytes)"
                )
    except yaml.YAMLError as exc:
        return f"not valid YAML: {_one_line(str(exc))}"
    return None


def _rule_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        raise SigmaLoadError(f"no Sigma rule file or folder at {path}: give a .yml file or a folder of them")
    found: list[Path] = []
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for name in files:
            if name.endswith(RULE_SUFFIXES):
                found.append(Path(folder) / name)
                if len(found) > MAX_FILES:
                    raise SigmaLoadError(f"more than {MAX_FILES} rule files under {path}: give a narrower folder")
    yield from sorted(found)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
