"""Build ``breachkit-collect.pyz``: the host half as one file for the suspect host.

The archive holds only ``breachkit/__init__.py`` and ``breachkit/host/`` (all
standard library), so it runs as ``python3 breachkit-collect.pyz collect …``
with any Python >= 3.8 and no site-packages. Entries get a fixed time stamp and
order, so the same source always builds the same bytes: the archive's SHA-256
identifies the collector in every bundle and journal it touches.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import breachkit

MAIN = b'''"""breachkit-collect: evidence collection with the standard library only."""
import sys

from breachkit.host.cli import main

sys.exit(main())
'''
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _sources() -> list[tuple[str, bytes]]:
    package = Path(breachkit.__file__).resolve().parent
    files = [("breachkit/__init__.py", (package / "__init__.py").read_bytes())]
    host = package / "host"
    for path in sorted(host.rglob("*.py")):
        if "__pycache__" not in path.parts:
            files.append((f"breachkit/host/{path.relative_to(host).as_posix()}", path.read_bytes()))
    files.append(("__main__.py", MAIN))
    return files


def build(out: Path) -> str:
    """Write the zipapp to ``out`` (atomically) and return its SHA-256."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("wb") as raw:
        raw.write(b"#!/usr/bin/env python3\n")
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in _sources():
                info = zipfile.ZipInfo(name, FIXED_TIME)
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    os.chmod(tmp, 0o755)  # noqa: S103 - an executable meant to be copied and run
    os.replace(tmp, out)
    return hashlib.sha256(out.read_bytes()).hexdigest()
