"""Ed25519 signatures over a baseline database's hash, and where the host half can check them.

A signature file ``<db>.sig`` holds ``{"db_sha256", "signature", "public_key"}``
(the last two base64); the signed message is :data:`MESSAGE_PREFIX` followed by
the database's SHA-256 in hex, so a signature made for anything else (a case
journal head, another database) never passes for this one.

Signing and verifying need the ``cryptography`` package, which the standard-
library-only host half cannot require: the analyst side signs
(``breachkit baseline create --sign-key``) and verifies. Here, verification is
attempted only when ``cryptography`` happens to be importable; otherwise
:func:`verify` says plainly that the signature was **not** checked, and the
database hash printed by every command is what to compare with the copy kept
off the host.
"""

import base64
import binascii
import importlib
import json
from typing import Any, Optional, Tuple

MESSAGE_PREFIX = b"breachkit baseline db v1\n"


def message(db_sha256: str) -> bytes:
    return MESSAGE_PREFIX + db_sha256.encode("ascii")


def signature_path(db_path: str) -> str:
    return db_path + ".sig"


def read_signature(path: str) -> Tuple[str, bytes, bytes]:
    """(db_sha256, signature, public key) from a ``.sig`` file; ``ValueError`` when malformed."""
    with open(path, "rb") as handle:
        data = json.loads(handle.read(65536))
    if not isinstance(data, dict):
        raise ValueError("%s is not a baseline signature" % path)
    try:
        sha = str(data["db_sha256"])
        sig = base64.b64decode(str(data["signature"]), validate=True)
        key = base64.b64decode(str(data["public_key"]), validate=True)
    except (KeyError, binascii.Error) as exc:
        raise ValueError("%s is not a baseline signature: %s" % (path, exc)) from None
    if len(sig) != 64 or len(key) != 32:
        raise ValueError("%s: an Ed25519 signature is 64 bytes and a key 32" % path)
    return sha, sig, key


def signature_json(db_sha256: str, signature: bytes, public_key: bytes) -> bytes:
    return (
        json.dumps(
            {
                "db_sha256": db_sha256,
                "signature": base64.b64encode(signature).decode("ascii"),
                "public_key": base64.b64encode(public_key).decode("ascii"),
            },
            sort_keys=True,
        ).encode("ascii")
        + b"\n"
    )


def _ed25519() -> Optional[Any]:
    try:
        return importlib.import_module("cryptography.hazmat.primitives.asymmetric.ed25519")
    except ImportError:
        return None


def can_verify() -> bool:
    """Whether this Python can check signatures (``cryptography`` importable)."""
    return _ed25519() is not None


def verify(db_path: str, db_sha256: str, trusted_key: bytes) -> Tuple[Optional[bool], str]:
    """Check ``<db>.sig`` against the database hash and a trusted raw public key.

    Returns ``(True, message)`` when valid, ``(False, message)`` when not, and
    ``(None, message)`` when it could not be checked here.
    """
    module = _ed25519()
    if module is None:
        return None, (
            "signature NOT checked: this Python has no 'cryptography' module. Compare the database hash "
            "above with the one you kept off the host, or verify with 'breachkit baseline check' elsewhere."
        )
    try:
        signed_sha, signature, key = read_signature(signature_path(db_path))
    except OSError as exc:
        return False, "no readable signature %s: %s" % (signature_path(db_path), exc.strerror)
    except ValueError as exc:
        return False, str(exc)
    if key != trusted_key:
        return False, "the database was signed with a different key than the one given"
    if signed_sha != db_sha256:
        return False, "the signature is for another database (signed hash %s)" % signed_sha
    try:
        module.Ed25519PublicKey.from_public_bytes(key).verify(signature, message(db_sha256))
    except Exception:  # cryptography's InvalidSignature cannot be imported statically here
        return False, "the signature does not match: the database or its signature was altered"
    return True, "signature valid (Ed25519 key %s)" % key_fingerprint(key)


def key_fingerprint(key: bytes) -> str:
    import hashlib

    return "ed25519:" + hashlib.sha256(key).hexdigest()[:16]


def load_public_key(path: str) -> bytes:
    """A raw 32-byte Ed25519 key from a PEM file (SubjectPublicKeyInfo) or a file with its base64."""
    with open(path, "rb") as handle:
        data = handle.read(65536)
    if b"-----BEGIN" in data:
        body = b"".join(line for line in data.splitlines() if line and not line.startswith(b"-----"))
        der = base64.b64decode(body)
        # An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key (RFC 8410).
        if len(der) != 44 or not der.startswith(bytes.fromhex("302a300506032b6570032100")):
            raise ValueError("%s is not an Ed25519 public key" % path)
        return der[12:]
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise ValueError("%s is neither a PEM Ed25519 public key nor the base64 of a 32-byte key" % path)
    return raw
