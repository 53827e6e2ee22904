"""Open any input as a timeline: a root, a bundle, UAC output or a bodyfile -> the ``files`` table.

:func:`open_timeline` picks the loader (:mod:`breachkit.timeline.build`),
reads the host's accounts and time zone from the same input, and returns a
:class:`Timeline` holding the DuckDB connection. With a case, the table lives
in the case database (``db/case.duckdb``) where later analyses join on it;
without one, in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.errors import SourceError, UsageError
from breachkit.host.records import WarningRecord
from breachkit.hostzone import HostZone, host_zone
from breachkit.sources.base import Source
from breachkit.sources.bundle import BundleSource
from breachkit.sources.root import RootSource
from breachkit.timeline.accounts import Accounts
from breachkit.timeline.build import LoadResult, load_entries, load_walk_jsonl, store_warnings
from breachkit.timeline.caps import CapabilityReader
from breachkit.timeline.uac import BodyfileSource, UacSource, is_uac


@dataclass
class Timeline:
    """A loaded timeline: the connection with the ``files`` table, and what is known about the host."""

    con: Any
    source: Source
    load: LoadResult
    zone: HostZone
    accounts: Accounts
    kind: str

    def close(self) -> None:
        self.source.close()
        self.con.close()


def open_timeline(
    *,
    root: str | None = None,
    bundle: str | Path | None = None,
    bodyfile: str | Path | None = None,
    case_root: Path | None = None,
    con: Any = None,
    cross_mounts: bool = False,
    exclude: tuple[str, ...] = (),
) -> Timeline:
    """Load exactly one of ``root``, ``bundle`` (breachkit bundle or UAC folder) or ``bodyfile``."""
    given = [value for value in (root, bundle, bodyfile) if value is not None]
    if len(given) != 1:
        raise UsageError("give exactly one of --root, --bundle or --bodyfile")
    connection = con if con is not None else tables.connect(case_root)
    scratch = (Path(case_root) / "db") if case_root is not None else None
    try:
        if root is not None:
            source: Source = RootSource(root, exclude=exclude, cross_mounts=cross_mounts)
            return _from_walk(connection, source, "walk", scratch, capabilities=True)
        if bodyfile is not None:
            return _from_walk(connection, BodyfileSource(Path(bodyfile)), "bodyfile", scratch)
        assert bundle is not None
        path = Path(bundle)
        if is_uac(path):
            return _from_walk(connection, UacSource(path), "uac", scratch)
        return _from_bundle(connection, BundleSource(path))
    except BaseException:
        if con is None:
            connection.close()
        raise


def _from_walk(con: Any, source: Source, kind: str, scratch: Path | None, capabilities: bool = False) -> Timeline:
    accounts = Accounts.from_source(source)
    reader = getattr(source, "reader", None)
    precision = (lambda _entry: int(reader.precision_ns)) if reader is not None else None
    caps = None
    fs = getattr(source, "fs", None)
    if capabilities and fs is not None:
        caps = CapabilityReader(fs)
    try:
        result = load_entries(con, source.walk(), accounts, kind, precision=precision, capability=caps, scratch=scratch)
    finally:
        if caps is not None:
            caps.close()
    if caps is not None and caps.errors:
        result.notes.append(f"the capabilities of {caps.errors} executable(s) could not be read")
    if not result.capabilities_read:
        result.notes.append(f"file capabilities are not recorded in a {kind}: only --root reads them")
    return _finish(con, source, result, accounts, kind)


def _from_bundle(con: Any, source: BundleSource) -> Timeline:
    walk = source.path / "walk.jsonl"
    if not walk.is_file():
        source.close()
        raise SourceError(f"{source.path} has no walk.jsonl: collect again with 'breachkit collect'")
    accounts = Accounts.from_source(source)
    tables.create_table(con, "timeline_warnings", (("path", "VARCHAR"), ("kind", "VARCHAR"), ("detail", "VARCHAR")))
    result = load_walk_jsonl(con, walk, accounts, "bundle")
    store_warnings(con, _bundle_warnings(source.path / "warnings.jsonl"), result)
    result.notes.append("file capabilities are not recorded in a bundle: run with --root on the image to read them")
    return _finish(con, source, result, accounts, "bundle")


def _bundle_warnings(path: Path) -> list[WarningRecord]:
    records: list[WarningRecord] = []
    if not path.is_file():
        return records
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                data = json.loads(raw)
                records.append(WarningRecord(str(data["path"]), str(data["kind"]), str(data["detail"])))
            except (ValueError, KeyError, TypeError):
                records.append(
                    WarningRecord("(warnings.jsonl)", "malformed-record", f"line {number} is not a warning record")
                )
    return records


def _finish(con: Any, source: Source, result: LoadResult, accounts: Accounts, kind: str) -> Timeline:
    result.accounts_found = accounts.passwd_found
    if not accounts.passwd_found:
        result.notes.append("no /etc/passwd in the input: owners are shown as numbers, the no-account check is off")
    zone = host_zone(source)
    return Timeline(con, source, result, zone, accounts, kind)
