"""Which breachkit rows a Sigma rule's ``logsource`` means, and what its field names read.

Sigma rules name their log with ``logsource`` (``category``, ``product``,
``service``; taxonomy at https://sigmahq.io/docs/basics/log-sources.html and
https://github.com/SigmaHQ/sigma-specification/blob/main/appendix/sigma-taxonomy-appendix.md)
and their fields with the names of that log. :func:`target_for` maps a
logsource to a :class:`Target`: a table of the case database, a fixed SQL
filter on it (so DuckDB hands the matcher only the rows that can match) and a
field map. The supported logsources:

========================================  =======================================================
logsource                                 rows
========================================  =======================================================
``category: webserver`` (also             ``web_requests`` (W3C names: ``c-ip``, ``cs-method``,
``product: apache``/``nginx``)            ``cs-uri-query``, ``cs-uri-stem``, ``sc-status``,
                                          ``c-useragent``, ``cs-referer`` …)
``product: linux, service: auditd``       ``events`` from audit.log (``type``, ``a0``…``aN``, and
                                          every audit record field by its own name: ``exe``,
                                          ``comm``, ``key``, ``syscall``, ``SYSCALL`` …)
``product: linux, category:               audit ``EXECVE`` events and shell-history commands
process_creation``                        (``CommandLine``, ``Image``, ``User``, ``CurrentDirectory``)
``product: linux, service: auth``,        ``events`` of auth.log/secure (with the journal's auth
``sshd``, ``sudo``, ``su``                messages); sshd/sudo/su narrowed by program
``product: linux, service: syslog``       syslog/messages/kern.log and the journal
``product: linux, service: cron``         cron runs
``product: linux`` (no service)           every text log of the host (auth, syslog, cron,
                                          journal, audit, shell history)
========================================  =======================================================

Keyword rules (a list of strings instead of a map) search the event's
message; for web requests, the access-log line rebuilt from the row (client,
user, request, status, size, referer, agent), so a keyword matches what an
analyst would grep for.

Two mapping choices worth knowing: ``cs-uri-query`` (and ``c-uri``) read the
whole request target, path and query, because that is how SigmaHQ's web rules
use it (``cs-uri-query|contains: '/cgi-bin/.%2e/'``); ``cs-uri-stem`` is the
path alone. Audit argv fields (``a0``…) come from the decoded command line
split on spaces, so an argument that itself held a space reads as two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: A value read from a row: str, int, None (absent), or a tuple of them (multi-valued field).
Value = Any
Getter = Callable[["Row"], Value]

EVENT_COLUMNS = (
    "time_ns",
    "source",
    "kind",
    "host",
    "path",
    "user",
    "ip",
    "message",
    "source_file",
    "source_line",
    "extra",
)
WEB_COLUMNS = (
    "time_ns",
    "ip",
    "user",
    "method",
    "target",
    "path",
    "protocol",
    "status",
    "size",
    "referer",
    "agent",
    "vhost",
    "site",
    "source_file",
    "source_line",
)
_AUDIT_FIELD = re.compile(r"[A-Za-z_][\w-]{0,63}")
_ARGV = re.compile(r"a(\d{1,3})")
SYSTEM_SOURCES = ("auth", "syslog", "cron", "journal", "audit", "shell-history")


class Row:
    """One row of the target table, with the event's ``extra`` JSON parsed on first use."""

    __slots__ = ("_extra", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self._extra: dict[str, Any] | None = None

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def extra(self) -> dict[str, Any]:
        if self._extra is None:
            raw = self.values.get("extra")
            parsed: Any = None
            if isinstance(raw, str) and raw:
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = None
            self._extra = parsed if isinstance(parsed, dict) else {}
        return self._extra


@dataclass(frozen=True, slots=True)
class Target:
    """Where a logsource's rows are and how its Sigma field names read them."""

    #: short name shown in reports (``webserver``, ``linux/auditd`` …)
    name: str
    table: str
    #: SQL predicate over ``table``; constant text, never built from a rule
    where: str
    columns: tuple[str, ...]
    #: Sigma field name (lower case) -> getter
    fields: Mapping[str, Getter]
    #: the text keyword rules search
    keywords: Getter
    #: the evidence excerpt of a matching row
    excerpt: Getter
    #: getter for field names not in ``fields`` (auditd's open set of record fields), or None
    fallback: Callable[[str], Getter | None] | None = field(default=None)
    #: Sigma field name (lower case) -> VARCHAR column it reads as is (for the DuckDB pre-filter)
    text_columns: Mapping[str, str] = field(default_factory=dict)
    #: VARCHAR column that is exactly the keyword text, or None
    keyword_column: str | None = None

    def getter(self, name: str) -> Getter | None:
        """How to read Sigma field ``name`` here, or None when breachkit does not record it."""
        found = self.fields.get(name.lower())
        if found is not None:
            return found
        return self.fallback(name) if self.fallback is not None else None


def target_for(logsource: Any) -> Target | str:
    """The :class:`Target` of a pySigma ``SigmaLogSource``, or why it is not supported."""
    category = (logsource.category or "").lower()
    product = (logsource.product or "").lower()
    service = (logsource.service or "").lower()
    if category == "webserver" or (product in ("apache", "nginx") and service in ("", "access")):
        return WEB
    if product != "linux":
        shown = "/".join(part for part in (category, product, service) if part) or "empty"
        return f"logsource {shown} is not a Linux or web server log"
    if category == "process_creation":
        return PROCESS_CREATION
    if category:
        return f"logsource category {category} (product linux) is not recorded by breachkit"
    if not service:
        return LINUX_ALL
    found = _SERVICES.get(service)
    if found is None:
        return f"logsource service {service} (product linux) is not read by breachkit"
    return found


def _column(name: str) -> Getter:
    return lambda row: row.get(name)


def _extra(key: str) -> Getter:
    return lambda row: row.extra().get(key)


def _web_line(row: Row) -> str:
    """The request as an access-log line (combined format, without the time)."""
    status = row.get("status")
    size = row.get("size")
    return (
        f"{row.get('ip') or '-'} - {row.get('user') or '-'} "
        f'"{row.get("method") or "-"} {row.get("target") or ""} {row.get("protocol") or ""}" '
        f"{status if status is not None else '-'} {size if size is not None else '-'} "
        f'"{row.get("referer") or "-"}" "{row.get("agent") or "-"}"'
    )


def _message(row: Row) -> str:
    return str(row.get("message") or "")


_WEB_FIELDS: dict[str, Getter] = {}
_WEB_TEXT: dict[str, str] = {}
for _names, _col in (
    (("c-ip", "client-ip", "clientip", "src_ip", "remote_addr"), "ip"),
    (("cs-username", "remote_user"), "user"),
    (("cs-method", "method", "request_method"), "method"),
    (("c-uri", "cs-uri", "cs-uri-query", "c-uri-query", "url", "uri", "request_uri"), "target"),
    (("cs-uri-stem", "c-uri-stem", "uri_path"), "path"),
    (("cs-version", "protocol"), "protocol"),
    (("sc-status", "status"), "status"),
    (("sc-bytes", "body_bytes_sent"), "size"),
    (("cs-referer", "cs-referrer", "referer", "http_referer"), "referer"),
    (("c-useragent", "cs-user-agent", "useragent", "user-agent", "http_user_agent"), "agent"),
    (("cs-host", "host", "server_name", "vhost"), "vhost"),
):
    for _name in _names:
        _WEB_FIELDS[_name] = _column(_col)
        if _col not in ("status", "size"):
            _WEB_TEXT[_name] = _col

WEB = Target(
    name="webserver",
    table="web_requests",
    where="TRUE",
    columns=WEB_COLUMNS,
    fields=_WEB_FIELDS,
    keywords=_web_line,
    excerpt=_web_line,
    text_columns=_WEB_TEXT,
)


def _audit_command(row: Row) -> str | None:
    message = str(row.get("message") or "")
    if row.get("kind") != "exec":
        return None
    return message.split(": ", 1)[1] if ": " in message else None


def _audit_types(row: Row) -> tuple[str, ...]:
    message = str(row.get("message") or "")
    head = message.split(": ", 1)[0]
    return tuple(head.split("/")) if head else ()


def _audit_fields(row: Row) -> dict[str, Any]:
    fields = row.extra().get("fields")
    return fields if isinstance(fields, dict) else {}


def _audit_fallback(name: str) -> Getter | None:
    argv = _ARGV.fullmatch(name)
    if argv is not None:
        index = int(argv.group(1))

        def arg(row: Row) -> str | None:
            command = _audit_command(row)
            parts = command.split(" ") if command else []
            return parts[index] if index < len(parts) else None

        return arg
    if _AUDIT_FIELD.fullmatch(name) is None:
        return None
    # Audit record fields are an open set that differs by record type: any name is read as it is.
    return lambda row: _audit_fields(row).get(name)


AUDITD = Target(
    name="linux/auditd",
    table="events",
    where="source = 'audit'",
    columns=EVENT_COLUMNS,
    fields={"type": _audit_types},
    keywords=_message,
    excerpt=_message,
    fallback=_audit_fallback,
    keyword_column="message",
)


def _process_field(audit_key: str) -> Getter:
    return lambda row: _audit_fields(row).get(audit_key) if row.get("source") == "audit" else None


def _command_line(row: Row) -> str | None:
    if row.get("source") == "shell-history":
        return str(row.get("message") or "")
    return _audit_command(row)


PROCESS_CREATION = Target(
    name="linux/process_creation",
    table="events",
    where="(source = 'audit' AND kind = 'exec') OR source = 'shell-history'",
    columns=EVENT_COLUMNS,
    fields={
        "commandline": _command_line,
        "image": _process_field("exe"),
        "currentdirectory": _process_field("cwd"),
        "processid": _process_field("pid"),
        "parentprocessid": _process_field("ppid"),
        "user": _column("user"),
        "logonid": _process_field("ses"),
    },
    keywords=_command_line,
    excerpt=_message,
)


def _system(name: str, where: str) -> Target:
    return Target(
        name=name,
        table="events",
        where=where,
        columns=EVENT_COLUMNS,
        fields={
            "user": _column("user"),
            "username": _column("user"),
            "host": _column("host"),
            "hostname": _column("host"),
            "ip": _column("ip"),
            "sourceip": _column("ip"),
            "src_ip": _column("ip"),
            "message": _column("message"),
            "program": _extra("program"),
            "processname": _extra("program"),
            "pid": _extra("pid"),
            "processid": _extra("pid"),
            "kind": _column("kind"),
        },
        keywords=_message,
        excerpt=_message,
        text_columns={
            "user": "user",
            "username": "user",
            "host": "host",
            "hostname": "host",
            "ip": "ip",
            "sourceip": "ip",
            "src_ip": "ip",
            "message": "message",
            "kind": "kind",
        },
        keyword_column="message",
    )


#: journal rows with an auth program are classified (kind other than ``line``).
_AUTH = "(source = 'auth' OR (source = 'journal' AND kind <> 'line'))"
_PROGRAM = "json_extract_string(extra, '$.program')"
_SERVICES: dict[str, Target] = {
    "auth": _system("linux/auth", _AUTH),
    "sshd": _system("linux/sshd", f"{_AUTH} AND {_PROGRAM} LIKE 'sshd%'"),
    "sudo": _system("linux/sudo", f"{_AUTH} AND {_PROGRAM} = 'sudo'"),
    "su": _system("linux/su", f"{_AUTH} AND {_PROGRAM} = 'su'"),
    "syslog": _system("linux/syslog", "source IN ('syslog', 'journal')"),
    "cron": _system("linux/cron", "source = 'cron'"),
    "auditd": AUDITD,
}
LINUX_ALL = _system("linux", "source IN ({})".format(", ".join(f"'{s}'" for s in SYSTEM_SOURCES)))
