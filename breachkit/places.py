"""Where things live on a Linux server, as the analyses need to know it.

One place for the folder and name patterns several analyses share (quick
checks, timeline, live state, detection), so "a web root" or "a temp folder"
means the same everywhere.
"""

from __future__ import annotations

import re

TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")
WEB_ROOTS = re.compile(r"^(/var/www/|/srv/|/home/[^/]+/(public_html|www|htdocs)/|/usr/share/nginx/html/)")
UPLOAD_DIRS = re.compile(
    r"/(images?|img|imgs|uploads?|media|files|pictures?|photos?|thumbs?|thumbnails?|cache|tmp|temp|assets)/",
    re.IGNORECASE,
)
SCRIPT_EXT = re.compile(r"\.(php\d?|phtml|phar|pht|inc|jsp|jspx|aspx?|cgi|pl|py|sh)$", re.IGNORECASE)
#: Where package-installed setuid programs live; setuid anywhere else is rare.
SUID_HOMES = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/libexec/", "/lib/", "/usr/lib64/")
SERVICE_USERS = frozenset(
    ["www-data", "apache", "nginx", "http", "wwwrun", "nobody", "daemon", "mysql", "postgres", "redis"]
)
