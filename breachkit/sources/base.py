"""The one interface every kind of source implements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from breachkit.errors import SourceError
from breachkit.host.records import FileStat, WarningRecord


class Source(Protocol):
    """A read-only view of an examined host's files. Paths are host paths (``/etc/passwd``)."""

    #: Shown once to the user, so host paths can be shown without it.
    label: str

    def walk(self) -> Iterator[FileStat | WarningRecord]:
        """Every file system entry's metadata, and the problems met on the way."""
        ...

    def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
        """Up to ``limit`` bytes of a regular file and whether it was cut short; ``OSError`` if absent."""
        ...

    def listdir(self, path: str) -> list[str]:
        """Names in a directory, sorted; ``OSError`` if absent."""
        ...

    def close(self) -> None: ...


def open_source(root: str | None = None, bundle: str | None = None) -> Source:
    """The source for ``--root`` or ``--bundle`` (exactly one of them)."""
    from breachkit.sources.bundle import BundleSource
    from breachkit.sources.root import RootSource

    if (root is None) == (bundle is None):
        raise SourceError("give exactly one of --root or --bundle")
    if bundle is not None:
        return BundleSource(Path(bundle))
    assert root is not None
    return RootSource(root)
