"""--trusted-debs: expectations re-derived from real .deb archives catch a rewritten md5sums file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from breachkit.integrity import findings, trusted_debs, verify_packages
from breachkit.integrity.trusted_debs import DebError, read_control, read_files
from breachkit.sources import RootSource
from tests.integrity.builders import PackageSpec, ar_archive, build_deb, install_dpkg
from tests.integrity.test_dpkg_verify import coreutils, openssh, server


@pytest.mark.parametrize("compression", ["xz", "gz", ""])
def test_reads_control_and_data(tmp_path: Path, compression: str) -> None:
    deb = build_deb(openssh(), tmp_path, compression)
    parsed = read_control(deb)
    assert (parsed.package, parsed.version, parsed.arch) == ("openssh-server", "1:9.2p1-2", "amd64")
    assert parsed.conffiles == {"/etc/ssh/sshd_config"}
    files = {f.path: f for f in read_files(parsed)}
    assert files["/usr/sbin/sshd"].sha256 == hashlib.sha256(openssh().files["/usr/sbin/sshd"][0]).hexdigest()
    assert files["/usr/sbin/sshd"].mode == 0o755 and files["/usr/sbin/sshd"].user == "root"


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed")
def test_builder_makes_archives_dpkg_accepts(tmp_path: Path) -> None:
    deb = build_deb(coreutils(), tmp_path)
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True)
    assert "./usr/bin/ls" in listing.stdout and "./usr/bin/dir -> ls" in listing.stdout


def test_rewritten_md5sums_is_caught(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    debs = tmp_path / "debs"
    debs.mkdir()
    build_deb(coreutils(), debs)
    build_deb(openssh(), debs)
    # The intruder replaces ls and rewrites the md5sums line to match: the host's own database is fooled.
    trojan = b"\x7fELF trojan"
    (root / "usr/bin/ls").write_bytes(trojan)
    md5sums = root / "var/lib/dpkg/info/coreutils.md5sums"
    lines = [
        f"{hashlib.md5(trojan).hexdigest()}  usr/bin/ls" if line.endswith("usr/bin/ls") else line
        for line in md5sums.read_text().splitlines()
    ]
    md5sums.write_text("\n".join(lines) + "\n")
    plain = verify_packages(RootSource(str(root)))
    assert plain.problems == []
    trusted = verify_packages(RootSource(str(root)), trusted_debs=debs)
    assert trusted.trusted is not None and trusted.trusted.covered == {"coreutils", "openssh-server"}
    by_path = {r.expected.path: r for r in trusted.problems}
    assert set(by_path) == {"/usr/bin/ls"}
    # Size, digest and mtime differ; D and L do not apply to a regular file, P is not in a .deb.
    assert by_path["/usr/bin/ls"].flags == "S.5--..T-"
    assert [m[1] for m in trusted.trusted.md5sums_mismatches] == ["/usr/bin/ls"]
    ranked = findings(trusted)
    assert ranked[0].check == "integrity.md5sums-tampered" and ranked[0].severity.label == "critical"


def test_trusted_mode_checks_mode_owner_mtime_and_links(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    debs = tmp_path / "debs"
    debs.mkdir()
    build_deb(coreutils(), debs)
    (root / "usr/bin/cat").chmod(0o4755)
    (root / "usr/bin/dir").unlink()
    (root / "usr/bin/dir").symlink_to("/tmp/.x/ls")
    report = verify_packages(RootSource(str(root)), trusted_debs=debs)
    flags = {r.expected.path: r.flags for r in report.problems}
    assert flags == {"/usr/bin/cat": ".M.--...-", "/usr/bin/dir": "----L..--"}


def test_package_without_a_matching_deb_falls_back_to_md5sums(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    debs = tmp_path / "debs"
    debs.mkdir()
    other = coreutils()
    other.version = "9.9-9"
    build_deb(other, debs)
    (root / "usr/bin/ls").write_bytes(b"changed")
    report = verify_packages(RootSource(str(root)), trusted_debs=debs)
    assert report.trusted is not None and report.trusted.covered == set()
    assert [r.expected.path for r in report.problems] == ["/usr/bin/ls"]
    assert report.problems[0].expected.algorithm == "md5"


def test_bad_archives_are_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = server(tmp_path / "root")
    debs = tmp_path / "debs"
    debs.mkdir()
    (debs / "junk.deb").write_bytes(b"not an archive")
    (debs / "zstd.deb").write_bytes(ar_archive([("debian-binary", b"2.0\n"), ("control.tar.zst", b"(\xb5/\xfd")]))
    build_deb(coreutils(), debs)
    monkeypatch.setattr(trusted_debs, "MAX_UNPACKED", 100)  # every real archive is now a "bomb"
    report = verify_packages(RootSource(str(root)), trusted_debs=debs)
    details = {Path(p.path).name: p.detail for p in report.db_problems}
    assert "not an ar archive" in details["junk.deb"]
    assert "compression bomb" in details["coreutils_9.1-1_amd64.deb"]
    try:
        import zstandard  # noqa: F401
    except ImportError:
        assert "install the 'zstandard' module" in details["zstd.deb"]


def test_ar_reader_rejects_damaged_headers(tmp_path: Path) -> None:
    path = tmp_path / "x.deb"
    path.write_bytes(b"!<arch>\n" + b"debian-binary   0" + b"\n" * 10)
    with pytest.raises(DebError):
        read_control(path)


def test_install_layout_matches_deb(tmp_path: Path) -> None:
    """The test builders agree with each other: a fresh install verifies clean in trusted mode."""
    root = tmp_path / "root"
    spec = PackageSpec("tool", files={"/usr/bin/tool": (b"\x7fELF tool", 0o755)})
    install_dpkg(root, [spec])
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\n")
    debs = tmp_path / "debs"
    debs.mkdir()
    build_deb(spec, debs)
    report = verify_packages(RootSource(str(root)), trusted_debs=debs)
    assert report.problems == [] and report.files_checked == 1
