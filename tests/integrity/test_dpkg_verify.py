"""dpkg database reading and package verification on small realistic roots, live and as bundles."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from breachkit.host.collect import collect
from breachkit.integrity import findings, verify_packages
from breachkit.integrity.packages import dpkg
from breachkit.integrity.verify import verify
from breachkit.sources import BundleSource, RootSource
from tests.conftest import IS_ROOT
from tests.hostile import build_hostile_root, snapshot, snapshot_diff
from tests.integrity.builders import PackageSpec, install_dpkg

ELF = b"\x7fELF\x02\x01\x01" + bytes(200)


def coreutils() -> PackageSpec:
    return PackageSpec(
        "coreutils",
        "9.1-1",
        files={"/usr/bin/ls": (ELF + b"ls", 0o755), "/usr/bin/cat": (ELF + b"cat", 0o755)},
        links={"/usr/bin/dir": "ls"},
    )


def openssh() -> PackageSpec:
    return PackageSpec(
        "openssh-server",
        "1:9.2p1-2",
        files={
            "/usr/sbin/sshd": (ELF + b"sshd", 0o755),
            "/etc/ssh/sshd_config": (b"PermitRootLogin no\n", 0o644),
            "/usr/share/doc/openssh-server/README": (b"docs\n", 0o644),
        },
        conffiles=("/etc/ssh/sshd_config",),
    )


def libpam() -> PackageSpec:
    return PackageSpec(
        "libpam-modules", "1.5.2-6", files={"/usr/lib/x86_64-linux-gnu/security/pam_unix.so": (ELF + b"pam", 0o644)}
    )


def server(root: Path) -> Path:
    install_dpkg(root, [coreutils(), openssh(), libpam()], multiarch=("libpam-modules",))
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n")
    return root


def test_reads_status_md5sums_conffiles_and_multiarch(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    db = dpkg.load(RootSource(str(root)))
    assert db is not None
    assert [p.name for p in db.packages] == ["coreutils", "openssh-server", "libpam-modules"]
    files = {(f.package, f.path, f.config) for f in db.files()}
    assert ("libpam-modules", "/usr/lib/x86_64-linux-gnu/security/pam_unix.so", False) in files
    assert ("openssh-server", "/etc/ssh/sshd_config", True) in files
    assert all(f.algorithm == "md5" for f in db.files())
    assert "/usr/bin/dir" in set(db.owned_paths())


def test_corrupt_md5sums_line_is_reported_and_the_rest_verified(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    md5sums = root / "var/lib/dpkg/info/coreutils.md5sums"
    md5sums.write_text("not a line\n" + md5sums.read_text())
    db = dpkg.load(RootSource(str(root)))
    assert db is not None
    paths = [f.path for f in db.files() if f.package == "coreutils"]
    assert paths == ["/usr/bin/cat", "/usr/bin/ls"]
    assert [(p.path, p.line) for p in db.problems] == [("/var/lib/dpkg/info/coreutils.md5sums", 1)]


def test_package_without_md5sums_is_reported(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    (root / "var/lib/dpkg/info/coreutils.md5sums").unlink()
    report = verify_packages(RootSource(str(root)))
    assert [p.name for p in report.no_digests] == ["coreutils"]
    assert any(f.check == "integrity.no-checksums" for f in findings(report))


def test_trojaned_missing_and_replaced_files(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    (root / "usr/bin/ls").write_bytes(ELF + b"trojan")
    (root / "usr/share/doc/openssh-server/README").unlink()
    (root / "usr/bin/cat").unlink()
    os.symlink("/tmp/.x/cat", root / "usr/bin/cat")
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin yes\n")
    os.mkfifo(root / "usr/sbin/sshd.fifo")
    report = verify_packages(RootSource(str(root)))
    got = {(r.expected.path, r.status, r.flags) for r in report.problems}
    assert got == {
        ("/usr/bin/ls", "changed", "--5------"),
        ("/usr/bin/cat", "changed", "-M5------"),
        ("/usr/share/doc/openssh-server/README", "missing", "missing"),
        ("/etc/ssh/sshd_config", "changed", "--5------"),
    }
    assert [u.path for u in report.unowned] == []  # the FIFO is not a file; the walk lists only files and links
    ranked = findings(report)
    assert ranked[0].check == "integrity.packages-changed" and ranked[0].severity.label == "high"
    assert {e.path for e in ranked[0].evidence} == {"/usr/bin/cat", "/usr/bin/ls"}
    config = next(f for f in ranked if f.check == "integrity.config-changed")
    assert [e.path for e in config.evidence] == ["/etc/ssh/sshd_config"]


def test_unowned_files_in_system_folders(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    (root / "usr/bin/.sshd").write_bytes(ELF)
    os.chmod(root / "usr/bin/.sshd", 0o755)
    (root / "usr/lib/x86_64-linux-gnu/security/pam_evil.so").write_bytes(ELF)
    (root / "etc/ld.so.preload").write_text("/usr/lib/libhide.so\n")
    (root / "usr/lib/python3").mkdir(parents=True)
    (root / "usr/lib/python3/x.pyc").write_bytes(b"\x00")
    report = verify_packages(RootSource(str(root)))
    assert sorted(u.path for u in report.unowned) == [
        "/etc/ld.so.preload",
        "/usr/bin/.sshd",
        "/usr/lib/x86_64-linux-gnu/security/pam_evil.so",
    ]
    assert report.generated == 1
    finding = next(f for f in findings(report) if f.check == "integrity.unowned")
    assert finding.severity.label == "high"


def test_merged_usr_paths_are_one_file(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "usr/bin").mkdir(parents=True)
    os.symlink("usr/bin", root / "bin")
    spec = PackageSpec("bash", files={"/bin/bash": (ELF + b"bash", 0o755)})
    install_dpkg(root, [spec])
    report = verify_packages(RootSource(str(root)))
    assert report.problems == [] and report.unowned == []
    assert report.files_checked == 1


def test_diverted_file_is_checked_where_it_lives(tmp_path: Path) -> None:
    root = tmp_path / "root"
    install_dpkg(root, [PackageSpec("dash", files={"/usr/bin/sh": (ELF + b"dash", 0o755)})])
    os.rename(root / "usr/bin/sh", root / "usr/bin/sh.distrib")
    (root / "usr/bin/sh").write_bytes(ELF + b"other shell")
    (root / "var/lib/dpkg/diversions").write_text("/usr/bin/sh\n/usr/bin/sh.distrib\nbusybox\n")
    report = verify_packages(RootSource(str(root)))
    assert report.problems == []


def test_bundle_compares_only_what_was_copied(tmp_path: Path) -> None:
    root = server(tmp_path / "root")
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin yes\n")
    (root / "usr/bin/ls").write_bytes(ELF + b"trojan")
    collect(str(root), str(tmp_path / "bundle"), progress=None)
    source = BundleSource(tmp_path / "bundle")
    report = verify_packages(source)
    assert not report.content_checked
    assert {r.expected.path for r in report.problems} == {"/etc/ssh/sshd_config"}
    assert report.not_collected >= 3
    assert any(f.check == "integrity.bundle-only" for f in findings(report))


def test_hostile_root_is_verified_without_harm(tmp_path: Path) -> None:
    host = build_hostile_root(tmp_path / "root")
    install_dpkg(host.path, [coreutils()])
    before = snapshot(host.path)
    report = verify_packages(RootSource(str(host.path)))
    assert report.files_checked == 2
    assert snapshot_diff(before, snapshot(host.path), atime=IS_ROOT) == []


@pytest.mark.skipif(shutil.which("debsums") is None, reason="debsums is not installed")
def test_same_verdict_as_debsums_on_this_machine() -> None:
    """On the real /var/lib/dpkg: the changed and missing files of a few packages match debsums -s."""
    packages = ["coreutils", "bash", "login", "passwd", "openssh-client", "libc6", "sudo", "tar"]
    source = RootSource("/")
    db = dpkg.load(source)
    assert db is not None
    installed = [p for p in packages if any(q.name == p for q in db.packages)]
    ours = {
        (r.status, r.expected.path)
        for r in verify(source.fs, (f for f in db.files() if f.package in installed and not f.config))
        if r.problem
    }
    done = subprocess.run(["debsums", "-s", *installed], capture_output=True, text=True, timeout=120)
    theirs = set()
    for line in done.stderr.splitlines():
        for word, status in (("changed file ", "changed"), ("missing file ", "missing")):
            if word in line:
                theirs.add((status, line.split(word, 1)[1].rsplit(" (from ", 1)[0]))
    assert ours == theirs


def test_worker_processes_give_the_serial_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from breachkit.integrity import verify as verify_mod

    root = server(tmp_path / "root")
    (root / "usr/bin/ls").write_bytes(ELF + b"trojan")
    (root / "usr/bin/cat").unlink()
    monkeypatch.setattr(verify_mod, "BATCH_FILES", 2)  # several batches, out of a handful of files
    made = []
    real_pool = verify_mod.Pool

    def counting(*args: object) -> object:
        made.append(args)
        return real_pool(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(verify_mod, "Pool", counting)
    monkeypatch.setattr(verify_mod, "can_fork", lambda: True)  # other tests leave native threads behind
    source = RootSource(str(root))
    db = dpkg.load(source)
    assert db is not None
    serial = list(verify(source.fs, db.files(), workers=1))
    assert made == []
    parallel = list(verify(source.fs, db.files(), workers=3))
    assert len(made) == 1
    assert serial == parallel
    assert {(r.expected.path, r.status) for r in parallel if r.problem} == {
        ("/usr/bin/ls", "changed"),
        ("/usr/bin/cat", "missing"),
    }


@pytest.mark.parametrize("workers", [1, 3])
def test_package_by_package_verification_matches_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:

    root = server(tmp_path / "root")
    (root / "usr/bin/ls").write_bytes(ELF + b"trojan")
    (root / "usr/sbin/sshd").unlink()
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin yes\n")
    md5sums = root / "var/lib/dpkg/info/coreutils.md5sums"
    md5sums.write_text("not a line\n" + md5sums.read_text())
    source = RootSource(str(root))
    report = verify_packages(source, unowned=False, workers=workers)
    db = dpkg.load(source)
    assert db is not None
    expected = [r for r in verify(source.fs, db.files(), workers=1) if r.problem]
    assert report.problems == expected
    assert report.files_checked == len(list(db.files()))
    assert [(p.path, p.line) for p in report.db_problems] == [(str(md5sums)[len(str(root)) :], 1)]
    assert {(r.expected.path, r.status) for r in report.problems} == {
        ("/usr/bin/ls", "changed"),
        ("/usr/sbin/sshd", "missing"),
        ("/etc/ssh/sshd_config", "changed"),
    }
