"""UAC output (Unix-like Artifacts Collector, https://github.com/tclahr/uac) as a source.

Responders often arrive with a UAC collection already made. Once unpacked
(``tar xzf uac-<host>-linux-<time>.tar.gz``) it holds, among others:

* ``bodyfile/bodyfile.txt`` — the file system timeline as a TSK bodyfile
  (read by :mod:`breachkit.timeline.bodyfile`; UAC writes it with ``stat``,
  ``find -printf`` or its ``statx`` helper depending on the host, so times may
  have fractions and a birth time or not);
* ``[root]/`` — copies of files under their host paths (``[root]/etc/passwd``),
  used here for account names and the host's time zone, read through
  :class:`~breachkit.host.rootfs.RootFS` like any other evidence.

UAC versions 2.x and 3.x use this layout. A folder is recognised by its
``bodyfile/bodyfile.txt`` or ``[root]`` folder plus ``uac.log``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from breachkit.errors import SourceError
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import RootFS
from breachkit.timeline.bodyfile import BodyfileReader

BODYFILE = Path("bodyfile") / "bodyfile.txt"
ROOT = "[root]"


def is_uac(path: Path) -> bool:
    """Whether ``path`` is an unpacked UAC collection."""
    path = Path(path)
    return path.is_dir() and ((path / BODYFILE).is_file() or ((path / ROOT).is_dir() and (path / "uac.log").exists()))


class UacSource:
    """The bodyfile of a UAC collection as the walk; its ``[root]`` copies as the files."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not is_uac(self.path):
            raise SourceError(
                f"{self.path} is not an unpacked UAC collection (no {BODYFILE} nor {ROOT}/): unpack the tar.gz first"
            )
        self.label = f"UAC collection {self.path}"
        root = self.path / ROOT
        self.fs: RootFS | None = RootFS(str(root)) if root.is_dir() else None
        body = self.path / BODYFILE
        self.reader: BodyfileReader | None = BodyfileReader(body, label=str(BODYFILE)) if body.is_file() else None

    def walk(self) -> Iterator[FileStat | WarningRecord]:
        if self.reader is None:
            yield WarningRecord(f"({BODYFILE})", "missing", "the collection has no bodyfile: no timeline from it")
            return
        yield from self.reader

    def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
        if self.fs is None:
            raise FileNotFoundError(path)
        return self.fs.read_bytes(path, limit)

    def listdir(self, path: str) -> list[str]:
        if self.fs is None:
            raise FileNotFoundError(path)
        return self.fs.listdir(path)

    def close(self) -> None:
        if self.fs is not None:
            self.fs.close()


class BodyfileSource:
    """A bare bodyfile: the walk only, no file contents."""

    def __init__(self, path: Path) -> None:
        self.reader = BodyfileReader(Path(path))
        self.label = f"bodyfile {path}"

    def walk(self) -> Iterator[FileStat | WarningRecord]:
        yield from self.reader

    def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
        raise FileNotFoundError(path)

    def listdir(self, path: str) -> list[str]:
        raise FileNotFoundError(path)

    def close(self) -> None:
        return None
