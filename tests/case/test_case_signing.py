"""Ed25519 signatures over the journal head: good, bad, wrong key, and what they catch."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest

from breachkit.case import Case
from breachkit.case.journal import Head, verify
from breachkit.case.signing import (
    HeadSignature,
    generate_keypair,
    load_private_key,
    load_public_key,
)
from breachkit.errors import UsageError


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public, _raw = generate_keypair(tmp_path / "keys" / "examiner.key")
    return private, public


@pytest.fixture(autouse=True)
def _key_dir(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()


def sign(case: Case, private: Path) -> HeadSignature:
    return case.journal.sign(load_private_key(private))


def test_keygen_writes_a_private_and_a_public_key(keys: tuple[Path, Path]) -> None:
    private, public = keys
    assert public.name == "examiner.key.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes()
    assert b"PUBLIC KEY" in public.read_bytes()
    assert len(load_public_key(public)) == 32
    with pytest.raises(UsageError, match="exists"):
        generate_keypair(private)


def test_good_signature_with_the_trusted_key(case: Case, keys: tuple[Path, Path]) -> None:
    private, public = keys
    case.note("signed note")
    signature = sign(case, private)
    assert signature.seq == 1
    result = verify(case.root, public_key=load_public_key(public))
    assert result.ok
    assert result.signature == "valid"
    assert result.signature_seq == 1


def test_signature_without_a_trusted_key_is_unchecked(case: Case, keys: tuple[Path, Path]) -> None:
    sign(case, keys[0])
    result = verify(case.root)
    assert result.ok
    assert result.signature == "unchecked"
    assert [w.kind for w in result.warnings] == ["signature_unchecked"]


def test_later_entries_leave_an_older_signature_valid(case: Case, keys: tuple[Path, Path]) -> None:
    sign(case, keys[0])
    case.note("after signing")
    result = verify(case.root, public_key=load_public_key(keys[1]))
    assert result.ok
    assert result.signature_seq == 0


def test_wrong_key(case: Case, keys: tuple[Path, Path], tmp_path: Path) -> None:
    sign(case, keys[0])
    _other_private, other_public, _raw = generate_keypair(tmp_path / "keys" / "other.key")
    result = verify(case.root, public_key=load_public_key(other_public))
    assert not result.ok
    assert [p.kind for p in result.problems] == ["signature_wrong_key"]


def test_bad_signature(case: Case, keys: tuple[Path, Path]) -> None:
    sign(case, keys[0])
    data = json.loads(case.journal.signature_path.read_bytes())
    raw = bytearray(base64.b64decode(data["signature"]))
    raw[0] ^= 0x01
    data["signature"] = base64.b64encode(bytes(raw)).decode()
    case.journal.signature_path.write_text(json.dumps(data))
    result = verify(case.root, public_key=load_public_key(keys[1]))
    assert [p.kind for p in result.problems] == ["signature_invalid"]
    assert result.signature == "invalid"


def test_damaged_signature_file(case: Case, keys: tuple[Path, Path]) -> None:
    sign(case, keys[0])
    case.journal.signature_path.write_text('{"seq": 0}')
    assert [p.kind for p in verify(case.root).problems] == ["signature_invalid"]


def test_missing_signature_when_one_is_required(case: Case, keys: tuple[Path, Path]) -> None:
    sign(case, keys[0])
    case.journal.signature_path.unlink()
    result = verify(case.root, public_key=load_public_key(keys[1]))
    assert [p.kind for p in result.problems] == ["signature_missing"]
    assert verify(case.root).ok, "without a key, an unsigned journal is fine"


def test_signature_catches_truncation_with_a_forged_head(case: Case, keys: tuple[Path, Path]) -> None:
    case.note("one")
    case.note("two")
    sign(case, keys[0])
    raw = case.journal.path.read_bytes().splitlines(keepends=True)
    case.journal.path.write_bytes(b"".join(raw[:-1]))
    forged = Head(1, hashlib.sha256(raw[-2][:-1]).hexdigest())
    case.journal.head_path.write_bytes(forged.to_bytes())
    result = verify(case.root, public_key=load_public_key(keys[1]))
    assert [p.kind for p in result.problems] == ["truncated"]
    assert "signature covers entry 2" in result.problems[0].message


def test_signature_catches_an_edit_with_a_forged_head(case: Case, keys: tuple[Path, Path]) -> None:
    case.note("the truth")
    sign(case, keys[0])
    raw = case.journal.path.read_bytes().splitlines(keepends=True)
    raw[-1] = raw[-1].replace(b"the truth", b"a lie....")
    case.journal.path.write_bytes(b"".join(raw))
    case.journal.head_path.write_bytes(Head(1, hashlib.sha256(raw[-1][:-1]).hexdigest()).to_bytes())
    result = verify(case.root, public_key=load_public_key(keys[1]))
    assert [(p.kind, p.line) for p in result.problems] == [("signature_mismatch", 2)]


def test_public_key_as_base64(case: Case, keys: tuple[Path, Path], tmp_path: Path) -> None:
    raw = load_public_key(keys[1])
    as_text = tmp_path / "keys" / "pub.b64"
    as_text.write_text(base64.b64encode(raw).decode() + "\n")
    assert load_public_key(as_text) == raw


def test_not_a_key(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_text("hello")
    with pytest.raises(UsageError, match="not a PEM private key"):
        load_private_key(junk)
    with pytest.raises(UsageError, match="neither a PEM public key"):
        load_public_key(junk)
    with pytest.raises(UsageError, match="cannot read"):
        load_private_key(tmp_path / "absent")
