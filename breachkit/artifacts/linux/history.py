"""Shell history: the commands each user typed (bash, zsh, fish, sh/ash).

Files in each home folder (from the examined root's ``/etc/passwd``, plus
``/root``): ``.bash_history``, ``.zsh_history``, ``.history``,
``.sh_history``, ``.ash_history`` and ``.local/share/fish/fish_history``.
Formats:

* bash: one command a line; with ``HISTTIMEFORMAT`` set, each command is
  preceded by ``#<epoch seconds>``
  (https://www.gnu.org/software/bash/manual/html_node/Bash-History-Facilities.html);
* zsh ``EXTENDED_HISTORY``: ``: <epoch>:<duration>;command``, multi-line
  commands continued with a trailing backslash
  (https://zsh.sourceforge.io/Doc/Release/Options.html#History);
* fish: ``- cmd: …`` followed by ``  when: <epoch>``.

Commands without a time stamp get the history file's modification time (the
last write), flagged ``time-from-file-mtime``: order within the file is still
right, the instant is not. A history file replaced by a symlink to
``/dev/null`` is reported as a problem (``history-disabled``): that is how
intruders stop their commands being written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, read_lines
from breachkit.artifacts.years import TimeContext, file_mtime_ns
from breachkit.events import Event
from breachkit.host.rootfs import RootFS
from breachkit.sources.base import Source

HISTORY_FILES = (
    ".bash_history",
    ".zsh_history",
    ".history",
    ".sh_history",
    ".ash_history",
    ".local/share/fish/fish_history",
)
MAX_USERS = 10_000
_ZSH = re.compile(r": (\d{9,11}):\d+;(.*)", re.DOTALL)
_BASH_STAMP = re.compile(r"#(\d{9,11})\s*$")
_FISH_CMD = re.compile(r"- cmd: (.*)")
_FISH_WHEN = re.compile(r"\s+when: (\d{9,11})")


@dataclass(frozen=True, slots=True)
class ShellCommand:
    """One command from a user's shell history."""

    time_ns: int
    user: str
    command: str
    shell: str
    #: False when the time is the file's mtime, not the command's own stamp
    timed: bool
    source_file: str
    source_line: int
    flags: str = ""

    def event(self) -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=1_000_000_000,
            source="shell-history",
            kind="command",
            user=self.user,
            message=self.command,
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"shell": self.shell},
        )


def homes(source: Source) -> list[tuple[str, str]]:
    """(user, home) from the examined root's /etc/passwd, with root's /root always included."""
    found: dict[str, str] = {"/root": "root"}
    try:
        data, _ = source.read_bytes("/etc/passwd", 4 * 1024 * 1024)
    except OSError:
        data = b""
    for raw in data.splitlines()[:MAX_USERS]:
        parts = raw.decode("utf-8", "backslashreplace").split(":")
        if len(parts) >= 6 and parts[5].startswith("/") and parts[5] not in ("/", "/nonexistent"):
            found.setdefault(parts[5].rstrip("/"), parts[0])
    try:
        for name in source.listdir("/home"):
            found.setdefault(f"/home/{name}", name)
    except OSError:
        pass
    return sorted((user, home) for home, user in found.items())


def read_history(source: Source, time: TimeContext, problems: Problems) -> Iterator[ShellCommand]:
    """Every command of every history file found."""
    for user, home in homes(source):
        for name in HISTORY_FILES:
            path = f"{home}/{name}"
            if _disabled(source, path, problems):
                continue
            mtime = file_mtime_ns(source, path)
            shell = "fish" if name.endswith("fish_history") else ("zsh" if "zsh" in name else "sh")
            yield from _commands(
                source, path, user, shell, mtime if mtime is not None else time.fallback_ns, time, problems
            )


def _disabled(source: Source, path: str, problems: Problems) -> bool:
    fs = getattr(source, "fs", None)
    if not isinstance(fs, RootFS):
        return False
    try:
        entry = fs.lstat(path)
    except OSError:
        return True  # absent
    if entry.type == "l":
        target = entry.target or ""
        if target in ("/dev/null", "../../dev/null") or target.endswith("/dev/null"):
            problems.add(path, "history-disabled", f"symlink to {target}: commands are not recorded")
        return True
    return False


def _commands(
    source: Source, path: str, user: str, shell: str, mtime_ns: int, time: TimeContext, problems: Problems
) -> Iterator[ShellCommand]:
    stamp: int | None = None
    pending: tuple[str, int] | None = None  # zsh continuation / fish command awaiting its time
    untimed = time.flags("time-from-file-mtime")
    timed = time.flags()
    offset = time.clock_offset_ns

    def command(text: str, line: int, seconds: int | None) -> ShellCommand:
        if seconds is None:
            return ShellCommand(mtime_ns + offset, user, text, shell, False, path, line, untimed)
        return ShellCommand(seconds * 1_000_000_000 + offset, user, text, shell, True, path, line, timed)

    for number, raw in read_lines(source, path, problems):
        text = raw.decode("utf-8", "backslashreplace")
        if shell == "fish":
            if match := _FISH_CMD.match(text):
                if pending is not None:
                    yield command(pending[0], pending[1], None)
                pending = (match.group(1), number)
            elif (match := _FISH_WHEN.match(text)) and pending is not None:
                yield command(pending[0], pending[1], int(match.group(1)))
                pending = None
            continue
        if pending is not None:
            joined = pending[0] + "\n" + text
            if text.endswith("\\"):
                pending = (joined, pending[1])
                continue
            yield command(joined, pending[1], stamp)
            pending, stamp = None, None
            continue
        if match := _BASH_STAMP.match(text):
            stamp = int(match.group(1))
            continue
        if match := _ZSH.match(text):
            stamp = int(match.group(1))
            text = match.group(2)
            if text.endswith("\\"):
                pending = (text, number)
                continue
        if text.strip():
            yield command(text, number, stamp)
        stamp = None
    if pending is not None:
        yield command(pending[0], pending[1], stamp)
