"""Where a file sits and who made it when: the context that makes the same content worse.

A PHP file with ``eval($_POST[...])`` in a framework's vendor folder may be a
test fixture; the same line in a shop's ``images/`` folder, owned by the web
server user and born on a Saturday night, is the webshell. Each reason adds
points to a file's score (:data:`BONUS`) and is shown with the finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from breachkit.host.records import FileStat
from breachkit.sources.base import Source

TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")
WEB_ROOT = re.compile(
    r"^(/var/www/|/srv/|/home/[^/]+/(public_html|www|htdocs|web)/|/usr/share/nginx/html/|/var/lib/tomcat\d*/webapps/)"
)
UPLOAD_DIR = re.compile(
    r"/(images?|img|imgs|uploads?|upload_files|media|files|pictures?|photos?|thumbs?|thumbnails?|gallery|avatars?|attachments?)/",
    re.IGNORECASE,
)
#: Extensions a web server runs by name (a .py or .pl file only runs where a handler is configured).
SCRIPT_EXT = re.compile(r"\.(php\d?|phtml|phar|pht|pgif|shtml|jsp|jspx|aspx?|ashx|cgi)$", re.IGNORECASE)
#: Accounts web servers run as on the common distributions.
WEB_USERS = frozenset(["www-data", "apache", "nginx", "http", "wwwrun", "lighttpd", "www"])

BONUS = {
    "upload": 15,
    "hidden": 10,
    "temp": 10,
    "web-owner": 10,
    "window": 15,
}


@dataclass(frozen=True, slots=True)
class ScanContext:
    """Facts about the examined host that scoring needs."""

    #: uids of the web server accounts (from the host's /etc/passwd)
    web_uids: frozenset[int] = frozenset()
    #: the incident window, UTC nanoseconds (start, end), if known
    window: tuple[int, int] | None = None
    #: uid -> account name on the examined host (for the ``owner`` external of YARA rules)
    user_names: dict[int, str] = field(default_factory=dict)


def load_context(source: Source, window: tuple[int, int] | None = None) -> ScanContext:
    """The web server uids from the host's own ``/etc/passwd`` (not the analyst's)."""
    uids: set[int] = set()
    names: dict[int, str] = {}
    try:
        data, _ = source.read_bytes("/etc/passwd", 4 * 1024 * 1024)
    except OSError:
        data = b""
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) < 3 or not fields[2].isdigit():
            continue
        names.setdefault(int(fields[2]), fields[0])
        if fields[0] in WEB_USERS:
            uids.add(int(fields[2]))
    return ScanContext(frozenset(uids), window, names)


def in_web_root(path: str) -> bool:
    return WEB_ROOT.match(path) is not None


def in_temp(path: str) -> bool:
    return path.startswith(TEMP_DIRS)


def hidden_folder(path: str) -> str | None:
    """The first folder of ``path`` whose name starts with a dot (``.git`` and ``.well-known`` excepted)."""
    parts = path.split("/")[:-1]
    for index, part in enumerate(parts):
        if part.startswith(".") and part not in (".", "..", ".well-known", ".git", ".cache", ".config", ".local"):
            return "/".join(parts[: index + 1])
    return None


def upload_script(path: str) -> bool:
    """A server-side script in an upload or images folder of a web root."""
    return in_web_root(path) and UPLOAD_DIR.search(path) is not None and SCRIPT_EXT.search(path) is not None


def reasons(entry: FileStat, context: ScanContext) -> list[tuple[int, str]]:
    """(points, plain reason) for everything about ``entry``'s place and history that raises suspicion."""
    found: list[tuple[int, str]] = []
    path = entry.path
    if in_web_root(path) and UPLOAD_DIR.search(path):
        found.append((BONUS["upload"], "it sits in an upload/images folder of a web site, where only media belongs"))
    hidden = hidden_folder(path)
    if hidden is not None:
        found.append((BONUS["hidden"], f"it is in a hidden folder ({hidden})"))
    if in_temp(path):
        found.append((BONUS["temp"], "it is in a world-writable temp folder"))
    if entry.uid in context.web_uids:
        found.append(
            (BONUS["web-owner"], f"it is owned by the web server account (uid {entry.uid}): the web server wrote it")
        )
    if context.window is not None:
        start, end = context.window
        born = entry.btime_ns if entry.btime_ns else None
        if born is not None and start <= born <= end:
            found.append((BONUS["window"], "it was created during the incident window"))
        elif start <= entry.ctime_ns <= end:
            found.append((BONUS["window"] - 5, "its inode changed during the incident window"))
    return found
