"""The records correlation produces: links, pivots, entry-point candidates, story lines, gaps.

All times are UTC nanoseconds since the epoch. A :class:`Request` is one row of
the case's ``web_requests`` table (:mod:`breachkit.logs.webload`) with its
pointer back to the log line; a :class:`Suspect` one row of the ``files``
table (:mod:`breachkit.timeline.load`) that a finding or the timeline marked.
Every record turns itself into ASCII-safe JSON with :meth:`to_json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: ``Severity.HIGH`` (the findings module is not imported here: records stay plain data)
HIGH = 3


@dataclass(frozen=True, slots=True)
class Request:
    """One logged HTTP request."""

    time_ns: int
    #: the access log family it was read from (``/var/log/apache2/shop_access.log``)
    log: str
    #: the virtual host's name, when the web server configuration maps the log to one
    site: str | None
    ip: str
    method: str
    target: str
    path: str
    status: int | None
    agent: str | None
    source_file: str
    source_line: int

    @property
    def where(self) -> str:
        return f"{self.source_file}:{self.source_line}"


@dataclass(frozen=True, slots=True)
class Suspect:
    """A file correlation looks at, with its times and why it is suspicious."""

    path: str
    why: str
    type: str
    uid: int | None
    user: str | None
    mtime_ns: int | None
    ctime_ns: int | None
    btime_ns: int | None
    sha256: str | None = None
    #: the highest severity (``Severity`` value) of the findings that named it
    severity: int = 2
    #: the site whose DocumentRoot holds the file, and the file's URL path there
    site: str | None = None
    url_path: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A suspicious file and the requests that could have created it and that used it later."""

    file: Suspect
    #: which time was matched: "birth", "change" or "modification" (or "" without a match)
    anchor: str
    anchor_ns: int | None
    creator: Request | None
    #: the other requests inside the skew window (less likely creators)
    alternatives: tuple[Request, ...]
    #: anchor minus the creator's logged time
    delta_ns: int | None
    confidence: float
    reason: str
    later: tuple[Request, ...]
    later_count: int
    #: what could not be established for this file (empty when all was found)
    gap: str = ""


@dataclass(frozen=True, slots=True)
class AddressActivity:
    """Everything one address did, on every site and log."""

    ip: str
    #: "client" (sent requests) or "mentioned" (named in a command the attacker sent, such as a download host)
    role: str
    requests: int
    sites: tuple[str, ...]
    first_ns: int | None
    last_ns: int | None
    methods: dict[str, int]
    errors: int
    #: auth-log and login-record events with this address, by kind
    auth: dict[str, int]
    logged_in: bool
    #: where it was named, for a "mentioned" address
    mentioned_in: tuple[Request, ...] = ()
    samples: tuple[Request, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceChange:
    """A file the web server's account created or changed in the window."""

    path: str
    user: str
    what: str
    time_ns: int
    type: str


@dataclass(frozen=True, slots=True)
class EntryCandidate:
    """A request that may be how the attacker got in, with its score and the reasons for it."""

    request: Request
    created: str
    created_ns: int
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoryLine:
    """One sentence of the attack story, at an exact time, with where it comes from."""

    time_ns: int
    utc: str
    local: str
    text: str
    #: log lines (``file:line``) and host paths that support it
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Correlation:
    """What correlation found in a case."""

    links: tuple[Link, ...]
    addresses: tuple[AddressActivity, ...]
    service_changes: tuple[ServiceChange, ...]
    service_changes_total: int
    entry_points: tuple[EntryCandidate, ...]
    story: tuple[StoryLine, ...]
    #: what could not be established, and why
    gaps: tuple[str, ...]
    zone: str
    window_start_ns: int | None
    window_end_ns: int | None
    skew_ns: int
    sites: dict[str, str] = field(default_factory=dict)

    @property
    def attacker_addresses(self) -> tuple[str, ...]:
        return tuple(a.ip for a in self.addresses)

    @property
    def attack_links(self) -> tuple[Link, ...]:
        """Files tied to a request, or named by a high or critical finding (the rest are only listed)."""
        return tuple(link for link in self.links if link.creator is not None or link.file.severity >= HIGH)

    @property
    def affected_sites(self) -> tuple[str, ...]:
        """Sites whose DocumentRoot holds a file of the attack."""
        return tuple(sorted({link.file.site for link in self.attack_links if link.file.site}))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)
        data["attacker_addresses"] = list(self.attacker_addresses)
        data["affected_sites"] = list(self.affected_sites)
        return data
