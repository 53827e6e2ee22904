"""The YARA engine: compile rule folders once, scan byte windows, report matches.

yara-x (https://virustotal.github.io/yara-x/) is the engine; yara-python
(https://yara.readthedocs.io/) is the fallback where yara-x will not install.
Both read the YARA language; yara-x rejects a few legacy constructs (see
https://virustotal.github.io/yara-x/docs/writing_rules/differences-with-yara/),
and a rule that fails is reported with its file and line while the others run.

* **Built-in rules** live in ``breachkit/detect/rules/*.yar``; user folders
  (``--rules DIR``) are compiled next to them, one namespace per file so rule
  names from different public sets cannot clash.
* **Externals** that public rule sets (Loki, THOR, signature-base) expect are
  defined for every file scanned: ``filename``, ``filepath``, ``extension``,
  ``filetype``, ``md5``, ``owner`` (see :data:`EXTERNALS`).
* **Compile cache**: compiled rules are stored under
  ``$XDG_CACHE_HOME/breachkit/rules/`` keyed by the SHA-256 of the engine
  version and every rule file's content, so the second scan starts at once.
* **Errors**: a file that does not compile is retried rule by rule, so one bad
  rule in a public set of hundreds costs only that rule.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.resources
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachkit.errors import BreachkitError
from breachkit.host.textsafe import printable

#: Externals defined for every rule and set for every file scanned (Loki/THOR conventions).
EXTERNALS = ("filename", "filepath", "extension", "filetype", "md5", "owner")

#: Strings shown per rule match; more are counted, not listed.
MAX_STRINGS = 8
EXCERPT = 80

_RULE_START = re.compile(r"^[ \t]*((private|global)[ \t]+)*rule[ \t]+[A-Za-z_]", re.MULTILINE)
_ERROR_LINE = re.compile(r"-->\s*(?P<file>.*?):(?P<line>\d+):(?P<col>\d+)")
_YARA_PY_LINE = re.compile(r"line (?P<line>\d+)")


class RulesError(BreachkitError):
    """No rules could be compiled at all, or no YARA engine is installed."""


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule file or rule that did not compile; the others still run."""

    file: str
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class StringMatch:
    """One matched string: its identifier, where it is and what it says (escaped)."""

    identifier: str
    offset: int
    length: int
    excerpt: str


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched a file, with its metadata and the strings that made it match."""

    rule: str
    namespace: str
    score: int
    description: str
    family: str
    strings: tuple[StringMatch, ...]
    #: all string matches, including the ones not listed in ``strings``
    total_strings: int

    def describe(self) -> str:
        return self.description or self.rule


@dataclass
class RuleSet:
    """Compiled rules and what happened while compiling them."""

    engine: str
    rules: Any
    files: list[str] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)
    from_cache: bool = False
    #: some rule reads the ``md5`` external, so files must be MD5-hashed before scanning
    uses_md5: bool = False
    #: externals some rule mentions; only these are computed and set per file
    used_externals: frozenset[str] = frozenset(EXTERNALS)

    def serialize(self) -> bytes:
        """The compiled rules as bytes (for worker processes and the cache)."""
        buffer = io.BytesIO()
        if self.engine == "yara-x":
            self.rules.serialize_into(buffer)
        else:
            self.rules.save(file=buffer)
        return buffer.getvalue()

    @classmethod
    def deserialize(cls, engine: str, data: bytes) -> RuleSet:
        if engine == "yara-x":
            import yara_x

            return cls(engine, yara_x.Rules.deserialize_from(io.BytesIO(data)))
        return cls(engine, _yara_python().load(file=io.BytesIO(data)))

    def scanner(self, timeout: int = 10) -> Scanner:
        return Scanner(self, timeout)


class ScanTimeout(Exception):
    """The rules took longer than the timeout on one file."""


class Scanner:
    """Scans byte strings with one :class:`RuleSet`; keep one per process."""

    def __init__(self, ruleset: RuleSet, timeout: int) -> None:
        self.ruleset = ruleset
        self.timeout = timeout
        self._yx: Any = None
        self._yx_timeout: type[Exception] = ScanTimeout
        if ruleset.engine == "yara-x":
            import yara_x

            self._yx = yara_x.Scanner(ruleset.rules)
            self._yx.set_timeout(timeout)
            self._yx.max_matches_per_pattern(1000)
            self._yx_timeout = yara_x.TimeoutError
        #: externals as last set on the engine (all empty at first): most keep their value from file to file
        self._globals: dict[str, str] = {}

    def scan(self, data: bytes, externals: dict[str, str]) -> list[RuleMatch]:
        """Rule matches for ``data``; :class:`ScanTimeout` if the rules ran out of time.

        Externals not given keep their default (empty) value. One call per file of a
        scan: the engine does the work, so nothing here is done more than once a call.
        """
        scanner = self._yx
        if scanner is not None:
            current = self._globals
            for name in EXTERNALS:
                value = externals.get(name, "")
                if current.get(name, "") != value:
                    scanner.set_global(name, value)
                    current[name] = value
            try:
                matching = scanner.scan(data).matching_rules
            except self._yx_timeout as exc:
                raise ScanTimeout(str(exc)) from exc
            return [_from_yara_x(rule, data) for rule in matching] if matching else []
        yara = _yara_python()
        try:
            full = dict.fromkeys(EXTERNALS, "") | externals
            matches = self.ruleset.rules.match(data=data, externals=full, timeout=self.timeout)
        except yara.TimeoutError as exc:
            raise ScanTimeout(str(exc)) from exc
        return [_from_yara_python(match, data) for match in matches]


def _meta_int(meta: dict[str, Any], key: str, default: int) -> int:
    value = meta.get(key, default)
    try:
        return max(0, min(100, int(value)))
    except (TypeError, ValueError):
        return default


def _excerpt(data: bytes, offset: int, length: int) -> str:
    raw = data[offset : offset + min(length, EXCERPT)]
    text = printable(raw.decode("latin-1"))
    return text + ("…" if length > EXCERPT else "")


def _rule_match(
    rule: str, namespace: str, meta: dict[str, Any], hits: list[tuple[str, int, int]], data: bytes
) -> RuleMatch:
    hits.sort(key=lambda hit: hit[1])
    strings = tuple(
        StringMatch(ident, offset, length, _excerpt(data, offset, length))
        for ident, offset, length in hits[:MAX_STRINGS]
    )
    # Unscored public rules count as a solid hit, not as a certainty.
    return RuleMatch(
        rule=rule,
        namespace=namespace,
        score=_meta_int(meta, "score", 70),
        description=str(meta.get("description", "")),
        family=str(meta.get("family", meta.get("author", namespace))),
        strings=strings,
        total_strings=len(hits),
    )


def _from_yara_x(rule: Any, data: bytes) -> RuleMatch:
    hits = [(pattern.identifier, m.offset, m.length) for pattern in rule.patterns for m in pattern.matches]
    return _rule_match(rule.identifier, rule.namespace, dict(rule.metadata), hits, data)


def _from_yara_python(match: Any, data: bytes) -> RuleMatch:
    hits: list[tuple[str, int, int]] = []
    for string in match.strings:
        for instance in getattr(string, "instances", ()):
            hits.append((string.identifier, instance.offset, instance.matched_length))
    return _rule_match(match.rule, match.namespace, dict(match.meta), hits, data)


# -- compiling ------------------------------------------------------------------


def engine_name() -> str:
    """``yara-x`` if it imports, else ``yara-python``; :class:`RulesError` if neither does."""
    try:
        import yara_x  # noqa: F401

        return "yara-x"
    except ImportError:
        pass
    try:
        _yara_python()
        return "yara-python"
    except ImportError as exc:
        raise RulesError("no YARA engine installed: run 'pip install yara-x' (or 'pip install yara-python')") from exc


def builtin_rule_files() -> list[tuple[str, str]]:
    """(origin, text) of the rules shipped with breachkit."""
    folder = importlib.resources.files("breachkit.detect") / "rules"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith((".yar", ".yara")):
            found.append((f"builtin/{entry.name}", entry.read_text(encoding="utf-8")))
    return found


def rule_files(folders: Iterable[Path]) -> tuple[list[tuple[str, str]], list[RuleProblem]]:
    """(origin, text) of every ``.yar``/``.yara`` file under ``folders`` (or the files themselves)."""
    found: list[tuple[str, str]] = []
    problems: list[RuleProblem] = []
    for folder in folders:
        paths = (
            [folder]
            if folder.is_file()
            else sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".yar", ".yara"))
        )
        if not folder.exists():
            problems.append(RuleProblem(str(folder), None, "no such file or folder"))
            continue
        for path in paths:
            try:
                found.append((str(path), path.read_bytes().decode("utf-8", "replace")))
            except OSError as exc:
                problems.append(RuleProblem(str(path), None, f"cannot read: {exc.strerror or exc}"))
    return found, problems


def _namespace(origin: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", Path(origin).stem) or "rules"
    name, number = base, 1
    while name in used:
        number += 1
        name = f"{base}_{number}"
    used.add(name)
    return name


def _problem_from(origin: str, message: str, line_offset: int = 0) -> RuleProblem:
    found = _ERROR_LINE.search(message) or _YARA_PY_LINE.search(message)
    line = int(found.group("line")) + line_offset if found else None
    first = message.strip().splitlines()[0] if message.strip() else "does not compile"
    return RuleProblem(origin, line, first)


def _chunks(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Header (imports, includes) and each rule with the line it starts on (0-based)."""
    starts = [m.start() for m in _RULE_START.finditer(text)]
    if not starts:
        return text, []
    header = text[: starts[0]]
    chunks = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        chunks.append((text.count("\n", 0, start), text[start:end]))
    return header, chunks


def _compile_yara_x(sources: Sequence[tuple[str, str]]) -> RuleSet:
    import yara_x

    compiler = yara_x.Compiler()
    for name in EXTERNALS:
        compiler.define_global(name, "")
    result = RuleSet("yara-x", None)
    used: set[str] = set()
    for origin, text in sources:
        compiler.new_namespace(_namespace(origin, used))
        try:
            compiler.add_source(text, origin=origin)
            result.files.append(origin)
            continue
        except yara_x.CompileError as exc:
            whole_error = str(exc)
        header, chunks = _chunks(text)
        if len(chunks) <= 1:
            result.problems.append(_problem_from(origin, whole_error))
            continue
        header_lines = header.count("\n")
        for start_line, chunk in chunks:
            # Pad with newlines so the compiler's line numbers are the file's.
            padded = header + "\n" * max(0, start_line - header_lines) + chunk
            try:
                compiler.add_source(padded, origin=origin)
            except yara_x.CompileError as exc:
                result.problems.append(_problem_from(origin, str(exc)))
        result.files.append(origin)
    result.rules = compiler.build()
    return result


def _yara_python() -> Any:
    """The yara-python module (imported by name: it has no type stubs and is only the fallback)."""
    return importlib.import_module("yara")


def _compile_yara_python(sources: Sequence[tuple[str, str]]) -> RuleSet:
    yara = _yara_python()

    externals = dict.fromkeys(EXTERNALS, "")
    result = RuleSet("yara-python", None)
    good: dict[str, str] = {}
    used: set[str] = set()
    for origin, text in sources:
        namespace = _namespace(origin, used)
        try:
            yara.compile(source=text, externals=externals)
            good[namespace] = text
            result.files.append(origin)
        except yara.SyntaxError as exc:
            result.problems.append(_problem_from(origin, str(exc)))
    if not good:
        raise RulesError("none of the rule files compiled; see the problems listed")
    result.rules = yara.compile(sources=good, externals=externals)
    return result


def cache_dir() -> Path:
    """Where compiled rules are cached (``$XDG_CACHE_HOME/breachkit/rules``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "breachkit" / "rules"


def _engine_version(engine: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yara-x" if engine == "yara-x" else "yara-python")
    except PackageNotFoundError:
        return "unknown"


def compile_rules(
    folders: Sequence[Path] = (),
    *,
    builtin: bool = True,
    cache: Path | bool | None = True,
    engine: str | None = None,
) -> RuleSet:
    """Built-in rules plus every rule file under ``folders``, compiled once and cached.

    ``cache``: ``True`` for the default cache folder, a path for another one,
    ``False`` or ``None`` to compile every time. ``engine`` forces ``yara-x`` or ``yara-python``.
    """
    engine = engine or engine_name()
    sources = builtin_rule_files() if builtin else []
    user, problems = rule_files(folders)
    sources += user
    if not sources:
        raise RulesError("no rule files to compile: give --rules with a folder of .yar files")
    key_hash = hashlib.sha256(f"{engine} {_engine_version(engine)} {','.join(EXTERNALS)}".encode())
    for origin, text in sources:
        key_hash.update(
            b"\0" + origin.encode("utf-8", "surrogateescape") + b"\0" + text.encode("utf-8", "surrogateescape")
        )
    key = key_hash.hexdigest()
    folder = cache_dir() if cache is True else (Path(cache) if cache else None)
    if folder is not None:
        cached = _load_cached(folder, key, engine)
        if cached is not None:
            cached.problems = problems + cached.problems
            cached.uses_md5 = _uses_md5(sources)
            cached.used_externals = frozenset(EXTERNALS) if user else _used_externals(sources)
            return cached
    ruleset = _compile_yara_x(sources) if engine == "yara-x" else _compile_yara_python(sources)
    if folder is not None:
        _store_cached(folder, key, ruleset)
    ruleset.problems = problems + ruleset.problems
    ruleset.uses_md5 = _uses_md5(sources)
    # User rules get every external: guessing wrong there would silently break their rules.
    ruleset.used_externals = frozenset(EXTERNALS) if user else _used_externals(sources)
    return ruleset


_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)


def _used_externals(sources: Sequence[tuple[str, str]]) -> frozenset[str]:
    """Externals named in the rule texts outside comments (a name inside a string only costs a little time)."""
    names = re.compile(r"\b(" + "|".join(EXTERNALS) + r")\b")
    found: set[str] = set()
    for _, text in sources:
        found.update(names.findall(_COMMENTS.sub(" ", text)))
    return frozenset(found)


def _uses_md5(sources: Sequence[tuple[str, str]]) -> bool:
    # the external in a condition (``md5 == "..."``), not hash.md5() or the word inside a string
    used = re.compile(r"(?<![.\w$])md5\s*(==|!=|matches|contains|icontains|startswith|endswith|iequals)")
    return any(used.search(text) for _, text in sources)


def _load_cached(folder: Path, key: str, engine: str) -> RuleSet | None:
    try:
        data = (folder / f"{key}.rules").read_bytes()
        info = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        ruleset = RuleSet.deserialize(engine, data)
    except (OSError, ValueError, Exception):  # a damaged cache entry is recompiled, never fatal
        return None
    ruleset.files = [str(name) for name in info.get("files", [])]
    ruleset.problems = [RuleProblem(p["file"], p.get("line"), p["detail"]) for p in info.get("problems", [])]
    ruleset.from_cache = True
    return ruleset


def _store_cached(folder: Path, key: str, ruleset: RuleSet) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(ruleset.serialize())
        info = {
            "files": ruleset.files,
            "problems": [{"file": p.file, "line": p.line, "detail": p.detail} for p in ruleset.problems],
        }
        (folder / f"{key}.json").write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.rules")
    except OSError:
        pass  # no cache is slower, not wrong
