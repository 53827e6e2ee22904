from __future__ import annotations

import shutil
from pathlib import Path

from breachkit.case import Case
from breachkit.indicators import extract
from tests.indicators.conftest import DemoCase

DATA = Path(__file__).parents[1] / "data" / "indicators"


def _case(tmp_path: Path) -> Case:
    case = Case.init(tmp_path / "case", "test", "tester")
    shutil.copy(DATA / "findings.jsonl", case.db_dir / "findings.jsonl")
    return case


def test_takes_strong_findings_and_says_why(tmp_path: Path) -> None:
    case = _case(tmp_path)
    result = extract(case.root)
    values = {(i.kind, i.value) for i in result.indicators}
    assert ("sha256", "3f1d8c0b5e2a4f6d7c8b9a0e1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5") in values
    assert ("path", "/var/www/html/uploads/avatar_91.php") in values
    assert ("filename", "avatar_91.php") in values
    assert ("url", "http://evil.example.net/x.sh") in values
    assert ("domain", "evil.example.net") in values
    assert ("ip", "192.0.2.44") in values
    assert ("path", "/var/spool/cron/crontabs/www-data") in values
    # A hostile name stays data, exactly as it was.
    assert ("path", "/tmp/.a\nb") in values
    for item in result.indicators:
        assert item.reason and item.source_check
    webshell = next(i for i in result.indicators if i.kind == "path" and i.value.endswith("avatar_91.php"))
    assert webshell.sha256 and webshell.sha256.startswith("3f1d8c")


def test_leaves_out_weak_findings_loopback_and_hunt_results(tmp_path: Path) -> None:
    case = _case(tmp_path)
    result = extract(case.root)
    values = {i.value for i in result.indicators}
    assert "/usr/bin/passwd" not in values  # medium, confidence 0.4: a lead, not an indicator
    assert "10.9.8.7" not in values
    assert "f" * 64 not in values  # info finding
    assert "127.0.0.1" not in values
    assert "192.0.2.99" not in values  # from a hunt of another target
    # cron evidence has no hash: its path is taken, no file name
    assert "www-data" not in values
    assert result.findings_read == 6 and result.findings_used == 3


def test_same_finding_in_report_counts_once_and_bad_lines_are_reported(tmp_path: Path) -> None:
    case = _case(tmp_path)
    lines = (DATA / "findings.jsonl").read_text().splitlines()
    import json

    (case.report_dir / "triage.json").write_text(json.dumps({"findings": [json.loads(x) for x in lines]}))
    with (case.db_dir / "findings.jsonl").open("a") as handle:
        handle.write("{not json\n")
    result = extract(case.root)
    assert result.findings_read == 6
    assert any("findings.jsonl:7" in p for p in result.problems)


def test_demo_case_names_the_attackers_files_and_no_benign_noise(demo_case: DemoCase) -> None:
    result = extract(demo_case.case)
    truth = demo_case.truth
    values = {(i.kind, i.value) for i in result.indicators}
    for role in ("webshell", "dos-tool", "backdoor", "launcher"):
        bad = next(m for m in truth.malicious if m.role == role)
        assert ("sha256", bad.sha256) in values, role
        assert ("path", bad.path) in values, role
    assert set(truth.attacker_ips) <= {value for kind, value in values if kind == "ip"}
    noise = {n.path for n in truth.benign_noise}
    assert not noise & {i.value for i in result.indicators}
    # Log files are where an address was seen, never an indicator themselves.
    assert not [i for i in result.indicators if i.kind == "path" and i.value.startswith("/var/log/")]
    # The victim's own sites are not indicators either.
    own = {v.domain for v in truth.vhosts}
    assert not [i for i in result.indicators if i.kind in ("domain", "url") and any(d in i.value for d in own)]
    dropped = next(i for i in result.indicators if i.kind == "path" and i.value.endswith("kworkerd"))
    assert dropped.first_seen_ns is not None  # from the case's files table


def test_write_case_indicators_for_triage(tmp_path: Path) -> None:
    from breachkit.indicators import export, write_case_indicators

    case = _case(tmp_path)
    path, result = write_case_indicators(case)
    assert path == case.root / "db" / "indicators.json"
    assert export.load_json(path.read_text()) == result.indicators
