"""The report of a hostile host, opened in headless Chromium: nothing from the evidence runs.

The hostile root (``tests/hostile.py``) gets two more payloads that a real
attacker could plant: a webshell whose file name is an HTML element with an
event handler, and an access-log line with a script element. Each payload, if
it ever ran, would set the attribute ``data-pwned`` on the page (built by
concatenation, so the escaped text of the payload never contains the marker).
The report is loaded twice: as written, and with its Content-Security-Policy
removed, so the test proves the escaping itself and not only the policy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from breachkit import triage
from breachkit.report import write_report
from tests.hostile import build_hostile_root

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

MARK = "data-p'+'wned"
NAME_PAYLOAD = b"<img src=x onerror=\"document.documentElement.setAttribute('" + MARK.encode() + b"','1')\">.php"
LOG_PAYLOAD = (
    b"203.0.113.66 - - [03/Mar/2024:09:21:00 +0000] \"GET /<script>document.documentElement.setAttribute('"
    + MARK.encode()
    + b"','2')</script> HTTP/1.1\" 404 153 \"-\" \"<svg onload=document.documentElement.setAttribute('"
    + MARK.encode()
    + b"','3')>\"\n"
)


def _chromium(*args: str, profile: Path) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=3000",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile-report")
    host = build_hostile_root(base / "root")
    root = os.fsencode(host.path)
    uploads = root + b"/var/www/html/uploads"
    os.makedirs(uploads, exist_ok=True)
    with open(uploads + b"/" + NAME_PAYLOAD, "wb") as handle:
        handle.write(b"<?php if (isset($_REQUEST['c'])) { system($_REQUEST['c']); } ?>\n")
    with open(root + b"/var/log/nginx/access.log", "ab") as handle:
        handle.write(LOG_PAYLOAD)
    triage.run(root=os.fsdecode(root), case_dir=base / "case")
    return write_report(base / "case", "html")


def test_the_payloads_reach_the_report_as_text(hostile_report: Path) -> None:
    html = hostile_report.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=" in html
    assert "<img src=x" not in html and "<script" not in html.lower()
    assert "\x1b" not in html  # escape sequences from names are shown as \x1b, not passed on


@pytest.mark.parametrize("policy", ["with-csp", "without-csp"])
def test_no_script_from_the_evidence_runs_in_chromium(hostile_report: Path, tmp_path: Path, policy: str) -> None:
    page = hostile_report
    if policy == "without-csp":
        page = tmp_path / "report-without-csp.html"
        text = hostile_report.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
        assert stripped != text
        page.write_text(stripped, encoding="utf-8")
    dom = _chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert "</html>" in dom  # the page loaded
    assert "data-pwned" not in dom
    assert not re.search(r"<script\b", dom, re.IGNORECASE)
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", dom, re.IGNORECASE)
    assert "onerror=" in dom  # ... while the payload is there, as text


def test_screenshot(hostile_report: Path, tmp_path: Path) -> None:
    shot = hostile_report.parent / "report.png"
    _chromium(
        f"--screenshot={shot}",
        "--window-size=1200,3000",
        "--hide-scrollbars",
        hostile_report.as_uri(),
        profile=tmp_path,
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


def test_prints_to_pdf(hostile_report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", hostile_report.as_uri(), profile=tmp_path / "profile")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2
