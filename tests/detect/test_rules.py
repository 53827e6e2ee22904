"""The built-in rule set: every technique family of the malicious corpus is found, benign look-alikes are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.detect.filescan import ScanOptions, scan_source
from breachkit.detect.scanner import RuleSet
from breachkit.sources import RootSource
from tests.detect.conftest import DATA, place

MAL = DATA / "malicious"
BEN = DATA / "benign"
WEB = "/var/www/shop.example/htdocs"

#: (sample, where it sits on the host, a rule family that must match)
MALICIOUS = [
    ("eval_post.php", f"{WEB}/includes/db_cache.php", "eval-request"),
    ("encoded_eval.php", f"{WEB}/lib/cache.php", "encoded-eval"),
    ("reversed_names.php", f"{WEB}/lib/session.php", "obfuscation"),
    ("create_function.php", f"{WEB}/lib/compat.php", "create-function"),
    ("preg_replace_e.php", f"{WEB}/lib/format.php", "preg-replace-e"),
    ("variable_function.php", f"{WEB}/lib/hooks.php", "variable-function"),
    ("assert_shell.php", f"{WEB}/lib/check.php", "eval-request"),
    ("remote_include.php", f"{WEB}/lib/remote.php", "include-request"),
    ("request_include.php", f"{WEB}/index2.php", "include-request"),
    ("uploaded_include.php", f"{WEB}/lib/up.php", "include-request"),
    ("callback.php", f"{WEB}/lib/cb.php", "callback-request"),
    ("filemanager.php", f"{WEB}/admin/fm.php", "file-manager"),
    ("oneliner_backtick.php", f"{WEB}/x.php", "command-request"),
    ("system_get.php", f"{WEB}/s.php", "command-request"),
    ("hex_names.php", f"{WEB}/lib/hex.php", "obfuscation"),
    ("wso_kit.php", f"{WEB}/wp-content/plugins/x/wso.php", "webshell-kit"),
    ("uploader.php", f"{WEB}/up.php", "uploader"),
    ("avatar.jpg", f"{WEB}/images/avatar.jpg", "polyglot-image"),
    ("spacer.gif.php", f"{WEB}/images/spacer.gif.php", "polyglot-image"),
    ("shell.jsp", "/var/lib/tomcat9/webapps/ROOT/health.jsp", "jsp-webshell"),
    ("shell.aspx", f"{WEB}/t.aspx", "asp-webshell"),
    ("shell.cgi", "/usr/lib/cgi-bin/status.cgi", "perl-webshell"),
    ("shell_flask.py", "/srv/app/health.py", "python-webshell"),
    ("revshell.sh", "/var/tmp/.cache-x/up.sh", "reverse-shell"),
    ("revshell.py", "/dev/shm/.p/s.py", "reverse-shell"),
    ("revshell.pl", "/tmp/s.pl", "reverse-shell"),
    ("revshell_php.php", f"{WEB}/images/r.php", "reverse-shell"),
    ("mkfifo.sh", "/tmp/m.sh", "reverse-shell"),
    ("config.json", "/var/tmp/.x/config.json", "miner"),
    ("bot.pl", "/tmp/.ICE-unix/.b/bot.pl", "irc-bot"),
    ("htaccess_addtype.htaccess", f"{WEB}/images/.htaccess", "handler-tampering"),
    ("dot_user.ini", f"{WEB}/.user.ini", "handler-tampering"),
    ("prepend.htaccess", f"{WEB}/.htaccess", "handler-tampering"),
]

BENIGN = [
    ("plugin_hooks.php", f"{WEB}/wp-content/plugins/shop-newsletter/newsletter.php"),
    ("upload_checked.php", f"{WEB}/admin/upload.php"),
    ("router.php", f"{WEB}/index.php"),
    ("installer.php", f"{WEB}/install/check.php"),
    ("healthcheck.sh", "/usr/local/bin/apache-health"),
    ("restart_worker.sh", "/usr/local/bin/restart-worker"),
    ("app.py", "/srv/thumbs/app.py"),
    ("wp.htaccess", "/var/www/blog/htdocs/.htaccess"),
    ("wordfence.user.ini", "/var/www/blog/htdocs/.user.ini"),
    ("php.ini", "/etc/php/8.2/apache2/php.ini"),
    ("photo.jpg", f"{WEB}/images/photo.jpg"),
    ("docs_reverse_shell.md", "/home/thomas/notes/incident.md"),
]


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "root"
    place(root, [(host, MAL / sample) for sample, host, _ in MALICIOUS])
    place(root, [(host, BEN / sample) for sample, host in BENIGN])
    return root


@pytest.fixture(scope="module")
def verdicts(corpus_root: Path, builtin_rules: RuleSet) -> dict[str, object]:
    source = RootSource(str(corpus_root))
    try:
        report = scan_source(source, ScanOptions(rules=builtin_rules, scope="all", jobs=1, min_score=0))
    finally:
        source.close()
    return {v.path: v for v in report.verdicts}


@pytest.mark.parametrize(("sample", "host", "family"), MALICIOUS, ids=[m[0] for m in MALICIOUS])
def test_malicious_sample_is_detected_by_its_family(
    verdicts: dict[str, object], sample: str, host: str, family: str
) -> None:
    verdict = verdicts.get(host)
    assert verdict is not None, f"{sample} not flagged at all"
    families = {m.family for m in verdict.matches}  # type: ignore[attr-defined]
    assert family in families, f"{sample}: expected {family}, got {families}"
    assert verdict.score >= 45, f"{sample} scored only {verdict.score}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("sample", "host"), BENIGN, ids=[b[0] for b in BENIGN])
def test_benign_look_alike_is_not_flagged(verdicts: dict[str, object], sample: str, host: str) -> None:
    verdict = verdicts.get(host)
    score = verdict.score if verdict is not None else 0  # type: ignore[attr-defined]
    assert score < 25, f"{sample} flagged: {verdict}"


def test_every_rule_carries_score_family_and_description() -> None:
    from breachkit.detect.scanner import builtin_rule_files

    for origin, text in builtin_rule_files():
        for block in text.split("\nrule ")[1:]:
            name = block.split()[0]
            assert "score =" in block and "family =" in block and "description =" in block, f"{origin}: {name}"
