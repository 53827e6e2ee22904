"""File scanning: windows on huge files, IOCs, magic bytes, known-good suppression, trouble as warnings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breachkit.detect import allowlist, iocs
from breachkit.detect.context import load_context
from breachkit.detect.filescan import ScanOptions, scan_path, scan_source
from breachkit.detect.scanner import RuleMatch, RuleSet, ScanTimeout
from breachkit.host.records import FileStat, WarningRecord
from breachkit.sources import RootSource
from tests.detect.conftest import place

SHELL = "<?php @eval($_POST['x']); ?>\n"
WEB = "/var/www/site/htdocs"
#: folder names the place rules care about, and some they do not
FOLDER_NAMES = ["var", "www", "srv", "home", "bob", "public_html", "tmp", "dev", "shm", "usr", "share", "nginx", "html"]
FOLDER_NAMES += ["lib", "tomcat9", "webapps", "images", "Uploads", "media", ".cache", ".x", ".well-known", "a.b", ""]


def _scan(root: Path, rules: RuleSet | None, **kw: object) -> dict[str, object]:
    source = RootSource(str(root))
    try:
        report = scan_source(source, ScanOptions(rules=rules, jobs=1, **kw))  # type: ignore[arg-type]
    finally:
        source.close()
    return {"report": report, **{v.path: v for v in report.verdicts}}


def test_huge_file_is_scanned_in_head_and_tail_windows(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    big = root / "var/www/site/htdocs/big.php"
    big.parent.mkdir(parents=True)
    with big.open("wb") as handle:
        handle.write(b"<?php\n")
        handle.truncate(3 * 1024 * 1024)  # sparse middle
        handle.seek(0, os.SEEK_END)
        handle.write(SHELL.encode())
    result = _scan(root, builtin_rules, max_full=1024 * 1024, head=64 * 1024, tail=64 * 1024)
    verdict = result[f"{WEB}/big.php"]
    assert "php_eval_of_request" in {m.rule for m in verdict.matches}  # type: ignore[attr-defined]
    assert verdict.sha256 is None and "last" in verdict.partial  # type: ignore[attr-defined]
    kinds = {w.kind for w in result["report"].warnings}  # type: ignore[attr-defined]
    assert "truncated" in kinds


def test_hash_and_name_iocs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    place(root, [("/tmp/tool.bin", b"just bytes, no rule matches this\n"), ("/opt/x/xmrig-6.21/README", "hello\n")])
    import hashlib

    digest = hashlib.sha256(b"just bytes, no rule matches this\n").hexdigest()
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"# comment\n{digest};flooder seen at customer X\nnot-a-hash;bad\n")
    names = tmp_path / "names.txt"
    names.write_text("/xmrig-[0-9.]+/;80;/usr/share/doc/\n(unclosed;50\n")
    loaded = iocs.load([hashes, names])
    assert [(p.line, Path(p.file).name) for p in loaded.problems] == [(3, "hashes.txt"), (2, "names.txt")]
    result = _scan(root, None, iocs=loaded)
    assert "flooder seen at customer X" in str(result["/tmp/tool.bin"])
    assert result["/opt/x/xmrig-6.21/README"].score >= 80  # type: ignore[attr-defined]


def test_name_ioc_false_positive_regex_suppresses(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("xmrig;80;^/usr/share/doc/\n")
    loaded = iocs.load([names])
    assert loaded.name_hits("/tmp/xmrig") and not loaded.name_hits("/usr/share/doc/xmrig")


def test_disguised_executable_by_magic_bytes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    place(
        root,
        [
            (f"{WEB}/images/logo.png", b"\x7fELF\x02\x01\x01" + bytes(200)),
            (f"{WEB}/images/ok.png", b"\x89PNG\r\n\x1a\n" + bytes(50)),
        ],
    )
    result = _scan(root, None)
    assert "named .png but the content is ELF" in str(result[f"{WEB}/images/logo.png"])
    assert f"{WEB}/images/ok.png" not in result


def test_known_good_and_allowlist_suppress(tmp_path: Path, builtin_rules: RuleSet) -> None:
    import hashlib

    root = tmp_path / "root"
    place(root, [(f"{WEB}/a.php", SHELL), (f"{WEB}/b.php", SHELL + "// b\n")])
    release = tmp_path / "release"
    place(release, [("wp/b.php", SHELL + "// b\n")])
    listing = tmp_path / "allow.txt"
    assert allowlist.build(release, listing) == 1
    digest_a = hashlib.sha256(SHELL.encode()).hexdigest()
    result = _scan(
        root,
        builtin_rules,
        known_good=frozenset({(f"{WEB}/a.php", digest_a)}),
        allowlist=allowlist.load([listing]),
    )
    assert f"{WEB}/a.php" not in result and f"{WEB}/b.php" not in result
    skipped = result["report"].skipped  # type: ignore[attr-defined]
    assert skipped == {"verified by package checksums": 1, "in the allowlist of clean release files": 1}
    # a known-good pair only counts for its own path
    moved = _scan(root, builtin_rules, known_good=frozenset({("/elsewhere.php", digest_a)}))
    assert f"{WEB}/a.php" in moved


def test_hard_links_are_scanned_once(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    place(root, [(f"{WEB}/a.php", SHELL)])
    os.link(root / f"{WEB}/a.php".lstrip("/"), root / f"{WEB}/b.php".lstrip("/"))
    result = _scan(root, builtin_rules)
    assert result["report"].skipped.get("hard link already scanned") == 1  # type: ignore[attr-defined]
    assert result["report"].files_scanned == 1  # type: ignore[attr-defined]


class _Vanishing:
    """A source whose file disappears between the walk and the read."""

    def __init__(self, root: str) -> None:
        self.inner = RootSource(root)
        self.label = "vanishing"

    def walk(self) -> Iterator[FileStat | WarningRecord]:
        return self.inner.walk()

    def listdir(self, path: str) -> list[str]:
        return self.inner.listdir(path)

    def read_bytes(self, path: str, limit: int) -> tuple[bytes, bool]:
        if path.endswith("gone.php"):
            raise FileNotFoundError(2, "No such file or directory", path)
        if path.endswith("locked.php"):
            raise PermissionError(13, "Permission denied", path)
        return self.inner.read_bytes(path, limit)

    def close(self) -> None:
        self.inner.close()


def test_file_swapped_after_the_walk_is_refused(tmp_path: Path) -> None:
    from breachkit.detect.filescan import RootReader

    root = tmp_path / "root"
    place(root, [("/tmp/a.php", SHELL), ("/tmp/b.php", SHELL)])
    source = RootSource(str(root))
    entry = source.fs.lstat("/tmp/a.php")
    other = source.fs.lstat("/tmp/b.php")
    (root / "tmp/a.php").unlink()
    os.mkfifo(root / "tmp/a.php")
    reader = RootReader(source, source.fs)
    try:
        with pytest.raises(OSError):
            reader.read(entry, 1024)
        # a different inode under the walked name is refused too
        (root / "tmp/a.php").unlink()
        os.link(root / "tmp/b.php", root / "tmp/a.php")
        with pytest.raises(OSError):
            reader.read(entry, 1024)
        assert reader.read(other, 1024) == (SHELL.encode(), False)
    finally:
        reader.close()
        source.close()


def test_vanished_and_unreadable_files_are_warnings(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    place(root, [(f"{WEB}/gone.php", SHELL), (f"{WEB}/locked.php", SHELL), (f"{WEB}/there.php", SHELL)])
    source = _Vanishing(str(root))
    report = scan_source(source, ScanOptions(rules=builtin_rules, jobs=1))
    source.close()
    kinds = sorted((w.path, w.kind) for w in report.warnings)
    assert kinds == [(f"{WEB}/gone.php", "vanished"), (f"{WEB}/locked.php", "unreadable")]
    assert [v.path for v in report.verdicts] == [f"{WEB}/there.php"]


class _SlowScanner:
    timeout = 1
    ruleset = SimpleNamespace(used_externals=frozenset(["filename"]))

    def scan(self, data: bytes, externals: dict[str, str]) -> list[RuleMatch]:
        raise ScanTimeout("slow rule")


def test_rule_timeout_is_a_warning(tmp_path: Path) -> None:
    from breachkit.detect.filescan import reader_for, scan_entry

    root = tmp_path / "root"
    place(root, [(f"{WEB}/images/x.php", SHELL)])
    source = RootSource(str(root))
    entry = source.fs.lstat(f"{WEB}/images/x.php")
    verdict, _, warnings, _ = scan_entry(reader_for(source), entry, ScanOptions(rules=None), _SlowScanner())  # type: ignore[arg-type]
    assert [w.kind for w in warnings] == ["rule-timeout"]
    assert verdict is not None and verdict.score >= 25  # still judged by place and name (a pointer)


def test_two_workers_find_the_same_as_one(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    files = [(f"{WEB}/p{i}.php", SHELL if i % 7 == 0 else f"<?php echo {i};\n") for i in range(300)]
    place(root, files)
    source = RootSource(str(root))
    one = scan_source(source, ScanOptions(rules=builtin_rules, jobs=1))
    two = scan_source(source, ScanOptions(rules=builtin_rules, jobs=2))
    source.close()
    assert [(v.path, v.score) for v in one.verdicts] == [(v.path, v.score) for v in two.verdicts]
    assert one.files_scanned == two.files_scanned == 300
    assert len(one.verdicts) == len([f for f in files if f[1] == SHELL])


def test_context_raises_the_score(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    place(root, [("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n")])
    place(root, [(f"{WEB}/lib/a.php", SHELL), (f"{WEB}/images/a.php", SHELL)])
    if os.geteuid() == 0:
        os.chown(root / f"{WEB}/images/a.php".lstrip("/"), 33, 33)
    source = RootSource(str(root))
    options = ScanOptions(rules=builtin_rules, jobs=1, context=load_context(source, (0, 2**62)))
    plain, _, _ = scan_path(source, f"{WEB}/lib/a.php", options)
    placed, _, _ = scan_path(source, f"{WEB}/images/a.php", options)
    assert plain is not None and placed is not None
    assert placed.score > plain.score or placed.score == 100
    assert any("upload/images folder" in reason for _, reason in placed.context)
    assert any("incident window" in reason for _, reason in placed.context)


def test_explain_missing_and_special_files(tmp_path: Path) -> None:
    root = tmp_path / "root"
    place(root, [("/tmp/x", "x")])
    os.mkfifo(root / "tmp/fifo")
    source = RootSource(str(root))
    assert scan_path(source, "/nope", ScanOptions(rules=None))[2] == "missing"
    assert scan_path(source, "/tmp/fifo", ScanOptions(rules=None))[2] == "not a file"


def test_metadata_only_entry_in_a_bundle_is_judged_by_name(tmp_path: Path) -> None:
    from breachkit.detect.filescan import judge

    entry = FileStat(f"{WEB}/images/x.php", "f", 0o100644, 33, 33, 10, 1, 1, 1, 1, 0, 0, 0, None, None)
    verdict = judge(entry, None, [], ScanOptions(rules=None))
    assert verdict.severity == "low" and verdict.partial and "no copy" in verdict.partial


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.jpg", b"<?php echo 1;", "PHP"),
        ("a.gif", b"GIF89a....", None),
        ("a.css", b"body{}", None),
        ("a.js", b"#!/usr/bin/env node\n", None),
        ("a.js", b"\x7fELF\x02\x01", "ELF"),
        ("a.txt", b"<?php echo 1;", None),
        ("a.txt", bytes([0xE4, 0x20, 0x61]) * 100, None),
    ],
)
def test_magic_mismatch(name: str, head: bytes, expected: str | None) -> None:
    from breachkit.detect.magic import mismatch

    found = mismatch(name, head)
    assert (found.actual if found else None) == expected


def test_silence_is_golden_stub_in_an_images_folder_is_not_flagged(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    place(
        root,
        [(f"{WEB}/images/index.php", "<?php\n// Silence is golden.\n"), (f"{WEB}/images/x.php", "<?php echo 1;\n")],
    )
    result = _scan(root, builtin_rules)
    assert f"{WEB}/images/index.php" not in result
    assert result[f"{WEB}/images/x.php"].score == 30  # type: ignore[attr-defined]  # code, no rule: a pointer


def test_plain_code_in_an_images_folder_is_a_pointer_unless_born_in_the_window(tmp_path: Path) -> None:
    root = tmp_path / "root"
    place(root, [(f"{WEB}/images/gallery.php", "<?php class Gallery { public function show() { return 1; } }\n")])
    source = RootSource(str(root))
    quiet, _, _ = scan_path(source, f"{WEB}/images/gallery.php", ScanOptions(rules=None))
    window = ScanOptions(rules=None, context=load_context(source, (0, 2**62)))
    born, _, _ = scan_path(source, f"{WEB}/images/gallery.php", window)
    source.close()
    assert quiet is not None and quiet.severity == "low"
    assert born is not None and born.severity == "medium"


def test_hard_links_in_different_subtrees_are_read_once_with_two_workers(
    tmp_path: Path, builtin_rules: RuleSet
) -> None:
    root = tmp_path / "root"
    filler = [(f"/var/www/s{i}/htdocs/p{j}.php", f"<?php echo {i * 100 + j};\n") for i in range(4) for j in range(30)]
    place(root, [*filler, ("/var/www/s0/htdocs/images/a.php", SHELL)])
    first = root / "var/www/s0/htdocs/images/a.php"
    os.link(first, root / "var/www/s3/htdocs/b.php")
    (root / "tmp").mkdir()
    os.link(first, root / "tmp/c.php")
    # many hard-linked files: more than one batch goes back to the workers
    (root / "srv/pairs").mkdir(parents=True)
    (root / "srv/copies").mkdir(parents=True)
    for i in range(300):
        (root / f"srv/pairs/{i}.txt").write_text(f"file {i}\n")
        os.link(root / f"srv/pairs/{i}.txt", root / f"srv/copies/{i}.txt")
    source = RootSource(str(root))
    try:
        one = scan_source(source, ScanOptions(rules=builtin_rules, jobs=1))
        two = scan_source(source, ScanOptions(rules=builtin_rules, jobs=2))
    finally:
        source.close()
    for report in (one, two):
        assert report.files_seen == 120 + 3 + 600
        assert report.files_scanned == 120 + 1 + 300
        assert report.skipped == {"hard link already scanned": 2 + 300}
        flagged = [v.path for v in report.verdicts if v.matches]
        assert flagged == ["/var/www/s0/htdocs/images/a.php"]  # web roots before temp folders, then by name
    assert [(v.path, v.score) for v in one.verdicts] == [(v.path, v.score) for v in two.verdicts]


def test_only_files_that_score_are_hashed(
    tmp_path: Path, builtin_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from breachkit.detect import filescan

    root = tmp_path / "root"
    place(root, [(f"{WEB}/p{i}.php", f"<?php echo {i};\n") for i in range(20)] + [(f"{WEB}/shell.php", SHELL)])
    hashed: list[bytes] = []
    sha256 = hashlib.sha256

    def counting_sha256(data: bytes) -> object:
        hashed.append(data)
        return sha256(data)

    monkeypatch.setattr(filescan.hashlib, "sha256", counting_sha256)
    result = _scan(root, builtin_rules, want_sha1=True)
    verdict = result[f"{WEB}/shell.php"]
    assert hashed == [SHELL.encode()]
    assert verdict.sha256 == sha256(SHELL.encode()).hexdigest()  # type: ignore[attr-defined]
    assert verdict.sha1 == hashlib.sha1(SHELL.encode()).hexdigest()  # type: ignore[attr-defined]
    assert verdict.md5 is None  # type: ignore[attr-defined]
    # rules that read the md5 external need every file's MD5 before matching
    hashed.clear()
    _scan(root, builtin_rules, want_md5=True)
    assert len(hashed) == 21
    assert result["report"].files_scanned == 21  # type: ignore[attr-defined]
    # an allowlist needs every file's digest: all are hashed then
    hashed.clear()
    _scan(root, builtin_rules, allowlist=frozenset({"0" * 64}))
    assert len(hashed) == 21


def test_min_score_zero_gives_every_file_a_verdict(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    place(root, [(f"{WEB}/plain.php", "<?php echo 1;\n"), (f"{WEB}/shell.php", SHELL)])
    result = _scan(root, builtin_rules, min_score=0)
    plain = result[f"{WEB}/plain.php"]
    assert plain.score == 0 and plain.sha256 is not None and plain.content_type == "PHP"  # type: ignore[attr-defined]
    assert result[f"{WEB}/shell.php"].score >= 90  # type: ignore[attr-defined]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_files_opened_by_the_walk_are_closed(tmp_path: Path, builtin_rules: RuleSet) -> None:
    root = tmp_path / "root"
    place(root, [(f"{WEB}/a.php", SHELL), (f"{WEB}/empty.php", b""), ("/etc/passwd", "root:x:0:0::/root:/bin/sh\n")])
    os.link(root / f"{WEB}/a.php".lstrip("/"), root / f"{WEB}/b.php".lstrip("/"))
    source = RootSource(str(root))
    try:
        before = _open_fds()
        for scope in ("all", "drop-zones"):
            report = scan_source(source, ScanOptions(rules=builtin_rules, jobs=1, scope=scope))
            assert report.files_scanned >= 1
        assert _open_fds() == before
    finally:
        source.close()


def test_walk_that_opens_files_refuses_a_file_swapped_after_the_listing(tmp_path: Path) -> None:
    from breachkit.detect.filescan import fast_walk

    root = tmp_path / "root"
    place(root, [("/tmp/a.php", SHELL), ("/tmp/b.php", SHELL), ("/tmp/c.php", SHELL), ("/other.txt", "other\n")])
    source = RootSource(str(root))
    opened: dict[str, int] = {}
    try:
        walk = fast_walk(source.fs, "/tmp", (), None, opened)
        assert next(walk).path == "/tmp"  # type: ignore[union-attr]
        first = next(walk)
        assert isinstance(first, FileStat) and first.path == "/tmp/a.php" and list(opened) == ["/tmp/a.php"]
        # the folder is listed by now: swap b.php for a FIFO and c.php for another inode
        (root / "tmp/b.php").unlink()
        os.mkfifo(root / "tmp/b.php")
        os.rename(root / "other.txt", root / "tmp/c.php")  # a live inode: its number cannot be c.php's
        second = next(walk)
        assert isinstance(second, FileStat) and second.path == "/tmp/b.php" and second.type == "p"
        assert opened == {}  # a.php's fd was closed when the walk moved on; the FIFO was not kept open
        third = next(walk)
        assert isinstance(third, FileStat) and third.size == len("other\n") and opened == {}
        assert list(walk) == []
    finally:
        source.close()


@given(st.lists(st.sampled_from(FOLDER_NAMES), max_size=6), st.sampled_from(["x.php", "a.jpg", "run", ".x.php"]))
def test_folder_facts_agree_with_the_place_rules_on_the_full_path(parts: list[str], name: str) -> None:
    from breachkit.detect import context as ctx
    from breachkit.detect.filescan import folder_facts

    folder = "".join("/" + part for part in parts)
    path = folder + "/" + name
    facts = folder_facts(folder)
    assert facts.web_root == ctx.in_web_root(path)
    assert facts.upload == (ctx.in_web_root(path) and ctx.UPLOAD_DIR.search(path) is not None)
    assert facts.temp == ctx.in_temp(path)
    assert facts.hidden == ctx.hidden_folder(path)
