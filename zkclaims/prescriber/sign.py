"""Sign an attestation (Ed25519 or ECDSA P-256) and check a signature strictly.

:func:`sign_attestation` is where the prescriber's commitment (:mod:`.opening`) meets the
signature: it builds the v2 :class:`~zkclaims.domain.attestation.Attestation` and signs
:func:`~zkclaims.domain.attestation.attestation_message_v2` with the key. ECDSA signatures
are ``r || s`` (32 bytes each, big-endian) over SHA-256 of the message; ``s`` is normalised to
the lower half (``s <= n/2``).

:func:`verify_signature` is the one place signatures are checked: Ed25519 strictly (canonical
``S < L``, ``R`` and ``A`` canonical and not of small order, ``A`` in the prime-order subgroup:
:mod:`.ed25519`), ECDSA with ``1 <= r, s < n`` on a key ``cryptography`` has checked on curve.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from zkclaims.domain.attestation import (
    ATTESTATION_FORMAT_V2,
    Attestation,
    AttestationKind,
    SignatureAlgorithm,
    attestation_message_v2,
)
from zkclaims.domain.models import PrescriberKind
from zkclaims.errors import InvalidInputError
from zkclaims.prescriber import ed25519
from zkclaims.prescriber.keys import PrivateKey, PublicKey, algorithm_of, check_public_key

__all__ = ["P256_ORDER", "sign_attestation", "sign_message", "verify_signature"]

#: The order n of the P-256 base point.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def sign_message(key: PrivateKey, message: bytes) -> bytes:
    """Sign ``message``: 64 bytes (Ed25519, or ECDSA P-256/SHA-256 as ``r || s``, low ``s``)."""
    if algorithm_of(key) is SignatureAlgorithm.ED25519:
        assert isinstance(key, Ed25519PrivateKey)
        return key.sign(message)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    s = min(s, P256_ORDER - s)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_signature(key: PublicKey, message: bytes, signature: bytes) -> bool:
    """Tell whether ``signature`` is a valid, strict signature of ``message`` by ``key``.

    A weak key raises :class:`InvalidInputError` (it should have been refused on load); a
    malformed or non-canonical signature returns False.
    """
    check_public_key(key)
    if len(signature) != 64:
        return False
    if algorithm_of(key) is SignatureAlgorithm.ED25519:
        assert isinstance(key, Ed25519PublicKey)
        try:
            ed25519.check_signature_encoding(signature)
            key.verify(signature, message)
        except (InvalidInputError, InvalidSignature):
            return False
        return True
    assert isinstance(key, ec.EllipticCurvePublicKey)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < P256_ORDER and 0 < s < P256_ORDER):
        return False
    try:
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def sign_attestation(
    key: PrivateKey,
    *,
    commitment: int,
    prescriber_id: str,
    prescriber_kind: PrescriberKind | str,
    prescription_day: _dt.date,
    kind: AttestationKind | str | None = None,
    medical_situation: bool = False,
    certificate_chain: Sequence[object] | None = None,
) -> Attestation:
    """Build and sign a v2 attestation of ``commitment``.

    ``kind`` defaults to ``optician_adaptation`` for an optician and ``prescription``
    otherwise. ``certificate_chain``: the signer's certificates, leaf first, as
    ``cryptography`` certificates, DER bytes or base64 text; the leaf must hold this key's
    public key. Raises :class:`InvalidInputError` naming the field for anything the
    attestation would refuse.
    """
    pkind = PrescriberKind(prescriber_kind)
    if kind is None:
        kind = (AttestationKind.OPTICIAN_ADAPTATION if pkind is PrescriberKind.OPTICIAN
                else AttestationKind.PRESCRIPTION)
    algorithm = algorithm_of(key)
    chain = _chain_text(certificate_chain, key) if certificate_chain is not None else None
    fields = {
        "kind": AttestationKind(kind),
        "prescriber_id": prescriber_id,
        "prescriber_kind": pkind,
        "prescription_day": prescription_day,
        "medical_situation": medical_situation,
        "algorithm": algorithm,
    }
    unsigned = Attestation(  # validates every field (and their consistency) before signing
        format=ATTESTATION_FORMAT_V2, commitment=str(commitment), certificate_chain=chain,
        signature="00" * 64, **fields,
    )
    message = attestation_message_v2(commitment=unsigned.commitment_int, **fields)
    return unsigned.model_copy(update={"signature": sign_message(key, message).hex()})


def _chain_text(chain: Sequence[object], key: PrivateKey) -> list[str]:
    import base64

    from cryptography import x509

    out: list[str] = []
    for i, cert in enumerate(chain):
        if isinstance(cert, x509.Certificate):
            der = cert.public_bytes(Encoding.DER)
        elif isinstance(cert, bytes):
            der = cert
        elif isinstance(cert, str):
            der = base64.b64decode(cert, validate=True)
        else:
            raise InvalidInputError(f"certificate_chain[{i}]", type(cert).__name__,
                                    "expected a certificate, DER bytes or base64 text")
        out.append(base64.b64encode(der).decode("ascii"))
    if out:
        try:
            leaf = x509.load_der_x509_certificate(base64.b64decode(out[0]))
        except ValueError as exc:
            raise InvalidInputError("certificate_chain[0]", "DER", f"not a certificate: {exc}"
                                    ) from None
        spki = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        if spki != key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo):
            raise InvalidInputError(
                "certificate_chain[0]", leaf.subject.rfc4514_string(),
                "the leaf certificate is not for this signing key",
            )
    return out

