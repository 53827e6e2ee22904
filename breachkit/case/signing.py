"""Ed25519 signatures over the journal head.

The hash chain proves the journal is internally consistent, but anyone who can
write the case folder can rebuild a consistent chain (or cut it short and
rewrite ``journal.head``). A signature made with a key the examiner keeps
elsewhere — and checked with ``breachkit case verify --verify-key`` — is what a
forger cannot reproduce.

``journal.sig`` holds ``{"seq", "sha256", "signature", "public_key"}`` (the
last two base64). The signed message is a fixed prefix plus the canonical JSON
of ``{"seq", "sha256"}``, so a signature made for something else can never be
passed off as a journal head. Keys are PEM: PKCS#8 for the private key (written
0600), SubjectPublicKeyInfo for the public one; ``--verify-key`` also accepts
the raw base64 public key as printed by ``keygen`` and stored in ``journal.sig``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from breachkit.case.journal import canonical_json, is_sha256_hex
from breachkit.errors import UsageError

#: Domain separation: these bytes start every message breachkit signs for a journal.
MESSAGE_PREFIX = b"breachkit journal head v1\n"


@dataclass(frozen=True, slots=True)
class HeadSignature:
    """A signed statement "the journal's entry ``seq`` has this SHA-256"."""

    seq: int
    sha256: str
    signature: bytes
    public_key: bytes

    def to_bytes(self) -> bytes:
        return (
            canonical_json(
                {
                    "seq": self.seq,
                    "sha256": self.sha256,
                    "signature": base64.b64encode(self.signature).decode("ascii"),
                    "public_key": base64.b64encode(self.public_key).decode("ascii"),
                }
            )
            + b"\n"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> HeadSignature:
        """Parse ``journal.sig``; ``ValueError`` names what is wrong."""
        try:
            obj = json.loads(data)
        except ValueError as exc:
            raise ValueError("not JSON") from exc
        if not isinstance(obj, dict):
            raise ValueError("not a JSON object")
        seq, sha = obj.get("seq"), obj.get("sha256")
        if type(seq) is not int or seq < 0 or not is_sha256_hex(sha):
            raise ValueError("needs an integer 'seq' >= 0 and a hex 'sha256'")
        assert isinstance(sha, str)
        signature = _b64(obj.get("signature"), "signature")
        public_key = _b64(obj.get("public_key"), "public_key")
        if len(public_key) != 32 or len(signature) != 64:
            raise ValueError("an Ed25519 key is 32 bytes and a signature 64")
        return cls(seq, sha, signature, public_key)


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"'{what}' must be a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"'{what}' is not valid base64") from exc


def head_message(seq: int, sha256: str) -> bytes:
    return MESSAGE_PREFIX + canonical_json({"seq": seq, "sha256": sha256})


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key: bytes) -> str:
    """A short name for a key in messages: ``ed25519:`` and 16 hex digits of its SHA-256."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def sign_head(private_key: Ed25519PrivateKey, seq: int, sha256: str) -> HeadSignature:
    return HeadSignature(seq, sha256, private_key.sign(head_message(seq, sha256)), raw_public_key(private_key))


def signature_is_valid(signature: HeadSignature) -> bool:
    """Whether the signature matches its head under the key it carries.

    Whether that key is the *trusted* one is the caller's question.
    """
    try:
        key = Ed25519PublicKey.from_public_bytes(signature.public_key)
        key.verify(signature.signature, head_message(signature.seq, signature.sha256))
    except (InvalidSignature, ValueError):
        return False
    return True


def generate_keypair(out: str | os.PathLike[str]) -> tuple[Path, Path, bytes]:
    """Write a new private key to ``out`` (0600) and its public key to ``out.pub``.

    Refuses to overwrite either file: losing a signing key silently would make
    every earlier signature unverifiable against it. Returns both paths and the
    raw public key.
    """
    private_path = Path(out)
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if os.path.lexists(path):
            raise UsageError(f"{path} exists; choose another name (keys are never overwritten)")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(private_path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)
    return private_path, public_path, raw_public_key(key)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except FileExistsError:
        raise UsageError(f"{path} exists; choose another name") from None
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key (as written by ``breachkit case keygen``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read signing key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise UsageError(
            f"{path} is encrypted; breachkit needs an unencrypted key (keep it on removable media)"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(f"{path} is not a PEM private key; create one with 'breachkit case keygen'") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path} is not an Ed25519 key; create one with 'breachkit case keygen'")
    return key


def load_public_key(path: str | os.PathLike[str]) -> bytes:
    """The raw 32-byte public key from a PEM file or a file holding its base64."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read verify key {path}: {exc.strerror}") from exc
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise UsageError(f"{path} is not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError(f"{path} is not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise UsageError(f"{path} is neither a PEM public key nor the base64 of a 32-byte Ed25519 key")
    return raw
