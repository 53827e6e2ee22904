"""A small, ordinary web server tree for tests: the clean baseline that checks must not flag."""

from __future__ import annotations

from pathlib import Path

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
anna:x:1000:1000:Anna Admin,,,:/home/anna:/bin/bash
"""


def write(root: Path, rel: str, data: str | bytes = "", mode: int = 0o644) -> Path:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)
    return path


def clean_server(root: Path) -> None:
    write(root, "/etc/passwd", PASSWD)
    write(root, "/etc/shadow", "root:$y$j9T$abc$def:19000:0:99999:7:::\nanna:$y$j9T$x$y:19000:0:99999:7:::\n", 0o640)
    write(root, "/etc/hostname", "web01\n")
    write(root, "/etc/crontab", "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    write(root, "/etc/cron.d/php", "09,39 * * * * root [ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean\n")
    write(root, "/usr/bin/passwd", b"\x7fELF" + b"\0" * 60, 0o4755)
    write(root, "/usr/bin/ls", b"\x7fELF" + b"\0" * 60, 0o755)
    write(root, "/var/www/shop/index.php", "<?php require 'app.php';\n")
    write(root, "/var/www/shop/images/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    write(root, "/var/www/blog/wp-content/uploads/2026/11/cat.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32)
    write(root, "/tmp/systemd-private-x/tmp/readme.txt", "hello\n")
