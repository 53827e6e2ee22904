"""Owner and group names of the examined host, from its own ``/etc/passwd`` and ``/etc/group``.

A uid means nothing without the host's account database: uid 1001 is
``anna`` on the suspect server and someone else (or no one) on the analyst's
machine, so names are always looked up in the examined root (or the copies in
a bundle / UAC ``[root]`` folder), never with :mod:`pwd`.

Format: ``name:password:uid:gid:gecos:home:shell`` and ``name:password:gid:members``
(https://man7.org/linux/man-pages/man5/passwd.5.html, ``group(5)``). Lines that
do not parse are counted, not fatal; the first definition of an id wins, as
in glibc's ``files`` backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from breachkit.sources.base import Source

#: Account files are small; a bigger one is cut here (and said so).
MAX_ACCOUNT_FILE = 8 * 1024 * 1024


@dataclass
class Accounts:
    """uid -> name and gid -> name of the examined host."""

    users: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    #: whether /etc/passwd was found at all (if not, "no account" findings are meaningless)
    passwd_found: bool = False
    group_found: bool = False
    bad_lines: int = 0

    @classmethod
    def parse(cls, passwd: bytes | None, group: bytes | None) -> Accounts:
        accounts = cls(passwd_found=passwd is not None, group_found=group is not None)
        for data, table, id_field in ((passwd, accounts.users, 2), (group, accounts.groups, 2)):
            if data is None:
                continue
            for line in data.decode("utf-8", "surrogateescape").splitlines():
                if not line.strip() or line.startswith(("#", "+", "-")):
                    continue  # comments and NIS compat entries name no id
                fields = line.split(":")
                try:
                    number = int(fields[id_field])
                except (IndexError, ValueError):
                    accounts.bad_lines += 1
                    continue
                table.setdefault(number, fields[0])
        return accounts

    @classmethod
    def from_source(cls, source: Source) -> Accounts:
        return cls.parse(_read(source, "/etc/passwd"), _read(source, "/etc/group"))


def _read(source: Source, path: str) -> bytes | None:
    try:
        data, _ = source.read_bytes(path, MAX_ACCOUNT_FILE)
    except OSError:
        return None
    return data
