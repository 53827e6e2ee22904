"""The attack as a plain-language story with exact times, in UTC and in the host's own zone.

Built from the links (request -> file), the entry point and the address
pivot: it starts at the entry request, follows each dropped file and the first
commands sent through it, and ends with the attacker's last request. Files no
request could be tied to are told at their own (birth, else change) time with
that said. Times from access logs are whole seconds (that is what the log
holds); file times keep a tenth of a second, so "0.3 s later" is visible.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from breachkit.correlate.links import command_of, first_time
from breachkit.correlate.model import AddressActivity, EntryCandidate, Link, Request, StoryLine
from breachkit.findings import Severity

NS = 1_000_000_000
#: Commands through one script told one by one before they are summed up.
MAX_COMMANDS = 3
_VERB = {
    "birth": "was born",
    "change": "was changed (its change time; no usable birth time)",
    "modification": "was last written (its modification time; no usable birth time)",
}


def stamp(ns: int, zone: tzinfo, digits: int) -> str:
    """``2026-11-21 22:41:17.7`` in ``zone`` with ``digits`` decimals (0: whole seconds) and the zone's abbreviation."""
    try:
        when = datetime.fromtimestamp(ns // NS, tz=timezone.utc).astimezone(zone)
    except (OverflowError, OSError, ValueError):
        return f"@{ns}ns"
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    if digits:
        text += f"{(ns % NS) / NS:.{digits}f}"[1:]
    return f"{text} {when.strftime('%Z') or 'host time'}"


def _line(ns: int, zone: tzinfo, digits: int, text: str, refs: tuple[str, ...]) -> StoryLine:
    return StoryLine(ns, stamp(ns, timezone.utc, digits), stamp(ns, zone, digits), text, refs)


def _short(path: str, link: Link) -> str:
    return link.file.url_path.lstrip("/") if link.file.url_path else path


def _did(request: Request) -> str:
    site = f" on {request.site}" if request.site else ""
    command = command_of(request.target)
    if command is not None:
        return f"{request.ip} ran '{_clip(command)}' through {request.path}{site}"
    verb = {"POST": "POSTed to", "PUT": "PUT", "GET": "requested", "HEAD": "requested"}.get(
        request.method, request.method
    )
    return f"{request.ip} {verb} {request.path}{site}"


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tell(
    links: list[Link], entries: list[EntryCandidate], addresses: list[AddressActivity], zone: tzinfo
) -> list[StoryLine]:
    """The story lines, in time order, starting at the entry request when there is one."""
    lines: list[StoryLine] = []
    told_requests: set[str] = set()
    entry = entries[0] if entries else None
    for link in links:
        name = _short(link.file.path, link)
        if link.creator is not None and link.anchor_ns is not None:
            request = link.creator
            delta = (link.delta_ns or 0) / NS
            text = f"{_did(request)}; {delta:.1f} s later {name} {_VERB.get(link.anchor, 'appeared')}"
            if entry is not None and request.where == entry.request.where:
                text += " (the likely entry point)"
            lines.append(_line(request.time_ns, zone, 0, text, (request.where, link.file.path)))
            told_requests.add(request.where)
        elif link.file.severity < Severity.HIGH:
            continue  # a medium finding nothing ties to the attack: listed, not told
        else:
            when = first_time(link.file)
            lines.append(
                _line(
                    when,
                    zone,
                    1,
                    f"{link.file.path} was born or changed; no request could be tied to it",
                    (link.file.path,),
                )
            )
        # What the dropped file was used for: its first request, then the first commands sent through it.
        if link.file.url_path is None or (link.creator is None and link.file.severity < Severity.HIGH):
            continue
        commands = 0
        first = True
        for request in link.later:
            if request.where in told_requests:
                continue
            command = command_of(request.target)
            if first and command is None:
                lines.append(
                    _line(
                        request.time_ns,
                        zone,
                        0,
                        f"{request.ip} requested {name} (status {request.status})",
                        (request.where,),
                    )
                )
                told_requests.add(request.where)
                first = False
                continue
            if command is not None and commands < MAX_COMMANDS:
                lines.append(
                    _line(
                        request.time_ns,
                        zone,
                        0,
                        f"{name} was called with the command '{_clip(command)}' by {request.ip}",
                        (request.where,),
                    )
                )
                told_requests.add(request.where)
                commands += 1
                first = False
        if link.later_count > commands + 1:
            last = link.later[-1]
            lines.append(
                _line(
                    last.time_ns,
                    zone,
                    0,
                    f"{name} was requested {link.later_count} time(s) in all"
                    + (
                        f", the last of the first {len(link.later)} shown here"
                        if link.later_count > len(link.later)
                        else ""
                    ),
                    (last.where,),
                )
            )
    for address in addresses:
        if address.role == "client" and address.last_ns is not None and lines:
            lines.append(
                _line(
                    address.last_ns,
                    zone,
                    0,
                    f"last activity on record from {address.ip} ({address.requests} web request(s) in all"
                    + (f", on {', '.join(address.sites)}" if address.sites else "")
                    + ")",
                    (),
                )
            )
    lines.sort(key=lambda line: line.time_ns)
    if entry is not None:
        # The story starts where the attacker got in; older lines are told after it, marked as such.
        start = entry.request.time_ns
        before = [
            StoryLine(line.time_ns, line.utc, line.local, f"(before the entry) {line.text}", line.refs)
            for line in lines
            if line.time_ns < start
        ]
        lines = [line for line in lines if line.time_ns >= start] + before
    return lines
