"""Fixtures for the case tests: a fresh case folder and small evidence bundles."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from breachkit.case import Case

BundleFactory = Callable[..., Path]


@pytest.fixture(autouse=True)
def _examiner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACHKIT_EXAMINER", "tester")


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return Case.init(tmp_path / "case", name="test-case", examiner="tester")


def write_bundle(
    path: Path,
    files: dict[str, bytes],
    *,
    extra: dict[str, bytes] | None = None,
    manifest_paths: dict[str, str] | None = None,
) -> Path:
    """A bundle as the collector writes it: the files, manifest.jsonl and manifest.sha256.

    ``extra`` files are written but not listed; ``manifest_paths`` renames entries in
    the manifest (to list hostile paths) without touching the files.
    """
    path.mkdir(parents=True)
    rows = []
    for rel, data in sorted(files.items()):
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        listed = (manifest_paths or {}).get(rel, rel)
        rows.append((listed, hashlib.sha256(data).hexdigest(), len(data)))
    for rel, data in (extra or {}).items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with open(path / "manifest.jsonl", "w", encoding="ascii") as manifest:
        for rel, sha, size in rows:
            record = {"path": rel, "sha256": sha, "size": size}
            manifest.write(json.dumps(record, sort_keys=True) + "\n")
    with open(path / "manifest.sha256", "w", encoding="utf-8") as sums:
        for rel, sha, _size in rows:
            sums.write(f"{sha}  {rel}\n")
    return path


SAMPLE_FILES = {
    "acquisition.json": b'{"host": "web1", "tool": "breachkit"}\n',
    "walk.jsonl": b'{"path": "/etc/passwd", "type": "f"}\n',
    "root/etc/passwd": b"root:x:0:0:root:/root:/bin/bash\n",
    "root/var/www/shop/images/x.php": b"<?php system($_GET['c']); ?>\n",
}


@pytest.fixture
def make_bundle(tmp_path: Path) -> BundleFactory:
    def make(
        name: str = "bundle-web1",
        files: dict[str, bytes] | None = None,
        *,
        extra: dict[str, bytes] | None = None,
        manifest_paths: dict[str, str] | None = None,
    ) -> Path:
        return write_bundle(
            tmp_path / "incoming" / name,
            dict(SAMPLE_FILES if files is None else files),
            extra=extra,
            manifest_paths=manifest_paths,
        )

    return make
