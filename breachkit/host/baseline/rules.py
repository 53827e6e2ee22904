"""The baseline rules file: which paths a baseline records, and which attributes of each.

A plain text file, one rule a line, read top to bottom; for every path the
**last** matching rule wins (like ``.gitignore``), and ``--explain PATH`` shows
every rule that matched and which one decided. Syntax::

    # comment
    hash sha256                      # content hash: sha256 (default), blake2b, or blake3 (needs the blake3 module)
    define WEB = PERMS sha256        # a named attribute group, built from attributes and other groups
    /usr            BIN              # the path and everything below it
    =/etc           PERMS            # the path and its direct children only
    ~/var/log/.*\\.log  LOG           # a regular expression, matched against the whole path
    !/usr/share/doc                  # exclude the path and everything below it (not even walked)
    !=/etc/mtab                      # exclude only this path

Attributes: ``type mode uid gid size inode nlink mtime ctime target xattrs acl
selinux caps`` and the content hash (``sha256``; the ``hash`` line picks the
algorithm), plus ``growing``: the file may only grow and its old content must
stay a prefix (log files). Built-in groups: ``ALL`` (everything), ``BIN`` (= ALL),
``PERMS`` (type, mode, owner, target, xattrs, ACL, SELinux label, capabilities),
``LOG`` (PERMS, inode and growing content) and ``DIR`` (PERMS without content).

The format borrows AIDE's idea of selection lines with attribute groups
(https://aide.github.io/doc/#config) but not its syntax: AIDE's rules are
regular expressions with implicit precedence; here a rule is a path unless it
says otherwise, and the order of lines is the precedence.
"""

import hashlib
import re
from typing import Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

#: Every attribute a rule can select.
ATTRIBUTES = (
    "type",
    "mode",
    "uid",
    "gid",
    "size",
    "inode",
    "nlink",
    "mtime",
    "ctime",
    "target",
    "hash",
    "xattrs",
    "acl",
    "selinux",
    "caps",
    "growing",
)
_PERMS = ("type", "mode", "uid", "gid", "target", "xattrs", "acl", "selinux", "caps")
BUILTIN_GROUPS = {
    "ALL": frozenset(a for a in ATTRIBUTES if a != "growing"),
    "BIN": frozenset(a for a in ATTRIBUTES if a != "growing"),
    "PERMS": frozenset(_PERMS),
    "LOG": frozenset(_PERMS + ("inode", "growing", "hash")),
    "DIR": frozenset(_PERMS + ("inode",)),
}
HASH_ALGORITHMS = ("sha256", "blake2b", "blake3")
_ATTR_ALIASES = {"sha256": "hash", "blake2b": "hash", "blake3": "hash", "content": "hash", "owner": "uid"}

#: What ``baseline create`` uses without ``--rules``: the places an intruder
#: with root changes to stay (binaries, libraries, PAM, sshd, cron, startup).
DEFAULT_RULES = """\
# breachkit default baseline rules: system binaries, libraries and configuration.
hash sha256
/bin            BIN
/sbin           BIN
/lib            BIN
/lib32          BIN
/lib64          BIN
/libx32         BIN
/usr            BIN
/boot           BIN
/etc            ALL
/root           PERMS
/var/spool/cron ALL
/opt            BIN
# Changes all the time and says nothing about an intrusion.
!/usr/share/doc
!/usr/share/man
!/usr/share/locale
!/usr/lib/python3/dist-packages/__pycache__
!/var/cache
!=/etc/mtab
!=/etc/adjtime
!=/etc/ld.so.cache
!/etc/.git
"""


class RulesError(ValueError):
    """The rules file is malformed; the message names the line."""


class Rule(NamedTuple):
    """One selection or exclusion line."""

    line: int
    text: str
    #: ``"prefix"`` (path and below), ``"children"`` (path and direct children), ``"regex"``.
    kind: str
    exclude: bool
    #: Exact path for ``prefix``/``children``, pattern for ``regex``; excludes of kind ``exact`` use ``"exact"``.
    pattern: str
    attributes: FrozenSet[str]

    def matches(self, path: str) -> bool:
        if self.kind == "prefix":
            return path == self.pattern or path.startswith(_slash(self.pattern))
        if self.kind == "exact":
            return path == self.pattern
        if self.kind == "children":
            if path == self.pattern:
                return True
            parent = path.rsplit("/", 1)[0] or "/"
            return parent == self.pattern
        return _compiled(self.pattern).fullmatch(path) is not None


_REGEX_CACHE: Dict[str, "re.Pattern[str]"] = {}


def _compiled(pattern: str) -> "re.Pattern[str]":
    found = _REGEX_CACHE.get(pattern)
    if found is None:
        found = _REGEX_CACHE[pattern] = re.compile(pattern)
    return found


def _slash(path: str) -> str:
    return path if path.endswith("/") else path + "/"


class Decision(NamedTuple):
    """What the rules say about one path."""

    path: str
    selected: bool
    attributes: FrozenSet[str]
    rule: Optional[Rule]
    #: Every rule that matched, in file order (the last one decided).
    matched: Tuple[Rule, ...]


class Rules:
    """A parsed rules file."""

    def __init__(self, rules: Sequence[Rule], hash_name: str, text: str) -> None:
        self.rules = tuple(rules)
        self.hash_name = hash_name
        self.text = text
        self.sha256 = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        self._selections = [r for r in self.rules if not r.exclude]

    def decide(self, path: str) -> Decision:
        matched = tuple(rule for rule in self.rules if rule.matches(path))
        if not matched or matched[-1].exclude:
            return Decision(path, False, frozenset(), matched[-1] if matched else None, matched)
        return Decision(path, True, matched[-1].attributes, matched[-1], matched)

    def attributes(self, path: str) -> Optional[FrozenSet[str]]:
        """The attributes to record for ``path``, or ``None`` when no rule selects it."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return None if rule.exclude else rule.attributes
        return None

    def chooser(self, parent: str) -> "Callable[[str], Optional[FrozenSet[str]]]":
        """:meth:`attributes` for the entries of the folder ``parent``, faster.

        A walk asks for every entry, and most rules are settled by the folder
        alone: a prefix rule at or above it matches every entry in it, one
        elsewhere none, except the entry that *is* its path. Only the rules that
        remain undecided (``maybe``) are tried on each entry; the answer is the
        same as :meth:`attributes`.
        """
        folder = _slash(parent)
        candidates: List[Tuple[bool, Rule]] = []  # (matches every entry, rule), last rule first
        for rule in reversed(self.rules):
            pattern = rule.pattern
            if rule.kind == "prefix":
                if parent == pattern or folder.startswith(_slash(pattern)):
                    candidates.append((True, rule))
                    break  # it decides every entry not decided by a later rule
                if pattern.startswith(folder) and "/" not in pattern[len(folder) :]:
                    candidates.append((False, rule))
            elif rule.kind == "children":
                if parent == pattern:
                    candidates.append((True, rule))
                    break
                if pattern.startswith(folder) and "/" not in pattern[len(folder) :]:
                    candidates.append((False, rule))
            elif rule.kind == "exact":
                if pattern.startswith(folder) and "/" not in pattern[len(folder) :]:
                    candidates.append((False, rule))
            else:
                candidates.append((False, rule))

        def attributes(path: str) -> Optional[FrozenSet[str]]:
            for always, rule in candidates:
                if always or rule.matches(path):
                    return None if rule.exclude else rule.attributes
            return None

        return attributes

    def pruned(self, path: str) -> bool:
        """Whether nothing at or below directory ``path`` can be selected (so the walk skips it).

        True when the deciding rule is a recursive exclude and no later
        selection could reach below it.
        """
        for index in range(len(self.rules) - 1, -1, -1):
            rule = self.rules[index]
            if rule.matches(path):
                if not (rule.exclude and rule.kind == "prefix"):
                    return False
                later = self.rules[index + 1 :]
                return not any(not r.exclude and _may_reach_below(r, path) for r in later)
        return False

    def walk_starts(self) -> List[str]:
        """The smallest set of directories whose walks cover every selection, in walk order."""
        starts = sorted({_literal_start(rule) for rule in self._selections}, key=_path_key)
        kept: List[str] = []
        for start in starts:
            if not any(start == k or start.startswith(_slash(k)) for k in kept):
                kept.append(start)
        return kept

    def explain(self, path: str) -> List[str]:
        """Lines saying which rules match ``path`` and which one decides, for ``--explain``."""
        decision = self.decide(path)
        lines = []
        if not decision.matched:
            lines.append("no rule matches %s: it is not recorded" % path)
            return lines
        for rule in decision.matched:
            marker = "decides" if rule is decision.rule else "overridden by a later line"
            lines.append("line %d: %s  (%s)" % (rule.line, rule.text, marker))
        if decision.selected:
            lines.append(
                "=> recorded with attributes: %s (hash: %s)" % (" ".join(sorted(decision.attributes)), self.hash_name)
            )
        else:
            lines.append("=> excluded (the last matching line is an exclusion)")
        return lines


def _may_reach_below(rule: Rule, path: str) -> bool:
    if rule.kind == "regex":
        return True
    return rule.pattern.startswith(_slash(path)) or rule.pattern == path or path.startswith(_slash(rule.pattern))


def _literal_start(rule: Rule) -> str:
    """The deepest directory every path a selection matches lies in."""
    if rule.kind != "regex":
        return rule.pattern
    literal = ""
    for char in rule.pattern:
        if char in ".^$*+?{}[]\\|()":
            break
        literal += char
    head = literal.rsplit("/", 1)[0]
    return head if head.startswith("/") else "/"


def _path_key(path: str) -> Tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def path_key(path: str) -> Tuple[str, ...]:
    """The order of the baseline: the walk's pre-order with names sorted, as a comparable key."""
    return _path_key(path)


def _normal_path(raw: str, line: int) -> str:
    if not raw.startswith("/"):
        raise RulesError("line %d: a path must start with / (got %r)" % (line, raw))
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise RulesError("line %d: '..' is not allowed in a rule path" % line)
    return "/" + "/".join(parts)


def parse(text: str) -> Rules:
    """Parse a rules file; :class:`RulesError` names the first bad line."""
    groups: Dict[str, FrozenSet[str]] = dict(BUILTIN_GROUPS)
    rules: List[Rule] = []
    hash_name = "sha256"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        words = line.split()
        if words[0] == "hash":
            if len(words) != 2 or words[1] not in HASH_ALGORITHMS:
                raise RulesError("line %d: 'hash' takes one of %s" % (number, ", ".join(HASH_ALGORITHMS)))
            hash_name = words[1]
            continue
        if words[0] == "define":
            if len(words) < 4 or words[2] != "=" or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", words[1]):
                raise RulesError("line %d: write 'define NAME = attribute-or-group ...'" % number)
            groups[words[1]] = _attributes(words[3:], groups, number)
            continue
        pattern = words[0]
        exclude = pattern.startswith("!")
        if exclude:
            pattern = pattern[1:]
        if pattern.startswith("="):
            kind = "exact" if exclude else "children"
            pattern = _normal_path(pattern[1:], number)
        elif pattern.startswith("~"):
            kind = "regex"
            pattern = pattern[1:]
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RulesError("line %d: bad regular expression: %s" % (number, exc)) from None
        else:
            kind = "prefix"
            pattern = _normal_path(pattern, number)
        if exclude:
            if len(words) != 1:
                raise RulesError("line %d: an exclusion takes no attributes" % number)
            attributes: FrozenSet[str] = frozenset()
        else:
            if len(words) < 2:
                raise RulesError("line %d: a selection needs attributes or a group (e.g. '%s ALL')" % (number, raw))
            attributes = _attributes(words[1:], groups, number)
        rules.append(Rule(number, line, kind, exclude, pattern, attributes))
    if not any(not rule.exclude for rule in rules):
        raise RulesError("the rules select nothing: add a line such as '/usr BIN'")
    return Rules(rules, hash_name, text)


def _attributes(words: Iterable[str], groups: Dict[str, FrozenSet[str]], number: int) -> FrozenSet[str]:
    result: Set[str] = set()
    for word in words:
        for part in word.replace("+", " ").split():
            part = _ATTR_ALIASES.get(part, part)
            if part in groups:
                result |= groups[part]
            elif part in ATTRIBUTES:
                result.add(part)
            else:
                raise RulesError(
                    "line %d: unknown attribute or group %r (attributes: %s; groups: %s)"
                    % (number, part, " ".join(ATTRIBUTES), " ".join(sorted(groups)))
                )
    return frozenset(result)
