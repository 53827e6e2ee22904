"""The HTML report: one self-contained file that opens from a USB stick and prints to PDF.

Jinja2 with autoescaping on for every value, and a ``finalize`` hook that first
turns control characters, bidi overrides and undecodable bytes from the evidence
into visible escapes. The page carries no script and loads nothing: styles are
inline, the charts and the attack graph are inline SVG whose geometry is
computed here (numbers only; every label goes through the template's escaping),
and a Content-Security-Policy forbids scripts, frames and outside resources, so
even a mistake in escaping could not run what an attacker wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breachkit.host.textsafe import printable
from breachkit.report.model import AttackGraph, HeatMapView, Report, TimelineChart

TEMPLATES = Path(__file__).parent / "templates"
SEVERITIES = ("critical", "high", "medium", "low", "info")

# Attack graph geometry (px).
NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 200, 44, 70, 18, 10
# Incident chart geometry (px).
CHART_W, ROW_H, LABEL_W = 900, 46, 170


def _finalize(value: Any) -> Any:
    return printable(value, keep_backslash=True) if isinstance(value, str) else value


def _environment() -> Any:
    try:
        import jinja2
    except ImportError as exc:  # a dependency of the package; say how to get it back
        raise RuntimeError("the HTML report needs Jinja2: pip install jinja2") from exc
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True, slots=True)
class Box:
    index: int
    kind: str
    label: str
    detail: str
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Arrow:
    path: str
    label: str
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class GraphLayout:
    width: int
    height: int
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def graph_layout(graph: AttackGraph) -> GraphLayout | None:
    """Boxes in columns, arrows as curves from the right edge of one to the left edge of the next."""
    if not graph.nodes:
        return None
    boxes = {}
    for index, node in enumerate(graph.nodes):
        x = PAD + node.column * (NODE_W + COL_GAP)
        y = PAD + node.row * (NODE_H + ROW_GAP)
        boxes[node.id] = Box(index, node.kind, _clip(node.label, 30), node.detail, x, y)
    arrows = []
    for edge in graph.edges:
        a, b = boxes.get(edge.source), boxes.get(edge.target)
        if a is None or b is None:
            continue
        x1, y1 = a.x + NODE_W, a.y + NODE_H // 2
        x2, y2 = b.x, b.y + NODE_H // 2
        if x2 > x1:
            bend = (x2 - x1) // 2
            path = f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"
        else:  # backwards or same column: loop below the boxes
            low = max(a.y, b.y) + NODE_H + ROW_GAP // 2
            path = f"M{a.x + NODE_W // 2},{a.y + NODE_H} C{a.x + NODE_W // 2},{low} {x2 + NODE_W // 2},{low} {x2 + NODE_W // 2},{b.y + NODE_H}"
        arrows.append(Arrow(path, edge.label, (x1 + x2) // 2, (y1 + y2) // 2 - 4))
    width = max(b.x for b in boxes.values()) + NODE_W + PAD
    height = max(b.y for b in boxes.values()) + NODE_H + PAD + ROW_GAP
    return GraphLayout(width, height, tuple(boxes.values()), tuple(arrows))


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


@dataclass(frozen=True, slots=True)
class ChartRow:
    name: str
    top: int
    peak: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class ChartLayout:
    width: int
    height: int
    rows: tuple[ChartRow, ...]
    #: (x, number, text) of each story mark
    marks: tuple[tuple[float, int, str], ...]
    #: (x, text) of the time labels
    ticks: tuple[tuple[float, str], ...]


def chart_layout(chart: TimelineChart) -> ChartLayout:
    """Small multiples: one row of bars per series, each on its own scale, story steps as numbered lines."""
    buckets = len(chart.labels) or 1
    step = (CHART_W - LABEL_W) / buckets
    rows = []
    for number, series in enumerate(chart.series):
        top = 10 + number * ROW_H
        peak = max(series.counts, default=0)
        bars = tuple(
            Bar(
                LABEL_W + i * step + 1,
                top + (ROW_H - 12) * (1 - count / peak),
                max(step - 2, 1),
                (ROW_H - 12) * count / peak,
                count,
                chart.labels[i] if i < len(chart.labels) else "",
            )
            for i, count in enumerate(series.counts)
            if count and peak
        )
        rows.append(ChartRow(series.name, top, peak, bars))
    height = 10 + len(rows) * ROW_H + 30
    every = max(1, buckets // 8)
    ticks = tuple((LABEL_W + i * step, label) for i, label in enumerate(chart.labels) if i % every == 0)
    marks = tuple((LABEL_W + (index + 0.5) * step, n + 1, text) for n, (index, text) in enumerate(chart.marks))
    return ChartLayout(CHART_W, height, tuple(rows), marks, ticks)


def heat_colour(count: int, peak: int) -> str:
    """A CSS colour from white (nothing) to deep orange (the busiest hour), on a square-root scale."""
    if count <= 0 or peak <= 0:
        return "#ffffff"
    share = (count / peak) ** 0.5
    return f"rgb(255,{int(245 - 150 * share)},{int(235 - 215 * share)})"


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def render_html(report: Report) -> str:
    env = _environment()
    template = env.get_template("report.html.j2")
    heat: HeatMapView | None = report.heat_map
    return str(
        template.render(
            r=report,
            severities=SEVERITIES,
            graph=graph_layout(report.graph),
            chart=chart_layout(report.chart) if report.chart is not None else None,
            heat=heat,
            heat_colour=heat_colour,
            weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            node_w=NODE_W,
            node_h=NODE_H,
            label_w=LABEL_W,
        )
    )
