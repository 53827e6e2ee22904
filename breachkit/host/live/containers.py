"""Containers on the host, listed read-only with docker or podman when their CLI exists.

``docker ps --all --no-trunc --format '{{json .}}'`` prints one JSON object a
line (https://docs.docker.com/reference/cli/docker/container/ls/);
``podman ps --all --format json`` prints one JSON array
(https://docs.podman.io/en/latest/markdown/podman-ps.1.html). Both only list:
nothing is started, stopped or inspected inside a container. Their processes
and sockets are already in the process and socket tables (read from ``/proc``
in every network namespace).
"""

import json
from typing import Dict, List, NamedTuple, Optional

from .tools import ToolOutput, find_tool, run_tool


class Container(NamedTuple):
    engine: str
    id: str
    image: str
    name: str
    status: str
    command: str
    ports: str

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class ContainerListing(NamedTuple):
    containers: List[Container]
    outputs: List[ToolOutput]


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def parse_docker(text: str) -> List[Container]:
    found = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            found.append(
                Container(
                    "docker",
                    _text(data.get("ID")),
                    _text(data.get("Image")),
                    _text(data.get("Names")),
                    _text(data.get("Status")),
                    _text(data.get("Command")),
                    _text(data.get("Ports")),
                )
            )
    return found


def parse_podman(text: str) -> List[Container]:
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    found = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict):
            found.append(
                Container(
                    "podman",
                    _text(item.get("Id")),
                    _text(item.get("Image")),
                    _text(item.get("Names")),
                    _text(item.get("State") or item.get("Status")),
                    _text(item.get("Command")),
                    _text(item.get("Ports")),
                )
            )
    return found


def list_containers(tools: Optional[List[str]] = None) -> ContainerListing:
    """Containers of every engine whose CLI is installed (live host only)."""
    containers: List[Container] = []
    outputs: List[ToolOutput] = []
    for engine in tools or ["docker", "podman"]:
        if find_tool(engine) is None:
            continue
        if engine == "docker":
            out = run_tool(["docker", "ps", "--all", "--no-trunc", "--format", "{{json .}}"], timeout=30)
            containers.extend(parse_docker(out.stdout))
        else:
            out = run_tool(["podman", "ps", "--all", "--format", "json"], timeout=30)
            containers.extend(parse_podman(out.stdout))
        outputs.append(out)
    return ContainerListing(containers, outputs)
