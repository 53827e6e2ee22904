"""An evidence bundle written by ``breachkit collect`` (see :mod:`breachkit.host.bundle`).

The walk comes from ``walk.jsonl`` and ``warnings.jsonl``, streamed; file
contents from the copies under ``root/``, read through :class:`RootFS` so a
bundle is treated as hostile as the host it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from breachkit.errors import SourceError
from breachkit.host.collect import bundle_path_for
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import RootFS


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
        rel = bundle_path_for(path)
        if rel.startswith("longpaths/"):
            with RootFS(str(self.path)) as whole:
                return whole.read_bytes("/" + rel, limit)
        return self.fs.read_bytes(path, limit)

    def listdir(self, path: str) -> list[str]:
        return self.fs.listdir(path)

    def close(self) -> None:
        self.fs.close()


def _load_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
