"""Correlation on the demo ext4 image, where every file keeps its exact birth time (root only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from breachkit import triage
from breachkit.case import Case
from breachkit.correlate import Correlation, correlate, triage_findings
from breachkit.demo.build import DemoImage, build_image, can_build_image, unmount
from breachkit.findings import Severity
from breachkit.sources.root import RootSource

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not can_build_image(), reason="needs root, mkfs.ext4 and debugfs"),
]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoImage]:
    demo = build_image(tmp_path_factory.mktemp("correlate-image"), seed=0)
    try:
        yield demo
    finally:
        unmount(demo)


@pytest.fixture(scope="module")
def case(image: DemoImage, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("correlate-image-case") / "case"
    triage.run(root=str(image.mountpoint), case_dir=folder)
    return folder


@pytest.fixture(scope="module")
def result(image: DemoImage, case: Path) -> Correlation:
    source = RootSource(str(image.mountpoint))
    try:
        return correlate(case, source=source)
    finally:
        source.close()


def test_every_dropped_file_is_tied_to_its_request_by_birth_time(result: Correlation, image: DemoImage) -> None:
    truth = image.ground_truth
    links = {link.file.path: link for link in result.links}
    for malicious in truth.malicious:
        link = links[malicious.path]
        assert link.creator is not None, link.gap
        assert link.anchor == "birth" and link.anchor_ns == malicious.btime_ns
        assert link.creator.ip == truth.attacker_ips[0]
        # The request whose logged second precedes the birth by less than the skew plus a second.
        assert 0 <= malicious.btime_ns - link.creator.time_ns < result.skew_ns + 1_000_000_000
    # Even the timestomped backdoor: its forged mtime does not hide its birth.
    stomped = links[truth.timestomped.path]
    assert stomped.creator is not None and stomped.creator.method == "POST"


def test_story_and_entry_on_the_image(result: Correlation, image: DemoImage) -> None:
    truth = image.ground_truth
    first = result.story[0]
    assert "POSTed to /admin/upload.php" in first.text and "images/thumb_cache.php was born" in first.text
    assert result.entry_points[0].created == truth.entry_point.created
    assert result.entry_points[0].request.source_file == truth.entry_point.log_path
    assert set(truth.attacker_ips) <= set(result.attacker_addresses)
    assert set(result.attacker_addresses) <= set(truth.attacker_ips)
    assert result.affected_sites == ("shop.example-client.de",)
    assert {link.file.path for link in result.attack_links} == set(truth.malicious_paths())
    # The web server account's work in the window: every file the attacker wrote as www-data.
    written = {c.path for c in result.service_changes if c.what == "born"}
    assert {m.path for m in truth.malicious} <= written
    noise = {n.path for n in truth.benign_noise if n.category != "log-rotation"}
    assert not noise & written


def test_no_benign_noise_at_high_severity(case: Path, image: DemoImage) -> None:
    truth = image.ground_truth
    source = RootSource(str(image.mountpoint))
    try:
        found = triage_findings(Case.open(case), source=source)
    finally:
        source.close()
    noise = {n.path for n in truth.benign_noise if n.category != "log-rotation"}
    for finding in found:
        if finding.severity >= Severity.HIGH:
            assert not noise & {e.path for e in finding.evidence}, finding.title
