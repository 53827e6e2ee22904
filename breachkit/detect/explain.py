"""Turning a file verdict into a finding a non-specialist can act on, and ``--explain PATH``.

A finding says what the file looks like (the strongest rule or signal), why
(each rule with the strings it matched and their offsets, each context reason
with its points), and what to do next: keep it, it is evidence.
"""

from __future__ import annotations

import stat
from typing import Any

from breachkit.detect.filescan import FileVerdict
from breachkit.findings import Evidence, Finding, Severity
from breachkit.timetext import utc_text

SEVERITY = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
}

NEXT_STEP = (
    "Do not delete or open it in a browser: it is evidence. Note its hash, find the request "
    "that created it in the web server's access log (around its birth/change time), then "
    "rebuild the site from a clean copy."
)


#: Short titles by rule family (meta "family" of the built-in rules); other rules get the generic one.
FAMILY_TITLES = {
    "eval-request": "PHP webshell",
    "command-request": "PHP webshell",
    "variable-function": "PHP webshell",
    "one-liner": "PHP webshell",
    "webshell-kit": "Webshell kit",
    "file-manager": "Password-protected web file manager",
    "uploader": "Web uploader",
    "encoded-eval": "Obfuscated PHP backdoor",
    "obfuscation": "Obfuscated PHP backdoor",
    "create-function": "PHP backdoor",
    "preg-replace-e": "PHP backdoor",
    "callback-request": "PHP backdoor",
    "include-request": "PHP backdoor",
    "polyglot-image": "Image with hidden PHP code",
    "jsp-webshell": "JSP webshell",
    "asp-webshell": "ASP webshell",
    "perl-webshell": "Perl CGI webshell",
    "python-webshell": "Python webshell",
    "reverse-shell": "Reverse shell",
    "miner": "Cryptocurrency miner",
    "dos-bot": "DoS/flood bot",
    "irc-bot": "IRC bot",
    "launcher": "Launcher that keeps a dropped tool running",
    "elf-in-webroot": "Program in a web root",
    "elf-in-temp": "Program in a temp folder",
    "handler-tampering": "Web server made to run non-scripts",
}


def title(verdict: FileVerdict) -> str:
    """A short title: what it is and where."""
    if verdict.matches:
        label = FAMILY_TITLES.get(verdict.matches[0].family, "File matching a detection rule")
    elif any("hash" in reason and "indicator" in reason for _, reason in verdict.signals):
        label = "Known malicious file (hash indicator)"
    elif verdict.signals and all(r.startswith("a server-side script in an upload") for _, r in verdict.signals):
        label = "Script in an upload or images folder"
    elif verdict.signals:
        label = "Suspicious file"
    else:
        label = "File"
    return f"{label}: {verdict.path}"


def headline(verdict: FileVerdict) -> str:
    """What the file most likely is, in a few words."""
    if verdict.matches:
        top = verdict.matches[0]
        return top.describe()
    if verdict.signals:
        best = max(verdict.signals, key=lambda item: item[0])
        return best[1].split(":")[0]
    return "nothing suspicious found"


def to_finding(verdict: FileVerdict) -> Finding:
    """One finding per flagged file, every rule and signal as evidence."""
    reasons = [m.describe() for m in verdict.matches] + [reason for _, reason in verdict.signals]
    context = [reason for _, reason in verdict.context]
    text = "; ".join(dict.fromkeys(reasons))
    text = text[:1].upper() + text[1:]
    if context:
        text += ". Context: " + "; ".join(context)
    if verdict.partial:
        text += f". Note: {verdict.partial}"
    evidence = [
        Evidence(
            path=verdict.path,
            sha256=verdict.sha256,
            note=(
                f"{verdict.content_type}, {verdict.size} bytes, mode {stat.filemode(verdict.mode)}, uid {verdict.uid}, "
                f"born {utc_text(verdict.btime_ns)}, changed {utc_text(verdict.ctime_ns)}, modified {utc_text(verdict.mtime_ns)}, "
                f"score {verdict.score}"
            ),
        )
    ]
    for match in verdict.matches:
        shown = ", ".join(f"{s.identifier}@{s.offset}: {s.excerpt}" for s in match.strings)
        more = match.total_strings - len(match.strings)
        evidence.append(
            Evidence(
                path=verdict.path,
                excerpt=(shown + (f" (+{more} more)" if more > 0 else "")) or None,
                note=f"rule {match.namespace}.{match.rule} (score {match.score})",
            )
        )
    return Finding(
        check="detect.file",
        title=title(verdict),
        severity=SEVERITY[verdict.severity],
        confidence=round(min(1.0, max(m.score for m in verdict.matches) / 100 if verdict.matches else 0.5), 2),
        reason=text,
        evidence=tuple(evidence),
        next_step=NEXT_STEP,
    )


def explain(verdict: FileVerdict | None, skipped: str | None) -> dict[str, Any]:
    """Everything known about one file, scored or not, as plain data."""
    if verdict is None:
        return {"verdict": None, "why_not_scanned": skipped}
    return {
        "path": verdict.path,
        "score": verdict.score,
        "severity": verdict.severity,
        "content_type": verdict.content_type,
        "size": verdict.size,
        "sha256": verdict.sha256,
        "md5": verdict.md5,
        "sha1": verdict.sha1,
        "partial": verdict.partial,
        "born": utc_text(verdict.btime_ns),
        "changed": utc_text(verdict.ctime_ns),
        "modified": utc_text(verdict.mtime_ns),
        "rules": [
            {
                "rule": f"{m.namespace}.{m.rule}",
                "score": m.score,
                "family": m.family,
                "description": m.description,
                "strings": [
                    {"id": s.identifier, "offset": s.offset, "length": s.length, "excerpt": s.excerpt}
                    for s in m.strings
                ],
                "strings_total": m.total_strings,
            }
            for m in verdict.matches
        ],
        "signals": [{"points": p, "reason": r} for p, r in verdict.signals],
        "context": [{"points": p, "reason": r} for p, r in verdict.context],
        "why_not_scanned": skipped,
    }
