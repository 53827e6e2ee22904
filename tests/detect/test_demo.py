"""The demo host's ground truth: every attacker file and the crontab found, benign noise left alone."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from breachkit.demo.build import DemoImage, build_image, build_tree, unmount
from breachkit.demo.scenario import GroundTruth
from breachkit.detect import scan, triage_findings
from breachkit.findings import Finding, Severity
from breachkit.host.collect import collect
from breachkit.sources import BundleSource, RootSource


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    host = build_tree(tmp_path_factory.mktemp("demo") / "root", seed=3)
    return host.root, host.ground_truth


def _flagged(findings: list[Finding], at_least: Severity) -> set[str]:
    return {e.path for f in findings if f.severity >= at_least for e in f.evidence if e.path}


def _must_find(truth: GroundTruth) -> set[str]:
    return {m.path for m in truth.malicious if m.role != "hidden-dir"}


def test_scan_of_the_root_finds_every_attacker_file(demo: tuple[Path, GroundTruth]) -> None:
    root, truth = demo
    window = (truth.attack_start_ns - 3600 * 10**9, truth.attack_end_ns + 3600 * 10**9)
    source = RootSource(str(root))
    result = scan(source, window=window, jobs=1)
    source.close()
    high = _flagged(result.findings, Severity.HIGH)
    assert _must_find(truth) <= high, _must_find(truth) - high
    assert set(truth.persistence) <= high


def test_benign_noise_and_cms_files_are_not_flagged(demo: tuple[Path, GroundTruth]) -> None:
    root, truth = demo
    source = RootSource(str(root))
    result = scan(source, scope="all", jobs=1)
    source.close()
    flagged = _flagged(result.findings, Severity.LOW)
    malicious = {m.path for m in truth.malicious} | set(truth.persistence)
    noise = {n.path for n in truth.benign_noise}
    assert not (flagged & noise), flagged & noise
    # nothing else in any web root is flagged: WordPress core, the shop's own code, caches
    web_flagged = {p for p in flagged if p.startswith("/var/www/")} - malicious
    assert not web_flagged, web_flagged
    # and nothing innocent reaches high severity anywhere
    assert _flagged(result.findings, Severity.HIGH) - malicious == set()


def test_triage_hook_on_the_bundle_and_the_root(demo: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    root, truth = demo
    bundle = tmp_path / "bundle"
    collect(str(root), str(bundle))
    source = BundleSource(bundle)
    try:
        only_bundle = triage_findings(None, source)
        examined = RootSource(str(root))
        with_root = triage_findings(None, source, examined)
        examined.close()
    finally:
        source.close()
    # the bundle holds /tmp and the crontabs; the web root only as metadata
    in_bundle = _flagged(only_bundle, Severity.HIGH)
    assert {"/tmp/.X11-cache/kworkerd", "/tmp/.X11-cache/run.sh", "/var/spool/cron/crontabs/www-data"} <= in_bundle
    webshell = next(m.path for m in truth.malicious if m.role == "webshell")
    assert webshell in _flagged(only_bundle, Severity.LOW), "pointed at by place and name from the walk"
    assert _must_find(truth) <= _flagged(with_root, Severity.HIGH)
    files = [f.evidence[0].path for f in with_root if f.check == "detect.file"]
    assert len(files) == len(set(files)), "one verdict per file: the root's replaces the bundle's"
    shell = next(f for f in with_root if f.check == "detect.file" and f.evidence[0].path == webshell)
    assert shell.severity == Severity.CRITICAL and shell.evidence[0].sha256


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoImage]:
    if os.geteuid() != 0 or not (shutil.which("mkfs.ext4") and shutil.which("debugfs")):
        pytest.skip("needs root, mkfs.ext4 and debugfs")
    demo = build_image(tmp_path_factory.mktemp("image"), seed=0)
    try:
        yield demo
    finally:
        unmount(demo)


@pytest.mark.root
def test_scan_of_the_mounted_image_uses_birth_times(image: DemoImage) -> None:
    truth = image.ground_truth
    window = (truth.attack_start_ns, truth.attack_end_ns)
    source = RootSource(str(image.mountpoint))
    try:
        result = scan(source, window=window, jobs=1)
    finally:
        source.close()  # an open directory fd would keep the image busy
    webshell = next(
        f
        for f in result.findings
        if f.evidence and f.evidence[0].path == next(m.path for m in truth.malicious if m.role == "webshell")
    )
    assert webshell.severity == Severity.CRITICAL
    assert "created during the incident window" in webshell.reason
    backdoor = next(m.path for m in truth.malicious if m.role == "backdoor")
    assert backdoor in _flagged(result.findings, Severity.CRITICAL)
