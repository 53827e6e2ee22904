"""The host half runs with the standard library only: ``python3 -I -S``, and on Python 3.8."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Imports only the repository's breachkit (never an installed one), then runs the CLI.
SCRIPT = f"import sys; sys.path.insert(0, {str(REPO)!r}); from breachkit.host.cli import main; sys.exit(main())"


def _python38() -> str | None:
    for candidate in ("/root/.pyenv/versions/3.8.18/bin/python3.8", shutil.which("python3.8")):
        if candidate and os.access(candidate, os.X_OK):
            probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True)
            if probe.returncode == 0 and probe.stdout.strip() == b"(3, 8)":
                return candidate
    return None


def _small_root(base: Path) -> Path:
    root = base / "root"
    (root / "etc").mkdir(parents=True)
    (root / "var" / "log").mkdir(parents=True)
    (root / "etc" / "hostname").write_bytes(b"isolated\n")
    (root / "etc" / "passwd").write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    (root / "var" / "log" / "auth.log").write_bytes(b"Mar  3 09:12:01 isolated sshd[1]: Accepted\n")
    os.symlink("/etc/passwd", root / "var" / "log" / "escape")
    os.mkfifo(root / "var" / "log" / "fifo")
    os.makedirs(os.fsencode(root) + b"/etc/bad\xffname")
    return root


def _collect_with(python: str, base: Path) -> None:
    root = _small_root(base)
    out = base / "bundle"
    done = subprocess.run(
        [python, "-I", "-S", "-c", SCRIPT, "collect", "--root", str(root), "--out", str(out)],
        capture_output=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    facts = json.loads((out / "acquisition.json").read_text())
    assert facts["hostname"] == "isolated"
    assert facts["counts"]["walked"] == 10
    assert subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=out).returncode == 0


def test_runs_without_site_packages(tmp_path: Path) -> None:
    _collect_with(sys.executable, tmp_path)


def test_runs_on_python_38(tmp_path: Path) -> None:
    python = _python38()
    if python is None:
        pytest.skip("no Python 3.8 interpreter on this machine")
    _collect_with(python, tmp_path)
