"""The evidence store: bundles checked on arrival, hostile manifests, read-only copies."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from breachkit.case import BundleRejected, Case
from breachkit.case.evidence import unsafe_reason
from breachkit.case.journal import verify
from breachkit.errors import EvidenceError

from .conftest import SAMPLE_FILES, BundleFactory


def last_entry(case: Case) -> dict[str, object]:
    entry: dict[str, object] = json.loads(case.journal.path.read_bytes().splitlines()[-1])
    return entry


def issue_kinds(exc: pytest.ExceptionInfo[BundleRejected]) -> list[tuple[str, str]]:
    return sorted((issue.kind, issue.path) for issue in exc.value.issues)


def assert_nothing_stored(case: Case, name: str = "bundle-web1") -> None:
    assert not (case.evidence.bundles_dir / name).exists()
    assert [p.name for p in case.evidence.bundles_dir.iterdir()] == [], "no leftovers"


def test_good_bundle_is_stored_verbatim_and_read_only(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    result = case.add_bundle(source)
    stored = case.root / "evidence" / "bundles" / "bundle-web1"
    assert result.status == "stored"
    assert result.stored_at == stored
    assert result.files == len(SAMPLE_FILES) + 2  # plus manifest.jsonl and manifest.sha256
    assert result.bytes == sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
    for rel, data in SAMPLE_FILES.items():
        assert (stored / rel).read_bytes() == data
        assert stat.S_IMODE((stored / rel).stat().st_mode) == 0o444
    for folder in (stored, stored / "root", stored / "root" / "etc"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o555
    manifest_sha = hashlib.sha256((source / "manifest.jsonl").read_bytes()).hexdigest()
    assert result.manifest_sha256 == manifest_sha
    entry = last_entry(case)
    assert entry["seq"] == result.entry_seq
    assert entry["action"] == "bundle.add"
    details = entry["details"]
    assert isinstance(details, dict)
    assert details["status"] == "stored"
    assert details["manifest_sha256"] == manifest_sha
    assert details["stored_at"] == "evidence/bundles/bundle-web1"
    assert entry["outputs"] == [
        {
            "path": "evidence/bundles/bundle-web1/manifest.jsonl",
            "sha256": manifest_sha,
            "size": (source / "manifest.jsonl").stat().st_size,
        }
    ]
    assert verify(case.root).ok


def test_file_times_are_kept(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    os.utime(source / "root/etc/passwd", ns=(1_000_000_000_123, 1_500_000_000_000_000_456))
    case.add_bundle(source)
    copied = case.evidence.bundles_dir / "bundle-web1" / "root/etc/passwd"
    assert copied.stat().st_mtime_ns == 1_500_000_000_000_000_456


def test_adding_the_same_bundle_again(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    case.add_bundle(source)
    again = case.add_bundle(source)
    assert again.status == "already_present"
    assert [p.name for p in case.evidence.bundles_dir.iterdir()] == ["bundle-web1"]


def test_a_different_bundle_with_the_same_name_is_refused(
    case: Case, make_bundle: BundleFactory, tmp_path: Path
) -> None:
    case.add_bundle(make_bundle())
    other = make_bundle("elsewhere", {**SAMPLE_FILES, "walk.jsonl": b"{}\n"})
    renamed = other.rename(tmp_path / "bundle-web1")
    with pytest.raises(BundleRejected, match="was not stored again") as exc:
        case.add_bundle(renamed)
    assert issue_kinds(exc) == [("conflict", "bundle-web1")]
    assert last_entry(case)["details"]["status"] == "conflict"  # type: ignore[index]
    stored = case.evidence.bundles_dir / "bundle-web1" / "walk.jsonl"
    assert stored.read_bytes() == SAMPLE_FILES["walk.jsonl"]


def test_flipped_byte_rejects_the_bundle_and_is_journaled(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    target = source / "root/etc/passwd"
    data = bytearray(target.read_bytes())
    data[0] ^= 0x20
    target.write_bytes(bytes(data))
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert issue_kinds(exc) == [("mismatch", "root/etc/passwd")]
    assert "journal entry 1" in str(exc.value)
    entry = last_entry(case)
    details = entry["details"]
    assert isinstance(details, dict)
    assert details["status"] == "rejected"
    assert details["issues_total"] == 1
    assert details["issues"][0]["path"] == "root/etc/passwd"
    assert details["manifest_sha256"] == hashlib.sha256((source / "manifest.jsonl").read_bytes()).hexdigest()
    assert_nothing_stored(case)
    assert verify(case.root).ok


def test_hostile_manifest_paths_are_refused_and_never_opened(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle(
        manifest_paths={"walk.jsonl": "../x", "acquisition.json": "/etc/passwd"},
    )
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    found = issue_kinds(exc)
    assert ("unsafe_path", "../x") in found
    assert ("unsafe_path", "/etc/passwd") in found
    # The files themselves are then not listed under their real names.
    assert ("unlisted", "walk.jsonl") in found
    assert_nothing_stored(case)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty path"),
        ("/etc/passwd", "absolute path"),
        ("../x", "'..' in path"),
        ("root/../../x", "'..' in path"),
        ("root//x", "empty or '.' component in path"),
        ("./x", "empty or '.' component in path"),
        ("root/x\0", "NUL in path"),
        ("root/etc/passwd", None),
        ("root/..x", None),
    ],
)
def test_unsafe_reason(path: str, reason: str | None) -> None:
    assert unsafe_reason(path) == reason


def test_symlink_in_the_bundle_is_not_followed(case: Case, make_bundle: BundleFactory, tmp_path: Path) -> None:
    secret = tmp_path / "outside-secret"
    secret.write_text("not evidence")
    source = make_bundle()
    (source / "root" / "link").symlink_to(secret)
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert issue_kinds(exc) == [("symlink", "root/link")]
    assert_nothing_stored(case)


def test_symlink_where_the_manifest_lists_a_file(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    target = source / "root/etc/passwd"
    target.unlink()
    target.symlink_to("/etc/passwd")
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert issue_kinds(exc) == [("missing", "root/etc/passwd"), ("symlink", "root/etc/passwd")]


def test_unlisted_and_missing_files(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle(extra={"root/tmp/dropped": b"added in transit"})
    (source / "walk.jsonl").unlink()
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert issue_kinds(exc) == [("missing", "walk.jsonl"), ("unlisted", "root/tmp/dropped")]


def test_fifo_in_the_bundle_is_not_opened(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    os.mkfifo(source / "root" / "pipe")
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert issue_kinds(exc) == [("special_file", "root/pipe")]


def test_missing_manifest(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    (source / "manifest.jsonl").unlink()
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert ("missing", "manifest.jsonl") in issue_kinds(exc)


def test_bad_manifest_lines(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    with open(source / "manifest.jsonl", "a") as manifest:
        manifest.write("not json\n")
        manifest.write('{"path": "x", "sha256": "ABC", "size": 1}\n')
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    kinds = [kind for kind, _path in issue_kinds(exc)]
    assert kinds.count("bad_manifest") == 2


def test_sha256sum_form_must_agree(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    sums = (source / "manifest.sha256").read_text().splitlines()
    sums[0] = "0" * 64 + sums[0][64:]
    (source / "manifest.sha256").write_text("\n".join(sums) + "\n")
    with pytest.raises(BundleRejected) as exc:
        case.add_bundle(source)
    assert issue_kinds(exc) == [("manifest_disagrees", "acquisition.json")]


def test_manifest_sha256_is_optional(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    (source / "manifest.sha256").unlink()
    assert case.add_bundle(source).status == "stored"


def test_name_that_is_not_utf8_via_path_b64(case: Case, tmp_path: Path) -> None:
    raw_name = b"root/evil\xff\nname.php"
    source = tmp_path / "bundle-raw"
    (source / "root").mkdir(parents=True)
    data = b"<?php ?>"
    Path(os.fsdecode(os.fsencode(source) + b"/" + raw_name)).write_bytes(data)
    record = {
        "path": raw_name.decode("utf-8", "replace"),
        "path_b64": base64.b64encode(raw_name).decode(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    (source / "manifest.jsonl").write_text(json.dumps(record) + "\n")
    result = case.add_bundle(source)
    assert result.files == 2
    assert verify(case.root).ok


def test_bundle_must_be_a_folder_with_a_plain_name(case: Case, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="not a folder"):
        case.add_bundle(tmp_path / "absent")
    odd = tmp_path / "bundle\x1b[2J"
    odd.mkdir()
    with pytest.raises(EvidenceError, match=r"\\x1b"):
        case.add_bundle(odd)


def test_single_file_is_content_addressed(case: Case, tmp_path: Path) -> None:
    source = tmp_path / "memdump.bin"
    source.write_bytes(b"\x00" * 4096)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    stored = case.add_file(source)
    assert stored.path == case.root / "evidence" / "sha256" / sha[:2] / sha
    assert stored.path.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o444
    assert not stored.already_present
    assert case.add_file(source).already_present
    entry = last_entry(case)
    assert entry["action"] == "evidence.add_file"
    assert verify(case.root).ok
