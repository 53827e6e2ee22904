"""The evidence store of a case: everything collected, hashed on arrival, never changed.

Layout under ``evidence/``::

    sha256/ab/abcdef…     single files, content-addressed by their SHA-256
    bundles/<name>/       evidence bundles from the collector, kept verbatim, read-only

A bundle is the folder ``breachkit.host`` writes: the collected files, JSONL
tables, ``acquisition.json``, and ``manifest.jsonl`` with ``{"path", "sha256",
"size"}`` (plus ``path_b64`` for names that are not UTF-8) for every file, and
``manifest.sha256``, the same list in ``sha256sum -c`` form. On arrival every
file is hashed while it is copied — what is hashed is exactly what is stored —
and compared with the manifest. Any difference rejects the bundle, and the
rejection is journaled before the error is raised.

The bundle came from a compromised host and crossed a network: its manifest
paths and file names are hostile. Manifest paths are only ever looked up, never
opened, so ``../x`` or ``/etc/passwd`` can point nowhere; symlinks in the bundle
are reported and never followed; FIFOs and devices are never opened.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from breachkit.case.journal import fsync_dir, is_sha256_hex
from breachkit.errors import EvidenceError
from breachkit.host.textsafe import printable

if TYPE_CHECKING:
    from breachkit.case.journal import Journal

BUNDLES_DIR = "bundles"
BY_HASH_DIR = "sha256"
MANIFEST = "manifest.jsonl"
MANIFEST_SHA256 = "manifest.sha256"
#: Files a bundle holds that its manifest cannot list (they describe the manifest).
_NOT_LISTED = frozenset({MANIFEST, MANIFEST_SHA256})
#: Bundle names become folder names in the case; keep them boring.
_BUNDLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=,-]{0,199}\Z")
_CHUNK = 1 << 20
#: How many issues a journal entry lists in full (the total is always recorded).
_ISSUES_IN_JOURNAL = 200

IssueKind = Literal[
    "mismatch",
    "missing",
    "unlisted",
    "unsafe_path",
    "symlink",
    "special_file",
    "bad_manifest",
    "duplicate",
    "unreadable",
    "manifest_disagrees",
    "conflict",
]


@dataclass(frozen=True, slots=True)
class BundleIssue:
    """One thing wrong with a bundle. ``path`` is bundle text: escape it before display."""

    kind: IssueKind
    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "message": self.message}


@dataclass(frozen=True, slots=True)
class BundleResult:
    """A bundle that passed its check and is in the store."""

    name: str
    stored_at: Path
    manifest_sha256: str
    files: int
    bytes: int
    #: ``"already_present"`` when the same bundle had been added before.
    status: Literal["stored", "already_present"]
    entry_seq: int


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A single file in the content-addressed part of the store."""

    sha256: str
    size: int
    path: Path
    already_present: bool


class BundleRejected(EvidenceError):
    """A bundle failed its check on arrival; ``issues`` says where."""

    def __init__(self, message: str, issues: tuple[BundleIssue, ...]) -> None:
        super().__init__(message)
        self.issues = issues


@dataclass(slots=True)
class _Tree:
    """What a walk of a bundle found (an accumulator, hence mutable)."""

    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    issues: list[BundleIssue] = field(default_factory=list)
    bytes: int = 0


class _NotRegular(Exception):
    """The entry turned out not to be a regular file once opened (it was swapped)."""


class EvidenceStore:
    """The ``evidence/`` folder of one case."""

    __slots__ = ("root",)

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @property
    def bundles_dir(self) -> Path:
        return self.root / BUNDLES_DIR

    @property
    def by_hash_dir(self) -> Path:
        return self.root / BY_HASH_DIR

    def path_for(self, sha256: str) -> Path:
        """Where a file with this hash is (or would be) stored."""
        if not is_sha256_hex(sha256):
            raise EvidenceError(f"{sha256!r} is not a SHA-256 in lowercase hex")
        return self.by_hash_dir / sha256[:2] / sha256

    # -- single files ----------------------------------------------------------

    def add_file(self, source: str | os.PathLike[str]) -> StoredFile:
        """Copy one file in under its hash, read-only. Storing the same content twice is a no-op."""
        self.by_hash_dir.mkdir(parents=True, exist_ok=True)
        incoming = self.by_hash_dir / f".incoming-{uuid.uuid4().hex}"
        try:
            sha, size = _copy_file(Path(source), incoming)
        except _NotRegular:
            raise EvidenceError(f"{source} is not a regular file") from None
        except OSError as exc:
            incoming.unlink(missing_ok=True)
            raise EvidenceError(f"cannot read {source}: {exc.strerror}") from exc
        final = self.path_for(sha)
        if final.exists():
            incoming.unlink()
            return StoredFile(sha, size, final, already_present=True)
        final.parent.mkdir(exist_ok=True)
        os.chmod(incoming, 0o444)
        os.rename(incoming, final)
        fsync_dir(final.parent)
        return StoredFile(sha, size, final, already_present=False)

    # -- bundles ---------------------------------------------------------------

    def add_bundle(self, bundle_dir: str | os.PathLike[str], journal: Journal, *, move: bool = False) -> BundleResult:
        """Copy a bundle in verbatim, checking every file against its manifest.

        The copy goes to a hidden folder in ``bundles/`` and is renamed into
        place only after it passed, so a bundle in the store is always
        complete and checked. Raises :class:`BundleRejected` (after journaling
        the rejection) when anything does not match.

        ``move=True`` is for a bundle the case itself just collected on the
        same file system (``breachkit triage``): it is renamed in instead of
        copied, still hashed and checked file by file, and renamed back if it
        fails the check, so nothing is lost either way.
        """
        source = Path(bundle_dir)
        if not source.is_dir():
            raise EvidenceError(f"{source} is not a folder; give the bundle folder the collector wrote")
        source = source.resolve()
        name = source.name
        if not _BUNDLE_NAME.match(name):
            raise EvidenceError(
                f"bundle folder name {printable(name)!r} is not usable as a case folder name; "
                "rename it to letters, digits and . _ - @ + = , only"
            )
        final = self.bundles_dir / name
        self.bundles_dir.mkdir(parents=True, exist_ok=True)
        incoming = self.bundles_dir / f".incoming-{uuid.uuid4().hex}"
        if move:
            os.rename(source, incoming)
        else:
            os.mkdir(incoming, 0o700)
        try:
            tree = _walk(incoming, None) if move else _walk(source, incoming)
            manifest_sha = tree.files.get(MANIFEST, ("", 0))[0]
            listed = _check_manifest(tree, incoming)
            details: dict[str, Any] = {
                "bundle": name,
                "source": str(source),
                "stored_at": _shown(final, journal.base),
                "manifest_sha256": manifest_sha,
                "manifest_entries": listed,
                "files": len(tree.files),
                "bytes": tree.bytes,
            }
            if tree.issues:
                _reject(journal, details, tree.issues, "rejected")
            if not os.path.lexists(final):
                _seal(incoming)
                try:
                    os.rename(incoming, final)
                except OSError as exc:
                    if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
                    # Another process stored a bundle of this name meanwhile.
                else:
                    os.chmod(final, 0o555)  # noqa: S103 - read-only; x lets readers enter
                    fsync_dir(self.bundles_dir)
                    entry = journal.append("bundle.add", {**details, "status": "stored"}, outputs=[final / MANIFEST])
                    return BundleResult(name, final, manifest_sha, len(tree.files), tree.bytes, "stored", entry["seq"])
            stored = _walk(final, None)
            if stored.files != tree.files or stored.issues:
                issue = BundleIssue(
                    "conflict",
                    name,
                    f"a different bundle named {name} is already in the case",
                )
                _reject(journal, details, [issue], "conflict")
            entry = journal.append("bundle.add", {**details, "status": "already_present"})
            return BundleResult(name, final, manifest_sha, len(tree.files), tree.bytes, "already_present", entry["seq"])
        finally:
            if os.path.lexists(incoming):
                if move:
                    os.rename(incoming, source)
                else:
                    _remove_tree(incoming)


def _shown(path: Path, base: Path) -> str:
    try:
        return path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        return str(path.absolute())


def _reject(journal: Journal, details: dict[str, Any], issues: list[BundleIssue], status: str) -> None:
    entry = journal.append(
        "bundle.add",
        {
            **details,
            "status": status,
            "issues_total": len(issues),
            "issues": [issue.to_json() for issue in issues[:_ISSUES_IN_JOURNAL]],
        },
    )
    shown = "; ".join(f"{i.kind}: {printable(i.path)}" for i in issues[:5])
    more = f" and {len(issues) - 5} more" if len(issues) > 5 else ""
    verb = "was not stored" if status == "rejected" else "was not stored again"
    raise BundleRejected(
        f"bundle {details['bundle']} failed its check on arrival and {verb} "
        f"({len(issues)} problem{'s' if len(issues) != 1 else ''}: {shown}{more}). "
        f"The failure is recorded as journal entry {entry['seq']}. "
        "Find out how the bundle changed since collection, or collect again.",
        tuple(issues),
    )


def _walk(source: Path, dest: Path | None) -> _Tree:
    """Hash every regular file below ``source``, copying it to ``dest`` when given.

    Never follows a symlink and never opens anything but a regular file; what
    else is there is an issue of the bundle, not a reason to stop.
    """
    tree = _Tree()
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        folder = source / rel_dir if rel_dir else source
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError as exc:
            tree.issues.append(BundleIssue("unreadable", rel_dir or ".", f"cannot list: {exc.strerror}"))
            continue
        for item in items:
            rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
            try:
                if item.is_symlink():
                    tree.issues.append(BundleIssue("symlink", rel, "a symlink in the bundle (not followed)"))
                elif item.is_dir(follow_symlinks=False):
                    if dest is not None:
                        os.mkdir(dest / rel, 0o700)
                    stack.append(rel)
                elif item.is_file(follow_symlinks=False):
                    sha, size = _copy_file(Path(item.path), None if dest is None else dest / rel, nofollow=True)
                    tree.files[rel] = (sha, size)
                    tree.bytes += size
                else:
                    raise _NotRegular
            except _NotRegular:
                tree.issues.append(BundleIssue("special_file", rel, "not a regular file or folder (not opened)"))
            except OSError as exc:
                tree.issues.append(BundleIssue("unreadable", rel, f"cannot read: {exc.strerror}"))
    return tree


def _copy_file(source: Path, dest: Path | None, *, nofollow: bool = False) -> tuple[str, int]:
    """Stream ``source`` into ``dest`` (if given), returning the SHA-256 of what was read.

    ``O_NONBLOCK`` keeps a FIFO swapped in after the directory listing from
    hanging the open; the ``fstat`` after opening is what decides.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if nofollow else 0)
    fd = os.open(source, flags)
    out = -1
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular
        if dest is not None:
            out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        digest = hashlib.sha256()
        size = 0
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out >= 0:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view) :]
        if out >= 0:
            os.fsync(out)
    finally:
        os.close(fd)
        if out >= 0:
            os.close(out)
    if dest is not None:
        os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))
    return digest.hexdigest(), size


def unsafe_reason(path: str) -> str | None:
    """Why a manifest path must not be used, or ``None`` when it is a plain relative path."""
    if not path:
        return "empty path"
    if "\0" in path:
        return "NUL in path"
    if path.startswith("/"):
        return "absolute path"
    parts = path.split("/")
    if ".." in parts:
        return "'..' in path"
    if any(part in ("", ".") for part in parts):
        return "empty or '.' component in path"
    return None


def _check_manifest(tree: _Tree, copy: Path) -> int:
    """Compare the walked files with the manifest (read from the copy, not the source,
    so it cannot change between check and store). Adds issues; returns the entry count."""
    if MANIFEST not in tree.files:
        tree.issues.append(BundleIssue("missing", MANIFEST, "the bundle has no manifest"))
        return 0
    listed: dict[str, tuple[str, int]] = {}
    with open(copy / MANIFEST, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{MANIFEST}:{number}"
            try:
                path, sha, size = _manifest_record(raw)
            except ValueError as exc:
                tree.issues.append(BundleIssue("bad_manifest", where, str(exc)))
                continue
            reason = unsafe_reason(path)
            if reason is not None:
                tree.issues.append(BundleIssue("unsafe_path", path, f"{reason} ({where}); refused"))
            elif path in listed:
                tree.issues.append(BundleIssue("duplicate", path, f"listed twice ({where})"))
            else:
                listed[path] = (sha, size)
    for rel, (sha, size) in tree.files.items():
        if rel in _NOT_LISTED:
            continue
        expected = listed.get(rel)
        if expected is None:
            tree.issues.append(BundleIssue("unlisted", rel, "in the bundle but not in the manifest"))
        elif expected != (sha, size):
            tree.issues.append(
                BundleIssue(
                    "mismatch",
                    rel,
                    f"manifest says sha256 {expected[0]} size {expected[1]}, arrived as sha256 {sha} size {size}",
                )
            )
    for rel in listed:
        if rel not in tree.files:
            tree.issues.append(BundleIssue("missing", rel, "in the manifest but not a regular file in the bundle"))
    if MANIFEST_SHA256 in tree.files:
        _check_sha256sum(copy / MANIFEST_SHA256, listed, tree)
    return len(listed)


def _manifest_record(raw: bytes) -> tuple[str, str, int]:
    try:
        record = json.loads(raw)
    except ValueError:
        raise ValueError("not a JSON line") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    path = record.get("path")
    if "path_b64" in record:
        try:
            path = os.fsdecode(base64.b64decode(str(record["path_b64"]), validate=True))
        except (binascii.Error, ValueError):
            raise ValueError("path_b64 is not base64") from None
    sha, size = record.get("sha256"), record.get("size")
    if not isinstance(path, str) or not is_sha256_hex(sha) or type(size) is not int or size < 0:
        raise ValueError("needs 'path', a lowercase hex 'sha256' and an integer 'size'")
    assert isinstance(sha, str)
    return path, sha, size


def _check_sha256sum(path: Path, listed: dict[str, tuple[str, int]], tree: _Tree) -> None:
    """``manifest.sha256`` is the manifest again in ``sha256sum`` form; both must agree."""
    sums: dict[str, str] = {}
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip(b"\n")
            if not line:
                continue
            escaped = line.startswith(b"\\")
            if escaped:
                line = line[1:]
            digest, sep, name = line[:64], line[64:66], line[66:]
            if sep not in (b"  ", b" *") or not is_sha256_hex(digest.decode("latin-1")):
                tree.issues.append(BundleIssue("bad_manifest", f"{MANIFEST_SHA256}:{number}", "not a sha256sum line"))
                return
            if escaped:
                name = _sha256sum_unescape(name)
            sums[os.fsdecode(name)] = digest.decode("ascii")
    for rel in sorted(set(sums) | set(listed)):
        if sums.get(rel) != listed.get(rel, ("",))[0]:
            tree.issues.append(
                BundleIssue(
                    "manifest_disagrees",
                    rel,
                    f"{MANIFEST_SHA256} and {MANIFEST} disagree about this file",
                )
            )


def _sha256sum_unescape(name: bytes) -> bytes:
    out = bytearray()
    index = 0
    while index < len(name):
        char = name[index : index + 1]
        if char == b"\\" and index + 1 < len(name):
            following = name[index + 1 : index + 2]
            out += {b"n": b"\n", b"r": b"\r", b"\\": b"\\"}.get(following, b"\\" + following)
            index += 2
        else:
            out += char
            index += 1
    return bytes(out)


def _seal(root: Path) -> None:
    """Make a stored copy read-only below ``root`` (``root`` itself after its rename)."""
    for folder, dirs, files in os.walk(root, topdown=False):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o555)  # noqa: S103 - read-only folder


def _remove_tree(root: Path) -> None:
    """Remove an unfinished copy, read-only parts included."""
    for folder, _dirs, _files in os.walk(root):
        os.chmod(folder, 0o700)
    shutil.rmtree(root)
