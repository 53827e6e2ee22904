"""Real rpm databases in every format, made by the real tools: rpmbuild, rpm, db5.3_load.

Three small packages are built with ``rpmbuild`` (file times clamped to
``SOURCE_DATE_EPOCH``, so their headers say :data:`MTIME`) and installed with
``rpm`` into a scratch root's ``rpmdb.sqlite``. Their header blobs, taken from
its ``Packages`` table, are written to a Berkeley DB hash file by Debian's
``db5.3_load`` in either byte order, the way rpm <= 4.15 stored them (4-byte
instance numbers in the database's byte order as keys, key 0 holding the last
instance number). An NDB ``Packages.db`` needs an rpm built with the ndb
backend (Debian's is not): ``make_fixtures`` uses the one PyPI's
``rpm-inspector-rpm`` ships when ``RPM_WITH_NDB`` points at it.

The committed fixtures under ``tests/data/integrity/rpm/`` were made with::

    RPM_WITH_NDB=/path/to/rpm_inspector_rpm/bin .venv/bin/python -m tests.integrity.rpmdb_tools
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "integrity" / "rpm"
MTIME = 1_700_000_000


@dataclass(frozen=True)
class Spec:
    name: str
    version: str
    release: str
    text: str


TINYTOOL = Spec(
    "tinytool",
    "1.2",
    "3",
    """\
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/tiny
printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/usr/bin/tinytool
chmod 755 %{buildroot}/usr/bin/tinytool
ln -s tinytool %{buildroot}/usr/bin/tt
echo 'a=1' > %{buildroot}/etc/tiny/tiny.conf
%files
/usr/bin/tinytool
/usr/bin/tt
%dir /etc/tiny
%config(noreplace) /etc/tiny/tiny.conf
""",
)
#: 150 files: a header of ~21 KB, held in a chain of several overflow pages.
MANYFILES = Spec(
    "manyfiles",
    "0.9",
    "1",
    """\
%install
mkdir -p %{buildroot}/usr/share/manyfiles
for i in $(seq 1 150); do echo "file $i" > %{buildroot}/usr/share/manyfiles/item-$i.txt; done
%files
/usr/share/manyfiles
""",
)
SUIDTOOL = Spec(
    "suidtool",
    "2.0",
    "1",
    """\
%install
mkdir -p %{buildroot}/usr/sbin %{buildroot}/var/log
printf '#!/bin/sh\\nid\\n' > %{buildroot}/usr/sbin/suidtool
touch %{buildroot}/var/log/suidtool.log
%files
%attr(4755,root,root) /usr/sbin/suidtool
%ghost /var/log/suidtool.log
""",
)
SPECS = (TINYTOOL, MANYFILES, SUIDTOOL)
#: Installed, then erased again when making the NDB fixture, so it holds a freed slot.
GONE = Spec(
    "gone", "1", "1", "%install\nmkdir -p %{buildroot}/opt\necho x > %{buildroot}/opt/gone\n%files\n/opt/gone\n"
)

#: Every packaged regular file and symlink of :data:`SPECS` as installed: path -> (content or link target, mode).
INSTALLED: dict[str, tuple[bytes | str, int]] = {
    "/usr/bin/tinytool": (b"#!/bin/sh\necho hi\n", 0o100755),
    "/usr/bin/tt": ("tinytool", 0o120777),
    "/etc/tiny/tiny.conf": (b"a=1\n", 0o100644),
    "/usr/sbin/suidtool": (b"#!/bin/sh\nid\n", 0o104755),
    **{f"/usr/share/manyfiles/item-{i}.txt": (f"file {i}\n".encode(), 0o100644) for i in range(1, 151)},
}


def have_rpm_tools() -> bool:
    return shutil.which("rpmbuild") is not None and shutil.which("rpm") is not None


def build_rpms(folder: Path, specs: tuple[Spec, ...] = SPECS) -> list[Path]:
    """Build ``specs`` with rpmbuild into ``folder``; the packages, in ``specs`` order."""
    out = []
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(MTIME)}
    for spec in specs:
        text = (
            f"Name: {spec.name}\nVersion: {spec.version}\nRelease: {spec.release}\nSummary: test package\n"
            f"License: MIT\nBuildArch: noarch\n%description\ntest package\n{spec.text}"
        )
        path = folder / f"{spec.name}.spec"
        path.write_text(text)
        subprocess.run(
            [
                "rpmbuild",
                "-bb",
                "--define",
                f"_topdir {folder / 'top'}",
                "--define",
                "clamp_mtime_to_source_date_epoch 1",
                "--define",
                "use_source_date_epoch_as_buildtime 1",
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env=env,
        )
        out.append(folder / "top/RPMS/noarch" / f"{spec.name}-{spec.version}-{spec.release}.noarch.rpm")
    return out


def install_sqlite(root: Path, packages: list[Path]) -> Path:
    """Install ``packages`` into ``root`` with rpm (files and an rpmdb.sqlite); the database's path."""
    base = ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run([*base, "--initdb"], check=True, capture_output=True, timeout=60)
    subprocess.run([*base, "-i", "--nodeps", *map(str, packages)], check=True, capture_output=True, timeout=120)
    return root / "var/lib/rpm/rpmdb.sqlite"


def header_blobs(sqlite_path: Path) -> list[tuple[int, bytes]]:
    """The (instance number, header blob) rows of an rpmdb.sqlite, read from a copy."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "rpmdb.sqlite"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{sqlite_path}{suffix}").exists():
                shutil.copy(f"{sqlite_path}{suffix}", f"{copy}{suffix}")
        connection = sqlite3.connect(copy)
        rows = connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
        connection.close()
    return [(int(n), bytes(b)) for n, b in rows]


def write_bdb(blobs: list[tuple[int, bytes]], path: Path, byte_order: str = "little", *options: str) -> Path:
    """A Berkeley DB hash ``Packages`` file made by db5.3_load, as rpm <= 4.15 kept it.

    ``options`` are extra ``db5.3_load -c`` settings such as ``db_pagesize=65536`` or ``chksum=1``.
    """
    sign = "<" if byte_order == "little" else ">"
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "HEADER=END"]
    # Key 0 is rpm's bookkeeping record: the last instance number handed out.
    records = [(0, struct.pack(f"{sign}I", max((n for n, _ in blobs), default=0))), *blobs]
    for number, value in records:
        lines += [" " + struct.pack(f"{sign}I", number).hex(), " " + value.hex()]
    lines.append("DATA=END")
    path.parent.mkdir(parents=True, exist_ok=True)
    dump = path.with_name(path.name + ".dump")
    dump.write_text("\n".join(lines) + "\n")
    settings = ["-c", "db_lorder=4321" if byte_order == "big" else "db_lorder=1234"]
    for option in options:
        settings += ["-c", option]
    path.unlink(missing_ok=True)
    subprocess.run(
        ["db5.3_load", "-t", "hash", *settings, "-f", str(dump), str(path)], check=True, capture_output=True, timeout=60
    )
    dump.unlink()
    return path


def write_ndb(rpm_folder: Path, packages: list[Path], gone: Path, dbpath: Path) -> Path:
    """An NDB ``Packages.db`` made by an rpm with the ndb backend: ``packages`` installed, ``gone`` added and erased."""
    dbpath.mkdir(parents=True, exist_ok=True)
    base = [
        str(rpm_folder / "rpm"),
        "--rcfile",
        str(rpm_folder / "rpmrc"),
        "--define",
        "_db_backend ndb",
        "--define",
        f"_rpmlock_path {dbpath}/.rpm.lock",
        "--dbpath",
        str(dbpath),
    ]
    install = ["-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--ignoreos", "--nosignature", "--nodigest"]
    for package in [*packages[:1], gone, *packages[1:]]:
        subprocess.run([*base, *install, str(package)], check=True, capture_output=True, timeout=60)
    subprocess.run([*base, "-e", "--justdb", "--nodeps", "--noscripts", "gone"], check=True, capture_output=True)
    return dbpath / "Packages.db"


def make_fixtures() -> None:
    """Rebuild the committed fixtures (see the module docstring)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        packages = build_rpms(folder)
        root = folder / "root"
        root.mkdir()
        blobs = header_blobs(install_sqlite(root, packages))
        write_bdb(blobs, FIXTURES / "bdb-little/Packages", "little")
        write_bdb(blobs, FIXTURES / "bdb-big/Packages", "big")
        ndb_rpm = os.environ.get("RPM_WITH_NDB")
        if ndb_rpm:
            (gone,) = build_rpms(folder, (GONE,))
            made = write_ndb(Path(ndb_rpm), packages, gone, folder / "ndb")
            (FIXTURES / "ndb").mkdir(parents=True, exist_ok=True)
            shutil.copy(made, FIXTURES / "ndb/Packages.db")
        else:
            print("RPM_WITH_NDB not set: the NDB fixture was not rebuilt", file=sys.stderr)


if __name__ == "__main__":
    make_fixtures()
