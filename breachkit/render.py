"""Terminal rendering shared by the commands.

Everything that came from the evidence goes through :func:`safe` before it
reaches the terminal: control characters and escape sequences become visible
escapes (:func:`breachkit.host.textsafe.printable`) and rich markup is escaped,
so a file named ``[red]`` or ``\\x1b[2J`` prints as what it is.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from breachkit.findings import Finding, Severity
from breachkit.host.textsafe import printable

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def safe(text: object) -> str:
    """Evidence text made safe for a rich console."""
    return escape(printable(str(text)))


def console(stderr: bool = False) -> Console:
    """A console for evidence: no emoji codes (":x:" in a passwd line stays text), no auto-highlighting."""
    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, emoji=False, soft_wrap=True)


def print_finding(out: Console, finding: Finding, index: int, max_evidence: int = 5) -> None:
    style = SEVERITY_STYLE[finding.severity]
    out.print(f"{index:>2}. [{style}]{finding.severity.label.upper():<8}[/] [bold]{safe(finding.title)}[/]")
    out.print(f"    {safe(finding.reason)}")
    for item in finding.evidence[:max_evidence]:
        where = safe(item.path or "")
        if item.line is not None:
            where += f":{item.line}"
        detail = item.excerpt if item.excerpt is not None else item.note
        out.print(f"      - {where}" + (f"  [dim]{safe(detail)}[/]" if detail else ""))
    hidden = len(finding.evidence) - max_evidence
    if hidden > 0:
        out.print(f"      … {hidden} more in the JSON results")
    if finding.next_step:
        out.print(f"    [green]next:[/] {safe(finding.next_step)}")
