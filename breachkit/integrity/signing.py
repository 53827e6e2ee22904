"""Ed25519 signatures over a baseline database (analyst side, with ``cryptography``).

The format and the signed message are defined once in
:mod:`breachkit.host.baseline.signature` (so the host half can check a
signature when ``cryptography`` happens to be there); keys are the ones
``breachkit case keygen`` writes (:mod:`breachkit.case.signing`). Keep the
private key and a copy of the database off the host: the signature only helps
if the intruder cannot make a new one.
"""

from __future__ import annotations

import os
from pathlib import Path

from breachkit.case.signing import fingerprint, load_private_key, load_public_key, raw_public_key
from breachkit.errors import BreachkitError
from breachkit.host.baseline import signature as sigmod


class SignatureError(BreachkitError):
    """The database's signature is missing, made with another key, or does not match."""


def sign_database(db_path: str | os.PathLike[str], db_sha256: str, key_path: str | os.PathLike[str]) -> Path:
    """Write ``<db>.sig`` for the database with hash ``db_sha256``; returns its path."""
    key = load_private_key(key_path)
    signature = key.sign(sigmod.message(db_sha256))
    out = Path(sigmod.signature_path(str(db_path)))
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(sigmod.signature_json(db_sha256, signature, raw_public_key(key)))
    os.replace(tmp, out)
    return out


def verify_database(db_path: str | os.PathLike[str], db_sha256: str, key_path: str | os.PathLike[str]) -> str:
    """Check ``<db>.sig`` with the trusted public key; returns a message or raises :class:`SignatureError`."""
    trusted = load_public_key(key_path)
    valid, message = sigmod.verify(str(db_path), db_sha256, trusted)
    if valid is not True:
        raise SignatureError(f"baseline signature: {message}")
    return f"{message} [{fingerprint(trusted)}]"
