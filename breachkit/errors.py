"""The one exception hierarchy of breachkit.

Per-item trouble (an unreadable file, a malformed log line) is never an
exception: it is recorded as a :class:`breachkit.host.records.Warning_` and the
run goes on. Exceptions are for problems that stop a command; their message
says what to do next.
"""

from __future__ import annotations


class BreachkitError(Exception):
    """Base of every error breachkit raises on purpose."""


class CaseError(BreachkitError):
    """The case folder is missing, malformed or its journal does not verify."""


class EvidenceError(BreachkitError):
    """Evidence could not be stored or failed its hash check."""


class SourceError(BreachkitError):
    """The examined root, bundle or image cannot be read at all."""


class UsageError(BreachkitError):
    """The command line asks for something that cannot be done."""
