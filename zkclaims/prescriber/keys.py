"""The prescriber's signing key: generate, save (mode 0600), load, show the public key."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from zkclaims.errors import InvalidInputError

__all__ = ["generate_key", "save_private_key", "load_private_key", "public_key_hex"]


def generate_key() -> Ed25519PrivateKey:
    """Return a fresh Ed25519 private key (OS CSPRNG, via ``cryptography``)."""
    return Ed25519PrivateKey.generate()


def save_private_key(key: Ed25519PrivateKey, path: str | Path) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, readable by the owner only (mode 0600).

    Refuses to overwrite an existing file.
    """
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key written by :func:`save_private_key`."""
    from zkclaims.jsonio import read_file

    # bounded read: a PEM key is a few hundred bytes (/dev/zero is refused, not read forever)
    data = read_file(path, "key", max_bytes=64 * 1024)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            "key", str(path), f"not an unencrypted PEM private key: {exc}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInputError("key", str(path), f"not an Ed25519 key ({type(key).__name__})")
    return key


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Return the raw 32-byte public key in hex."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()

