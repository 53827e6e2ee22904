"""The single-file collector: reproducible, stdlib-only, runs under ``python3 -I -S``."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from breachkit.cli.main import main

# A real Python 3.8 when the machine has one (pyenv's shims only work with a pyenv "local" set).
PYTHON38 = sorted(
    {
        p
        for p in ("/root/.pyenv/versions/3.8.18/bin/python3.8", shutil.which("python3.8"))
        if p and "/shims/" not in p and Path(p).exists()
    }
)


def small_root(path: Path) -> Path:
    (path / "etc").mkdir(parents=True)
    (path / "etc/hostname").write_text("web01\n")
    (path / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (path / "var/log").mkdir(parents=True)
    (path / "var/log/auth.log").write_text(
        "Nov 22 21:14:02 web01 sshd[1]: Accepted password for root from 203.0.113.9 port 4711 ssh2\n"
    )
    return path


def test_build_is_reproducible_and_holds_only_the_host_half(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.pyz", tmp_path / "b.pyz"
    assert main(["build-collector", "--out", str(first)]) == 0
    assert main(["build-collector", "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert hashlib.sha256(first.read_bytes()).hexdigest() in capsys.readouterr().out
    names = zipfile.ZipFile(first).namelist()
    assert "__main__.py" in names
    assert all(n == "__main__.py" or n == "breachkit/__init__.py" or n.startswith("breachkit/host/") for n in names)


@pytest.mark.parametrize("python", [sys.executable, *PYTHON38])
def test_zipapp_collects_with_no_site_packages(tmp_path: Path, python: str) -> None:
    pyz = tmp_path / "breachkit-collect.pyz"
    assert main(["build-collector", "--out", str(pyz)]) == 0
    root = small_root(tmp_path / "host")
    out = tmp_path / "bundle"
    proc = subprocess.run(
        [python, "-I", "-S", str(pyz), "collect", "--root", str(root), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    acquisition = json.loads((out / "acquisition.json").read_text())
    assert acquisition["hostname"] == "web01"
    assert acquisition["tool"]["form"] == "zipapp"
    assert acquisition["tool"]["sha256"] == hashlib.sha256(pyz.read_bytes()).hexdigest()
    assert (out / "root/var/log/auth.log").read_bytes() == (root / "var/log/auth.log").read_bytes()
    check = subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=out, capture_output=True, check=False)
    assert check.returncode == 0, check.stdout
