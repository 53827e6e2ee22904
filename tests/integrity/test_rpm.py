"""The rpm reader: header blobs, rpmdb.sqlite, rpm -V flags, and a cross-check against real rpm."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from breachkit.integrity import verify_packages
from breachkit.integrity.packages import rpm
from breachkit.integrity.verify import Accounts, verify
from breachkit.sources import RootSource
from tests.integrity.builders import RpmFile, encode_header, install_rpm_files, rpm_header, write_rpmdb

FILES = [
    RpmFile("/usr/bin/curl", b"\x7fELF curl", stat.S_IFREG | 0o755),
    RpmFile("/usr/bin/curl-config", b"#!/bin/sh\necho\n", stat.S_IFREG | 0o755),
    RpmFile("/etc/curlrc", b"silent\n", stat.S_IFREG | 0o644, flags=rpm.RPMFILE_CONFIG),
    RpmFile("/usr/lib64/libcurl.so", link_to="libcurl.so.4"),
    RpmFile("/var/log/curl.log", b"", stat.S_IFREG | 0o644, flags=rpm.RPMFILE_GHOST),
]


def rpm_root(root: Path, blobs: list[bytes] | None = None, folder: str = "var/lib/rpm") -> Path:
    install_rpm_files(root, [f for f in FILES if not f.flags & rpm.RPMFILE_GHOST])
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\nbin:x:1:1::/:/sbin/nologin\n")
    (root / "etc/group").write_text("root:x:0:\nbin:x:1:\n")
    write_rpmdb(root / folder / "rpmdb.sqlite", blobs or [rpm_header("curl", "8.5.0", "1.fc40", FILES)])
    return root


def test_header_round_trip() -> None:
    blob = encode_header(
        {
            rpm.TAG_NAME: (rpm.TYPE_STRING, "bash"),
            rpm.TAG_FILEMODES: (rpm.TYPE_INT16, [0o100755, 0o120777]),
            rpm.TAG_LONGFILESIZES: (rpm.TYPE_INT64, [1 << 40, 7]),
            rpm.TAG_BASENAMES: (rpm.TYPE_STRING_ARRAY, ["bash", "sh"]),
        }
    )
    tags = rpm.parse_header(blob)
    assert tags[rpm.TAG_NAME] == "bash"
    assert tags[rpm.TAG_FILEMODES] == [0o100755, 0o120777]
    assert tags[rpm.TAG_LONGFILESIZES] == [1 << 40, 7]
    assert tags[rpm.TAG_BASENAMES] == ["bash", "sh"]


@pytest.mark.parametrize(
    "blob",
    [b"", b"\x00\x00\x00\x01", b"\x00\x00\x00\x01\x00\x00\x00\x04" + b"\x00" * 16, b"\xff" * 40],
)
def test_malformed_headers_raise(blob: bytes) -> None:
    with pytest.raises(rpm.HeaderError):
        rpm.parse_header(blob)


def test_reads_rpmdb_sqlite(tmp_path: Path) -> None:
    root = rpm_root(tmp_path / "root")
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.problems == []
    assert [(p.name, p.version, p.arch) for p in db.packages] == [("curl", "8.5.0-1.fc40", "x86_64")]
    files = {f.path: f for f in db.files()}
    assert files["/usr/bin/curl"].algorithm == "sha256" and files["/usr/bin/curl"].size == 9
    assert files["/etc/curlrc"].config and files["/var/log/curl.log"].ghost
    assert files["/usr/lib64/libcurl.so"].link_to == "libcurl.so.4"


def test_flags_like_rpm_v(tmp_path: Path) -> None:
    root = rpm_root(tmp_path / "root")
    os.chmod(root / "usr/bin/curl", 0o4755)
    os.chown(root / "usr/bin/curl-config", 1, 1)
    (root / "usr/bin/curl-config").write_bytes(b"#!/bin/sh\necho pwned\n")
    (root / "usr/lib64/libcurl.so").unlink()
    os.symlink("/tmp/.x/libcurl.so", root / "usr/lib64/libcurl.so")
    report = verify_packages(RootSource(str(root)), unowned=False)
    flags = {r.expected.path: r.flags for r in report.problems}
    assert flags == {
        "/usr/bin/curl": ".M.--...-",
        "/usr/bin/curl-config": "S.5--UGT-",
        "/usr/lib64/libcurl.so": "----L..--",
    }


def test_corrupt_header_is_reported_and_others_still_read(tmp_path: Path) -> None:
    good = rpm_header("curl", "8.5.0", "1.fc40", FILES)
    root = rpm_root(tmp_path / "root", [b"\x00\x00\x00\x09garbage", good])
    db = rpm.load(RootSource(str(root)))
    assert db is not None
    assert [p.name for p in db.packages] == ["curl"]
    assert db.problems and db.problems[0].line == 1
    assert len(list(db.files())) == len(FILES)
    assert list(db.owned_paths())
    # Every pass over the headers meets the bad one again; it is reported once.
    assert [p.line for p in db.problems] == [1]
    assert db.manager == "rpm (sqlite)"


def test_sysimage_location_and_md5_default(tmp_path: Path) -> None:
    blob = rpm_header("old", "1", "1", [RpmFile("/usr/bin/old", b"old", stat.S_IFREG | 0o755)], algo=1)
    root = rpm_root(tmp_path / "root", [blob], folder="usr/lib/sysimage/rpm")
    (root / "usr/bin/old").write_bytes(b"old")
    os.utime(root / "usr/bin/old", (1_700_000_000, 1_700_000_000))
    (root / "usr/bin/old").chmod(0o755)
    db = rpm.load(RootSource(str(root)))
    assert db is not None
    (file,) = list(db.files())
    assert file.algorithm == "md5"
    fs = RootSource(str(root)).fs
    assert [r.status for r in verify(fs, [file], Accounts.read(fs))] == ["ok"]


SPEC = """\
Name: tinytool
Version: 1.2
Release: 3
Summary: tiny test package
License: MIT
BuildArch: noarch
%description
tiny
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/tiny
printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/usr/bin/tinytool
chmod 755 %{buildroot}/usr/bin/tinytool
ln -s tinytool %{buildroot}/usr/bin/tt
echo 'a=1' > %{buildroot}/etc/tiny/tiny.conf
%files
/usr/bin/tinytool
/usr/bin/tt
%config(noreplace) /etc/tiny/tiny.conf
"""


@pytest.mark.skipif(shutil.which("rpmbuild") is None, reason="rpm/rpmbuild not installed (apt-get install rpm)")
def test_real_rpmdb_matches_rpm_verify(tmp_path: Path) -> None:
    """Build a package with rpmbuild, install it into a scratch root, and compare with ``rpm -V``."""
    (tmp_path / "tiny.spec").write_text(SPEC)
    subprocess.run(
        ["rpmbuild", "-bb", "--define", f"_topdir {tmp_path / 'top'}", str(tmp_path / "tiny.spec")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (package,) = (tmp_path / "top/RPMS/noarch").glob("*.rpm")
    root = tmp_path / "root"
    root.mkdir()
    base = ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run([*base, "--initdb"], check=True, capture_output=True, timeout=60)
    subprocess.run([*base, "-i", "--nodeps", str(package)], check=True, capture_output=True, timeout=60)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n")
    db = rpm.load(RootSource(str(root)))
    assert db is not None and db.problems == []
    assert [(p.name, p.version) for p in db.packages] == [("tinytool", "1.2-3")]
    clean = verify_packages(RootSource(str(root)), unowned=False)
    assert clean.problems == [] and clean.files_checked == 3
    # Tamper, then compare our flags with rpm's own for every file it reports.
    (root / "usr/bin/tinytool").write_bytes(b"#!/bin/sh\necho pwned\n")
    os.chmod(root / "usr/bin/tinytool", 0o4755)
    (root / "etc/tiny/tiny.conf").write_text("a=2\n")
    done = subprocess.run([*base, "-V", "--nodeps", "tinytool"], capture_output=True, text=True, timeout=60)
    theirs = {}
    for line in done.stdout.splitlines():
        flags, _, path = line.split(None, 2) if line.split()[1] == "c" else (line.split()[0], "", line.split()[-1])
        theirs[path.strip()] = flags
    ours = {r.expected.path: r.flags for r in verify_packages(RootSource(str(root)), unowned=False).problems}
    assert set(ours) == set(theirs)
    for path, flags in theirs.items():
        # rpm prints "." for "same" and for "not applicable"; ours says "-" for not recorded.
        assert ours[path].replace("-", ".") == flags, path
