"""Materialise the demo host: as a folder, or as a read-only mounted ext4 image with exact times.

Two ways, because they can promise different things:

* :func:`build_tree` writes the host into a folder as any user. Userspace can set
  atime and mtime (``utimensat``) but not the change time (the kernel sets it to
  "now" on every inode change) nor the birth time. Good for unit tests and a
  quick look; the returned :class:`DemoHost` says which times are faithful.
* :func:`build_image` (root only) stages the tree with the right owners, packs it
  into an ext4 image with ``mkfs.ext4 -d``, then rewrites all four times of
  every inode, nanoseconds included, with one ``debugfs -w`` run, and finally
  loop-mounts the image read-only. That is what a responder gets from a disk
  image, so the timeline, detection and correlation code can be tested on it
  byte for byte.

ext4 keeps a time as 32 seconds bits in the inode plus an ``*_extra`` field whose
low two bits extend the seconds (epochs beyond 2038) and whose upper 30 bits are
the nanoseconds: ``extra = (nsec << 2) | epoch``
(https://docs.kernel.org/filesystems/ext4/inodes.html#inode-timestamps).

The ground truth is written *next to* the root (``ground_truth.json``), never inside
it: the examined root must contain only what the host had.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from breachkit.demo.scenario import Entry, GroundTruth, Scenario, generate
from breachkit.demo.stories import DEFAULT as DEFAULT_SCENARIO
from breachkit.errors import BreachkitError

GROUND_TRUTH_NAME = "ground_truth.json"
ALL_TIMES = ("atime", "mtime", "ctime", "btime")


class DemoError(BreachkitError):
    """The demo host could not be built or mounted."""


@dataclass(frozen=True, slots=True)
class DemoHost:
    """A demo host written into a folder by :func:`build_tree`."""

    root: Path
    ground_truth_path: Path
    scenario: Scenario
    #: which of atime, mtime, ctime, btime on disk equal the scenario's
    times_exact: tuple[str, ...]
    #: whether files carry the scenario's uid/gid (only when built as root)
    owners_exact: bool
    #: what could not be reproduced, in words for the user
    notes: tuple[str, ...]

    @property
    def ground_truth(self) -> GroundTruth:
        return self.scenario.ground_truth

    def path(self, host_path: str) -> Path:
        """Where a host path (``/etc/passwd``) is inside :attr:`root`."""
        return _local(self.root, host_path)


@dataclass(frozen=True, slots=True)
class DemoImage:
    """An ext4 image of the demo host made by :func:`build_image`."""

    image: Path
    #: where :func:`mount` puts it (``<work>/root``)
    mountpoint: Path
    ground_truth_path: Path
    scenario: Scenario
    times_exact: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ground_truth(self) -> GroundTruth:
        return self.scenario.ground_truth

    def path(self, host_path: str) -> Path:
        """Where a host path is once the image is mounted."""
        return _local(self.mountpoint, host_path)

    @property
    def is_mounted(self) -> bool:
        return _mounted_at(self.mountpoint)


# --------------------------------------------------------------------------- the folder


def build_tree(
    dest: Path, seed: int = 0, *, ground_truth: Path | None = None, scenario: str = DEFAULT_SCENARIO
) -> DemoHost:
    """Write the demo host for ``seed`` and ``scenario`` into ``dest`` (new or empty) and its ground truth beside it.

    ``ground_truth`` defaults to ``dest.parent / "ground_truth.json"``.
    """
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise DemoError(f"{dest} exists and is not an empty folder; choose a new folder for the demo host")
    gt_path = Path(ground_truth) if ground_truth is not None else dest.parent / GROUND_TRUTH_NAME
    if _inside(gt_path, dest):
        raise DemoError(f"{gt_path}: the ground truth must not be inside the examined root {dest}")
    host = _generate(seed, scenario)
    as_root = os.geteuid() == 0
    _materialise(host, dest, chown=as_root)
    gt_path.parent.mkdir(parents=True, exist_ok=True)
    gt_path.write_text(host.ground_truth.dumps(), encoding="utf-8")
    notes = [
        "change times (ctime) and birth times are the moment this folder was written: only debugfs "
        "on an unmounted ext4 image can set them (use build_image as root for all four times)",
        "reading a file here moves its atime (relatime) unless it is read with O_NOATIME or the "
        "folder is on a read-only or noatime mount",
    ]
    if not as_root:
        notes.append(
            "files belong to the user who built the folder: only root can give them the "
            "host's owners (www-data, thomas, anna)"
        )
    return DemoHost(dest, gt_path, host, ("atime", "mtime"), as_root, tuple(notes))


def _generate(seed: int, scenario: str) -> Scenario:
    try:
        return generate(seed, scenario)
    except KeyError as exc:
        raise DemoError(str(exc.args[0])) from None


def _local(root: Path, host_path: str) -> Path:
    rel = host_path.lstrip("/")
    return root / rel if rel else root


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _materialise(scenario: Scenario, dest: Path, *, chown: bool) -> None:
    """Create every entry, then owners, modes and times from the leaves up.

    Times go last and children before parents: creating a child changes its
    folder's mtime, and chown/chmod change ctime.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for entry in scenario.entries:
        local = _local(dest, entry.path)
        if entry.kind == "dir":
            if entry.path != "/":
                local.mkdir(mode=0o700)
        elif entry.kind == "file":
            with open(local, "xb") as handle:
                handle.write(entry.data)
        else:
            os.symlink(entry.target, local)
    for entry in reversed(scenario.entries):
        local = _local(dest, entry.path)
        if chown:
            os.chown(local, entry.uid, entry.gid, follow_symlinks=False)
        if entry.kind != "symlink":
            os.chmod(local, entry.mode)  # after chown, which clears set-id bits
        times = entry.times
        os.utime(local, ns=(times.atime_ns, times.mtime_ns), follow_symlinks=False)


# --------------------------------------------------------------------------- the image


def build_image(work: Path, seed: int = 0, *, mount: bool = True, scenario: str = DEFAULT_SCENARIO) -> DemoImage:
    """Build ``<work>/web01.img`` for ``scenario`` with every inode's four times exact, and mount it read-only.

    Needs root (owners in the staging folder, loop mount) and e2fsprogs
    (``mkfs.ext4`` with ``-d``, ``debugfs``). The mount point is ``<work>/root`` and
    the ground truth ``<work>/ground_truth.json``. Use :func:`mounted` or
    :func:`unmount` to release the loop device.
    """
    _require_root_tools()
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    image = work / "web01.img"
    mountpoint = work / "root"
    gt_path = work / GROUND_TRUTH_NAME
    if image.exists():
        raise DemoError(f"{image} exists; unmount and remove it, or choose another work folder")
    host = _generate(seed, scenario)
    with tempfile.TemporaryDirectory(prefix="staging-", dir=work) as staging:
        tree = Path(staging) / "tree"
        _materialise(host, tree, chown=True)
        _mkfs(host, tree, image)
    _set_times(host.entries, image)
    gt_path.write_text(host.ground_truth.dumps(), encoding="utf-8")
    demo = DemoImage(
        image,
        mountpoint,
        gt_path,
        host,
        ALL_TIMES,
        (
            "all four times of every inode were written with debugfs after the files, so they are "
            "exactly the scenario's, to the nanosecond",
            "mounted read-only with noload: reading does not change atime and the journal is not replayed",
        ),
    )
    if mount:
        _mount(demo)
    return demo


def can_build_image() -> bool:
    """True when this process may build and loop-mount the image (root and e2fsprogs present)."""
    try:
        _require_root_tools()
    except DemoError:
        return False
    return True


def _require_root_tools() -> None:
    if os.geteuid() != 0:
        raise DemoError(
            "building the demo image needs root (owners, loop mount); "
            "without root use build_tree, which sets atime and mtime only"
        )
    missing = [tool for tool in ("mkfs.ext4", "debugfs", "mount", "umount") if shutil.which(tool) is None]
    if missing:
        raise DemoError(
            f"missing {', '.join(missing)}: install e2fsprogs and mount (Debian: apt-get install e2fsprogs mount)"
        )


def _mkfs(scenario: Scenario, staging: Path, image: Path) -> None:
    payload = sum(len(e.data) for e in scenario.entries)
    blocks_mb = (2 * payload + len(scenario.entries) * 4096) // (1 << 20) + 24
    fs_uuid = str(uuid.UUID(bytes=bytes((scenario.seed * 2_654_435_761 + i * 97) & 0xFF for i in range(16)), version=4))
    env = dict(os.environ)
    # the file system's own creation time: the day the server was installed
    env["E2FSPROGS_FAKE_TIME"] = str(scenario.entries[0].times.btime_ns // 1_000_000_000)
    cmd = [
        "mkfs.ext4",
        "-q",
        "-F",
        "-I",
        "256",
        "-L",
        "web01-root",
        "-U",
        fs_uuid,
        "-E",
        f"root_owner=0:0,hash_seed={fs_uuid}",
        "-d",
        str(staging),
        str(image),
        f"{blocks_mb}M",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise DemoError(f"mkfs.ext4 failed ({result.returncode}): {result.stderr.strip()}")


def ext4_time(ns: int) -> tuple[str, int]:
    """debugfs's value for a time field (UTC ``YYYYMMDDHHMMSS``) and for its ``*_extra`` field.

    ``*_extra`` holds the nanoseconds shifted left by two; the low two bits carry
    the seconds above the signed 32-bit range (zero until 2038).
    """
    seconds, nsec = divmod(ns, 1_000_000_000)
    low = ((seconds + 2**31) % 2**32) - 2**31
    epoch = (seconds - low) >> 32
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))
    return stamp, (nsec << 2) | (epoch & 3)


def debugfs_commands(entries: Sequence[Entry]) -> str:
    """One ``set_inode_field`` per time and extra field, for every entry (``/`` included)."""
    lines = []
    for entry in entries:
        if any(c in entry.path for c in '"\\\n\r'):
            raise DemoError(f"{entry.path!r}: debugfs command files cannot quote this path")
        quoted = f'"{entry.path}"'
        times = entry.times
        for field, value in (
            ("atime", times.atime_ns),
            ("mtime", times.mtime_ns),
            ("ctime", times.ctime_ns),
            ("crtime", times.btime_ns),
        ):
            stamp, extra = ext4_time(value)
            lines.append(f"set_inode_field {quoted} {field} {stamp}")
            lines.append(f"set_inode_field {quoted} {field}_extra {extra}")
    return "\n".join(lines) + "\n"


def _set_times(entries: Sequence[Entry], image: Path) -> None:
    with tempfile.NamedTemporaryFile(
        "w", suffix=".debugfs", dir=image.parent, delete=False, encoding="utf-8"
    ) as handle:
        handle.write(debugfs_commands(entries))
        command_file = Path(handle.name)
    try:
        result = subprocess.run(
            ["debugfs", "-w", "-f", str(command_file), str(image)], capture_output=True, text=True, check=False
        )
    finally:
        command_file.unlink()
    # debugfs exits 0 even when a command fails; its complaints go to stderr
    errors = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("debugfs ")]
    if result.returncode != 0 or errors:
        raise DemoError("debugfs could not set the times: " + "; ".join(errors[:5] or [str(result.returncode)]))


# --------------------------------------------------------------------------- mounting


def _mounted_at(mountpoint: Path) -> bool:
    target = os.path.realpath(mountpoint)
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) > 4 and _unescape(fields[4]) == target:
                    return True
    except OSError:
        return os.path.ismount(mountpoint)
    return False


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _mount(image: DemoImage) -> Path:
    if image.is_mounted:
        return image.mountpoint
    image.mountpoint.mkdir(exist_ok=True)
    result = subprocess.run(
        ["mount", "-o", "ro,loop,noload,nodev,nosuid,noexec", str(image.image), str(image.mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(
            f"mount failed ({result.returncode}): {result.stderr.strip()} – is the loop "
            "module available (modprobe loop) and is this a privileged container?"
        )
    return image.mountpoint


def mount(image: DemoImage) -> Path:
    """Mount the image read-only at :attr:`DemoImage.mountpoint` (no-op when mounted)."""
    _require_root_tools()
    return _mount(image)


def unmount(image: DemoImage) -> None:
    """Unmount the image and free its loop device; safe to call when it is not mounted."""
    if image.is_mounted:
        result = subprocess.run(["umount", str(image.mountpoint)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DemoError(
                f"umount {image.mountpoint} failed: {result.stderr.strip()} – close files "
                "and shells inside it and try again"
            )
    # mount -o loop sets autoclear, but a loop device left by a crash would pin the image
    if shutil.which("losetup"):
        found = subprocess.run(["losetup", "-j", str(image.image)], capture_output=True, text=True, check=False)
        for line in found.stdout.splitlines():
            device = line.split(":", 1)[0]
            if device.startswith("/dev/loop"):
                subprocess.run(["losetup", "-d", device], capture_output=True, check=False)


@contextlib.contextmanager
def mounted(image: DemoImage) -> Iterator[Path]:
    """``with mounted(image) as root:`` – the read-only mount point, unmounted on exit."""
    root = mount(image)
    try:
        yield root
    finally:
        unmount(image)


def is_read_only(path: Path) -> bool:
    """Whether ``path`` is on a read-only mount (``statvfs`` ``ST_RDONLY``)."""
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
