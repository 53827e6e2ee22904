"""The bundle writer: hashes taken while writing, a manifest sha256sum can check."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from breachkit.host.bundle import BundleWriter, read_manifest_line, sha256sum_line

AWKWARD = ["root/new\nline", "root/back\\slash", "root/cr\rname", "root/bad\udcffname", "root/ space", "root/\\n"]


def test_sha256sum_checks_awkward_names(tmp_path: Path) -> None:
    bundle = BundleWriter(str(tmp_path / "b"))
    for rel in AWKWARD:
        writer = bundle.open(rel)
        writer.write(os.fsencode(rel))
        bundle.close(rel)
    manifest_hash = bundle.finish()
    assert manifest_hash == hashlib.sha256((tmp_path / "b" / "manifest.jsonl").read_bytes()).hexdigest()
    done = subprocess.run(["sha256sum", "--strict", "-c", "manifest.sha256"], cwd=tmp_path / "b", capture_output=True)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "b" / "manifest.jsonl").open() as handle:
        rows = [read_manifest_line(line) for line in handle]
    assert sorted(path for path, _, _ in rows) == sorted(AWKWARD)
    for path, digest, size in rows:
        assert hashlib.sha256(os.fsencode(path)).hexdigest() == digest
        assert size == len(os.fsencode(path))


def test_sha256sum_line_escapes() -> None:
    digest = "0" * 64
    assert sha256sum_line(digest, "root/plain") == b"0" * 64 + b"  root/plain\n"
    assert sha256sum_line(digest, "root/a\nb\\c") == b"\\" + b"0" * 64 + b"  root/a\\nb\\\\c\n"
    assert sha256sum_line(digest, "root/\udcff") == b"0" * 64 + b"  root/\xff\n"


def test_manifest_lines_are_ascii_json(tmp_path: Path) -> None:
    bundle = BundleWriter(str(tmp_path / "b"))
    bundle.write_json("acquisition.json", {"hostname": "\x1b[31mweb\x1b[0m"})
    writer = bundle.open("root/bad\udcff\nname")
    bundle.close("root/bad\udcff\nname")
    assert writer.size == 0
    bundle.finish()
    raw = (tmp_path / "b" / "manifest.jsonl").read_bytes()
    assert raw.isascii() and raw.count(b"\n") == 2
    records = [json.loads(line) for line in raw.splitlines()]
    assert any("path_b64" in record for record in records)


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old").write_bytes(b"")
    with pytest.raises(FileExistsError, match="choose a new --out"):
        BundleWriter(str(tmp_path / "b"))
    BundleWriter(str(tmp_path / "empty"))  # a new or empty folder is fine


def test_malformed_manifest_line() -> None:
    with pytest.raises(ValueError):
        read_manifest_line('{"sha256": "00", "size": 1}')
