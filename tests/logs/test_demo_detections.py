"""The log detections on the demo web server, checked against its ground truth."""

from __future__ import annotations

import pytest

from breachkit.demo import DemoHost
from breachkit.findings import Finding, Severity
from breachkit.logs import Window, analyze
from breachkit.logs.run import LogsResult
from breachkit.sources import RootSource


@pytest.fixture(scope="module")
def result(demo_host: DemoHost) -> LogsResult:
    source = RootSource(str(demo_host.root))
    try:
        return analyze(source)
    finally:
        source.close()


def _finding(result: LogsResult, check: str) -> Finding:
    found = [f for f in result.findings if f.check == check]
    assert found, f"{check} not reported; got {[f.check for f in result.findings]}"
    return found[0]


def test_the_entry_point_post_is_found_with_its_exact_line(result: LogsResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    finding = _finding(result, "logs.web-admin-post-without-login")
    assert finding.severity == Severity.CRITICAL
    lines = {(e.path, e.excerpt) for e in finding.evidence}
    assert (truth.entry_point.log_path, truth.entry_point.log_line) in lines
    assert truth.entry_point.log_path.endswith(".log.1")  # the attack is in the rotated file
    # The shop owner's weekday uploads (after logging in) are not among them.
    assert {e.excerpt.split(" ")[0] for e in finding.evidence if e.excerpt} == {truth.attacker_ips[0]}


def test_webshell_commands_and_upload_folder_script(result: LogsResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    commands = _finding(result, "logs.web-command-parameters")
    expected = {r.target for r in truth.attacker_requests if "cmd=" in r.target}
    assert expected
    seen = {e.excerpt.split('"')[1].split(" ")[1] for e in commands.evidence if e.excerpt}
    assert expected <= seen
    assert all(truth.attacker_ips[0] in (e.excerpt or "") for e in commands.evidence)
    scripts = _finding(result, "logs.web-upload-folder-script")
    webshell = truth.entry_point.created.rsplit("/htdocs", 1)[1]
    assert any(f"GET {webshell}" in (e.excerpt or "") for e in scripts.evidence)


def test_the_scan_before_the_attack_ranks_above_internet_noise(result: LogsResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    scans = _finding(result, "logs.web-scan-burst")
    assert scans.severity == Severity.HIGH
    assert scans.evidence[0].excerpt is not None and scans.evidence[0].excerpt.startswith(truth.attacker_ips[0] + " ")
    scan_paths = {r.log_path for r in truth.attacker_requests if r.purpose == "directory scan"}
    assert scans.evidence[0].path in scan_paths


def test_ssh_brute_force_noise_is_reported_low(result: LogsResult) -> None:
    brute = _finding(result, "logs.ssh-brute-force")
    assert brute.severity == Severity.LOW  # nobody who guessed ever got in
    assert len(brute.evidence) >= 5
    assert all(e.note and "failures" in e.note for e in brute.evidence)
    assert not [f for f in result.findings if f.check == "logs.ssh-success-after-failures"]


def test_every_log_is_read_and_events_counted(result: LogsResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    for vhost in truth.vhosts:
        for path in vhost.access_logs:
            assert path in result.files
    assert {"auth", "syslog", "web-access"} <= set(result.by_source)
    assert result.events == sum(result.by_source.values())
    roots = {v.document_root for v in result.web.vhosts}
    assert {v.document_root for v in truth.vhosts} <= roots


def test_window_limits_events_and_findings(demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    source = RootSource(str(demo_host.root))
    try:
        before = analyze(source, window=Window(end_ns=truth.attack_start_ns - 3600 * 10**9))
        during = analyze(source, window=Window(truth.attack_start_ns - 600 * 10**9, truth.attack_end_ns))
    finally:
        source.close()
    assert not [f for f in before.findings if f.severity >= Severity.CRITICAL]
    assert during.events < before.events
    assert {"logs.web-command-parameters", "logs.web-admin-post-without-login"} <= {f.check for f in during.findings}


def test_cron_restarter_and_shell_output_in_error_log(result: LogsResult, demo_host: DemoHost) -> None:
    truth = demo_host.scenario.ground_truth
    cron = _finding(result, "logs.cron-suspicious-job")
    hidden = truth.hidden_dirs[0]
    assert any(hidden in (e.excerpt or "") for e in cron.evidence)
    assert all("/tmp/" in (e.excerpt or "") or "/." in (e.excerpt or "") for e in cron.evidence)
    stderr = _finding(result, "logs.web-error-shell-output")
    assert stderr.evidence[0].path is not None and "shop" in stderr.evidence[0].path


def test_triage_hook_on_a_collected_bundle(demo_host: DemoHost, tmp_path_factory: pytest.TempPathFactory) -> None:
    from breachkit import tables
    from breachkit.case import open_or_init
    from breachkit.host.collect import collect
    from breachkit.logs import triage_findings
    from breachkit.sources import BundleSource

    work = tmp_path_factory.mktemp("logs-bundle")
    collect(str(demo_host.root), str(work / "bundle"), examiner="test", walk=False)
    case = open_or_init(work / "case", "demo", "test")
    bundle = BundleSource(work / "bundle")
    try:
        findings = triage_findings(case, bundle)
    finally:
        bundle.close()
    checks = [f.check for f in findings]
    assert checks[:2] == ["logs.web-command-parameters", "logs.web-admin-post-without-login"]
    post = next(f for f in findings if f.check == "logs.web-admin-post-without-login")
    assert post.evidence[0].excerpt == demo_host.scenario.ground_truth.entry_point.log_line
    con = tables.connect(case.root, read_only=True)
    try:
        sources = dict(con.execute("SELECT source, count(*) FROM events GROUP BY source").fetchall())
    finally:
        con.close()
    assert sources["web-access"] > 10_000 and sources["auth"] > 1000 and sources["wtmp"] > 0
    assert case.verify().ok
