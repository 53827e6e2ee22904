"""Scheduled jobs: cron (system, cron.d, per-user, periodic folders), anacron and at.

Where they live on Debian/Ubuntu and RHEL-likes (see crontab(5), anacrontab(5), at(1)):

* ``/etc/crontab`` and ``/etc/cron.d/*``: ``m h dom mon dow USER command``;
* per-user crontabs: ``/var/spool/cron/crontabs/<user>`` (Debian) or
  ``/var/spool/cron/<user>`` (RHEL): ``m h dom mon dow command``;
* ``/etc/cron.{hourly,daily,weekly,monthly}/*``: scripts run by run-parts;
* ``/etc/anacrontab``: ``period delay id command``;
* at jobs: ``/var/spool/cron/atjobs/*`` (Debian) or ``/var/spool/at/*``: shell
  scripts whose last lines are the command.

A web server account with a crontab is the classic way a webshell comes back
after its file is deleted; any job that fetches code, runs from a temp folder
or opens a shell over the network is flagged whoever owns it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import SERVICE_USERS, Reader, finding, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.cron"
_ENV_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_SPECIAL = re.compile(r"^@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)\s+")


def _command(line: str, with_user: bool) -> tuple[str | None, str]:
    """(user, command) of a crontab line; the user only for system crontabs."""
    special = _SPECIAL.match(line.strip())
    if special:
        rest = line.strip()[special.end() :].split(None, 1 if with_user else 0)
    else:
        parts = line.split(None, 6 if with_user else 5)
        rest = parts[5:] if len(parts) > 5 else []
    if with_user:
        if len(rest) < 2:
            return None, " ".join(rest)
        return rest[0], rest[1]
    return None, " ".join(rest) if isinstance(rest, list) else rest


def _jobs(reader: Reader, path: str, with_user: bool) -> Iterator[tuple[int, str, str | None, str]]:
    for number, line in reader.lines(path):
        if _ENV_LINE.match(line):
            continue
        user, command = _command(line, with_user)
        yield number, line, user, command


def _flag_lines(reader: Reader, path: str, with_user: bool, owner: str | None) -> Iterator[Finding]:
    risky: list[Evidence] = []
    worst = Severity.INFO
    reasons: set[str] = set()
    service_jobs: list[Evidence] = []
    for number, line, user, command in _jobs(reader, path, with_user):
        who = owner or user
        risk = judge_command(command)
        if risk is not None:
            risky.append(Evidence(path=path, line=number, excerpt=line.strip(), note="; ".join(risk.reasons)))
            worst = max(worst, risk.severity)
            reasons.update(risk.reasons)
        if owner is not None and owner in SERVICE_USERS:
            service_jobs.append(Evidence(path=path, line=number, excerpt=line.strip(), note=f"runs as {who}"))
    if risky:
        yield finding(
            CHECK,
            "Scheduled job that looks like an attacker's",
            worst,
            0.8,
            f"{path} schedules commands that " + ", ".join(sorted(reasons)) + ".",
            risky,
        )
    if service_jobs:
        yield finding(
            CHECK,
            f"The service account '{owner}' has its own crontab",
            Severity.HIGH,
            0.75,
            f"'{owner}' runs a service and does not need scheduled jobs of its own; attackers who got in through "
            "a web application add one to come back or to restart their tools.",
            service_jobs,
        )


def _per_user(reader: Reader) -> Iterator[Finding]:
    for folder in ("/var/spool/cron/crontabs", "/var/spool/cron"):
        for name in reader.listdir(folder):
            if folder == "/var/spool/cron" and name in ("crontabs", "atjobs", "atspool"):
                continue
            path = f"{folder}/{name}"
            found = list(_flag_lines(reader, path, False, name))
            yield from found
            if not found and name not in SERVICE_USERS:
                jobs = [
                    Evidence(path=path, line=n, excerpt=line.strip()) for n, line, _, _ in _jobs(reader, path, False)
                ]
                if jobs:
                    yield finding(
                        CHECK,
                        f"Crontab of user '{name}'",
                        Severity.LOW,
                        0.3,
                        f"User '{name}' has {len(jobs)} scheduled job(s); nothing about them looks malicious, but check each is known.",
                        jobs,
                    )


def _system(reader: Reader) -> Iterator[Finding]:
    yield from _flag_lines(reader, "/etc/crontab", True, None)
    for path in reader.files("/etc/cron.d"):
        yield from _flag_lines(reader, path, True, None)
        for number, line, user, _command_text in _jobs(reader, path, True):
            if user in SERVICE_USERS and user not in ("www-data", "apache", "nginx"):
                yield finding(
                    CHECK,
                    f"System cron job runs as service account '{user}'",
                    Severity.LOW,
                    0.3,
                    f"{path} runs a job as '{user}'; check that the package that owns it put it there.",
                    [Evidence(path=path, line=number, excerpt=line.strip())],
                )
    for period in ("hourly", "daily", "weekly", "monthly"):
        for path in reader.files(f"/etc/cron.{period}"):
            risky = []
            worst = Severity.INFO
            for number, line in reader.lines(path):
                risk = judge_command(line)
                if risk is not None and risk.severity >= Severity.HIGH:
                    risky.append(Evidence(path=path, line=number, excerpt=line.strip(), note="; ".join(risk.reasons)))
                    worst = max(worst, risk.severity)
            if risky:
                yield finding(
                    CHECK,
                    f"{period.capitalize()} cron script that looks like an attacker's",
                    worst,
                    0.7,
                    f"{path} is run {period} by run-parts and contains commands an attacker would use.",
                    risky,
                )
    for number, line in reader.lines("/etc/anacrontab"):
        if _ENV_LINE.match(line):
            continue
        parts = line.split(None, 3)
        risk = judge_command(parts[3]) if len(parts) == 4 else None
        if risk is not None:
            yield finding(
                CHECK,
                "Anacron job that looks like an attacker's",
                risk.severity,
                0.7,
                "/etc/anacrontab runs a command that " + ", ".join(risk.reasons) + ".",
                [Evidence(path="/etc/anacrontab", line=number, excerpt=line.strip())],
            )


def _at_jobs(reader: Reader) -> Iterator[Finding]:
    for folder in ("/var/spool/cron/atjobs", "/var/spool/at"):
        for path in reader.files(folder):
            name = path.rsplit("/", 1)[-1]
            if name.startswith(".") or name == "spool":
                continue
            text = reader.text(path)
            if text is None:
                continue
            # at's preamble exports the environment; the job itself follows the last 'cd ... || {' block.
            body = text.split("\n}\n", 1)[-1] if "\n}\n" in text else text
            lines = [
                (n, line)
                for n, line in enumerate(text.splitlines(), 1)
                if line.strip() and not line.startswith("#") and line in body.splitlines()
            ]
            worst = Severity.MEDIUM
            reasons: list[str] = []
            for _, line in lines:
                risk = judge_command(line)
                if risk is not None:
                    worst = max(worst, risk.severity)
                    reasons.extend(risk.reasons)
            yield finding(
                "persistence.at",
                "Pending 'at' job",
                worst,
                0.6 if reasons else 0.4,
                "A one-off job is queued with at; servers rarely use at, attackers do to run something later."
                + (" It " + ", ".join(dict.fromkeys(reasons)) + "." if reasons else ""),
                [Evidence(path=path, line=n, excerpt=line.strip()) for n, line in lines[-10:]],
            )


def check(reader: Reader) -> Iterator[Finding]:
    """Every crontab, anacrontab and at job of the host."""
    yield from _system(reader)
    yield from _per_user(reader)
    yield from _at_jobs(reader)
