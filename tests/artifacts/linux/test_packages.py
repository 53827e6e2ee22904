"""dpkg.log, apt history.log, yum.log and dnf.rpm.log."""

from __future__ import annotations

import calendar
import zoneinfo
from pathlib import Path

from breachkit.artifacts.linux.apt import read_apt_history
from breachkit.artifacts.linux.dpkg_log import read_dpkg_log
from breachkit.artifacts.linux.yum import read_yum
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _ns(*fields: int) -> int:
    return calendar.timegm(fields) * 10**9


def test_dpkg_log(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/dpkg.log", (DATA / "linux/packages/dpkg.log").read_bytes())
    source = RootSource(str(tmp_path))
    problems = Problems()
    actions = list(read_dpkg_log(source, TimeContext(BERLIN, 0), problems))
    source.close()
    assert [(a.action, a.package, a.old_version, a.new_version) for a in actions] == [
        ("startup", None, None, None),
        ("install", "nmap:amd64", None, "7.93+dfsg1-1"),
        ("status", "nmap:amd64", None, "7.93+dfsg1-1"),
        ("status", "nmap:amd64", None, "7.93+dfsg1-1"),
        ("remove", "rsyslog:amd64", "8.2302.0-1", None),
    ]
    assert actions[1].time_ns == _ns(2026, 11, 21, 22, 52, 11)
    assert actions[1].event().kind == "package-install"
    assert problems.counts["unparsed-line"] == 2


def test_apt_history(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/apt/history.log", (DATA / "linux/packages/history.log").read_bytes())
    source = RootSource(str(tmp_path))
    problems = Problems()
    upgrade, install = list(read_apt_history(source, TimeContext(BERLIN, 0), problems))
    source.close()
    assert (upgrade.requested_by, upgrade.commandline, upgrade.source_line) == ("thomas", "apt upgrade", 2)
    assert upgrade.packages == {"Upgrade": ("curl:amd64", "libcurl4:amd64")}
    assert install.requested_by is None and install.packages["Install"] == (
        "nmap:amd64",
        "socat:amd64",
        "libpcap0.8:amd64",
    )
    assert install.time_ns == _ns(2026, 11, 21, 22, 52, 9) and install.end_ns == _ns(2026, 11, 21, 22, 52, 15)
    assert "install 3: nmap:amd64" in install.event().message
    assert problems.total == 0


def test_yum_and_dnf(tmp_path: Path) -> None:
    put(
        tmp_path,
        "/var/log/yum.log",
        (DATA / "linux/packages/yum.log").read_bytes(),
        mtime=_ns(2027, 1, 3, 0, 0, 0) / 1e9,
    )
    put(tmp_path, "/var/log/dnf.rpm.log", (DATA / "linux/packages/dnf.rpm.log").read_bytes())
    source = RootSource(str(tmp_path))
    problems = Problems()
    changes = list(read_yum(source, TimeContext(BERLIN, 0), problems))
    source.close()
    assert [(c.action, c.package) for c in changes] == [
        ("Updated", "openssl-1.0.2k-26.el7_9.x86_64"),
        ("Installed", "nmap-ncat-6.40-19.el7.x86_64"),
        ("Erased", "audit"),
        ("Installed", "socat-1.7.4.1-5.el9.x86_64"),
        ("Erased", "rsyslog-8.2102.0-117.el9.x86_64"),
    ]
    assert changes[0].time_ns == _ns(2026, 12, 30, 9, 0, 0) and "year-inferred" in changes[0].flags
    assert changes[1].time_ns == _ns(2027, 1, 2, 2, 4, 5)
    assert changes[3].time_ns == _ns(2027, 1, 2, 2, 4, 5) and changes[3].flags == ""
    assert changes[4].time_ns == _ns(2027, 1, 2, 2, 4, 7)
