"""BundleSource: a bundle is read as hostile as the host it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.errors import SourceError
from breachkit.host.collect import LONG_PATH, collect
from breachkit.host.records import FileStat, WarningRecord
from breachkit.sources import open_source
from breachkit.sources.bundle import BundleSource
from tests.serverfs import clean_server, write


def test_walk_and_read_match_the_root(tmp_path: Path) -> None:
    clean_server(tmp_path / "host")
    collect(str(tmp_path / "host"), str(tmp_path / "bundle"))
    source = open_source(bundle=str(tmp_path / "bundle"))
    entries = [e for e in source.walk() if isinstance(e, FileStat)]
    assert "/etc/passwd" in {e.path for e in entries}
    data, truncated = source.read_bytes("/etc/passwd", 1 << 20)
    assert data == (tmp_path / "host/etc/passwd").read_bytes() and not truncated
    source.close()


def test_malformed_walk_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    clean_server(tmp_path / "host")
    collect(str(tmp_path / "host"), str(tmp_path / "bundle"))
    walk = tmp_path / "bundle/walk.jsonl"
    lines = walk.read_text().splitlines()
    lines.insert(2, '{"path": "/x", "type": "f"}')  # fields missing
    lines.insert(3, "not json at all")
    lines.insert(4, '["a list"]')
    walk.write_text("\n".join(lines) + "\n")
    source = BundleSource(tmp_path / "bundle")
    entries = list(source.walk())
    assert len([e for e in entries if isinstance(e, FileStat)]) == len(lines) - 3
    assert source.bad_lines == [("walk.jsonl", 3), ("walk.jsonl", 4), ("walk.jsonl", 5)]
    bad = [e for e in entries if isinstance(e, WarningRecord) and e.kind == "malformed-record"]
    assert [w.detail.split()[1] for w in bad] == ["3", "4", "5"]


def test_long_path_copies_are_found(tmp_path: Path) -> None:
    host = tmp_path / "host"
    clean_server(host)
    deep = "/tmp/" + "/".join(["d" * 200] * 6) + "/payload.sh"
    assert len(deep) > LONG_PATH
    write(host, deep, "#!/bin/sh\necho hidden\n", 0o755)
    collect(str(host), str(tmp_path / "bundle"))
    source = BundleSource(tmp_path / "bundle")
    assert source.read_bytes(deep, 100)[0] == b"#!/bin/sh\necho hidden\n"


def test_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not an evidence bundle"):
        open_source(bundle=str(tmp_path))
    with pytest.raises(SourceError, match="exactly one"):
        open_source()


def test_symlinks_the_collector_recorded_are_followed_inside_the_root(tmp_path: Path) -> None:
    """Apache's sites-enabled holds only links: a bundle must still show the enabled sites."""
    host = tmp_path / "host"
    clean_server(host)
    write(host, "/etc/apache2/sites-available/shop.conf", "<VirtualHost *:80>\nDocumentRoot /var/www/shop\n")
    (host / "etc/apache2/sites-enabled").mkdir(parents=True)
    (host / "etc/apache2/sites-enabled/shop.conf").symlink_to("../sites-available/shop.conf")
    (host / "etc/apache2/sites-enabled/escape.conf").symlink_to("/../../../../etc/hostname")
    (host / "etc/apache2/sites-enabled/loop.conf").symlink_to("loop.conf")
    collect(str(host), str(tmp_path / "bundle"))
    source = BundleSource(tmp_path / "bundle")
    assert source.listdir("/etc/apache2/sites-enabled") == ["escape.conf", "loop.conf", "shop.conf"]
    data, _ = source.read_bytes("/etc/apache2/sites-enabled/shop.conf", 1000)
    assert b"DocumentRoot /var/www/shop" in data
    assert source.read_bytes("/etc/apache2/sites-enabled/escape.conf", 100)[0] == b"web01\n"  # the host's, not ours
    with pytest.raises(OSError):
        source.read_bytes("/etc/apache2/sites-enabled/loop.conf", 100)
    source.close()
