"""The report's records: everything the report says, gathered from the case, as plain data.

:mod:`~breachkit.report.gather` fills a :class:`Report` from the case folder;
the renderers (:mod:`~breachkit.report.html`, :mod:`~breachkit.report.markdown`)
only lay it out, and :meth:`Report.to_json` is the JSON format. Text that came
from the evidence (paths, log lines, user agents) stays raw here: each renderer
escapes it for its own medium.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from breachkit.findings import REPORT_FORMAT, Evidence


@dataclass(frozen=True, slots=True)
class FindingItem:
    """A finding as the report shows it (read back from ``db/findings.jsonl``)."""

    severity: str
    check: str
    title: str
    confidence: float
    reason: str
    evidence: tuple[Evidence, ...]
    #: evidence items beyond those kept for the report (all are in db/findings.jsonl)
    evidence_more: int = 0
    next_step: str | None = None


@dataclass(frozen=True, slots=True)
class RequestItem:
    """A logged web request, with the log line it comes from."""

    utc: str
    local: str
    ip: str
    method: str
    target: str
    site: str | None
    status: int | None
    agent: str | None
    where: str


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """The likely way in: the request, why it is ranked first, and what it created."""

    request: RequestItem
    created: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoryItem:
    utc: str
    local: str
    text: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DroppedFile:
    """A file of the attack: what it is, its hash, when it appeared and the request behind it."""

    path: str
    what: str
    sha256: str | None
    born: str
    owner: str | None
    site: str | None
    created_by: RequestItem | None
    #: later requests for it (as a web path)
    used: int


@dataclass(frozen=True, slots=True)
class Address:
    """An address involved in the attack and what it did."""

    ip: str
    role: str
    requests: int
    sites: tuple[str, ...]
    first: str
    last: str
    logged_in: bool
    auth: dict[str, int]
    #: for an address the correlation did not follow: the finding that names it
    why: str = ""


@dataclass(frozen=True, slots=True)
class Account:
    """An account the attacker used or changed, and how we know."""

    name: str
    why: str


@dataclass(frozen=True, slots=True)
class DataAtRisk:
    """A file with secrets (database passwords, keys) the attacker's account could read."""

    path: str
    site: str | None
    why: str
    #: True when its access time falls in the attack window: it was very likely read
    read_in_window: bool


@dataclass(frozen=True, slots=True)
class HeatMapView:
    """File births and changes per weekday and hour in the host's zone (``cells[weekday][hour]``)."""

    zone: str
    cells: tuple[tuple[int, ...], ...]
    peak: int
    #: weekday and hour of the attack's first step, when known
    attack_cell: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class ChartSeries:
    name: str
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TimelineChart:
    """Counts per time bucket around the incident, with the story's steps as marks."""

    start_utc: str
    end_utc: str
    bucket_seconds: int
    labels: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    #: (bucket index, short text) for each story step inside the chart
    marks: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class GraphNode:
    id: str
    kind: str
    label: str
    detail: str
    column: int
    row: int


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    label: str


@dataclass(frozen=True, slots=True)
class AttackGraph:
    """The attack path: addresses -> requests -> dropped files -> what those started."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


@dataclass(frozen=True, slots=True)
class IndicatorItem:
    kind: str
    value: str
    severity: str
    reason: str


@dataclass(frozen=True, slots=True)
class Action:
    """A journal entry: what was done on the case, when and by whom."""

    seq: int
    utc: str
    examiner: str
    action: str
    summary: str


@dataclass(frozen=True, slots=True)
class PlaybookItem:
    id: str
    title: str
    status: str
    who: str | None
    when: str | None
    proven: bool
    proof: str | None


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """An item of the evidence store with its hash, and whether it still matches the journal."""

    name: str
    kind: str
    sha256: str
    detail: str
    added: str | None
    intact: bool | None


@dataclass(frozen=True, slots=True)
class Lesson:
    """Prevention advice derived from findings, citing the findings that led to it."""

    title: str
    advice: str
    because: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the report says about one case."""

    case_id: str
    case_name: str
    host: str
    generated_utc: str
    tool_version: str
    zone: str
    summary: tuple[str, ...]
    entry_point: EntryPoint | None
    other_entries: tuple[EntryPoint, ...]
    story: tuple[StoryItem, ...]
    sites: tuple[tuple[str, str], ...]
    accounts: tuple[Account, ...]
    data_at_risk: tuple[DataAtRisk, ...]
    addresses: tuple[Address, ...]
    dropped: tuple[DroppedFile, ...]
    findings: tuple[FindingItem, ...]
    by_severity: dict[str, int]
    heat_map: HeatMapView | None
    chart: TimelineChart | None
    graph: AttackGraph
    indicators: tuple[IndicatorItem, ...]
    actions: tuple[Action, ...]
    playbook: tuple[PlaybookItem, ...]
    next_step: str | None
    evidence: tuple[EvidenceItem, ...]
    journal_head: str | None
    journal_ok: bool
    journal_problems: tuple[str, ...]
    lessons: tuple[Lesson, ...]
    #: what could not be established, and why (from correlation and from reading the case)
    gaps: tuple[str, ...] = ()
    #: problems met while reading the case for the report (malformed files and the like)
    problems: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)
        data["format"] = REPORT_FORMAT
        data["version"] = 1
        return data
