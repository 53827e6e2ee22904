"""Optional memory capture with a tool the responder brought (AVML or LiME), never downloaded.

* AVML (https://github.com/microsoft/avml): a static binary; ``avml OUT``
  writes a LiME-format image of physical memory.
* LiME (https://github.com/504ensicsLabs/LiME): a kernel module built for the
  exact running kernel; ``insmod lime.ko "path=OUT format=lime"`` writes the
  image and the module is removed again with ``rmmod lime``. Loading a module
  changes the kernel: the acquisition log records it.

The image goes into the bundle (so onto the responder's media, never the
suspect disk) and is hashed as it is read back. Memory is as large as the
machine's RAM: make sure the bundle's media can hold it.
"""

import hashlib
import os
from typing import Dict, List, NamedTuple, Optional

from .tools import ToolOutput, run_tool


class MemoryCapture(NamedTuple):
    tool: str
    image: Optional[str]
    size: int
    sha256: Optional[str]
    outputs: List[ToolOutput]
    error: Optional[str]

    def to_json(self) -> Dict[str, object]:
        data = dict(self._asdict())
        data["outputs"] = [out.to_json() for out in self.outputs]
        return data


def capture_memory(tool: str, out_path: str, timeout: float = 3600.0) -> MemoryCapture:
    """Run ``tool`` (AVML binary or LiME ``.ko``) to write memory to ``out_path``; hash the result."""
    tool = os.path.abspath(tool)
    if not os.path.isfile(tool):
        return MemoryCapture(tool, None, 0, None, [], "memory tool %s not found" % tool)
    if os.path.exists(out_path):
        return MemoryCapture(tool, None, 0, None, [], "%s exists already" % out_path)
    outputs: List[ToolOutput] = []
    if tool.endswith(".ko"):
        outputs.append(run_tool(["insmod", tool, "path=%s format=lime" % out_path], timeout=timeout))
        # The module calls itself "lime" whatever its file is named (lime-6.1.0-18-amd64.ko).
        outputs.append(run_tool(["rmmod", "lime"], timeout=60))
    else:
        outputs.append(run_tool([tool, out_path], timeout=timeout))
    failed = outputs[0].error or (None if outputs[0].returncode == 0 else "exit status %s" % outputs[0].returncode)
    if not os.path.isfile(out_path):
        return MemoryCapture(tool, None, 0, None, outputs, failed or "the tool wrote no image")
    digest = hashlib.sha256()
    size = 0
    with open(out_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(4 * 1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    return MemoryCapture(tool, out_path, size, digest.hexdigest(), outputs, failed)
