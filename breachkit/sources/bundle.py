"""An evidence bundle written by ``breachkit collect`` (see :mod:`breachkit.host.bundle`).

The walk comes from ``walk.jsonl`` and ``warnings.jsonl``, streamed; file
contents from the copies under ``root/``, read through :class:`RootFS` so a
bundle is treated as hostile as the host it came from.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Iterator
from pathlib import Path

from breachkit.errors import SourceError
from breachkit.host.collect import bundle_path_for
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import MAX_SYMLINK_HOPS, RootFS, split_host_path


class BundleSource:
    """Metadata and copied files of one bundle."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not (self.path / "manifest.jsonl").is_file():
            raise SourceError(f"{self.path} is not an evidence bundle (no manifest.jsonl)")
        self.acquisition: dict[str, object] = _load_json(self.path / "acquisition.json")
        self.fs = RootFS(str(self.path / "root"))
        host = self.acquisition.get("hostname", "unknown host")
        self.label = f"bundle {self.path} (host {host})"
        #: Lines of walk.jsonl / warnings.jsonl that did not parse: (file, line number).
        self.bad_lines: list[tuple[str, int]] = []
        self._links: dict[str, str] | None = None

    def walk(self) -> Iterator[FileStat | WarningRecord]:
        """The recorded walk, then the recorded warnings; a malformed line becomes a warning too."""
        for number, data in self.records("walk.jsonl"):
            if data is not None:
                try:
                    yield FileStat.from_json(data)
                    continue
                except ValueError:
                    pass
            yield self._bad("walk.jsonl", number)
        for number, data in self.records("warnings.jsonl"):
            try:
                if data is None:
                    raise KeyError("not a JSON object")
                yield WarningRecord(str(data["path"]), str(data["kind"]), str(data["detail"]))
            except KeyError:
                yield self._bad("warnings.jsonl", number)

    def _bad(self, name: str, number: int) -> WarningRecord:
        self.bad_lines.append((name, number))
        return WarningRecord(f"(bundle) {name}", "malformed-record", f"line {number} is not a valid record; skipped")

    def records(self, name: str) -> Iterator[tuple[int, dict[str, object] | None]]:
        """(line number, object) per line; ``None`` for a line that is not a JSON object."""
        path = self.path / name
        if not path.exists():
            return
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = None
                yield number, data if isinstance(data, dict) else None

    def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
        path = self.resolve(path)
        rel = bundle_path_for(path)
        if rel.startswith("longpaths/"):
            with RootFS(str(self.path)) as whole:
                return whole.read_bytes("/" + rel, limit)
        return self.fs.read_bytes(path, limit)

    def listdir(self, path: str) -> list[str]:
        """Names in a directory: the copied files and the symlinks the collector recorded there."""
        path = self.resolve(path)
        prefix = path.rstrip("/") + "/"
        linked = {p[len(prefix) :] for p in self._symlinks() if p.startswith(prefix) and "/" not in p[len(prefix) :]}
        try:
            names = set(self.fs.listdir(path))
        except FileNotFoundError:
            if not linked:
                raise
            names = set()
        return sorted(names | linked)

    def resolve(self, path: str) -> str:
        """``path`` with the host's symlinks followed, inside the host's root.

        The collector records symlinks (``copied.jsonl``) instead of recreating
        them, so a bundle never holds a link; this follows them as the host
        would — ``/etc/apache2/sites-enabled/shop.conf`` to
        ``../sites-available/shop.conf`` — with ``..`` and absolute targets
        kept inside the root and loops stopped.
        """
        links = self._symlinks()
        if not links:
            return path
        todo = list(reversed(split_host_path(path)))
        resolved: list[str] = []
        hops = 0
        while todo:
            part = todo.pop()
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            target = links.get("/" + "/".join([*resolved, part]))
            if target is None:
                resolved.append(part)
                continue
            hops += 1
            if hops > MAX_SYMLINK_HOPS:
                raise OSError(errno.ELOOP, "too many levels of symbolic links", path)
            if target.startswith("/"):
                resolved = []
            todo.extend(reversed(split_host_path(target)))
        return "/" + "/".join(resolved)

    def _symlinks(self) -> dict[str, str]:
        """Host path -> target of every symlink the collector copied (read once)."""
        if self._links is None:
            self._links = {}
            for _, data in self.records("copied.jsonl"):
                stat = data.get("stat") if data is not None else None
                if isinstance(stat, dict) and stat.get("type") == "l":
                    try:
                        entry = FileStat.from_json(stat)
                    except ValueError:
                        continue
                    if entry.target is not None:
                        self._links[entry.path] = entry.target
        return self._links

    def close(self) -> None:
        self.fs.close()


def _load_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
