"""What the package managers say an installed system should contain.

Each module reads one package database from a :class:`~breachkit.sources.base.Source`
and yields :class:`ExpectedFile` records (what a file should look like, and
where that expectation came from) plus :class:`DbProblem` records for damage
found on the way (a corrupt ``md5sums`` line, an unreadable rpm header):
``dpkg`` (Debian, Ubuntu), ``rpm`` (Fedora, RHEL and derivatives, Amazon
Linux, SUSE: ``rpmdb.sqlite``, the Berkeley DB ``Packages`` file and SUSE's NDB
``Packages.db``). :func:`load` picks whichever exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from breachkit.sources.base import Source


@dataclass(frozen=True, slots=True)
class ExpectedFile:
    """One file as its package shipped it. ``None`` means the database does not record that attribute."""

    package: str
    path: str
    #: Where this expectation comes from (a database file and line, or a .deb archive).
    origin: str
    digest: str | None = None
    #: hashlib name of the digest: ``md5``, ``sha1``, ``sha256`` …
    algorithm: str | None = None
    size: int | None = None
    mode: int | None = None
    user: str | None = None
    group: str | None = None
    mtime: int | None = None
    link_to: str | None = None
    config: bool = False
    #: rpm ``%ghost``: owned, but content and existence are not promised.
    ghost: bool = False
    caps: str | None = None


@dataclass(frozen=True, slots=True)
class Package:
    """An installed package."""

    manager: str
    name: str
    version: str
    arch: str
    #: Whether the database holds file checksums for it (dpkg packages may have no md5sums file).
    has_digests: bool


@dataclass(frozen=True, slots=True)
class DbProblem:
    """Damage in a package database: its location and what is wrong. The rest is still verified."""

    path: str
    line: int | None
    detail: str


@dataclass
class PackageDb:
    """Everything one package manager's database says, loaded lazily where it is big."""

    manager: str
    packages: list[Package] = field(default_factory=list)
    problems: list[DbProblem] = field(default_factory=list)

    def files(self) -> Iterator[ExpectedFile]:  # pragma: no cover - overridden
        return iter(())

    def owned_paths(self) -> Iterator[str]:  # pragma: no cover - overridden
        return iter(())


def load(source: Source) -> list[PackageDb]:
    """The package databases present on ``source`` (possibly none)."""
    # Imported here: the modules import the records above.
    from breachkit.integrity.packages.dpkg import load as load_dpkg
    from breachkit.integrity.packages.rpm import load as load_rpm

    found: list[PackageDb] = []
    for loader in (load_dpkg, load_rpm):
        db = loader(source)
        if db is not None:
            found.append(db)
    return found
