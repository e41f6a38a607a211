"""Signing keys: Ed25519 or ECDSA P-256; generate, save (mode 0600), load, encode, check.

A public key is written as hex: the raw 32 bytes of an Ed25519 key, or the compressed SEC1
point (33 bytes) of a P-256 key (an uncompressed 65-byte point is accepted on input). Every
public key read from outside goes through :func:`parse_public_key`, which refuses weak keys:
small-order, non-canonical or mixed-order Ed25519 points (:mod:`.ed25519`), and points not on
P-256 or the point at infinity (``cryptography`` checks the curve equation).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Union

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from zkclaims.domain.attestation import SignatureAlgorithm
from zkclaims.errors import InvalidInputError
from zkclaims.prescriber import ed25519
from zkclaims.prescriber.storage import write_private_file

__all__ = [
    "PrivateKey",
    "PublicKey",
    "generate_key",
    "save_private_key",
    "load_private_key",
    "algorithm_of",
    "public_key_of",
    "public_key_hex",
    "public_key_pem",
    "parse_public_key",
    "load_public_key_text",
    "check_public_key",
    "key_id",
]

PrivateKey = Union[Ed25519PrivateKey, ec.EllipticCurvePrivateKey]  # noqa: UP007 - runtime alias
PublicKey = Union[Ed25519PublicKey, ec.EllipticCurvePublicKey]  # noqa: UP007


def generate_key(algorithm: SignatureAlgorithm | str = SignatureAlgorithm.ED25519) -> PrivateKey:
    """Return a fresh private key (the OS CSPRNG, through ``cryptography``)."""
    alg = _algorithm(algorithm)
    if alg is SignatureAlgorithm.ED25519:
        return Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def _algorithm(value: object, field: str = "algorithm") -> SignatureAlgorithm:
    try:
        return SignatureAlgorithm(value)
    except ValueError:
        raise InvalidInputError(field, value, "must be 'ed25519' or 'ecdsa-p256'") from None


def algorithm_of(key: PrivateKey | PublicKey) -> SignatureAlgorithm:
    """Return the algorithm of a key object; raises for any other key type or curve."""
    if isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        return SignatureAlgorithm.ED25519
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return SignatureAlgorithm.ECDSA_P256
    what = type(key).__name__ + (f" on {key.curve.name}" if hasattr(key, "curve") else "")
    raise InvalidInputError("key", what, "expected an Ed25519 or ECDSA P-256 key")


def public_key_of(key: PrivateKey | PublicKey) -> PublicKey:
    """Return the public key of a private key (a public key is returned as is)."""
    algorithm_of(key)
    if isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        return key.public_key()
    return key


def save_private_key(key: PrivateKey, path: str | Path) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, mode 0600, never over an existing file."""
    algorithm_of(key)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(path, pem, force=False, what="key")


def load_private_key(path: str | Path) -> PrivateKey:
    """Read an Ed25519 or ECDSA P-256 private key (unencrypted PEM)."""
    from zkclaims.jsonio import read_file

    # bounded read: a PEM key is a few hundred bytes (/dev/zero is refused, not read forever)
    data = read_file(path, "key", max_bytes=64 * 1024)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            "key", str(path), f"not an unencrypted PEM private key: {exc}"
        ) from None
    try:
        algorithm_of(key)
    except InvalidInputError as exc:
        raise InvalidInputError("key", str(path), f"{exc.value}: not an Ed25519 or ECDSA P-256"
                                " key") from None
    return key  # type: ignore[return-value]


def _raw(key: PublicKey) -> bytes:
    if isinstance(key, Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )


def public_key_hex(key: PrivateKey | PublicKey) -> str:
    """Return the public key in hex: raw Ed25519 (32 bytes) or compressed P-256 point (33 bytes)."""
    return _raw(public_key_of(key)).hex()


def public_key_pem(key: PrivateKey | PublicKey) -> bytes:
    """Return the public key as a SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``)."""
    return public_key_of(key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def check_public_key(key: PublicKey, field: str = "public_key") -> None:
    """Refuse a weak public key object (a small-order Ed25519 point, a curve other than P-256).

    ``cryptography`` builds P-256 keys only from points on the curve, never the point at
    infinity, and the curve has cofactor 1: such a key is in the group. Ed25519 keys are not
    checked by OpenSSL at all: :func:`zkclaims.prescriber.ed25519.check_public_key` does it.
    """
    if algorithm_of(key) is SignatureAlgorithm.ED25519:
        ed25519.check_public_key(_raw(key), field)


def parse_public_key(algorithm: SignatureAlgorithm | str, text: str,
                     field: str = "public_key") -> PublicKey:
    """Parse a hex public key of ``algorithm``, refusing weak and malformed keys."""
    alg = _algorithm(algorithm)
    try:
        raw = bytes.fromhex(text) if isinstance(text, str) and len(text) <= 260 else None
    except ValueError:
        raw = None
    if raw is None:
        raise InvalidInputError(field, text, "expected a public key in hexadecimal")
    if alg is SignatureAlgorithm.ED25519:
        if len(raw) != 32:
            raise InvalidInputError(field, text, "an Ed25519 public key is 32 bytes (64 hex)")
        ed25519.check_public_key(raw, field)
        return Ed25519PublicKey.from_public_bytes(raw)
    if len(raw) not in (33, 65):
        raise InvalidInputError(
            field, text, "a P-256 public key is a SEC1 point of 33 or 65 bytes (66/130 hex)"
        )
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise InvalidInputError(field, text, "not a point of the curve P-256") from None


def load_public_key_text(text: str | bytes, algorithm: SignatureAlgorithm | str | None = None,
                         field: str = "public_key") -> PublicKey:
    """Read a public key given as SubjectPublicKeyInfo PEM or hex (see :func:`parse_public_key`).

    Hex is Ed25519 when 64 digits long and P-256 when 66 or 130, unless ``algorithm`` says.
    """
    data = text.encode() if isinstance(text, str) else text
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(field, "PEM", f"not a PEM public key: {exc}") from None
        alg = algorithm_of(key)  # type: ignore[arg-type]
        if algorithm is not None and alg is not _algorithm(algorithm):
            raise InvalidInputError(field, alg.value, f"the PEM key is not {algorithm}")
        check_public_key(key, field)  # type: ignore[arg-type]
        return key  # type: ignore[return-value]
    hex_text = data.decode("ascii", "replace").strip()
    if algorithm is None:
        by_length = {64: "ed25519", 66: "ecdsa-p256", 130: "ecdsa-p256"}
        if len(hex_text) not in by_length:
            raise InvalidInputError(
                field, hex_text, "expected a PEM public key, or hex: 64 digits (Ed25519),"
                " 66 or 130 (P-256)"
            )
        algorithm = by_length[len(hex_text)]
    return parse_public_key(algorithm, hex_text, field)


def key_id(key: PublicKey) -> str:
    """Return a short name of a public key: SHA-256 of its SPKI DER, first 8 bytes hex."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]

