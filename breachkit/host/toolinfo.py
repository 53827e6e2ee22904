"""Who is doing the acquisition: tool name, version and the tool's own hash.

The hash lets a later reader prove which code produced a bundle or a journal
entry. When running from the zipapp it is the SHA-256 of the ``.pyz`` file; when
running from an installed package it is a SHA-256 over the package's ``.py``
files, taken in sorted order of their relative paths, each as
``<relative path>\\0<sha256 of content>\\n``.
"""

import hashlib
import os
import sys
import zipfile
from typing import Dict, Optional

VERSION = "0.1.0"
NAME = "breachkit"

_CACHE: Dict[str, str] = {}


def _package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def zipapp_path() -> Optional[str]:
    """The path of the running ``.pyz`` when breachkit runs from one."""
    here = os.path.abspath(__file__)
    marker = ".pyz" + os.sep
    if marker in here:
        return here.split(marker, 1)[0] + ".pyz"
    return None


def tool_sha256() -> str:
    """SHA-256 identifying the exact code that runs (cached per process)."""
    if "sha256" in _CACHE:
        return _CACHE["sha256"]
    pyz = zipapp_path()
    if pyz is not None and zipfile.is_zipfile(pyz):
        digest = hashlib.sha256()
        with open(pyz, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        value = digest.hexdigest()
    else:
        value = package_sha256(_package_dir())
    _CACHE["sha256"] = value
    return value


def package_sha256(package_dir: str) -> str:
    """Hash over every ``.py`` file below ``package_dir`` (see the module docstring)."""
    base = os.path.dirname(package_dir)
    rows = []
    for folder, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                full = os.path.join(folder, name)
                with open(full, "rb") as handle:
                    rows.append((os.path.relpath(full, base), hashlib.sha256(handle.read()).hexdigest()))
    digest = hashlib.sha256()
    for rel, file_hash in sorted(rows):
        digest.update(("%s\0%s\n" % (rel, file_hash)).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def examiner_name() -> str:
    """Who is at the keyboard: ``$BREACHKIT_EXAMINER``, else the login name, else the uid.

    ``getpass.getuser`` fails in containers whose uid has no passwd entry; a
    record must still name someone then.
    """
    name = os.environ.get("BREACHKIT_EXAMINER", "").strip() or os.environ.get("SUDO_USER", "").strip()
    if name:
        return name
    try:
        import getpass

        name = getpass.getuser()
    except Exception:  # OSError or KeyError, depending on the Python version
        name = ""
    return name or "uid:%d" % os.getuid()


def tool_info() -> Dict[str, str]:
    return {
        "name": NAME,
        "version": VERSION,
        "sha256": tool_sha256(),
        "python": sys.version.split()[0],
        "form": "zipapp" if zipapp_path() else "package",
    }
