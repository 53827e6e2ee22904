"""The top-level command: errors are messages, and messages never carry raw control characters."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

import breachkit.cli.main as cli_main
from breachkit.errors import SourceError


def test_error_text_from_the_evidence_is_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def register(sub: Any) -> None:
        parser: argparse.ArgumentParser = sub.add_parser("boom", help="fails")

        def run(args: argparse.Namespace) -> int:
            raise SourceError("cannot read /var/www/\x1b[2Jx\nfake.php")

        parser.set_defaults(func=run)

    module = type("Module", (), {"register": staticmethod(register)})
    monkeypatch.setattr(cli_main, "COMMAND_MODULES", ("fake",))
    monkeypatch.setattr(cli_main.importlib, "import_module", lambda name: module)
    assert cli_main.main(["boom"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and err.count("\n") == 1
    assert "\\x1b[2Jx\\nfake.php" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main([]) == 2
    assert "breachkit triage" in capsys.readouterr().out
