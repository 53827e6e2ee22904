"""The one timeline event every source converges on.

File system times, log lines, logins, process starts and detections all become
:class:`Event`: a UTC instant in nanoseconds with its precision, what kind of
thing happened, and a pointer back to the raw evidence (``source_file`` and
``source_line`` for a log line, ``path`` for a file). The super timeline is
these events in one table (:mod:`breachkit.tables`), so a question like "what
happened between 22:38 and 22:50" is one query across every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Columns of the ``events`` table, in order, with their DuckDB types.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_ns", "BIGINT"),
    ("precision_ns", "BIGINT"),
    ("source", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("host", "VARCHAR"),
    ("path", "VARCHAR"),
    ("user", "VARCHAR"),
    ("ip", "VARCHAR"),
    ("message", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("flags", "VARCHAR"),
    ("extra", "JSON"),
)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened at one instant on the examined host.

    ``time_ns`` is UTC nanoseconds since the epoch. ``precision_ns`` says how
    exact the source is (1 for ext4 times, 1_000_000_000 for a syslog line
    with whole seconds). ``source`` names the artifact (``fs``, ``auth``,
    ``web-access`` …) and ``kind`` what happened (``mtime``, ``ssh-accept``,
    ``request`` …). ``flags`` carries caveats a reader must see, such as
    ``year-inferred`` or ``clock-corrected``, comma-separated.
    """

    time_ns: int
    source: str
    kind: str
    message: str
    precision_ns: int = 1
    host: str | None = None
    path: str | None = None
    user: str | None = None
    ip: str | None = None
    source_file: str | None = None
    source_line: int | None = None
    flags: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self) -> tuple[Any, ...]:
        """The values in :data:`EVENT_COLUMNS` order (``extra`` as JSON text)."""
        import json

        return (
            self.time_ns,
            self.precision_ns,
            self.source,
            self.kind,
            self.host,
            self.path,
            self.user,
            self.ip,
            self.message,
            self.source_file,
            self.source_line,
            self.flags,
            json.dumps(self.extra, ensure_ascii=True, sort_keys=True) if self.extra else None,
        )
