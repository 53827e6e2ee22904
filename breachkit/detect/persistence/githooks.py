"""Git hooks in web roots: ``<site>/.git/hooks/*`` (githooks(5)).

Sites deployed with ``git pull`` keep a ``.git`` folder; a hook there (any file
not ending in ``.sample``) runs whenever someone runs git in the site, often
as root from a deploy script. Attackers with write access to the web root use
that to get from the web server account to whoever deploys.
"""

from __future__ import annotations

from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.git-hooks"
WEB_BASES = ("/var/www", "/srv", "/usr/share/nginx")
MAX_DEPTH = 3


def _git_dirs(reader: Reader) -> Iterator[str]:
    frontier = list(WEB_BASES) + [f"{home}/public_html" for home in reader.files("/home")]
    for _ in range(MAX_DEPTH + 1):
        following: list[str] = []
        for folder in frontier:
            names = reader.listdir(folder)
            if ".git" in names:
                yield f"{folder}/.git"
            following += [f"{folder}/{name}" for name in names if not name.startswith(".") and "." not in name]
        frontier = following[:2000]


def check(reader: Reader) -> Iterator[Finding]:
    for git in _git_dirs(reader):
        for path in reader.files(f"{git}/hooks"):
            if path.endswith(".sample"):
                continue
            lines = list(reader.lines(path))
            worst = Severity.MEDIUM
            notes: list[str] = []
            for _, line in lines:
                risk = judge_command(line)
                if risk is not None:
                    worst = max(worst, risk.severity)
                    notes.extend(risk.reasons)
            yield finding(
                CHECK,
                "Active git hook in a web root",
                worst,
                0.7 if notes else 0.4,
                f"{path} runs whenever someone runs git in this site"
                + (", and it " + ", ".join(dict.fromkeys(notes)) + "." if notes else "; check who put it there."),
                [Evidence(path=path, line=n, excerpt=line.strip()) for n, line in lines[:10]],
            )
