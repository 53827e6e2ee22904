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
intruders stop their commands being written. :func:`history_files` says, per
account with a login shell, whether its history is there, empty, missing or
disabled – the detections compare that with the account's logins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from breachkit.artifacts.filestat import host_lstats, knows_files
from breachkit.artifacts.rotated import Problems, read_lines
from breachkit.artifacts.years import TimeContext, file_mtime_ns
from breachkit.events import Event
from breachkit.host.records import FileStat
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
#: shells that mean "this account cannot log in"
NO_LOGIN = ("nologin", "false", "sync", "halt", "shutdown")


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


@dataclass(frozen=True, slots=True)
class HistoryFile:
    """The state of one account's shell history."""

    user: str
    home: str
    #: the history file found, or ``~/.bash_history`` when there is none
    path: str
    #: "present", "empty", "missing" or "disabled" (a symlink to /dev/null)
    state: Literal["present", "empty", "missing", "disabled"]
    #: the host's lstat of ``path`` (None when missing), and of the home folder (None when not known:
    #: a bundle records the files it copied, not folders)
    stat: FileStat | None
    home_stat: FileStat | None


def _passwd(source: Source) -> list[list[str]]:
    try:
        data, _ = source.read_bytes("/etc/passwd", 4 * 1024 * 1024)
    except OSError:
        data = b""
    return [raw.decode("utf-8", "backslashreplace").split(":") for raw in data.splitlines()[:MAX_USERS]]


def homes(source: Source) -> list[tuple[str, str]]:
    """(user, home) from the examined root's /etc/passwd, with root's /root always included."""
    found: dict[str, str] = {"/root": "root"}
    for parts in _passwd(source):
        if len(parts) >= 6 and parts[5].startswith("/") and parts[5] not in ("/", "/nonexistent"):
            found.setdefault(parts[5].rstrip("/"), parts[0])
    try:
        for name in source.listdir("/home"):
            found.setdefault(f"/home/{name}", name)
    except OSError:
        pass
    return sorted((user, home) for home, user in found.items())


def _candidates(home: str) -> list[str]:
    """The home folder and every history file it may hold."""
    return [home, *(f"{home}/{name}" for name in HISTORY_FILES)]


def read_history(source: Source, time: TimeContext, problems: Problems) -> Iterator[ShellCommand]:
    """Every command of every history file found."""
    found = homes(source)
    # one lookup for all: on a bundle, what the collector did not copy costs a pass over its walk
    stats = host_lstats(source, [p for _, home in found for p in _candidates(home)]) if knows_files(source) else None
    for user, home in found:
        for name in HISTORY_FILES:
            path = f"{home}/{name}"
            if _disabled(stats, path, problems):
                continue
            mtime = file_mtime_ns(source, path)
            shell = "fish" if name.endswith("fish_history") else ("zsh" if "zsh" in name else "sh")
            yield from _commands(
                source, path, user, shell, mtime if mtime is not None else time.fallback_ns, time, problems
            )


def history_files(source: Source) -> Iterator[HistoryFile]:
    """Per account with a login shell (and root), the state of its shell history.

    "present" when any history file holds something; else "disabled" when one
    is a symlink to /dev/null, "empty" when one exists without content,
    "missing" when there is none at all. Nothing for a source that cannot
    tell a missing file from an unknown one.
    """
    if not knows_files(source):
        return
    users = {"root": "/root"}
    for parts in _passwd(source):
        if len(parts) >= 7 and parts[5].startswith("/") and parts[5] not in ("/", "/nonexistent"):
            if not parts[6].strip() or parts[6].rsplit("/", 1)[-1] in NO_LOGIN:
                continue
            users.setdefault(parts[0], parts[5].rstrip("/"))
    stats = host_lstats(source, [p for home in users.values() for p in _candidates(home)])
    for user, home in sorted(users.items()):
        home_stat = stats.get(home)
        found = [(f"{home}/{name}", stats[f"{home}/{name}"]) for name in HISTORY_FILES if f"{home}/{name}" in stats]
        regular = [(p, st) for p, st in found if st.type == "f"]
        disabled = [(p, st) for p, st in found if st.type == "l" and _to_null(st.target)]
        if any(st.size > 0 for _, st in regular):
            path, stat = next((p, st) for p, st in regular if st.size > 0)
            yield HistoryFile(user, home, path, "present", stat, home_stat)
        elif disabled:
            yield HistoryFile(user, home, disabled[0][0], "disabled", disabled[0][1], home_stat)
        elif regular:
            yield HistoryFile(user, home, regular[0][0], "empty", regular[0][1], home_stat)
        else:
            yield HistoryFile(user, home, f"{home}/.bash_history", "missing", None, home_stat)


def _to_null(target: str | None) -> bool:
    return target is not None and (target in ("/dev/null", "../../dev/null") or target.endswith("/dev/null"))


def _disabled(stats: dict[str, FileStat] | None, path: str, problems: Problems) -> bool:
    """True when ``path`` is absent or a symlink (reported when it points to /dev/null): nothing to read.

    ``stats`` is None for a source that cannot tell: then reading says whether it exists.
    """
    if stats is None:
        return False
    entry = stats.get(path)
    if entry is None:
        return True
    if entry.type == "l":
        if _to_null(entry.target):
            problems.add(path, "history-disabled", f"symlink to {entry.target}: commands are not recorded")
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
