"""Create, check and update a baseline: one streaming walk, one streaming merge.

``create`` walks the selected paths and writes the database in walk order.
``check`` verifies the database (footer hash, order), then walks the tree again
and merges the two sorted streams: a path only in the database was removed, a
path only in the tree was added, a path in both is compared attribute by
attribute. ``update`` is a check that writes the new database as it goes and
then swaps it in atomically, keeping the old one under ``<db>.history/``.

The exit status of a check is a bitmask like AIDE's: 1 added, 2 removed,
4 changed (0: nothing differs). Findings are ranked so that what an intruder
changes to stay comes first (:func:`classify`).
"""

import datetime
import json
import os
import socket
import stat
import tempfile
from typing import IO, Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..records import WarningRecord
from ..rootfs import RootFS
from ..toolinfo import VERSION
from . import rules as rules_mod
from .db import BaselineError, Database, Writer, history_name, order_key
from .rules import Rules
from .scan import Progress, Record, new_hash, record_dict, record_line, records, selected_walk
from .workers import default_count

ADDED, REMOVED, CHANGED = 1, 2, 4

#: Attribute keys of a record, their names in reports, in report order.
COMPARED = (
    ("t", "type"),
    ("m", "mode"),
    ("u", "uid"),
    ("g", "gid"),
    ("s", "size"),
    ("i", "inode"),
    ("n", "nlink"),
    ("mt", "mtime"),
    ("ct", "ctime"),
    ("l", "target"),
    ("h", "hash"),
    ("x", "xattrs"),
)

#: Report classes, most urgent first, with the reason a responder cares.
CLASSES = (
    ("setuid", "setuid/setgid file: runs with another user's rights"),
    ("binary", "system binary or library: trojaned programs and rootkits live here"),
    ("preload", "ld.so.preload / loader configuration: injects code into every program"),
    ("pam", "PAM: decides who may log in"),
    ("ssh", "SSH server and keys: the way back in"),
    ("startup", "cron or startup: runs the intruder's code again"),
    ("config", "system configuration"),
    ("other", "other"),
)
_BIN_PREFIXES = (
    "/bin/",
    "/sbin/",
    "/usr/bin/",
    "/usr/sbin/",
    "/usr/local/bin/",
    "/usr/local/sbin/",
    "/usr/libexec/",
    "/boot/",
)
_LIB_RE = ("/lib/", "/lib32/", "/lib64/", "/libx32/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/", "/usr/local/lib/")
_STARTUP = (
    "/etc/cron",
    "/var/spool/cron/",
    "/etc/systemd/",
    "/lib/systemd/system/",
    "/usr/lib/systemd/system/",
    "/etc/init.d/",
    "/etc/rc",
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/environment",
    "/etc/anacrontab",
    "/etc/update-motd.d/",
    "/root/.bashrc",
    "/root/.profile",
)


def classify(path: str, old: Optional[Record], new: Optional[Record]) -> int:
    """The report class (index into :data:`CLASSES`) of a change at ``path``."""
    path = path + "/" if not path.endswith("/") else path  # a folder counts with what it holds
    for rec in (old, new):
        mode = rec.get("m") if rec is not None else None
        if (
            rec is not None
            and isinstance(mode, int)
            and rec.get("t", "f") == "f"
            and mode & (stat.S_ISUID | stat.S_ISGID)
        ):
            return 0
    if path.startswith(_BIN_PREFIXES) or (path.startswith(_LIB_RE) and _looks_binary(path, old, new)):
        return 1
    if path in ("/etc/ld.so.preload/", "/etc/ld.so.conf/") or path.startswith("/etc/ld.so.conf.d/"):
        return 2
    if path.startswith(("/etc/pam.d/", "/etc/security/", "/etc/pam.conf/")):
        return 3
    if path.startswith("/etc/ssh/") or "/.ssh/" in path:
        return 4
    if path.startswith(_STARTUP):
        return 5
    if path.startswith("/etc/"):
        return 6
    return 7


def _looks_binary(path: str, old: Optional[Record], new: Optional[Record]) -> bool:
    """Whether an entry under a library folder is code (not a certificate, a script's data or docs)."""
    for rec in (old, new):
        if rec is not None and isinstance(rec.get("m"), int) and rec["m"] & 0o111 and rec.get("t", "f") == "f":
            return True
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if ".so" in name or name.endswith((".ko", ".ko.xz", ".ko.zst", ".ko.gz")) or "/security/" in path:
        return True
    # A folder, or a file without an extension (most executables): count it with the binaries.
    return "." not in name


class Change(NamedTuple):
    """One difference between the baseline and the tree."""

    kind: str  # "added", "removed", "changed"
    path: str
    klass: int
    #: (attribute, old, new) for changed entries; the entry's record otherwise.
    details: Tuple[Tuple[str, Any, Any], ...]
    note: str = ""

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "kind": self.kind,
            "path": self.path,
            "class": CLASSES[self.klass][0],
            "changes": [{"attribute": a, "old": o, "new": n} for a, o, n in self.details],
        }
        if self.note:
            data["note"] = self.note
        try:
            self.path.encode("utf-8")
        except UnicodeEncodeError:
            import base64

            data["path_b64"] = base64.b64encode(os.fsencode(self.path)).decode("ascii")
        return data


class Summary(NamedTuple):
    db: str
    db_sha256: str
    entries: int
    added: int
    removed: int
    changed: int
    warnings: int
    bytes_hashed: int

    @property
    def status(self) -> int:
        return (ADDED if self.added else 0) | (REMOVED if self.removed else 0) | (CHANGED if self.changed else 0)


def _now() -> str:
    return datetime.datetime.now(tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _header(fs: RootFS, rules: Rules) -> Dict[str, Any]:
    return {
        "created": _now(),
        "root": fs.root,
        "hostname": socket.gethostname() if fs.is_live else None,
        "tool": "breachkit %s" % VERSION,
        "hash": rules.hash_name,
        "rules_sha256": rules.sha256,
        "rules": rules.text,
    }


def default_workers() -> int:
    """Hashing processes: several per CPU (see :mod:`.workers`)."""
    return default_count()


def create(
    root: str,
    out: str,
    rules_text: Optional[str] = None,
    workers: Optional[int] = None,
    progress: Optional[Progress] = None,
    on_warning: Optional[Callable[[WarningRecord], None]] = None,
) -> Summary:
    """Record ``root`` into a new database ``out`` (written atomically); returns counts and the DB hash."""
    rules = rules_mod.parse(rules_text if rules_text is not None else rules_mod.DEFAULT_RULES)
    new_hash(rules.hash_name)  # an unavailable algorithm fails now, not in the middle of the walk
    warnings = 0
    nbytes = 0
    with RootFS(root) as fs:
        writer = Writer(out, _header(fs, rules))
        try:
            items = (x if isinstance(x, WarningRecord) else (x[0], x[1], None) for x in selected_walk(fs, rules))
            for item in records(fs, items, rules.hash_name, workers or default_workers(), progress):
                if isinstance(item, WarningRecord):
                    warnings += 1
                    if on_warning:
                        on_warning(item)
                    continue
                entry, attributes, _old, content = item
                if content is not None:
                    nbytes += content[2]
                    for problem in content[4]:
                        warnings += 1
                        if on_warning:
                            on_warning(WarningRecord(*problem))
                writer.add_line(entry.path, record_line(entry, attributes, content))
            sha = writer.finish()
        except BaseException:
            writer.abort()
            raise
    return Summary(out, sha, writer.entries, 0, 0, 0, warnings, nbytes)


def _clean(rec: Record) -> Tuple[Record, int]:
    """The record without working keys (``_old``, ``_prefix``, ``_bytes``), and the bytes hashed."""
    hashed = rec.get("_bytes", 0)
    return {k: v for k, v in rec.items() if not k.startswith("_")}, hashed if isinstance(hashed, int) else 0


def compare(old: Record, new: Record) -> Tuple[List[Tuple[str, Any, Any]], str]:
    """Attribute differences (name, old, new) between two records of one path, and a note."""
    attributes = set(old.get("a", ())) | set(new.get("a", ()))
    growing = "growing" in attributes and new.get("t", old.get("t")) == "f"
    diffs: List[Tuple[str, Any, Any]] = []
    note = ""
    for key, name in COMPARED:
        if key not in old and key not in new:
            continue
        before, after = old.get(key), new.get(key)
        if growing and key == "s" and isinstance(before, int) and isinstance(after, int):
            if after < before:
                diffs.append((name, before, after))
                note = "a growing file shrank"
            continue
        if growing and key == "h":
            prefix = new.get("_prefix")
            if isinstance(old.get("s"), int) and isinstance(new.get("s"), int) and new["s"] > old["s"]:
                if prefix is not None and prefix == before:
                    continue  # appended to: the old content is still the start of the file
                diffs.append((name, before, after))
                note = note or "the old content is no longer the start of this growing file"
                continue
        if before != after:
            if key == "h" and (before is None or after is None):
                note = note or "content could not be read on one side; not compared"
            diffs.append((name, before, after))
    return diffs, note


def check(
    root: str,
    db_path: str,
    workers: Optional[int] = None,
    progress: Optional[Progress] = None,
    on_warning: Optional[Callable[[WarningRecord], None]] = None,
    writer_for_update: Optional[Writer] = None,
    rules_override: Optional[Rules] = None,
) -> Tuple[Database, Iterator[Change], Callable[[], Summary]]:
    """Compare ``root`` with the database; returns the database, the changes (a lazy stream) and the summary.

    The database is verified completely before the first change is produced:
    a tampered or truncated database raises :class:`DatabaseTampered` here.
    The summary is complete once the stream is exhausted.
    """
    db = Database(db_path)
    db.verify()
    if rules_override is not None:
        rules = rules_override
    else:
        try:
            rules = rules_mod.parse(str(db.header.get("rules", "")))
        except rules_mod.RulesError as exc:
            raise BaselineError("the rules stored in %s do not parse: %s" % (db_path, exc)) from None
    counts = {"added": 0, "removed": 0, "changed": 0, "warnings": 0, "entries": 0, "bytes": 0}
    hash_name = rules.hash_name

    def stream() -> Iterator[Change]:
        with RootFS(root) as fs:
            merged = _merge(db.entry_lines(), selected_walk(fs, rules))
            for item in records(fs, merged, hash_name, workers or default_workers(), progress):
                if isinstance(item, WarningRecord):
                    counts["warnings"] += 1
                    if on_warning:
                        on_warning(item)
                    continue
                if len(item) == 2:  # removed: (path, old record)
                    path, old = item
                    counts["removed"] += 1
                    yield Change("removed", path, classify(path, old, None), _record_details(old))
                    continue
                entry, attributes, old, old_line, content = item
                if content is not None:
                    counts["bytes"] += content[2]
                    for problem in content[4]:
                        counts["warnings"] += 1
                        if on_warning:
                            on_warning(WarningRecord(*problem))
                counts["entries"] += 1
                line = record_line(entry, attributes, content)
                if writer_for_update is not None:
                    writer_for_update.add_line(entry.path, line)
                if old is not None and old_line == line:
                    continue  # the same line as in the database: the same record, nothing to compare
                rec = record_dict(entry, attributes, content)
                clean, _hashed = _clean(rec)
                if old is None:
                    counts["added"] += 1
                    yield Change("added", entry.path, classify(entry.path, None, clean), _record_details(clean))
                    continue
                diffs, note = compare(old, rec)
                if diffs:
                    counts["changed"] += 1
                    yield Change("changed", entry.path, classify(entry.path, old, rec), tuple(diffs), note)

    def summary() -> Summary:
        return Summary(
            db_path,
            db.sha256,
            counts["entries"],
            counts["added"],
            counts["removed"],
            counts["changed"],
            counts["warnings"],
            counts["bytes"],
        )

    return db, stream(), summary


def _record_details(rec: Record) -> Tuple[Tuple[str, Any, Any], ...]:
    names = dict(COMPARED)
    return tuple((names[k], None, rec[k]) for k, _ in COMPARED if k in rec)


def _merge(
    old_entries: Iterator[Tuple[str, Record, str]],
    new_items: Iterator[Any],
) -> Iterator[Any]:
    """Merge the database stream with the walk stream (both in baseline order).

    Yields walk warnings, ``(path, old)`` for removed entries and
    ``(FileStat, attributes, old or None, old line or None)`` for entries on disk.
    """
    old_iter = iter(old_entries)
    pending_old: Optional[Tuple[str, Record, str]] = next(old_iter, None)
    # order_key: the walk's and the database's paths are normal (the database refuses others).
    pending_key = order_key(pending_old[0]) if pending_old is not None else None
    for item in new_items:
        if isinstance(item, WarningRecord):
            yield item
            continue
        entry, attributes = item
        key = order_key(entry.path)
        while pending_old is not None and pending_key is not None and pending_key < key:
            yield pending_old[0], pending_old[1]
            pending_old = next(old_iter, None)
            pending_key = order_key(pending_old[0]) if pending_old is not None else None
        if pending_key == key and pending_old is not None:
            yield entry, attributes, pending_old[1], pending_old[2]
            pending_old = next(old_iter, None)
            pending_key = order_key(pending_old[0]) if pending_old is not None else None
        else:
            yield entry, attributes, None, None
    while pending_old is not None:
        yield pending_old[0], pending_old[1]
        pending_old = next(old_iter, None)


def update(
    root: str,
    db_path: str,
    rules_text: Optional[str] = None,
    workers: Optional[int] = None,
    progress: Optional[Progress] = None,
    on_warning: Optional[Callable[[WarningRecord], None]] = None,
) -> Tuple[Iterator[Change], Summary, str, str]:
    """Check, and make the current state the new baseline; returns changes, summary, new hash, history path.

    The changes come most urgent first, read back from temporary files (flat memory).

    The new database is written next to the old one and renamed over it only
    when complete; the old one is moved to ``<db>.history/`` first, so no
    state is lost even if the machine stops half-way.
    """
    old_db = Database(db_path)
    old_db.verify()
    # With new rules the walk follows them: entries they no longer select show up as removed.
    rules = rules_mod.parse(rules_text if rules_text is not None else str(old_db.header.get("rules", "")))
    with RootFS(root) as fs:
        header = _header(fs, rules)
    header["previous_sha256"] = old_db.sha256
    writer = Writer(db_path + ".new", header)
    try:
        _db, changes, summary = check(
            root, db_path, workers, progress, on_warning, writer_for_update=writer, rules_override=rules
        )
        spool = Spool()
        for change in changes:
            spool.add(change)
        result = summary()
        new_path = db_path + ".new"
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    keep = history_name(db_path, str(old_db.header.get("created", "")), old_db.sha256)
    os.makedirs(os.path.dirname(keep), exist_ok=True)
    os.replace(db_path, keep)
    os.replace(new_path, db_path)
    new_sha = Database(db_path).sha256
    return spool.ordered(), result, new_sha, keep


class Spool:
    """Changes held in one temporary file per report class, so a huge report keeps memory flat."""

    def __init__(self) -> None:
        self._files: Dict[int, IO[str]] = {}

    def add(self, change: Change) -> None:
        handle = self._files.get(change.klass)
        if handle is None:
            handle = self._files[change.klass] = tempfile.TemporaryFile(  # noqa: SIM115 - closed in ordered()
                "w+", encoding="utf-8", errors="surrogateescape"
            )
        handle.write(json.dumps([change.kind, change.path, change.klass, change.details, change.note]) + "\n")

    def ordered(self) -> Iterator[Change]:
        """Every change, most urgent class first, in path order within a class."""
        for klass in sorted(self._files):
            handle = self._files[klass]
            handle.seek(0)
            for line in handle:
                kind, path, k, details, note = json.loads(line)
                yield Change(kind, path, k, tuple(tuple(d) for d in details), note)
            handle.close()
        self._files = {}


def run_check_ordered(
    root: str,
    db_path: str,
    workers: Optional[int] = None,
    progress: Optional[Progress] = None,
    on_warning: Optional[Callable[[WarningRecord], None]] = None,
) -> Tuple[Database, Iterator[Change], Summary]:
    """:func:`check`, with the changes re-ordered most urgent first (spooled to temporary files)."""
    db, changes, summary = check(root, db_path, workers, progress, on_warning)
    spool = Spool()
    for change in changes:
        spool.add(change)
    return db, spool.ordered(), summary()
