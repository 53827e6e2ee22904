"""The examined host's own metadata of a file (times, type, symlink target), whatever the source.

Log detections sometimes need more than a file's lines: when the file was born
(``sed -i`` writes a new one), when it last changed, whether a shell history is
a symlink to ``/dev/null``. On a mounted image or the live host that is an
``lstat`` through :class:`~breachkit.host.rootfs.RootFS`. A bundle's copies carry
the collector's times, so for a bundle the answer comes from what the collector
recorded: ``copied.jsonl`` (the host's ``lstat`` of every file it copied) and,
for what it did not copy – a symlink to ``/dev/null``, a folder – one pass over
``walk.jsonl`` for the paths asked. Anything else: unknown (``None``).
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterable

from breachkit.host.records import FileStat
from breachkit.host.rootfs import RootFS
from breachkit.sources.base import Source
from breachkit.sources.bundle import BundleSource

_RECORDED: weakref.WeakKeyDictionary[BundleSource, dict[str, FileStat]] = weakref.WeakKeyDictionary()
#: what passes over walk.jsonl found, absent paths included (None), so no path costs two passes
_WALKED: weakref.WeakKeyDictionary[BundleSource, dict[str, FileStat | None]] = weakref.WeakKeyDictionary()
#: Paths asked per pass over walk.jsonl at most (the pattern grows with them).
_BATCH = 500


def knows_files(source: Source) -> bool:
    """Whether this source can tell a missing file from an unknown one (:func:`host_lstats`)."""
    return isinstance(source, BundleSource) or isinstance(getattr(source, "fs", None), RootFS)


def host_lstat(source: Source, path: str) -> FileStat | None:
    """The host's ``lstat`` of ``path`` (a symlink is not followed); ``None`` when absent or unknown."""
    return host_lstats(source, [path]).get(path)


def host_lstats(source: Source, paths: Iterable[str]) -> dict[str, FileStat]:
    """The host's ``lstat`` of each of ``paths`` that exists (absent and unknown ones are left out)."""
    wanted = list(dict.fromkeys(paths))
    if isinstance(source, BundleSource):
        return _from_bundle(source, wanted)
    fs = getattr(source, "fs", None)
    found: dict[str, FileStat] = {}
    if isinstance(fs, RootFS):
        for path in wanted:
            try:
                found[path] = fs.lstat(path)
            except OSError:
                pass
    return found


def _from_bundle(bundle: BundleSource, wanted: list[str]) -> dict[str, FileStat]:
    recorded = _recorded(bundle)
    walked = _WALKED.setdefault(bundle, {})
    rest = [path for path in wanted if path not in recorded and path not in walked]
    for start in range(0, len(rest), _BATCH):
        batch = rest[start : start + _BATCH]
        seen = _walked(bundle, batch)
        walked.update({path: seen.get(path) for path in batch})
    found = {path: recorded[path] for path in wanted if path in recorded}
    found.update({path: stat for path in wanted if (stat := walked.get(path)) is not None})
    return found


def _recorded(bundle: BundleSource) -> dict[str, FileStat]:
    """Host path -> the host's stat, for every file the collector copied (read once per bundle)."""
    found = _RECORDED.get(bundle)
    if found is None:
        found = {}
        for _, data in bundle.records("copied.jsonl"):
            stat = data.get("stat") if data is not None else None
            if isinstance(stat, dict):
                _add(found, stat)
        _RECORDED[bundle] = found
    return found


def _walked(bundle: BundleSource, paths: list[str]) -> dict[str, FileStat]:
    """The walk's records of ``paths``: the walk writes ``"path":"…"`` exactly as JSON encodes it."""
    found: dict[str, FileStat] = {}
    if not paths:
        return found
    keys = b"|".join(re.escape(b'"path":' + json.dumps(p, ensure_ascii=True).encode()) for p in paths)
    pattern = re.compile(b"(?:" + keys + b")[,}]")
    try:
        handle = (bundle.path / "walk.jsonl").open("rb")
    except OSError:
        return found
    with handle:
        for raw in handle:
            if pattern.search(raw) is None:
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                continue  # the bundle's own reader reports malformed lines
            if isinstance(data, dict):
                _add(found, data)
    return {path: stat for path, stat in found.items() if path in paths}


def _add(found: dict[str, FileStat], data: dict[str, object]) -> None:
    try:
        entry = FileStat.from_json(data)
    except ValueError:
        return
    found[entry.path] = entry
