"""audit.log: records grouped by serial, hex-encoded values decoded."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

from breachkit.artifacts.linux.audit import decode, read_audit
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put


def test_grouped_and_decoded(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/audit/audit.log", (DATA / "linux/audit/audit.log").read_bytes())
    source = RootSource(str(tmp_path))
    problems = Problems()
    execve, sudo, login = list(read_audit(source, TimeContext(timezone.utc, 0), problems))
    source.close()
    assert execve.types == ("SYSCALL", "EXECVE", "CWD", "PROCTITLE")
    assert execve.command == "sh -c id ; uname -a"
    assert execve.fields["cwd"] == "/var/www/shop/htdocs/images" and execve.fields["proctitle"] == "sh -c id"
    assert execve.time_ns == 1795300912376000000 and execve.serial == 8812 and execve.source_line == 1
    event = execve.event()
    assert (event.source, event.kind, event.path, event.user) == ("audit", "exec", "/usr/bin/dash", None)
    assert sudo.command == "systemctl restart apache2" and sudo.event().user == "anna"
    assert login.kind == "user-login" and login.event().ip == "203.0.113.77"
    assert problems.counts["unparsed-line"] == 1


def test_decode_leaves_plain_values_alone() -> None:
    assert decode("a0", '"ls"') == "ls"
    assert decode("a1", "2D6C61") == "-la"
    assert decode("pid", "1234") == "1234"
    assert decode("exe", "ABC") == "ABC"  # odd length: not hex
