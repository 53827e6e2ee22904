#!/usr/bin/env python3
"""Regenerate docs/cli-reference.md from the commands' --help."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from breachkit.cli.reference import render  # noqa: E402 - after the path is set

if __name__ == "__main__":
    target = REPO / "docs" / "cli-reference.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
