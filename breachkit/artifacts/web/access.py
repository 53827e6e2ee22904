"""Web server access logs: one request per line, in the format the server was told to write.

Apache's ``mod_log_config`` (https://httpd.apache.org/docs/2.4/mod/mod_log_config.html)
writes ``/var/log/apache2/*access.log`` (Debian) or ``/var/log/httpd/*access_log``
(RHEL); nginx's ``log_format`` (https://nginx.org/en/docs/http/ngx_http_log_module.html)
writes ``/var/log/nginx/access.log``. Formats handled:

* Apache ``combined``, ``common`` and ``vhost_combined``, nginx's default
  ``combined`` (the same text as Apache's);
* any custom ``LogFormat`` / ``log_format`` read from the server's own
  configuration (:mod:`breachkit.artifacts.web.config`): :func:`compile_apache`
  and :func:`compile_nginx` turn the format string into a regular expression.

A file may mix formats (a format change mid-file, a vhost log appended to
the main one): each line is tried against the file's own format first, then
the standard ones. Lines matching none are counted as ``unparsed-line``
problems. Times carry their own UTC offset (``[21/Nov/2026:23:41:17 +0100]``),
with whole-second precision.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, read_lines
from breachkit.artifacts.years import MONTHS, TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

COMBINED = '%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"'
COMMON = '%h %l %u %t "%r" %>s %O'
VHOST_COMBINED = '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"'
NGINX_COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
)
SECOND = 1_000_000_000

_IP = r"(?P<ip>\S+)"
_APACHE_DIRECTIVE = re.compile(r"%([<>]?)(?:!?\d{3}(?:,\d{3})*)?(?:\{([^}]*)\})?([a-zA-Z%])")
_APACHE_FIELDS: dict[str, str] = {
    "h": _IP,
    "a": _IP,
    "l": r"\S+",
    "u": r"(?P<user>\S+)",
    "t": r"\[(?P<time>[^\]]+)\]",
    "r": r"(?P<request>.*?)",
    "s": r"(?P<status>\d{3}|-)",
    "b": r"(?P<size>\d+|-)",
    "O": r"(?P<size>\d+|-)",
    "B": r"(?P<size>\d+|-)",
    "I": r"(?:\d+|-)",
    "S": r"(?:\d+|-)",
    "v": r"(?P<vhost>[^\s:]+)",
    "V": r"(?P<vhost>[^\s:]+)",
    "p": r"\d+",
    "D": r"(?P<duration_us>\d+|-)",
    "T": r"(?:\d+|-)",
    "m": r"(?P<method>[A-Za-z_-]+)",
    "U": r"(?P<urlpath>\S+)",
    "q": r"(?P<query>\S*)",
    "H": r"(?P<protocol>\S+)",
    "%": "%",
}
_APACHE_HEADERS = {"referer": r"(?P<referer>.*?)", "user-agent": r"(?P<agent>.*?)"}

_NGINX_VARIABLE = re.compile(r"\$(\{\w+\}|\w+)")
_NGINX_FIELDS: dict[str, str] = {
    "remote_addr": _IP,
    "binary_remote_addr": _IP,
    "realip_remote_addr": _IP,
    "remote_user": r"(?P<user>\S+)",
    "time_local": r"(?P<time>\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})",
    "time_iso8601": r"(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d))",
    "request": r"(?P<request>.*?)",
    "status": r"(?P<status>\d{3}|-)",
    "body_bytes_sent": r"(?P<size>\d+|-)",
    "bytes_sent": r"(?P<size>\d+|-)",
    "http_referer": r"(?P<referer>.*?)",
    "http_user_agent": r"(?P<agent>.*?)",
    "host": r"(?P<vhost>\S+)",
    "server_name": r"(?P<vhost>\S+)",
    "request_method": r"(?P<method>[A-Za-z_-]+)",
    "request_uri": r"(?P<target>\S+)",
    "uri": r"(?P<urlpath>\S+)",
    "args": r"(?P<query>\S*)",
    "query_string": r"(?P<query>\S*)",
    "server_protocol": r"(?P<protocol>\S+)",
}


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """One request as the web server logged it."""

    time_ns: int
    ip: str
    method: str | None
    #: the request target as sent: path plus ``?query``
    target: str
    status: int | None
    size: int | None
    source_file: str
    source_line: int
    raw: str
    user: str | None = None
    protocol: str | None = None
    referer: str | None = None
    agent: str | None = None
    vhost: str | None = None
    precision_ns: int = SECOND
    flags: str = ""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def event(self, vhost: str | None = None) -> Event:
        extra: dict[str, object] = {"method": self.method, "target": self.target, "status": self.status}
        if self.size is not None:
            extra["size"] = self.size
        if self.agent:
            extra["agent"] = self.agent
        if self.referer:
            extra["referer"] = self.referer
        host = self.vhost or vhost
        return Event(
            time_ns=self.time_ns,
            precision_ns=self.precision_ns,
            source="web-access",
            kind="request",
            host=host,
            path=self.path,
            user=self.user,
            ip=self.ip,
            message=f"{self.method or '?'} {self.target} -> {self.status if self.status is not None else '-'}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra=extra,
        )


@dataclass(frozen=True, slots=True)
class LogFormat:
    """A compiled access-log format."""

    name: str
    text: str
    pattern: re.Pattern[str]


def compile_apache(text: str, name: str = "custom") -> LogFormat:
    """Compile an Apache ``LogFormat`` string (as the directive's argument, quotes unescaped)."""
    out: list[str] = []
    used: set[str] = set()
    position = 0
    for match in _APACHE_DIRECTIVE.finditer(text):
        out.append(re.escape(text[position : match.start()]))
        position = match.end()
        argument, letter = (match.group(2) or ""), match.group(3)
        if letter in ("i", "o", "e", "n", "C", "x"):
            piece = _APACHE_HEADERS.get(argument.lower(), r".*?") if letter == "i" else r".*?"
        elif letter == "t" and argument:
            piece = r"(?:\[[^\]]*\]|\S+)"  # strftime variants: kept, not used for time
        else:
            piece = _APACHE_FIELDS.get(letter, r"\S*")
        out.append(_once(piece, used))
    out.append(re.escape(text[position:]))
    return LogFormat(name, text, re.compile("".join(out) + r"\Z", re.DOTALL))


def compile_nginx(text: str, name: str = "custom") -> LogFormat:
    """Compile an nginx ``log_format`` string (the concatenated quoted parts)."""
    out: list[str] = []
    used: set[str] = set()
    position = 0
    for match in _NGINX_VARIABLE.finditer(text):
        out.append(re.escape(text[position : match.start()]))
        position = match.end()
        variable = match.group(1).strip("{}")
        out.append(_once(_NGINX_FIELDS.get(variable, r".*?"), used))
    out.append(re.escape(text[position:]))
    return LogFormat(name, text, re.compile("".join(out) + r"\Z", re.DOTALL))


def _once(piece: str, used: set[str]) -> str:
    """A field captured twice would make the regex invalid: later ones become plain groups."""
    found = re.match(r"(?:\\\[)?\(\?P<(\w+)>", piece)
    if found:
        if found.group(1) in used:
            return piece.replace(f"?P<{found.group(1)}>", "?:", 1)
        used.add(found.group(1))
    return piece


STANDARD_FORMATS: tuple[LogFormat, ...] = (
    compile_apache(COMBINED, "combined"),
    compile_apache(VHOST_COMBINED, "vhost_combined"),
    compile_apache(COMMON, "common"),
)


class _Clock:
    """``21/Nov/2026:23:41:17 +0100`` to UTC ns, cached (busy logs repeat each second many times)."""

    def __init__(self) -> None:
        self.cache: dict[str, int] = {}

    def apache(self, text: str) -> int:
        value = self.cache.get(text)
        if value is not None:
            return value
        if len(self.cache) > 65536:
            self.cache.clear()
        day, month, rest = text.split("/", 2)
        year, hour, minute, tail = rest.split(":", 3)
        second, zone = tail.split(" ", 1) if " " in tail else (tail, "+0000")
        _check(int(year), MONTHS[month], int(day), int(hour), int(minute), int(second[:2]))
        seconds = calendar.timegm((int(year), MONTHS[month], int(day), int(hour), int(minute), int(second[:2])))
        sign = -1 if zone[0] == "-" else 1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)
        value = seconds * SECOND
        self.cache[text] = value
        return value

    def iso(self, text: str) -> int:
        date, clock = text[:10], text[11:19]
        year, month, day = date.split("-")
        hour, minute, second = clock.split(":")
        _check(int(year), int(month), int(day), int(hour), int(minute), int(second))
        seconds = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second)))
        zone = text[19:]
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
        return seconds * SECOND


_CONTROLS = re.compile("[\x00\r\x1f]")
_ESCAPED = re.compile(r'\\(["\\])')


def clean(text: str) -> str:
    """NUL, CR and US characters as visible ``\\xNN``/``\\r`` text (they would split or end a line elsewhere)."""
    if _CONTROLS.search(text) is None:
        return text
    return text.replace("\x00", "\\x00").replace("\r", "\\r").replace("\x1f", "\\x1f")


def _unescape(value: str | None) -> str | None:
    """Apache writes ``"`` and ``\\`` in logged strings as ``\\"`` and ``\\\\``."""
    if value is None or "\\" not in value:
        return value
    return _ESCAPED.sub(r"\1", value)


def _check(year: int, month: int, day: int, hour: int, minute: int, second: int) -> None:
    """Refuse impossible stamps (``31/Feb``) that ``timegm`` would silently roll over."""
    if not (
        1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
        and hour < 24
        and minute < 60
        and second < 61
    ):
        raise ValueError("impossible date")


class AccessParser:
    """Parses access-log lines with one preferred format and the standard ones as fallback."""

    def __init__(self, source: Source, time: TimeContext, problems: Problems, fmt: LogFormat | None = None) -> None:
        self.source = source
        self.time = time
        self.problems = problems
        formats = [fmt] if fmt is not None else []
        formats += [f for f in STANDARD_FORMATS if fmt is None or f.text != fmt.text]
        self.formats = formats
        self.clock = _Clock()
        self.flags = time.flags()

    def read(self, paths: Iterable[str]) -> Iterator[AccessRequest]:
        """Requests of ``paths`` (a rotated family, oldest first), in file order."""
        for path in paths:
            for number, raw in read_lines(self.source, path, self.problems):
                text = raw.decode("utf-8", "backslashreplace")
                request = self.parse(text, path, number)
                if request is None:
                    if text.strip():
                        self.problems.add(path, "unparsed-line", f"line {number}: not an access-log line")
                    continue
                yield request

    def parse(self, text: str, path: str, number: int) -> AccessRequest | None:
        text = clean(text)
        for index, fmt in enumerate(self.formats):
            match = fmt.pattern.match(text)
            if match is None:
                continue
            if index:
                # Keep the winning format first: a file is mostly one format.
                self.formats.insert(0, self.formats.pop(index))
            try:
                return self._request(match.groupdict(), text, path, number)
            except (ValueError, KeyError, IndexError):
                return None
        return None

    def _request(self, fields: dict[str, str | None], text: str, path: str, number: int) -> AccessRequest | None:
        stamp = fields.get("time")
        if stamp is not None:
            time_ns = self.clock.apache(stamp)
        elif fields.get("iso") is not None:
            time_ns = self.clock.iso(fields["iso"] or "")
        else:
            return None
        request = fields.get("request")
        method = fields.get("method")
        protocol = fields.get("protocol")
        target = fields.get("target")
        if request is not None:
            parts = request.split(" ")
            if len(parts) == 3:
                method, target, protocol = parts
            elif len(parts) == 2 and parts[0].isupper():
                method, target = parts
            else:
                target = request  # garbage sent instead of HTTP (TLS to port 80, probes): kept as is
        if target is None:
            urlpath = fields.get("urlpath") or ""
            query = fields.get("query") or ""
            target = urlpath + (query if not query or query.startswith("?") else "?" + query)
        status = fields.get("status")
        size = fields.get("size")
        user = fields.get("user")
        referer = _unescape(fields.get("referer"))
        agent = _unescape(fields.get("agent"))
        target = _unescape(target) or ""
        return AccessRequest(
            time_ns=time_ns + self.time.clock_offset_ns,
            ip=fields.get("ip") or "-",
            method=method,
            target=target,
            status=int(status) if status and status != "-" else None,
            size=int(size) if size and size != "-" else None,
            source_file=path,
            source_line=number,
            raw=text,
            user=user if user and user != "-" else None,
            protocol=protocol,
            referer=referer if referer and referer != "-" else None,
            agent=agent if agent and agent != "-" else None,
            vhost=fields.get("vhost"),
            flags=self.flags,
        )
