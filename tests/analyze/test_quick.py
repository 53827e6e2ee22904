"""Quick checks on a small web server tree: each flags what it should and nothing innocent."""

from __future__ import annotations

from pathlib import Path

from breachkit.analyze import quick
from breachkit.findings import Severity
from breachkit.sources.root import RootSource
from tests.serverfs import clean_server, write


def run(root: Path) -> quick.QuickResult:
    source = RootSource(str(root))
    try:
        return quick.analyze(source)
    finally:
        source.close()


def titles(result: quick.QuickResult, minimum: Severity = Severity.LOW) -> list[str]:
    return [f.title for f in result.findings if f.severity >= minimum]


def test_clean_server_raises_nothing(tmp_path: Path) -> None:
    clean_server(tmp_path)
    result = run(tmp_path)
    assert titles(result) == []
    assert result.entries > 10
    # The informational list of latest changes is always there.
    assert any(f.check == "quick.recent-activity" for f in result.findings)


def test_compromise_is_flagged_and_ranked(tmp_path: Path) -> None:
    clean_server(tmp_path)
    write(tmp_path, "/var/www/shop/images/thumb_cache.php", "<?php @eval(base64_decode($_POST['x'])); ?>")
    write(tmp_path, "/tmp/.X11-cache/kworkerd", b"\x7fELF" + b"flood" * 20, 0o755)
    write(
        tmp_path, "/var/spool/cron/crontabs/www-data", "*/5 * * * * /tmp/.X11-cache/kworkerd >/dev/null 2>&1\n", 0o600
    )
    write(tmp_path, "/var/www/shop/.cache/sh", b"#!/bin/sh\n", 0o4755)
    write(tmp_path, "/etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libprocesshider.so\n")
    with (tmp_path / "etc/passwd").open("a") as handle:
        handle.write("toor:x:0:0::/root:/bin/bash\n")
    result = run(tmp_path)
    found = titles(result)
    assert "Scripts in web upload or image folders" in found
    assert "Crontab of user 'www-data'" in found
    assert "Libraries forced into every program (ld.so.preload)" in found
    assert "A second account with root's uid 0" in found
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, reverse=True)
    shell = next(f for f in result.findings if f.check == "quick.web-upload-scripts")
    assert [e.path for e in shell.evidence] == ["/var/www/shop/images/thumb_cache.php"]
    passwd = next(f for f in result.findings if f.check == "quick.accounts")
    assert passwd.evidence[0].path == "/etc/passwd" and passwd.evidence[0].line == 5


def test_empty_password(tmp_path: Path) -> None:
    clean_server(tmp_path)
    with (tmp_path / "etc/shadow").open("a") as handle:
        handle.write("backup::19000:0:99999:7:::\n")
    result = run(tmp_path)
    assert "Account 'backup' has no password" in titles(result)
