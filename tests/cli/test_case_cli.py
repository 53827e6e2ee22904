"""``breachkit case …`` end to end through :func:`breachkit.cli.main.main`."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pytest

from breachkit.cli import main as cli_main


@pytest.fixture(autouse=True)
def _only_case_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the parser from the case commands alone, so these tests do not depend on
    the other command modules, and keep the output on one line per message."""
    monkeypatch.setattr(cli_main, "COMMAND_MODULES", ("breachkit.cli.case",))
    monkeypatch.setenv("BREACHKIT_EXAMINER", "tester")
    monkeypatch.setenv("COLUMNS", "200")


def run(*argv: str | Path) -> int:
    return cli_main.main([str(arg) for arg in argv])


@pytest.fixture
def case_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "case"
    assert run("case", "init", folder, "--name", "shop", "--examiner", "alice") == 0
    capsys.readouterr()
    return folder


def make_bundle(folder: Path) -> Path:
    files = {"acquisition.json": b"{}\n", "root/etc/passwd": b"root:x:0:0::/root:/bin/sh\n"}
    rows = []
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
        rows.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder


def test_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("case", "init", tmp_path / "c", "--name", "web1") == 0
    out = capsys.readouterr().out
    assert "created case web1" in out
    info = json.loads((tmp_path / "c" / "case.json").read_text())
    assert info["examiner"] == "tester"


def test_init_twice_is_an_error(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("case", "init", case_dir) == 2
    assert "already a case" in capsys.readouterr().err


def test_note_log_and_verify(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("case", "note", case_dir, "pulled", "the", "network", "cable") == 0
    assert "journal entry 1 recorded" in capsys.readouterr().out
    assert run("case", "log", case_dir) == 0
    out = capsys.readouterr().out
    assert "pulled the network cable" in out
    assert "case.init" in out
    assert run("case", "verify", case_dir) == 0
    out = capsys.readouterr().out
    assert "OK" in out
    assert "2 entries" in out


def test_log_json(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("case", "note", case_dir, "first")
    capsys.readouterr()
    assert run("case", "log", case_dir, "--format", "json") == 0
    out = capsys.readouterr().out
    assert out.encode() == (case_dir / "journal.jsonl").read_bytes()
    assert [json.loads(line)["action"] for line in out.splitlines()] == ["case.init", "note"]


def test_log_escapes_terminal_controls_and_markup(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("case", "note", case_dir, "evil\x1b[2Jname [bold]x[/bold] \u202eabc")
    capsys.readouterr()
    assert run("case", "log", case_dir) == 0
    out = capsys.readouterr().out
    assert "\x1b[2J" not in out
    assert "\u202e" not in out
    assert "\\x1b[2Jname" in out
    assert "[bold]x[/bold]" in out
    assert "\\u202eabc" in out


def test_verify_reports_tampering(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("one", "two", "three"):
        run("case", "note", case_dir, text)
    journal = case_dir / "journal.jsonl"
    journal.write_bytes(journal.read_bytes().replace(b'"text":"two"', b'"text":"TWO"'))
    capsys.readouterr()
    assert run("case", "verify", case_dir) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert "hash_mismatch (line 4, entry 3)" in out


def test_torn_tail(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = case_dir / "journal.jsonl"
    size = journal.stat().st_size
    with open(journal, "ab") as handle:
        handle.write(b'{"seq":1,')
    capsys.readouterr()
    assert run("case", "verify", case_dir) == 1
    out = capsys.readouterr().out
    assert f"INCOMPLETE: verified up to entry 0; torn tail of 9 bytes at offset {size}" in out
    assert run("case", "note", case_dir, "more") == 2
    assert "torn tail" in capsys.readouterr().err
    assert run("case", "repair", case_dir) == 0
    assert "repaired" in capsys.readouterr().out
    assert run("case", "verify", case_dir) == 0


def test_keygen_sign_and_verify(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "examiner.key"
    assert run("case", "keygen", key) == 0
    assert "fingerprint: ed25519:" in capsys.readouterr().out
    assert run("case", "note", case_dir, "signed", "--sign-key", key) == 0
    assert "signed entry 1" in capsys.readouterr().out
    assert run("case", "verify", case_dir, "--verify-key", f"{key}.pub") == 0
    assert "valid, made with the trusted key" in capsys.readouterr().out

    other = tmp_path / "other.key"
    run("case", "keygen", other)
    capsys.readouterr()
    assert run("case", "verify", case_dir, "--verify-key", f"{other}.pub") == 1
    assert "signature_wrong_key" in capsys.readouterr().out

    run("case", "note", case_dir, "unsigned", "note")
    assert run("case", "sign", case_dir, "--sign-key", key) == 0
    assert "signed entry 2" in capsys.readouterr().out


def test_init_with_sign_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k"
    run("case", "keygen", key)
    assert run("case", "init", tmp_path / "c", "--sign-key", key) == 0
    assert run("case", "verify", tmp_path / "c", "--verify-key", f"{key}.pub") == 0


def test_bad_sign_key_changes_nothing(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (case_dir / "journal.jsonl").read_bytes()
    assert run("case", "note", case_dir, "x", "--sign-key", tmp_path / "absent") == 2
    assert "cannot read signing key" in capsys.readouterr().err
    assert (case_dir / "journal.jsonl").read_bytes() == before


def test_add_bundle(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = make_bundle(tmp_path / "bundle-web1")
    assert run("case", "add", case_dir, bundle) == 0
    out = capsys.readouterr().out
    assert "all match the manifest" in out
    assert (case_dir / "evidence" / "bundles" / "bundle-web1" / "root" / "etc" / "passwd").exists()
    assert run("case", "add", case_dir, bundle) == 0
    assert "already in the case" in capsys.readouterr().out


def test_add_creates_the_case_on_first_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = make_bundle(tmp_path / "bundle-web1")
    assert run("case", "add", tmp_path / "new-case", bundle) == 0
    assert (tmp_path / "new-case" / "case.json").exists()


def test_add_corrupted_bundle(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = make_bundle(tmp_path / "bundle-web1")
    (bundle / "root" / "etc" / "passwd").write_bytes(b"toor:x:0:0::/root:/bin/sh\n")
    assert run("case", "add", case_dir, bundle) == 2
    err = capsys.readouterr().err
    assert "mismatch: root/etc/passwd" in err
    assert "failed its check on arrival" in err
    assert run("case", "log", case_dir, "--format", "json") == 0
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["details"]["status"] == "rejected"


def test_add_single_file(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = tmp_path / "ps.txt"
    dump.write_text("1 init\n")
    assert run("case", "add", case_dir, dump) == 0
    assert "stored as sha256" in capsys.readouterr().out


def test_not_a_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("case", "note", tmp_path, "hello") == 2
    assert "breachkit case init" in capsys.readouterr().err
    assert run("case", "log", tmp_path) == 2
    assert run("case", "verify", tmp_path) == 2


def test_bare_case_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("case") == 2
    assert "CASE_COMMAND" in capsys.readouterr().out


def test_every_case_command_has_help() -> None:
    parser = cli_main.build_parser()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    case_parser = top.choices["case"]
    sub = next(a for a in case_parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    expected = {"init", "note", "log", "verify", "add", "sign", "keygen", "repair"}
    assert set(helps) == expected
    assert all(helps.values())
    for name in expected:
        for action in sub.choices[name]._actions:
            assert action.help, f"case {name} {action.dest} has no help"
