"""The attack path as a graph: who sent what, what it created, what that led to.

Built from the correlation (``report/correlation.json``):

* an address that sent a request which created a file points to that request
  ("POST /admin/upload.php on shop…"), and the request to the file;
* a request sent *to* a dropped file (a webshell being used) hangs under that
  file instead: the webshell points to what it created;
* an address only named inside a request (a download host) points to the file
  that request created;
* a dropped file whose finding quotes another dropped file's path (a crontab
  that starts a launcher) points to it.

Columns are the depth in that graph, so it reads left to right in order of
cause. The graph is capped at :data:`MAX_FILES` files; the report's table of
dropped files lists them all.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

from breachkit.report.model import AttackGraph, GraphEdge, GraphNode

MAX_FILES = 40


class _Builder:
    def __init__(self) -> None:
        self.nodes: dict[str, tuple[str, str, str]] = {}
        self.edges: dict[tuple[str, str], str] = {}

    def node(self, node_id: str, kind: str, label: str, detail: str) -> str:
        self.nodes.setdefault(node_id, (kind, label, detail))
        return node_id

    def edge(self, source: str, target: str, label: str) -> None:
        if source != target:
            self.edges.setdefault((source, target), label)


def attack_graph(
    links: Iterable[Mapping[str, Any]], addresses: Iterable[Mapping[str, Any]], quotes: Mapping[str, str]
) -> AttackGraph:
    """The graph of the attack links; ``quotes`` maps a file's path to the text its findings quote."""
    chosen = list(links)[:MAX_FILES]
    by_url: dict[tuple[str | None, str], str] = {}
    for link in chosen:
        file = link.get("file") or {}
        if file.get("url_path"):
            by_url[(file.get("site"), str(file["url_path"]))] = str(file["path"])
    build = _Builder()
    for link in chosen:
        file = link.get("file") or {}
        path = str(file.get("path", ""))
        target = build.node("file:" + path, "file", posixpath.basename(path) or path, path)
        creator = link.get("creator")
        if not isinstance(creator, Mapping):
            continue
        used = by_url.get((creator.get("site"), str(creator.get("path", ""))))
        delta = link.get("delta_ns")
        after = f"+{delta / 1e9:.1f} s" if isinstance(delta, int) and delta >= 0 else "created"
        if used is not None and used != path:
            build.edge("file:" + used, target, f"{creator.get('method', '')} {after}".strip())
            continue
        request = build.node(
            f"req:{creator.get('method')} {creator.get('site')} {creator.get('path')}",
            "request",
            f"{creator.get('method', '')} {creator.get('path', '')}",
            f"on {creator.get('site') or creator.get('log') or 'unknown site'}",
        )
        build.edge(request, target, after)
        ip = str(creator.get("ip", ""))
        if ip:
            build.edge(build.node("ip:" + ip, "address", ip, "attacker address"), request, "sent")
    created_by_request = {
        _request_key(link.get("creator")): "file:" + str((link.get("file") or {}).get("path", "")) for link in chosen
    }
    for activity in addresses:
        if activity.get("role") != "mentioned":
            continue
        ip = str(activity.get("ip", ""))
        for request in activity.get("mentioned_in") or ():
            created = created_by_request.get(_request_key(request))
            if created is not None and created in build.nodes:
                build.edge(
                    build.node("ip:" + ip, "address", ip, "named in the attacker's commands"), created, "download"
                )
    for path, text in quotes.items():
        source = "file:" + path
        if source not in build.nodes:
            continue
        for other in list(build.nodes):
            # The whole path, not a folder that merely prefixes another quoted path.
            if other.startswith("file:") and other != source and re.search(re.escape(other[5:]) + r"(?![\w./-])", text):
                build.edge(source, other, "starts")
    return _place(build)


def _request_key(request: object) -> tuple[Any, ...] | None:
    if not isinstance(request, Mapping):
        return None
    return (request.get("source_file"), request.get("source_line"), request.get("time_ns"))


def _place(build: _Builder) -> AttackGraph:
    """Columns by longest path from a source (cycles broken by visiting order), rows in order of arrival."""
    depth = {node: 0 for node in build.nodes}
    # Longest-path layering by relaxation, bounded so a cycle cannot loop for ever.
    for _ in range(len(build.nodes)):
        changed = False
        for (source, target), _label in build.edges.items():
            if depth[target] < depth[source] + 1 <= len(build.nodes):
                depth[target] = depth[source] + 1
                changed = True
        if not changed:
            break
    rows: dict[int, int] = {}
    nodes = []
    for node_id, (kind, label, detail) in build.nodes.items():
        column = depth[node_id]
        rows[column] = rows.get(column, -1) + 1
        nodes.append(GraphNode(node_id, kind, label, detail, column, rows[column]))
    edges = tuple(GraphEdge(s, t, label) for (s, t), label in build.edges.items())
    return AttackGraph(tuple(nodes), edges)
