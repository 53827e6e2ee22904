"""Findings written to JSON and read back from a stored, possibly damaged, file."""

from __future__ import annotations

import json

import pytest

from breachkit.findings import Evidence, Finding, Severity


def test_round_trip() -> None:
    finding = Finding(
        "detect.file",
        "PHP webshell: /var/www/a.php",
        Severity.CRITICAL,
        0.9,
        "runs request data",
        (Evidence(path="/var/www/a.php", sha256="ab" * 32), Evidence(path="/var/log/x.log", line=7, excerpt="GET")),
        "do not open it",
    )
    assert Finding.from_json(json.loads(json.dumps(finding.to_json()))) == finding


@pytest.mark.parametrize(
    "data",
    [None, [], {"check": "x", "title": "t"}, {"check": "x", "title": "t", "severity": "apocalyptic"}],
)
def test_not_a_finding(data: object) -> None:
    with pytest.raises(ValueError):
        Finding.from_json(data)


def test_damaged_fields_are_dropped_not_trusted() -> None:
    data = {
        "check": "x",
        "title": "t",
        "severity": "HIGH",
        "evidence": ["junk", {"path": 5, "line": True, "note": "kept"}, {"line": 3}],
        "next_step": ["not", "text"],
    }
    finding = Finding.from_json(data)
    assert finding.severity is Severity.HIGH and finding.next_step is None
    assert finding.evidence == (Evidence(note="kept"), Evidence(line=3))
