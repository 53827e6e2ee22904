"""Running an optional listing tool of the live host (``ps``, ``nft``, ``bpftool``, ``docker``).

The primary picture never depends on these: they are cross-checks (``ps``
against ``/proc``) or the only read-only way to list something (firewall
rules, eBPF programs, containers). They run only on the live root ``/``,
never from an examined image or bundle, with a clean environment (no
``LD_PRELOAD`` inherited from the collector's shell), a time limit and a cap
on what is kept. A trojaned tool can lie; its output is recorded as what it
said, with the path it ran from.
"""

import os
import subprocess
from typing import Dict, List, NamedTuple, Optional

#: Where system tools live; the collector's own PATH may point at attacker folders.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OUTPUT_CAP = 16 * 1024 * 1024


class ToolOutput(NamedTuple):
    """What one tool printed: ``error`` says why it did not run or finish."""

    command: List[str]
    path: Optional[str]
    returncode: Optional[int]
    stdout: str
    stderr: str
    truncated: bool
    error: Optional[str]

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


def find_tool(name: str, search: str = SYSTEM_PATH) -> Optional[str]:
    """The absolute path of ``name`` in the system folders, or ``None``."""
    for folder in search.split(":"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def run_tool(argv: List[str], timeout: float = 20.0, cap: int = OUTPUT_CAP) -> ToolOutput:
    """Run ``argv`` (``argv[0]`` looked up in the system folders) and keep its capped output."""
    path = argv[0] if os.path.isabs(argv[0]) else find_tool(argv[0])
    if path is None:
        return ToolOutput(argv, None, None, "", "", False, "not installed")
    env = {"PATH": SYSTEM_PATH, "LC_ALL": "C", "LANG": "C"}
    try:
        proc = subprocess.run(  # a fixed argv of a listing tool, no shell
            [path] + argv[1:],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ToolOutput(argv, path, None, "", "", False, "timed out after %.0f s" % timeout)
    except OSError as exc:
        return ToolOutput(argv, path, None, "", "", False, str(exc))
    out = proc.stdout[:cap].decode("utf-8", "surrogateescape")
    err = proc.stderr[:65536].decode("utf-8", "surrogateescape")
    return ToolOutput(argv, path, proc.returncode, out, err, len(proc.stdout) > cap, None)
