"""The public records of the demo host: lookups, JSON, and the import paths they are offered under."""

from __future__ import annotations

import pytest

import breachkit.demo
from breachkit.demo import scenario as scenario_module
from breachkit.demo import truth
from breachkit.demo.scenario import Scenario

RECORDS = (
    "AttackRequest",
    "AttackerAddress",
    "AttackerLogin",
    "BenignNoise",
    "Entry",
    "EntryPoint",
    "FileTimes",
    "GroundTruth",
    "MaliciousFile",
    "Scenario",
    "Timestomp",
    "Trace",
    "Vhost",
    "Wipe",
)


def test_records_are_the_same_objects_under_every_import_path() -> None:
    for name in RECORDS:
        assert getattr(breachkit.demo, name) is getattr(scenario_module, name) is getattr(truth, name), name
    assert breachkit.demo.generate is scenario_module.generate


def test_entry_lookup_and_membership(scenario: Scenario) -> None:
    assert scenario.entry("/etc/passwd").kind == "file"
    assert "/etc/passwd" in scenario
    assert "/etc/passwd-nope" not in scenario
    assert 42 not in scenario
    with pytest.raises(KeyError):
        scenario.entry("/etc/passwd-nope")


def test_iter_paths_stays_under_the_prefix(scenario: Scenario) -> None:
    paths = [e.path for e in truth.iter_paths(scenario, "/etc/ssh")]
    assert paths[0] == "/etc/ssh"
    assert all(p == "/etc/ssh" or p.startswith("/etc/ssh/") for p in paths)
    assert "/etc/ssh/sshd_config" in paths


def test_json_adds_utc_siblings_to_every_time(scenario: Scenario) -> None:
    data = scenario.ground_truth.to_json()
    assert data["snapshot_utc"] == "2026-11-22T20:40:00.000000000Z"  # 21:40 CET
    assert "request_utc" in data["entry_point"]
    assert all("btime_utc" in m for m in data["malicious"])
