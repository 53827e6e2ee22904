"""The host's own lstat of a file: from the root itself, or from what a bundle's collector recorded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from breachkit.artifacts.filestat import host_lstat, host_lstats, knows_files
from breachkit.host.records import FileStat
from breachkit.sources import BundleSource, RootSource
from tests.artifacts.conftest import put


def _stat(path: str, kind: str, born: int, target: str | None = None) -> FileStat:
    mode = 0o120777 if kind == "l" else 0o100600
    return FileStat(path, kind, mode, 0, 0, 9, 7, 1, 1, 8, born, born, born, born, target)


def test_a_bundle_answers_from_copied_then_walk(tmp_path: Path) -> None:
    copied = _stat("/var/log/auth.log", "f", 1_000)
    link = _stat("/root/.bash_history", "l", 2_000, "/dev/null")
    put(tmp_path, "/root/var/log/auth.log", b"copied at collection time\n")
    (tmp_path / "copied.jsonl").write_text(
        json.dumps({"path": copied.path, "bundle_path": "root/var/log/auth.log", "stat": copied.to_json()})
        + "\n"
        + "not json\n"
    )
    (tmp_path / "walk.jsonl").write_text(
        "\n".join([copied.to_jsonl(), link.to_jsonl(), _stat("/root/.bash_history.old", "f", 3).to_jsonl()]) + "\n"
    )
    (tmp_path / "manifest.jsonl").write_text("")
    bundle = BundleSource(tmp_path)
    try:
        assert knows_files(bundle)
        assert host_lstat(bundle, "/var/log/auth.log") == copied  # the host's times, not the copy's
        found = host_lstats(bundle, ["/root/.bash_history", "/root/.zsh_history", "/var/log/auth.log"])
        assert found == {"/root/.bash_history": link, "/var/log/auth.log": copied}
        assert host_lstat(bundle, "/root/.zsh_history") is None  # answered from the cache: no second pass
    finally:
        bundle.close()


def test_a_root_answers_itself(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/syslog", b"x\n")
    os.symlink("/dev/null", tmp_path / "history")
    source = RootSource(str(tmp_path))
    try:
        assert host_lstat(source, "/history") is not None and host_lstat(source, "/history").target == "/dev/null"  # type: ignore[union-attr]
        assert host_lstat(source, "/var/log/syslog").type == "f"  # type: ignore[union-attr]
        assert host_lstat(source, "/nothing") is None
    finally:
        source.close()


class _Lines:
    label = "lines only"


def test_a_source_without_metadata_knows_nothing() -> None:
    source = _Lines()
    assert not knows_files(source)  # type: ignore[arg-type]
    assert host_lstats(source, ["/etc/passwd"]) == {}  # type: ignore[arg-type]
