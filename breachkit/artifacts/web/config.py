"""Apache and nginx configuration: which site logs where, and where its files are.

Read from the examined root, never the analyst's machine:

* Apache httpd 2.4 (https://httpd.apache.org/docs/2.4/configuring.html):
  ``/etc/apache2/apache2.conf`` (Debian, with ``${APACHE_LOG_DIR}`` and friends
  from ``/etc/apache2/envvars``) or ``/etc/httpd/conf/httpd.conf`` (RHEL);
  ``Include``/``IncludeOptional`` with globs, ``<VirtualHost>`` blocks with
  ``ServerName``, ``ServerAlias``, ``DocumentRoot``, ``CustomLog``,
  ``TransferLog``, ``ErrorLog``, and ``LogFormat`` nicknames;
* nginx (https://nginx.org/en/docs/beginners_guide.html#conf_structure):
  ``/etc/nginx/nginx.conf`` with ``include`` globs, ``server`` blocks with
  ``server_name``, ``root``, ``access_log`` (with its ``log_format``) and
  ``error_log``.

Includes are resolved inside the examined root (through the source's
``listdir``), each file read at most once, with a depth limit, so a hostile
configuration cannot loop or reach outside. Anything not understood is
skipped; a config file that cannot be read becomes a problem record.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.web.access import (
    COMBINED,
    COMMON,
    NGINX_COMBINED,
    VHOST_COMBINED,
    LogFormat,
    compile_apache,
    compile_nginx,
)
from breachkit.sources.base import Source

CONFIG_CAP = 4 * 1024 * 1024
MAX_INCLUDE_DEPTH = 16
MAX_CONFIG_FILES = 2000
APACHE_MAIN = ("/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf", "/usr/local/apache2/conf/httpd.conf")
NGINX_MAIN = ("/etc/nginx/nginx.conf", "/usr/local/nginx/conf/nginx.conf")
_ENV = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class LogSpec:
    """An access log a server writes, with the format it writes it in."""

    path: str
    format: LogFormat


@dataclass(frozen=True, slots=True)
class VirtualHost:
    """A site: its names, its files on disk and its logs."""

    server: str
    names: tuple[str, ...]
    document_root: str | None
    access_logs: tuple[LogSpec, ...]
    error_logs: tuple[str, ...]
    config_file: str
    config_line: int

    @property
    def name(self) -> str:
        return self.names[0] if self.names else "(default)"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """Every virtual host found, and the logs configured outside any virtual host."""

    vhosts: tuple[VirtualHost, ...] = ()
    global_logs: tuple[LogSpec, ...] = ()

    def all_logs(self) -> Iterator[tuple[LogSpec, VirtualHost | None]]:
        for vhost in self.vhosts:
            for spec in vhost.access_logs:
                yield spec, vhost
        for spec in self.global_logs:
            yield spec, None


def read_config(source: Source, problems: Problems) -> WebConfig:
    """Apache and nginx configuration of the examined root (empty when neither is installed)."""
    vhosts: list[VirtualHost] = []
    global_logs: list[LogSpec] = []
    for main in APACHE_MAIN:
        if _readable(source, main):
            reader = _ApacheReader(source, problems, main)
            reader.run()
            vhosts += reader.vhosts
            global_logs += reader.global_logs
            break
    for main in NGINX_MAIN:
        if _readable(source, main):
            reader_n = _NginxReader(source, problems, main)
            reader_n.run()
            vhosts += reader_n.vhosts
            global_logs += reader_n.global_logs
            break
    return WebConfig(tuple(vhosts), tuple(global_logs))


def _readable(source: Source, path: str) -> bool:
    try:
        source.read_bytes(path, 1)
    except OSError:
        return False
    return True


class _Includes:
    """Reads config files and expands include globs inside the root, each file once."""

    def __init__(self, source: Source, problems: Problems) -> None:
        self.source = source
        self.problems = problems
        self.seen: set[str] = set()

    def read(self, path: str, optional: bool = False) -> str | None:
        if path in self.seen or len(self.seen) >= MAX_CONFIG_FILES:
            return None
        self.seen.add(path)
        try:
            data, cut = self.source.read_bytes(path, CONFIG_CAP)
        except OSError as exc:
            if not (optional and isinstance(exc, FileNotFoundError)):
                self.problems.add(path, "unreadable-config", exc.strerror or str(exc))
            return None
        if cut:
            self.problems.add(path, "config-cut", f"read only the first {CONFIG_CAP} bytes")
        return data.decode("utf-8", "replace")

    def expand(self, pattern: str) -> list[str]:
        """Files matching a glob pattern (``*``, ``?``, ``[]`` in any component), sorted."""
        parts = [part for part in pattern.split("/") if part]
        found = ["/"]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following: list[str] = []
            for base in found:
                if not any(ch in part for ch in "*?["):
                    following.append(posixpath.join(base, part))
                    continue
                try:
                    names = self.source.listdir(base)
                except OSError:
                    continue
                following += [posixpath.join(base, name) for name in sorted(names) if fnmatch.fnmatchcase(name, part)]
            found = following
            if not last and len(found) > MAX_CONFIG_FILES:
                break
        return found


@dataclass
class _Block:
    names: list[str] = field(default_factory=list)
    root: str | None = None
    logs: list[LogSpec] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0


class _ApacheReader:
    def __init__(self, source: Source, problems: Problems, main: str) -> None:
        self.files = _Includes(source, problems)
        self.main = main
        self.server_root = (
            posixpath.dirname(main)
            if not main.endswith("/conf/httpd.conf")
            else posixpath.dirname(posixpath.dirname(main))
        )
        self.env = self._envvars(source, posixpath.join(posixpath.dirname(main), "envvars"))
        self.formats: dict[str, str] = {"combined": COMBINED, "common": COMMON, "vhost_combined": VHOST_COMBINED}
        self.default_format = COMMON
        self.vhosts: list[VirtualHost] = []
        self.global_logs: list[LogSpec] = []
        self.pending: list[tuple[_Block, list[tuple[str, str]]]] = []
        self._top_logs: list[tuple[str, str]] = []

    def _envvars(self, source: Source, path: str) -> dict[str, str]:
        env: dict[str, str] = {}
        try:
            data, _ = source.read_bytes(path, 256 * 1024)
        except OSError:
            return env
        for line in data.decode("utf-8", "replace").splitlines():
            match = re.match(r"\s*export\s+(\w+)=(\S*)", line)
            if match:
                value = match.group(2).strip("'\"")
                value = re.sub(r"\$\{?SUFFIX\}?", "", value)  # the default instance has no suffix
                env[match.group(1)] = value
        return env

    def run(self) -> None:
        top = _Block(file=self.main)
        self._file(self.main, top, 0)
        # Formats may be defined after the CustomLog that names them: resolve at the end.
        for block, logs in [(top, self._top_logs)] + self.pending:
            specs = [LogSpec(path, self._format(fmt)) for path, fmt in logs]
            if block is top:
                self.global_logs = specs
            else:
                self.vhosts.append(
                    VirtualHost(
                        "apache",
                        tuple(block.names),
                        block.root,
                        tuple(specs),
                        tuple(block.errors),
                        block.file,
                        block.line,
                    )
                )

    def _format(self, name: str) -> LogFormat:
        text = self.formats.get(name, name if "%" in name else self.default_format)
        return compile_apache(text, name if name in self.formats else "custom")

    def _file(self, path: str, top: _Block, depth: int, optional: bool = False) -> None:
        text = self.files.read(path, optional)
        if text is None:
            return
        current: tuple[_Block, list[tuple[str, str]]] | None = None
        for number, line in _logical_lines(text):
            words = _words(_ENV.sub(lambda m: self.env.get(m.group(1), m.group(0)), line))
            if not words:
                continue
            name = words[0].lower()
            if name.startswith("<virtualhost"):
                current = (_Block(file=path, line=number), [])
                continue
            if name == "</virtualhost>":
                if current is not None:
                    self.pending.append(current)
                current = None
                continue
            block, logs = current if current is not None else (top, self._top_logs)
            args = words[1:]
            if name in ("include", "includeoptional") and args and depth < MAX_INCLUDE_DEPTH:
                pattern = args[0] if args[0].startswith("/") else posixpath.join(self.server_root, args[0])
                for included in self.files.expand(pattern):
                    self._file(included, top, depth + 1, optional=name == "includeoptional")
            elif name == "serverroot" and args:
                self.server_root = args[0]
            elif name == "logformat" and args:
                if len(args) >= 2:
                    self.formats[args[1]] = args[0]
                else:
                    self.default_format = args[0]
            elif name in ("servername", "serveralias") and args:
                block.names += [arg.split(":")[0] for arg in args]
            elif name == "documentroot" and args:
                block.root = args[0].rstrip("/") or "/"
            elif name in ("customlog", "transferlog") and args:
                target = _log_target(args[0], self.server_root)
                if target:
                    logs.append((target, args[1] if name == "customlog" and len(args) > 1 else self.default_format))
            elif name == "errorlog" and args:
                target = _log_target(args[0], self.server_root)
                if target:
                    block.errors.append(target)


def _log_target(spec: str, server_root: str) -> str | None:
    """The file of a log directive: piped loggers (``|rotatelogs /var/log/x 86400``) name it as an argument."""
    if spec.startswith("|"):
        for word in spec[1:].split()[1:]:
            if word.startswith("/"):
                return word
        return None
    if spec.startswith("syslog"):
        return None
    return spec if spec.startswith("/") else posixpath.join(server_root, spec)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined and comments dropped, with their first line number."""
    buffer = ""
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        stripped = line.strip()
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        whole = (buffer + stripped).strip()
        buffer = ""
        if whole and not whole.startswith("#"):
            yield start, whole


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return line.split()


class _NginxReader:
    def __init__(self, source: Source, problems: Problems, main: str) -> None:
        self.files = _Includes(source, problems)
        self.main = main
        self.prefix = posixpath.dirname(main)
        self.formats: dict[str, str] = {"combined": NGINX_COMBINED}
        self.vhosts: list[VirtualHost] = []
        self.global_logs: list[LogSpec] = []
        self._servers: list[tuple[_Block, list[tuple[str, str]]]] = []
        self._http_logs: list[tuple[str, str]] = []

    def run(self) -> None:
        tokens = list(self._tokens(self.main, 0))
        self._walk(tokens)
        for block, logs in self._servers:
            chosen = logs if logs else self._http_logs
            specs = tuple(LogSpec(path, self._format(fmt)) for path, fmt in chosen)
            self.vhosts.append(
                VirtualHost("nginx", tuple(block.names), block.root, specs, tuple(block.errors), block.file, block.line)
            )
        if not self._servers:
            self.global_logs = [LogSpec(path, self._format(fmt)) for path, fmt in self._http_logs]

    def _format(self, name: str) -> LogFormat:
        return compile_nginx(self.formats.get(name, NGINX_COMBINED), name)

    def _tokens(self, path: str, depth: int) -> Iterator[tuple[str, str, int]]:
        """(item, file, line); ``include`` is expanded here, in place."""
        text = self.files.read(path)
        if text is None:
            return
        words: list[tuple[str, int]] = []
        for item, number in _nginx_lex(text):
            if item == ";" and words and words[0][0] == "include" and len(words) == 2:
                target = words[1][0]
                pattern = target if target.startswith("/") else posixpath.join(self.prefix, target)
                if depth < MAX_INCLUDE_DEPTH:
                    for included in self.files.expand(pattern):
                        yield from self._tokens(included, depth + 1)
                words = []
                continue
            if item in (";", "{", "}"):
                for word, line in words:
                    yield word, path, line
                words = []
                yield item, path, number
            else:
                words.append((item, number))
        for word, line in words:
            yield word, path, line

    def _walk(self, tokens: list[tuple[str, str, int]]) -> None:
        stack: list[str] = []
        statement: list[str] = []
        server: tuple[_Block, list[tuple[str, str]]] | None = None
        for item, path, number in tokens:
            if item == "{":
                name = statement[0] if statement else ""
                stack.append(name)
                if name == "server" and "http" in stack[:-1]:
                    server = (_Block(file=path, line=number), [])
                statement = []
            elif item == "}":
                if stack:
                    closed = stack.pop()
                    if closed == "server" and server is not None:
                        self._servers.append(server)
                        server = None
                statement = []
            elif item == ";":
                self._statement(statement, stack, server)
                statement = []
            else:
                statement.append(item)

    def _statement(
        self, words: list[str], stack: list[str], server: tuple[_Block, list[tuple[str, str]]] | None
    ) -> None:
        if not words:
            return
        name, args = words[0], words[1:]
        in_location = "location" in stack
        if name == "log_format" and len(args) >= 2:
            parts = [arg for arg in args[1:] if not arg.startswith("escape=")]
            self.formats[args[0]] = "".join(parts)
        elif name == "access_log" and args and not in_location:
            if args[0] == "off":
                return
            entry = (args[0], args[1] if len(args) > 1 and "=" not in args[1] else "combined")
            if server is not None:
                server[1].append(entry)
            elif "http" in stack:
                self._http_logs.append(entry)
        elif server is None or in_location:
            return
        elif name == "server_name":
            server[0].names += [arg for arg in args if arg not in ("_", '""')]
        elif name == "root" and args:
            server[0].root = args[0].rstrip("/") or "/"
        elif name == "error_log" and args:
            server[0].errors.append(args[0])


def _nginx_lex(text: str) -> Iterator[tuple[str, int]]:
    """nginx tokens: words, quoted strings (unquoted), ``{ } ;``; ``#`` comments dropped."""
    index, line, size = 0, 1, len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
            index += 1
        elif char.isspace():
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
        elif char in "{};":
            yield char, line
            index += 1
        elif char in "\"'":
            start, index, parts = line, index + 1, []
            while index < size and text[index] != char:
                if text[index] == "\\" and index + 1 < size:
                    parts.append(text[index + 1])
                    index += 2
                    continue
                if text[index] == "\n":
                    line += 1
                parts.append(text[index])
                index += 1
            index += 1
            yield "".join(parts), start
        else:
            start = index
            while index < size and not text[index].isspace() and text[index] not in "{};":
                index += 1
            yield text[start:index], line
