"""Optional tools: container listings parsed, memory capture with the responder's own tool."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from breachkit.host.live.containers import parse_docker, parse_podman
from breachkit.host.live.memory import capture_memory
from breachkit.host.live.tools import run_tool


def test_docker_and_podman_listings() -> None:
    docker = "\n".join(
        [
            json.dumps(
                {
                    "ID": "f00",
                    "Image": "nginx:1.25",
                    "Names": "web",
                    "Status": "Up 3 days",
                    "Command": '"nginx"',
                    "Ports": "0.0.0.0:80->80/tcp",
                }
            ),
            "not json",
        ]
    )
    (web,) = parse_docker(docker)
    assert (web.engine, web.id, web.image, web.name, web.ports) == (
        "docker",
        "f00",
        "nginx:1.25",
        "web",
        "0.0.0.0:80->80/tcp",
    )
    podman = json.dumps(
        [{"Id": "ba4", "Image": "docker.io/xmrig/xmrig", "Names": ["miner"], "State": "running", "Command": ["xmrig"]}]
    )
    (miner,) = parse_podman(podman)
    assert (miner.engine, miner.name, miner.status, miner.command) == ("podman", "miner", "running", "xmrig")
    assert parse_podman("{broken") == []


def test_run_tool_reports_absence_and_keeps_output() -> None:
    assert run_tool(["no-such-tool-here"]).error == "not installed"
    out = run_tool(["/bin/echo", "hello"])
    assert (out.returncode, out.stdout, out.error) == (0, "hello\n", None)


def test_memory_capture_with_an_avml_like_tool(tmp_path: Path) -> None:
    tool = tmp_path / "media" / "avml"
    tool.parent.mkdir()
    # Stands in for AVML: writes its output file as the real one does.
    tool.write_text('#!/bin/sh\nprintf "EMiL-fake-memory" > "$1"\n')
    os.chmod(tool, 0o755)
    image = tmp_path / "bundle" / "memory.lime"
    image.parent.mkdir()
    capture = capture_memory(str(tool), str(image))
    assert capture.error is None
    assert capture.sha256 == hashlib.sha256(b"EMiL-fake-memory").hexdigest()
    assert capture.size == 16
    assert capture_memory(str(tmp_path / "missing"), str(tmp_path / "x")).error is not None
