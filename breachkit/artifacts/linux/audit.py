"""auditd's audit.log: kernel-recorded syscalls, program runs and logins, grouped into events.

Lives in ``/var/log/audit/audit.log`` (rotated by auditd itself to
``audit.log.1`` … ``audit.log.4``, not compressed). One record a line,
``type=X msg=audit(<epoch>.<ms>:<serial>): key=value …``; the records of one
event (``SYSCALL``, ``EXECVE``, ``CWD``, ``PATH``, ``PROCTITLE``, ``EOE``)
share the time and serial and are grouped here into one :class:`AuditEvent`
(https://github.com/linux-audit/audit-documentation/wiki/SPEC-Audit-Event-Enrichment,
https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/7/html/security_guide/sec-understanding_audit_log_files).

Values auditd had to escape (spaces, quotes, non-ASCII: ``EXECVE`` arguments,
``proctitle``, ``cmd`` of ``USER_CMD`` …) are written as bare hex; they are
decoded, so ``a1=2D6C61`` reads ``-la``. Enriched logs (``log_format =
ENRICHED``) add a ``\\x1d``-separated part with names; it is read too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from breachkit.artifacts.rotated import Problems, family, read_lines
from breachkit.artifacts.years import TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

_HEADER = re.compile(r"(?:node=(\S+) )?type=(\S+) msg=audit\((\d+)\.(\d{3}):(\d+)\):\s?(.*)", re.DOTALL)
_FIELD = re.compile(r"([\w\[\]-]+)=(\"[^\"]*\"|'[^']*'|\S*)")
_HEX = re.compile(r"(?:[0-9A-F]{2})+")
_ENCODED = re.compile(r"a\d+(\[\d+\])?|proctitle|cmd|exe|comm|cwd|name|data|acct|path")
#: Open (not yet ended) events kept at once; older ones are emitted when more arrive.
MAX_OPEN = 1000


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """The records of one audit event, merged."""

    time_ns: int
    serial: int
    types: tuple[str, ...]
    #: first value of each field across the records, decoded
    fields: dict[str, str] = field(default_factory=dict)
    #: the command line of an EXECVE record, or the decoded proctitle
    command: str | None = None
    node: str | None = None
    source_file: str = ""
    source_line: int = 0
    flags: str = ""

    @property
    def kind(self) -> str:
        if "EXECVE" in self.types:
            return "exec"
        return self.types[0].lower().replace("_", "-")

    def event(self) -> Event:
        user = self.fields.get("AUID") or self.fields.get("acct") or self.fields.get("auid")
        text = self.command or " ".join(f"{k}={v}" for k, v in list(self.fields.items())[:12])
        return Event(
            time_ns=self.time_ns,
            precision_ns=1_000_000,
            source="audit",
            kind=self.kind,
            host=self.node,
            path=self.fields.get("exe"),
            user=user if user not in (None, "unset", "4294967295") else None,
            ip=self.fields.get("addr") if self.fields.get("addr") not in (None, "?") else None,
            message=f"{'/'.join(self.types)}: {text}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"serial": self.serial, "fields": dict(list(self.fields.items())[:60])},
        )


@dataclass
class _Open:
    time_ns: int
    serial: int
    node: str | None
    line: int
    types: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    argv: dict[int, str] = field(default_factory=dict)


def decode(key: str, value: str) -> str:
    """A field's value with quotes removed and bare hex decoded where auditd hex-encodes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    if _ENCODED.fullmatch(key) and _HEX.fullmatch(value):
        raw = bytes.fromhex(value)
        return raw.replace(b"\x00", b" ").decode("utf-8", "backslashreplace").strip()
    return value


def parse_record(text: str) -> tuple[str | None, str, int, int, dict[str, str]] | None:
    """(node, type, time ns, serial, fields) of one record line, or None."""
    match = _HEADER.match(text)
    if match is None:
        return None
    node, kind, seconds, millis, serial, rest = match.groups()
    rest, _, enriched = rest.partition("\x1d")
    fields: dict[str, str] = {}
    for part in (rest, enriched):
        for key, value in _FIELD.findall(part):
            if key == "msg" and value.startswith("'"):
                fields.update({k: decode(k, v) for k, v in _FIELD.findall(value.strip("'"))})
                continue
            fields.setdefault(key, decode(key, value))
    return node, kind, int(seconds) * 1_000_000_000 + int(millis) * 1_000_000, int(serial), fields


def read_audit(source: Source, time: TimeContext, problems: Problems) -> Iterator[AuditEvent]:
    """Audit events of /var/log/audit/audit.log and its rotations, oldest first."""
    for path in family(source, "/var/log/audit", "audit.log"):
        open_events: dict[tuple[int, int], _Open] = {}
        for number, raw in read_lines(source, path, problems):
            parsed = parse_record(raw.decode("utf-8", "backslashreplace"))
            if parsed is None:
                if raw.strip():
                    problems.add(path, "unparsed-line", f"line {number}: not an audit record")
                continue
            node, kind, time_ns, serial, fields = parsed
            key = (time_ns, serial)
            current = open_events.get(key)
            if current is None:
                current = open_events[key] = _Open(time_ns, serial, node, number)
                if len(open_events) > MAX_OPEN:
                    oldest = next(iter(open_events))
                    yield _finish(open_events.pop(oldest), path, time)
            if kind == "EOE":
                yield _finish(open_events.pop(key), path, time)
                continue
            current.types.append(kind)
            for name, value in fields.items():
                if kind == "EXECVE" and re.fullmatch(r"a\d+", name):
                    current.argv[int(name[1:])] = value
                else:
                    current.fields.setdefault(name, value)
        for pending in open_events.values():
            yield _finish(pending, path, time)


def _finish(pending: _Open, path: str, time: TimeContext) -> AuditEvent:
    command = (
        " ".join(pending.argv[i] for i in sorted(pending.argv)) if pending.argv else pending.fields.get("proctitle")
    )
    if not pending.types:
        pending.types.append("EOE")
    return AuditEvent(
        time_ns=pending.time_ns + time.clock_offset_ns,
        serial=pending.serial,
        types=tuple(pending.types),
        fields=pending.fields,
        command=command or pending.fields.get("cmd"),
        node=pending.node,
        source_file=path,
        source_line=pending.line,
        flags=time.flags(),
    )
