"""The YARA engine wrapper: user rules, compile errors by file and line, externals, cache, fallback engine."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from breachkit.detect.scanner import EXTERNALS, RulesError, compile_rules
from tests.detect.conftest import DATA

RULES = DATA / "rules"
EXT = {
    "filename": "marker.txt",
    "filepath": "/tmp/marker.txt",
    "extension": "txt",
    "filetype": "text",
    "md5": "",
    "owner": "root",
}


def test_bad_rules_are_reported_by_file_and_line_while_the_rest_run(tmp_path: Path) -> None:
    ruleset = compile_rules([RULES], cache=False)
    by_file = {(Path(p.file).name, p.line) for p in ruleset.problems}
    # the broken rule in mixed.yar starts at line 11; its error is on line 16 ($b)
    assert ("mixed.yar", 16) in by_file
    assert any(name == "broken.yar" for name, _ in by_file)
    assert any(name == "legacy_module.yar" for name, _ in by_file)
    hits = {m.rule for m in ruleset.scanner().scan(b"xx BREACHKIT-TEST-MARKER xx", EXT)}
    assert "user_good_marker" in hits, "the good rule of a file with a bad rule must still run"
    assert "user_external_owner" in hits, "externals must reach user rules"
    # built-in rules still run next to the user rules
    shell = b"<?php system($_GET['c']); ?>"
    assert "php_exec_of_request" in {m.rule for m in ruleset.scanner().scan(shell, EXT)}


def test_externals_are_the_ones_public_rule_sets_expect() -> None:
    assert set(EXTERNALS) == {"filename", "filepath", "extension", "filetype", "md5", "owner"}


def test_match_offsets_and_escaped_excerpts() -> None:
    ruleset = compile_rules(cache=False)
    data = b"<?php\n// \x1b[2J\n@eval($_POST['a']);"
    (match,) = [m for m in ruleset.scanner().scan(data, EXT) if m.rule == "php_eval_of_request"]
    (string,) = match.strings
    assert data[string.offset : string.offset + 5] == b"eval("
    assert "\x1b" not in string.excerpt


def test_compiled_rules_are_cached(tmp_path: Path) -> None:
    first = compile_rules([RULES], cache=tmp_path)
    second = compile_rules([RULES], cache=tmp_path)
    assert not first.from_cache and second.from_cache
    assert {(p.file, p.line) for p in first.problems} == {(p.file, p.line) for p in second.problems}
    assert {m.rule for m in second.scanner().scan(b"BREACHKIT-TEST-MARKER", EXT)} >= {"user_good_marker"}
    # a damaged cache entry is recompiled, never fatal
    for entry in tmp_path.glob("*.rules"):
        entry.write_bytes(b"garbage")
    assert not compile_rules([RULES], cache=tmp_path).from_cache


def test_missing_rule_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    ruleset = compile_rules([tmp_path / "nope"], cache=False)
    assert any("no such" in p.detail for p in ruleset.problems)


def test_no_rules_at_all_is_an_error() -> None:
    with pytest.raises(RulesError):
        compile_rules([], builtin=False, cache=False)


@pytest.mark.skipif(importlib.util.find_spec("yara") is None, reason="yara-python not installed")
def test_yara_python_fallback_gives_the_same_matches() -> None:
    shell = b"<?php @eval(base64_decode($_POST['x'])); ?>"
    fast = compile_rules(cache=False, engine="yara-x")
    legacy = compile_rules(cache=False, engine="yara-python")
    assert legacy.engine == "yara-python"
    assert {m.rule for m in fast.scanner().scan(shell, EXT)} == {m.rule for m in legacy.scanner().scan(shell, EXT)}
    match = next(m for m in legacy.scanner().scan(shell, EXT) if m.rule == "php_eval_of_request")
    assert match.strings and match.score == 90


@pytest.mark.parametrize("engine", ["yara-x", "yara-python"])
def test_externals_are_set_per_file_and_empty_when_not_given(tmp_path: Path, engine: str) -> None:
    if engine == "yara-python" and importlib.util.find_spec("yara") is None:
        pytest.skip("yara-python not installed")
    (tmp_path / "names.yar").write_text(
        'rule named_x { condition: filename == "x.php" }\nrule owned { condition: owner == "www-data" }\n'
    )
    scanner = compile_rules([tmp_path], builtin=False, cache=False, engine=engine).scanner()

    def rules(externals: dict[str, str]) -> set[str]:
        return {m.rule for m in scanner.scan(b"data", externals)}

    assert rules({"filename": "x.php", "owner": "www-data"}) == {"named_x", "owned"}
    assert rules({"filename": "y.php", "owner": "www-data"}) == {"owned"}
    assert rules({"filename": "x.php"}) == {"named_x"}  # owner not given: empty, not the last file's
    assert rules({}) == set()
    assert rules({"filename": "x.php", "owner": "www-data"}) == {"named_x", "owned"}
