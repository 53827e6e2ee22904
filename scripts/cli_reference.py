#!/usr/bin/env python3
"""Regenerate docs/cli-reference.md from the commands' --help."""

from pathlib import Path

from breachkit.cli.reference import render

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "cli-reference.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
