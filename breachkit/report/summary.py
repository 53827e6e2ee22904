"""The report's opening: what happened, in plain words, for people who will read nothing else.

Every sentence comes from a fact the report shows further down (the entry
point, the dropped files, the accounts, the secrets at risk, the counts), and
when a fact is missing the summary says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

from breachkit.report.model import Account, Address, DataAtRisk, DroppedFile, EntryPoint

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def what_it_is(title: str) -> str:
    """``PHP webshell: /var/www/…`` -> ``PHP webshell``; titles without a path stay whole."""
    head, sep, _ = title.partition(": /")
    return head if sep else title


def summarize(
    host: str,
    when: str | None,
    entry: EntryPoint | None,
    dropped: Sequence[DroppedFile],
    addresses: Sequence[Address],
    accounts: Sequence[Account],
    data_at_risk: Sequence[DataAtRisk],
    by_severity: dict[str, int],
    next_step: str | None,
) -> tuple[str, ...]:
    serious = by_severity.get("critical", 0) + by_severity.get("high", 0)
    lines: list[str] = []
    if entry is not None:
        request = entry.request
        site = f" on {request.site}" if request.site else ""
        lines.append(
            f"On {when or request.local} an attacker from {request.ip} got into {host} through "
            f"{request.method} {request.target}{site}. {len(dropped)} file(s) of the attack were found."
        )
    elif dropped:
        lines.append(
            f"{host} was compromised: {len(dropped)} file(s) of an attack were found"
            + (f", the first on {when}" if when else "")
            + ". How the attacker got in could not be established from the evidence left "
            "(see 'What could not be established')."
        )
    elif serious:
        lines.append(
            f"The checks found {serious} serious finding(s) on {host}, but no file could be tied to an attack. "
            "Read the findings below from the top."
        )
    else:
        lines.append(
            f"No sign of an attack was found on {host} in the evidence collected. That does not prove the host "
            "is clean: check what could not be established, and the findings below."
        )
    if dropped:
        kinds = [f"{what_it_is(d.what)} ({d.path})" for d in dropped[:6]]
        more = f" and {len(dropped) - 6} more" if len(dropped) > 6 else ""
        lines.append("What the attacker left: " + "; ".join(kinds) + more + ".")
    if accounts:
        lines.append("Accounts the attacker used or changed: " + ", ".join(a.name for a in accounts) + ".")
    read = [d for d in data_at_risk if d.read_in_window]
    if data_at_risk:
        lines.append(
            f"{len(data_at_risk)} file(s) with passwords or keys were readable by the attacker"
            + (f", {len(read)} of them read during the attack" if read else "")
            + ": change every secret in them."
        )
    groups = (
        ("", [a.ip for a in addresses if a.role == "client"]),
        ("named in the attacker's commands: ", [a.ip for a in addresses if a.role == "mentioned"]),
        ("in other findings (log-ins, records): ", [a.ip for a in addresses if a.role not in ("client", "mentioned")]),
    )
    parts = [label + ", ".join(ips) for label, ips in groups if ips]
    if parts:
        lines.append("Addresses involved: " + "; ".join(parts) + ".")
    counts = ", ".join(f"{by_severity[s]} {s}" for s in SEVERITY_ORDER if by_severity.get(s))
    lines.append(f"Findings in all: {counts or 'none'}." + (f" Next step: {next_step}." if next_step else ""))
    return tuple(lines)
