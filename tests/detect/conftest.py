"""Shared helpers for the detect tests: small roots built from the samples in tests/data/detect."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from breachkit.detect.scanner import RuleSet, compile_rules

DATA = Path(__file__).resolve().parents[1] / "data" / "detect"


def place(root: Path, files: Iterable[tuple[str, str | bytes | Path]], uid: int | None = None) -> None:
    """Write each (host path, content or sample path) under ``root``."""
    for host_path, content in files:
        target = root / host_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        if uid is not None and os.geteuid() == 0:
            os.chown(target, uid, uid)


@pytest.fixture(scope="session")
def builtin_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    return compile_rules(cache=tmp_path_factory.mktemp("rulecache"))
