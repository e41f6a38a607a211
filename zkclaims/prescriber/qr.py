"""A prescription on paper: the opening and the attestation as one QR code.

The text (``docs/prescribers.md`` has the byte table) is ``ZKRX1:`` followed by the base45
(:mod:`.base45`, the QR alphanumeric set) of a compact binary payload and its CRC-32::

    flags (1) | kinds (1) | packed prescription (9) | blinding (32) | patient (19)
    | len (1) + prescriber id | signature (64) | [chain] | CRC-32 (4)

``flags``: bits 0-1 algorithm (0 ed25519, 1 ecdsa-p256), bit 2 medical situation, bits 3-4
certificate chain (0 none, 1 inline, 2 detached), bits 5-7 zero. The patient is the INS (15
ASCII characters, canonical) and the birth date (4 bytes, proleptic ordinal).
``kinds``: attestation kind (high nibble: 0 prescription, 1 optician adaptation) and prescriber
kind (low nibble: 0 physician, 1 orthoptist, 2 optician). The packed prescription is the
70-bit layout of :func:`zkclaims.domain.claim.pack_prescription` (it holds the prescription day,
which is the attestation's); the commitment v2 is recomputed, not carried. An inline chain is a
count (1 byte) and each certificate as a 2-byte length and its DER; a detached chain is the
SHA-256 of that same encoding, and the certificates travel apart (they are public). The CRC-32
covers the ``ZKRX1:`` prefix and the payload: a scanning or typing error is caught before
anything is written.

One QR code (version 40, error correction M) holds 3,391 alphanumeric characters, about 2,200
bytes: a chain of two small ECDSA/Ed25519 certificates fits; a real health PKI chain (RSA
2048 certificates, 1.5 to 2 kB each) does not. :func:`prescription_qr` then detaches the chain:
the QR carries its digest and the optician passes the certificates to ``zkclaims opening
import --certificate-chain``, which checks them against the digest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from zkclaims.domain.attestation import (
    ATTESTATION_FORMAT_V2,
    MAX_CHAIN_CERTIFICATES,
    Attestation,
    AttestationKind,
    SignatureAlgorithm,
)
from zkclaims.domain.models import PrescriberKind
from zkclaims.errors import InvalidInputError
from zkclaims.field import R
from zkclaims.prescriber.base45 import b45decode, b45encode

__all__ = [
    "QR_PREFIX",
    "QR_VERSION",
    "MAX_QR_TEXT",
    "encode_prescription_text",
    "decode_prescription_text",
    "chain_digest",
    "prescription_qr",
    "render_qr",
]

QR_VERSION = 1
QR_PREFIX = f"ZKRX{QR_VERSION}:"
#: Longest text decoded (one QR code holds at most 4,296 alphanumeric characters).
MAX_QR_TEXT = 8192
_ALGORITHMS = (SignatureAlgorithm.ED25519, SignatureAlgorithm.ECDSA_P256)
_KINDS = (AttestationKind.PRESCRIPTION, AttestationKind.OPTICIAN_ADAPTATION)
_PRESCRIBERS = (PrescriberKind.PHYSICIAN, PrescriberKind.ORTHOPTIST, PrescriberKind.OPTICIAN)
_CHAIN_NONE, _CHAIN_INLINE, _CHAIN_DETACHED = 0, 1, 2
_PACKED_BYTES = 9
_INS_CHARS = 15


def _error(message: str, value: object = None) -> InvalidInputError:
    if value is None:
        return InvalidInputError.from_line("qr", None, f"qr: {message}")
    return InvalidInputError("qr", value, message)


def _chain_bytes(chain: Sequence[bytes]) -> bytes:
    return bytes([len(chain)]) + b"".join(struct.pack(">H", len(der)) + der for der in chain)


def chain_digest(chain: Sequence[bytes]) -> bytes:
    """SHA-256 of a chain's QR encoding (count, then each DER with its 2-byte length)."""
    return hashlib.sha256(_chain_bytes(chain)).digest()


def encode_prescription_text(opening: Any, attestation: Attestation, *,
                             detach_chain: bool = False) -> str:
    """Encode an opening and its v2 attestation as QR text (see the module docstring)."""
    from zkclaims.domain.packing import pack_prescription

    att = attestation
    if att.format != ATTESTATION_FORMAT_V2:
        raise _error("a QR code carries a v2 attestation", att.format)
    if att.commitment != opening.commitment:
        raise _error("the attestation is not for this opening's commitment", att.commitment)
    rx = opening.prescription
    if rx.issued_on != att.prescription_day or rx.prescriber_kind is not att.prescriber_kind:
        raise _error("the attestation's day or prescriber kind is not the prescription's")
    chain = att.chain_der()
    chain_mode = _CHAIN_NONE if not chain else _CHAIN_DETACHED if detach_chain else _CHAIN_INLINE
    patient = opening.patient
    flags = _ALGORITHMS.index(att.algorithm) | int(att.medical_situation) << 2 | chain_mode << 3
    kinds = _KINDS.index(att.kind) << 4 | _PRESCRIBERS.index(att.prescriber_kind)
    pid = att.prescriber_id.encode("utf-8")
    parts = [bytes([flags, kinds]), pack_prescription(rx).to_bytes(_PACKED_BYTES, "big"),
             opening.blinding_int.to_bytes(32, "big"), patient.ins.encode("ascii"),
             struct.pack(">I", patient.birth_date.toordinal()), bytes([len(pid)]), pid,
             att.signature_bytes]
    if chain_mode == _CHAIN_INLINE:
        parts.append(_chain_bytes(chain))
    elif chain_mode == _CHAIN_DETACHED:
        parts.append(chain_digest(chain))
    payload = b"".join(parts)
    crc = zlib.crc32(QR_PREFIX.encode("ascii") + payload)
    return QR_PREFIX + b45encode(payload + struct.pack(">I", crc))


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int, what: str) -> bytes:
        if self.at + n > len(self.data):
            raise _error(f"truncated: {what} missing (byte {self.at} of {len(self.data)})")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out


def _payload(text: str) -> bytes:
    if not isinstance(text, str):
        raise _error("expected text", type(text).__name__)
    text = text.strip()
    if len(text) > MAX_QR_TEXT:
        raise _error(f"longer than {MAX_QR_TEXT} characters: not a prescription QR text",
                     f"{len(text)} characters")
    if not text.startswith("ZKRX"):
        raise _error(f"not a zkclaims prescription (expected text starting with {QR_PREFIX})",
                     text[:12])
    version, sep, body = text[4:].partition(":")
    if not sep or version != str(QR_VERSION):
        raise _error(f"unknown version {version[:8]!r}: this zkclaims reads {QR_PREFIX}",
                     text[:12])
    try:
        raw = b45decode(body)
    except ValueError as exc:
        raise _error(f"not base45: {exc}") from None
    if len(raw) < 4:
        raise _error("truncated: no checksum")
    payload, (crc,) = raw[:-4], struct.unpack(">I", raw[-4:])
    if zlib.crc32(QR_PREFIX.encode("ascii") + payload) != crc:
        raise _error("bad checksum (CRC-32): the text was misread or altered; scan it again")
    return payload


def decode_prescription_text(
    text: str, *, certificate_chain: Sequence[bytes] | None = None
) -> tuple[Any, Attestation]:
    """Decode QR text into ``(opening, attestation)``; the opening is checked to open.

    ``certificate_chain``: the DER certificates of a detached chain (their digest must be the
    one the text carries). Raises :class:`InvalidInputError` (field ``qr``) with one line.
    """
    from zkclaims.domain.packing import unpack_prescription
    from zkclaims.domain.patient import Patient
    from zkclaims.prescriber.opening import Opening, commitment_of

    r = _Reader(_payload(text))
    flags, kinds = r.take(2, "header")
    if flags >> 5 or flags & 3 >= len(_ALGORITHMS) or (flags >> 3) & 3 > _CHAIN_DETACHED:
        raise _error(f"unknown flags {flags:#04x}")
    if kinds >> 4 >= len(_KINDS) or kinds & 15 >= len(_PRESCRIBERS):
        raise _error(f"unknown kinds {kinds:#04x}")
    prescriber_kind = _PRESCRIBERS[kinds & 15]
    packed = int.from_bytes(r.take(_PACKED_BYTES, "prescription"), "big")
    try:
        rx = unpack_prescription(packed, prescriber_kind)
    except InvalidInputError as exc:
        raise _error(f"prescription: {exc}") from None
    blinding = int.from_bytes(r.take(32, "blinding"), "big")
    if blinding >= R:
        raise _error("blinding: not below the scalar field order r")
    ins = r.take(_INS_CHARS, "patient INS").decode("ascii", "replace")
    birth = _ordinal(struct.unpack(">I", r.take(4, "patient birth date"))[0])
    try:
        patient = Patient(ins=ins, birth_date=birth)
    except InvalidInputError as exc:
        raise _error(f"patient: {exc}") from None
    if patient.ins != ins:
        raise _error("patient: the INS is not in its canonical form")
    pid = r.take(r.take(1, "prescriber id length")[0], "prescriber id")
    signature = r.take(64, "signature")
    chain_mode = (flags >> 3) & 3
    chain: list[bytes] | None = None
    if chain_mode == _CHAIN_INLINE:
        count = r.take(1, "certificate count")[0]
        if not 0 < count <= MAX_CHAIN_CERTIFICATES:
            raise _error(f"certificate count {count} is not 1 to {MAX_CHAIN_CERTIFICATES}")
        chain = [r.take(struct.unpack(">H", r.take(2, "certificate length"))[0], "certificate")
                 for _ in range(count)]
    elif chain_mode == _CHAIN_DETACHED:
        digest = r.take(32, "certificate chain digest")
        if not certificate_chain:
            raise _error("the certificate chain was too large for the QR code: pass the"
                         f" prescriber's certificates (SHA-256 {digest.hex()[:16]}...)")
        chain = list(certificate_chain)
        if chain_digest(chain) != digest:
            raise _error("the certificate chain given is not the one the prescriber signed with"
                         f" (SHA-256 {digest.hex()[:16]}...)")
    if r.at != len(r.data):
        raise _error(f"{len(r.data) - r.at} unexpected bytes after the attestation")
    if chain_mode != _CHAIN_DETACHED and certificate_chain:
        raise _error("a certificate chain was given but this QR code carries its own or none")
    try:
        prescriber_id = pid.decode("utf-8")
    except UnicodeDecodeError:
        raise _error("prescriber id: not UTF-8") from None
    if patient.birth_date > rx.issued_on:
        raise _error("patient: born after the prescription day")
    commitment = commitment_of(rx, patient=patient, blinding=blinding)
    opening = Opening(prescription=rx, patient=patient, blinding=str(blinding),
                      commitment=str(commitment))
    try:
        attestation = _attestation(flags, kinds, commitment, prescriber_id, rx, signature, chain)
    except InvalidInputError as exc:
        raise _error(f"attestation: {exc}") from None
    return opening, attestation


def _attestation(flags: int, kinds: int, commitment: int, prescriber_id: str, rx: Any,
                 signature: bytes, chain: list[bytes] | None) -> Attestation:
    return Attestation(
        format=ATTESTATION_FORMAT_V2, kind=_KINDS[kinds >> 4], commitment=str(commitment),
        prescriber_id=prescriber_id, prescriber_kind=rx.prescriber_kind,
        prescription_day=rx.issued_on, medical_situation=bool(flags >> 2 & 1),
        algorithm=_ALGORITHMS[flags & 3], signature=signature.hex(),
        certificate_chain=None if chain is None else [
            base64.b64encode(der).decode("ascii") for der in chain],
    )


def _ordinal(n: int) -> Any:
    import datetime as _dt

    try:
        return _dt.date.fromordinal(n)
    except (ValueError, OverflowError):
        raise _error(f"patient birth date: day {n} is not a date") from None


def prescription_qr(opening: Any, attestation: Attestation) -> tuple[Any, str, bool]:
    """Return ``(segno QR code, its text, chain detached?)`` for one QR code (error level M).

    The chain is detached only when the whole text does not fit in one QR code.
    """
    import segno

    text = encode_prescription_text(opening, attestation)
    try:
        return segno.make(text, error="m", micro=False), text, False
    except segno.DataOverflowError:
        if not attestation.certificate_chain:
            raise _error("too large for one QR code") from None
    text = encode_prescription_text(opening, attestation, detach_chain=True)
    return segno.make(text, error="m", micro=False), text, True


def render_qr(code: Any, kind: str, *, scale: int = 4) -> bytes:
    """Render a segno QR code as ``png``, ``svg``, ``pdf`` or ``eps`` bytes."""
    if kind not in ("png", "svg", "pdf", "eps"):
        raise InvalidInputError("--qr", kind, "the QR file must end in .png, .svg, .pdf or .eps")
    buffer = io.BytesIO()
    code.save(buffer, kind=kind, scale=scale, border=4)
    return buffer.getvalue()
