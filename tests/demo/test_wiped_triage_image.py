"""Triage of the "wiped" demo host as an ext4 image with exact inode times (root only): birth times show more."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from breachkit import triage
from breachkit.correlate import Correlation, correlate
from breachkit.demo.build import DemoImage, build_image, can_build_image, unmount
from breachkit.findings import Finding, Severity
from breachkit.sources.root import RootSource
from tests.demo import wiped_checks

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not can_build_image(), reason="needs root, mkfs.ext4 and debugfs"),
]


@dataclass(frozen=True)
class Triaged:
    image: DemoImage
    findings: tuple[Finding, ...]
    correlation: Correlation


@pytest.fixture(scope="module")
def triaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Triaged]:
    image = build_image(tmp_path_factory.mktemp("wiped-image"), scenario="wiped")
    case = tmp_path_factory.mktemp("wiped-image-case") / "case"
    try:
        result = triage.run(root=str(image.mountpoint), case_dir=case)
        source = RootSource(str(image.mountpoint))
        try:
            found = correlate(case, source=source)
        finally:
            source.close()
        yield Triaged(image, result.findings, found)
    finally:
        unmount(image)


def test_names_the_entry_request_and_ties_files_by_birth(triaged: Triaged) -> None:
    truth = triaged.image.ground_truth
    wiped_checks.check_entry(triaged.findings, triaged.correlation, truth, triaged.image.path)
    links = {link.file.path: link for link in triaged.correlation.links}
    for malicious in truth.malicious:
        if malicious.path == truth.timestomped.path:
            continue  # written over SSH: no request made it
        link = links[malicious.path]
        assert link.creator is not None and link.anchor == "birth", malicious.path
        assert link.creator.ip == truth.attacker_ips[0]


def test_names_every_attacker_address(triaged: Triaged) -> None:
    wiped_checks.check_addresses(triaged.findings, triaged.correlation, triaged.image.ground_truth)


def test_names_every_dropped_file(triaged: Triaged) -> None:
    wiped_checks.check_dropped_files(triaged.findings, triaged.correlation, triaged.image.ground_truth)
    stomp = next(f for f in triaged.findings if f.check == "timeline.timestomp" and f.severity >= Severity.HIGH)
    assert triaged.image.ground_truth.timestomped.path in {e.path for e in stomp.evidence}


def test_reports_no_benign_noise_at_high_severity(triaged: Triaged) -> None:
    wiped_checks.check_no_noise(triaged.findings, triaged.image.ground_truth)


def test_reports_the_wiping_and_the_rewritten_log(triaged: Triaged) -> None:
    truth = triaged.image.ground_truth
    wiped_checks.check_wiping(triaged.findings, truth, {"lines-removed": ("logs.log-rewritten",)})
    rewritten = next(f for f in triaged.findings if f.check == "logs.log-rewritten")
    sed = next(w for w in truth.wiping if w.action == "lines-removed")
    assert [e.path for e in rewritten.evidence] == [sed.path]
