"""A live root (``/``) or a mounted image, read through :class:`breachkit.host.rootfs.RootFS`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from breachkit.errors import SourceError
from breachkit.host.collect import walk_root
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import RootFS


class RootSource:
    """Files of a directory tree, exactly as they are on disk now."""

    def __init__(self, root: str, exclude: Sequence[str] = (), cross_mounts: bool = False) -> None:
        try:
            self.fs = RootFS(root)
        except OSError as exc:
            raise SourceError(f"cannot open the root {root!r}: {exc.strerror or exc}") from exc
        self.label = self.fs.root + (" (live host)" if self.fs.is_live else "")
        self.exclude = list(exclude)
        self.cross_mounts = cross_mounts

    def walk(self) -> Iterator[FileStat | WarningRecord]:
        return walk_root(self.fs, self.exclude, self.cross_mounts)

    def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
        return self.fs.read_bytes(path, limit)

    def listdir(self, path: str) -> list[str]:
        return self.fs.listdir(path)

    def close(self) -> None:
        self.fs.close()
