"""The rules file: syntax, precedence (last match wins), pruning and --explain."""

from __future__ import annotations

import pytest

from breachkit.host.baseline.rules import BUILTIN_GROUPS, DEFAULT_RULES, RulesError, parse

RULES = """\
# system
hash sha256
define WEB = PERMS sha256
/usr            BIN
=/etc           PERMS
~/var/log/[a-z]+\\.log  LOG
!/usr/share/doc
/usr/share/doc/important  WEB
!=/usr/bin/ignored
"""


def test_last_matching_rule_wins() -> None:
    rules = parse(RULES)
    assert rules.attributes("/usr/bin/ls") == BUILTIN_GROUPS["BIN"]
    assert rules.attributes("/usr/share/doc/x/README") is None
    web = rules.attributes("/usr/share/doc/important/a")
    assert web is not None and "hash" in web and "mtime" not in web
    assert rules.attributes("/usr/bin/ignored") is None
    assert rules.attributes("/usr/bin/ignored2") == BUILTIN_GROUPS["BIN"]


def test_children_rule_is_not_recursive() -> None:
    rules = parse(RULES)
    assert rules.attributes("/etc") == BUILTIN_GROUPS["PERMS"]
    assert rules.attributes("/etc/passwd") == BUILTIN_GROUPS["PERMS"]
    assert rules.attributes("/etc/ssh/sshd_config") is None


def test_regex_matches_the_whole_path() -> None:
    rules = parse(RULES)
    assert rules.attributes("/var/log/auth.log") == BUILTIN_GROUPS["LOG"]
    assert rules.attributes("/var/log/auth.log.1") is None
    assert rules.attributes("/var/log/nginx/access.log") is None


def test_walk_starts_and_pruning() -> None:
    rules = parse(RULES)
    assert rules.walk_starts() == ["/etc", "/usr", "/var/log"]
    # A later selection reaches below the exclusion: the walk must still enter it.
    assert not rules.pruned("/usr/share/doc")
    assert parse("/usr BIN\n!/usr/share/doc\n").pruned("/usr/share/doc")


def test_explain_names_the_deciding_line() -> None:
    lines = parse(RULES).explain("/usr/share/doc/x")
    assert "line 4" in lines[0] and "overridden" in lines[0]
    assert "line 7" in lines[1] and "decides" in lines[1]
    assert lines[-1].startswith("=> excluded")
    assert parse(RULES).explain("/srv/x") == ["no rule matches /srv/x: it is not recorded"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/usr\n", "line 1: a selection needs attributes"),
        ("/usr BIN\nusr BIN\n", "line 2: a path must start with /"),
        ("/usr NOPE\n", "unknown attribute or group 'NOPE'"),
        ("/usr BIN\n~/x[ ALL\n", "line 2: bad regular expression"),
        ("hash md4\n/usr BIN\n", "line 1: 'hash' takes one of"),
        ("!/usr\n", "the rules select nothing"),
        ("/usr/../etc ALL\n", "'..' is not allowed"),
        ("!/usr BIN\n", "an exclusion takes no attributes"),
    ],
)
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message.replace("[", r"\[")):
        parse(text)


def test_default_rules_parse_and_cover_system_folders() -> None:
    rules = parse(DEFAULT_RULES)
    for path in ("/usr/bin/sudo", "/etc/pam.d/sshd", "/etc/ld.so.preload", "/var/spool/cron/crontabs/root"):
        assert rules.attributes(path), path
    assert rules.attributes("/etc/mtab") is None


def test_chooser_decides_like_attributes() -> None:
    rules = parse(
        DEFAULT_RULES
        + "=/etc DIR\n!=/etc/shadow\n~/var/log/[a-z]+\\.log LOG\n/usr/share/doc/keep PERMS\n=/usr/share/doc BIN\n/ DIR\n"
        + "!/usr/lib/x\n/usr/lib/x/y ALL\n"
    )
    paths = [
        "/",
        "/etc",
        "/etc/shadow",
        "/etc/passwd",
        "/etc/ssh/sshd_config",
        "/etc/.git",
        "/etc/.git/config",
        "/etc/mtab",
        "/usr",
        "/usr/bin/ls",
        "/usr/share/doc",
        "/usr/share/doc/bash",
        "/usr/share/doc/keep",
        "/usr/share/doc/keep/a",
        "/usr/share/docs",
        "/usr/lib/x",
        "/usr/lib/x/y",
        "/usr/lib/x/y/z",
        "/usr/lib/x/z",
        "/var/log/auth.log",
        "/var/log/a/b.log",
        "/var/cache/x",
        "/opt",
        "/home/u/.bashrc",
    ]
    for path in paths:
        parent = path.rpartition("/")[0] or "/"
        assert rules.chooser(parent)(path) == rules.attributes(path), path
