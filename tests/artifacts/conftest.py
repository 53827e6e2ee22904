"""Helpers for the artifact tests: small roots built in tmp_path from tests/data/artifacts."""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "artifacts"


def put(root: Path, host_path: str, data: bytes, mtime: float | None = None) -> Path:
    """Write ``data`` at ``host_path`` under ``root`` (with ``mtime`` when given)."""
    target = root / host_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target
