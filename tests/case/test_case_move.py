"""``add_bundle(move=True)``: a bundle the case just collected is renamed in, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.case import BundleRejected, Case

from .conftest import BundleFactory


def test_move_renames_instead_of_copying(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    inode = (source / "manifest.jsonl").stat().st_ino
    result = case.add_bundle(source, move=True)
    assert not source.exists()
    assert result.status == "stored"
    assert (result.stored_at / "manifest.jsonl").stat().st_ino == inode


def test_a_bad_moved_bundle_goes_back_where_it_was(case: Case, make_bundle: BundleFactory) -> None:
    source = make_bundle()
    victim = next(p for p in source.rglob("*") if p.is_file() and p.name not in ("manifest.jsonl", "manifest.sha256"))
    victim.write_bytes(victim.read_bytes() + b"tampered")
    with pytest.raises(BundleRejected):
        case.add_bundle(source, move=True)
    assert victim.read_bytes().endswith(b"tampered")
    assert not any(Path(case.root, "evidence", "bundles").glob(".incoming-*"))
