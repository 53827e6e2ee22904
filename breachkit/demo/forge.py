"""Made-up secrets that look real: SSH keys, PEM blobs, passwords.

The demo host needs credentials in the places a real one has them (host keys,
``authorized_keys``, TLS keys, database passwords) so that tools which look for
them find something of the right shape. They come from the scenario's seeded
generator: reproducible, and worthless as secrets.
"""

from __future__ import annotations

import base64
import hashlib
import random
import struct


def ed25519(rng: random.Random, comment: str) -> tuple[str, str]:
    """An OpenSSH ed25519 public key line and its SHA256 fingerprint (as sshd logs it)."""
    key = rng.randbytes(32)
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + key
    fingerprint = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}", fingerprint


def pem(rng: random.Random, label: str, size: int) -> bytes:
    """A PEM block of ``size`` random bytes (a private key or certificate in shape only)."""
    body = base64.b64encode(rng.randbytes(size)).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n".encode()


def secret(rng: random.Random, n: int) -> str:
    """A password of ``n`` characters, without the ones people confuse (0/O, 1/l/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(rng.choice(alphabet) for _ in range(n))
