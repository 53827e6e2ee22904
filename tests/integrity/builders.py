"""Small, real package data for tests: .deb archives, a dpkg database, rpm headers and an rpmdb.sqlite.

The .deb writer makes genuine archives (``ar`` with ``debian-binary``,
``control.tar.xz`` and ``data.tar.xz``; ``dpkg-deb --info`` reads them); the
rpm header encoder is the inverse of :func:`breachkit.integrity.packages.rpm.parse_header`,
following https://rpm-software-management.github.io/rpm/manual/format_v4.html.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import stat
import struct
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from breachkit.integrity.packages import rpm

# -- .deb ----------------------------------------------------------------------


def ar_archive(members: list[tuple[str, bytes]]) -> bytes:
    out = bytearray(b"!<arch>\n")
    for name, data in members:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}".encode("ascii") + b"`\n"
        assert len(header) == 60
        out += header + data
        if len(data) % 2:
            out += b"\n"
    return bytes(out)


def _tar(entries: list[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]], compression: str = "xz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}" if compression else "w") as archive:
        for entry in entries:
            if isinstance(entry, tuple):
                info, data = entry
                archive.addfile(info, io.BytesIO(data))
            else:
                archive.addfile(entry)
    return buffer.getvalue()


def _info(name: str, kind: bytes, mode: int, size: int = 0, mtime: int = 1_700_000_000) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = mtime
    info.uname = info.gname = "root"
    return info


@dataclass
class PackageSpec:
    name: str
    version: str = "1.0-1"
    arch: str = "amd64"
    #: host path -> (content, mode)
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    #: host path -> symlink target
    links: dict[str, str] = field(default_factory=dict)
    conffiles: tuple[str, ...] = ()
    mtime: int = 1_700_000_000


def build_deb(spec: PackageSpec, out: Path, compression: str = "xz") -> Path:
    control = (
        f"Package: {spec.name}\nVersion: {spec.version}\nArchitecture: {spec.arch}\n"
        f"Maintainer: Test <t@example.org>\nDescription: test package\n"
    ).encode()
    md5sums = "".join(
        f"{hashlib.md5(data).hexdigest()}  {path.lstrip('/')}\n"
        for path, (data, _) in sorted(spec.files.items())
        if path not in spec.conffiles
    ).encode()
    ctl_entries: list[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]] = [
        (_info("./control", tarfile.REGTYPE, 0o644, len(control)), control),
        (_info("./md5sums", tarfile.REGTYPE, 0o644, len(md5sums)), md5sums),
    ]
    if spec.conffiles:
        text = "".join(f"{c}\n" for c in spec.conffiles).encode()
        ctl_entries.append((_info("./conffiles", tarfile.REGTYPE, 0o644, len(text)), text))
    data_entries: list[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]] = []
    dirs = sorted({str(Path(p).parent) for p in [*spec.files, *spec.links]})
    seen: set[str] = set()
    for folder in dirs:
        parts = Path(folder).parts[1:]
        for depth in range(1, len(parts) + 1):
            sub = "/" + "/".join(parts[:depth])
            if sub not in seen:
                seen.add(sub)
                data_entries.append(_info("." + sub + "/", tarfile.DIRTYPE, 0o755, mtime=spec.mtime))
    for path, (content, mode) in sorted(spec.files.items()):
        data_entries.append((_info("." + path, tarfile.REGTYPE, mode, len(content), spec.mtime), content))
    for path, target in sorted(spec.links.items()):
        info = _info("." + path, tarfile.SYMTYPE, 0o777, mtime=spec.mtime)
        info.linkname = target
        data_entries.append(info)
    ext = {"xz": ".xz", "gz": ".gz", "": ""}[compression]
    archive = ar_archive(
        [
            ("debian-binary", b"2.0\n"),
            (f"control.tar{ext}", _tar(ctl_entries, compression)),
            (f"data.tar{ext}", _tar(data_entries, compression)),
        ]
    )
    target = out / f"{spec.name}_{spec.version}_{spec.arch}.deb"
    target.write_bytes(archive)
    return target


def install_dpkg(root: Path, specs: list[PackageSpec], multiarch: tuple[str, ...] = ()) -> None:
    """Lay out the packages' files under ``root`` and a matching /var/lib/dpkg (status, md5sums, list)."""
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True, exist_ok=True)
    status = []
    for spec in specs:
        stem = f"{spec.name}:{spec.arch}" if spec.name in multiarch else spec.name
        for path, (content, mode) in spec.files.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            os.chmod(target, mode)
            os.utime(target, (spec.mtime, spec.mtime))
        for path, link in spec.links.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(link, target)
        md5 = "".join(
            f"{hashlib.md5(data).hexdigest()}  {path.lstrip('/')}\n"
            for path, (data, _) in sorted(spec.files.items())
            if path not in spec.conffiles
        )
        if md5:
            (info / f"{stem}.md5sums").write_text(md5)
        listed = sorted(
            {*spec.files, *spec.links} | {str(p) for f in spec.files for p in Path(f).parents if str(p) != "/"}
        )
        (info / f"{stem}.list").write_text("/.\n" + "".join(f"{p}\n" for p in listed))
        para = (
            f"Package: {spec.name}\nStatus: install ok installed\nArchitecture: {spec.arch}\nVersion: {spec.version}\n"
        )
        if spec.conffiles:
            para += "Conffiles:\n" + "".join(
                f" {c} {hashlib.md5(spec.files[c][0]).hexdigest()}\n" for c in spec.conffiles
            )
        para += "Description: test\n"
        status.append(para)
    (root / "var/lib/dpkg/status").write_text("\n".join(status))


# -- rpm -----------------------------------------------------------------------

_TYPES = {
    rpm.TYPE_INT16: (">H", 2),
    rpm.TYPE_INT32: (">I", 4),
    rpm.TYPE_INT64: (">Q", 8),
}


def encode_header(tags: dict[int, tuple[int, object]]) -> bytes:
    """A header blob (no lead, no magic, as rpmdb stores it) from ``{tag: (type, value)}``."""
    index = b""
    data = bytearray()
    for tag, (kind, value) in sorted(tags.items()):
        if kind in _TYPES:
            code, size = _TYPES[kind]
            while len(data) % size:
                data += b"\0"
            values = list(value)  # type: ignore[call-overload]
            offset = len(data)
            for item in values:
                data += struct.pack(code, item)
            count = len(values)
        elif kind == rpm.TYPE_STRING:
            offset = len(data)
            data += str(value).encode() + b"\0"
            count = 1
        elif kind == rpm.TYPE_STRING_ARRAY:
            offset = len(data)
            for item in value:  # type: ignore[union-attr]
                data += str(item).encode() + b"\0"
            count = len(value)  # type: ignore[arg-type]
        elif kind == rpm.TYPE_BIN:
            offset = len(data)
            data += bytes(value)  # type: ignore[arg-type]
            count = len(value)  # type: ignore[arg-type]
        else:
            raise ValueError(kind)
        index += struct.pack(">iIiI", tag, kind, offset, count)
    return struct.pack(">II", len(tags), len(data)) + index + bytes(data)


@dataclass
class RpmFile:
    path: str
    content: bytes = b""
    mode: int = stat.S_IFREG | 0o644
    link_to: str = ""
    flags: int = 0
    user: str = "root"
    group: str = "root"
    mtime: int = 1_700_000_000

    def __post_init__(self) -> None:
        if self.link_to:
            self.mode = stat.S_IFLNK | 0o777


def rpm_header(name: str, version: str, release: str, files: list[RpmFile], algo: int = 8) -> bytes:
    dirs: list[str] = []
    dirindexes, basenames = [], []
    for item in files:
        head, base = item.path.rsplit("/", 1)
        head += "/"
        if head not in dirs:
            dirs.append(head)
        dirindexes.append(dirs.index(head))
        basenames.append(base)
    digest = {1: hashlib.md5, 2: hashlib.sha1, 8: hashlib.sha256}[algo]
    return encode_header(
        {
            rpm.TAG_NAME: (rpm.TYPE_STRING, name),
            rpm.TAG_VERSION: (rpm.TYPE_STRING, version),
            rpm.TAG_RELEASE: (rpm.TYPE_STRING, release),
            rpm.TAG_ARCH: (rpm.TYPE_STRING, "x86_64"),
            rpm.TAG_FILESIZES: (rpm.TYPE_INT32, [len(f.content) if not f.link_to else len(f.link_to) for f in files]),
            rpm.TAG_FILEMODES: (rpm.TYPE_INT16, [f.mode for f in files]),
            rpm.TAG_FILEMTIMES: (rpm.TYPE_INT32, [f.mtime for f in files]),
            rpm.TAG_FILEDIGESTS: (
                rpm.TYPE_STRING_ARRAY,
                [digest(f.content).hexdigest() if not f.link_to else "" for f in files],
            ),
            rpm.TAG_FILELINKTOS: (rpm.TYPE_STRING_ARRAY, [f.link_to for f in files]),
            rpm.TAG_FILEFLAGS: (rpm.TYPE_INT32, [f.flags for f in files]),
            rpm.TAG_FILEUSERNAME: (rpm.TYPE_STRING_ARRAY, [f.user for f in files]),
            rpm.TAG_FILEGROUPNAME: (rpm.TYPE_STRING_ARRAY, [f.group for f in files]),
            rpm.TAG_DIRINDEXES: (rpm.TYPE_INT32, dirindexes),
            rpm.TAG_BASENAMES: (rpm.TYPE_STRING_ARRAY, basenames),
            rpm.TAG_DIRNAMES: (rpm.TYPE_STRING_ARRAY, dirs),
            rpm.TAG_FILEDIGESTALGO: (rpm.TYPE_INT32, [algo]),
        }
    )


def write_rpmdb(path: Path, blobs: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in blobs])
    connection.commit()
    connection.close()


def install_rpm_files(root: Path, files: list[RpmFile]) -> None:
    for item in files:
        target = root / item.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if item.link_to:
            os.symlink(item.link_to, target)
            continue
        target.write_bytes(item.content)
        os.chmod(target, stat.S_IMODE(item.mode))
        os.utime(target, (item.mtime, item.mtime))
