"""``breachkit logs --sigma``: JSON and table output, the case journal, hostile roots and hostile rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.demo import DemoHost
from tests.hostile import HostileRoot, snapshot, snapshot_diff
from tests.test_hostile_commands import RAW_CONTROL

DATA = Path(__file__).parents[2] / "data" / "logs" / "sigma"
WEBSHELL = "sigma.60ccd277-2bde-4f72-aa36-69509862fb54"


@pytest.fixture(autouse=True)
def only_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.logs",))


def test_sigma_in_json_case_report_and_journal(
    demo_host: DemoHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth = demo_host.scenario.ground_truth
    case_dir = tmp_path / "case"
    argv = ["logs", "--root", str(demo_host.root), "--case", str(case_dir), "--format", "json"]
    argv += ["--from", "2026-11-21T20:00:00Z", "--to", "2026-11-22T06:00:00Z"]
    argv += ["--sigma", str(DATA / "rules"), "--sigma", str(DATA / "unsupported")]
    assert breachkit.cli.main.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    sigma = data["sigma"]
    assert sigma["rules_evaluated"] == 9
    assert len(sigma["not_evaluated"]) == 8
    assert all(item["reason"] for item in sigma["not_evaluated"])
    webshell = next(f for f in data["findings"] if f["check"] == WEBSHELL)
    targets = {e["excerpt"].split('"')[1].split(" ")[1] for e in webshell["evidence"]}
    assert targets == {r.target for r in truth.attacker_requests if "cmd=" in r.target}
    assert all(e["path"].startswith("/var/log/apache2/") and e["line"] > 0 for e in webshell["evidence"])
    # Sigma findings are ranked together with the built-in ones.
    severities = [f["severity"] for f in data["findings"]]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)

    report = json.loads((case_dir / "report" / "logs.json").read_text())
    assert report["sigma"]["rules_evaluated"] == 9
    entry = json.loads((case_dir / "journal.jsonl").read_text().splitlines()[-1])
    details = json.dumps(entry)
    assert '"sigma_evaluated": 9' in details and '"sigma_not_evaluated": 8' in details


def test_table_output_lists_rules_not_evaluated(demo_host: DemoHost, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["logs", "--root", str(demo_host.root), "--from", "2026-11-21T22:00:00Z", "--to", "2026-11-21T23:30:00Z"]
    assert breachkit.cli.main.main([*argv, "--sigma", str(DATA)]) == 0
    out = capsys.readouterr().out
    assert "9 rules evaluated" in out and "14 not evaluated" in out
    assert "billion_laughs.yml" in out and "unsupported-yaml" in out


def test_missing_rule_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = breachkit.cli.main.main(["logs", "--root", str(tmp_path), "--sigma", str(tmp_path / "nowhere")])
    assert code == 2
    assert "no Sigma rule file or folder" in capsys.readouterr().err


def test_hostile_root_and_hostile_rules(
    hostile_root: HostileRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = hostile_root.path
    log = root / "var/log"
    (log / "nginx").mkdir(parents=True, exist_ok=True)
    (log / "nginx/access.log.1").write_bytes(
        b'198.51.100.1 - - [03/Mar/2026:09:00:00 +0000] "GET /images/a.php?cmd=\x1b[2Jid HTTP/1.1" 200 5 "-" '
        b'"<script>x</script>\x1b]0;owned\x07"\n' + b"\xff\xfe garbage\n"
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "evil\x1b[31m.yml").write_text(
        'title: "Webshell \\e[31m\\u202e \\a[/red]"\nlogsource: {category: webserver}\n'
        "detection:\n  s:\n    cs-uri-query|contains: 'cmd='\n  condition: s\nlevel: high\n"
    )
    (rules / "field.yml").write_text(
        'title: x\nlogsource: {category: webserver}\ndetection:\n  s:\n    "cs-\\e[2Jx": 1\n  condition: s\n'
    )
    (rules / "bomb.yml").write_text("a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n")
    (rules / "binary.yml").write_bytes(b"\x00\xff\xfe" * 100)
    before = snapshot(root)
    assert breachkit.cli.main.main(["logs", "--root", str(root), "--sigma", str(rules)]) == 0
    table = capsys.readouterr()
    assert breachkit.cli.main.main(["logs", "--root", str(root), "--sigma", str(rules), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert snapshot_diff(before, snapshot(root)) == []
    for stream in (table.out, table.err):
        assert not RAW_CONTROL.findall(stream)
    assert data["sigma"]["rules_evaluated"] == 1
    assert {Path(p["file"]).name: p["kind"] for p in data["sigma"]["not_evaluated"]} == {
        "field.yml": "unknown-field",
        "bomb.yml": "unsupported-yaml",
        "binary.yml": "invalid",
    }
    hit = next(f for f in data["findings"] if f["check"].startswith("sigma."))
    assert hit["evidence"][0]["path"] == "/var/log/nginx/access.log.1" and hit["evidence"][0]["line"] == 1
