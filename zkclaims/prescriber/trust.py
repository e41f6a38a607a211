"""The insurer's trusted prescribers: keys with windows and revocation, X.509 roots and CRLs.

File format ``zkclaims-trusted-prescribers/v2`` (``v1`` files are read and upgraded)::

    {"format": "zkclaims-trusted-prescribers/v2",
     "prescribers": {"RPPS-10001234567": {"kind": "physician", "keys": [
         {"algorithm": "ed25519", "public_key": "<hex>", "not_before": "2024-01-01",
          "not_after": null, "revoked_on": null, "revocation_reason": null}]}},
     "pki": {"roots": ["<base64 DER>"], "crls": ["<base64 DER>"], "require_crl": true,
             "profile": null}}

A prescriber has one kind and any number of keys (a rotation adds a key; the old one keeps
vouching for the prescriptions it signed). :func:`verify_attestation` checks an attestation:

* with a certificate chain: through the insurer's roots and CRLs (:mod:`.pki`);
* without: against the prescriber's keys of the attestation's algorithm. The key that verifies
  the signature must be **valid on the prescription day** (``not_before <= day <= not_after``,
  each bound optional) and **not revoked for it**:

  - revoked for ``key_compromise`` (the default reason): refused for every prescription day,
    before the revocation too. Whoever stole the key can sign any commitment with any date, so
    a date before the revocation proves nothing; the prescriber re-signs the commitments of
    still-valid prescriptions with a new key (:func:`zkclaims.prescriber.sign_attestation`).
  - revoked for ``superseded`` or ``cessation_of_operation`` (the key was retired, not lost):
    refused for prescriptions dated on or after ``revoked_on``, accepted before.

Reasons: ``untrusted_prescriber`` (unknown id, another kind, no key of that algorithm, a
signing key not valid on that day, a chain that does not hold), ``revoked_key``,
``bad_signature``.
"""

from __future__ import annotations

import datetime as _dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import field_validator, model_validator

from zkclaims.domain.attestation import Attestation, SignatureAlgorithm
from zkclaims.domain.base import Model, MutableModel
from zkclaims.domain.models import PrescriberKind
from zkclaims.errors import InputFileError, InvalidInputError
from zkclaims.prescriber.keys import (
    PrivateKey,
    PublicKey,
    algorithm_of,
    key_id,
    parse_public_key,
    public_key_hex,
    public_key_of,
)
from zkclaims.prescriber.pki import PkiTrust, attestation_error, verify_certificate_chain
from zkclaims.prescriber.sign import verify_signature

__all__ = [
    "TRUSTED_FORMAT",
    "TRUSTED_FORMAT_V1",
    "RevocationReason",
    "TrustedKey",
    "TrustedPrescriber",
    "TrustedPrescribers",
    "Signer",
    "verify_attestation",
]

TRUSTED_FORMAT = "zkclaims-trusted-prescribers/v2"
TRUSTED_FORMAT_V1 = "zkclaims-trusted-prescribers/v1"
#: Largest trusted-prescribers file read (CRLs included).
MAX_TRUST_FILE_BYTES = 256 * 1024 * 1024


class RevocationReason(StrEnum):
    """Why a key was revoked; only a compromise voids what the key signed before."""

    KEY_COMPROMISE = "key_compromise"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessation_of_operation"


def check_prescriber_id(v: Any, field: str = "prescriber_id") -> str:
    """Check a prescriber id: non-empty, no surrounding spaces, at most 255 bytes of UTF-8."""
    if not isinstance(v, str) or not v or v != v.strip() or len(v.encode()) > 255:
        raise InvalidInputError(
            field, v, "must be non-empty, without surrounding spaces, at most 255 bytes in UTF-8"
        )
    return v


class TrustedKey(Model):
    """One public key of a prescriber, its validity window and its revocation."""

    algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519
    public_key: str
    not_before: _dt.date | None = None
    not_after: _dt.date | None = None
    revoked_on: _dt.date | None = None
    revocation_reason: RevocationReason | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_reason(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("revoked_on") is not None and data.get(
                "revocation_reason") is None:
            return {**data, "revocation_reason": RevocationReason.KEY_COMPROMISE}
        return data

    @field_validator("public_key", mode="before")
    @classmethod
    def _key(cls, v: Any, info: Any) -> Any:
        algorithm = info.data.get("algorithm")
        if algorithm is None:
            return v  # the algorithm's own error is reported
        try:
            return public_key_hex(parse_public_key(algorithm, v))  # refuses weak keys
        except InvalidInputError as exc:
            raise ValueError(f"public_key: {str(exc).removeprefix('public_key: ')}") from None

    @model_validator(mode="after")
    def _check(self) -> TrustedKey:
        if self.not_before and self.not_after and self.not_after < self.not_before:
            raise ValueError(
                f"not_after: {self.not_after} is before not_before {self.not_before}"
            )
        if self.revocation_reason is not None and self.revoked_on is None:
            raise ValueError("revocation_reason: given without revoked_on")
        return self

    def key(self) -> PublicKey:
        """Return the public key object."""
        return parse_public_key(self.algorithm, self.public_key)

    @property
    def key_id(self) -> str:
        """Short name of the key (:func:`zkclaims.prescriber.keys.key_id`)."""
        return key_id(self.key())

    def covers(self, day: _dt.date) -> bool:
        """Tell whether ``day`` lies in the key's validity window."""
        return (self.not_before is None or self.not_before <= day) and (
            self.not_after is None or day <= self.not_after
        )

    def revoked_for(self, day: _dt.date) -> bool:
        """Tell whether the revocation voids a prescription of ``day`` (module docs)."""
        if self.revoked_on is None:
            return False
        return self.revocation_reason is RevocationReason.KEY_COMPROMISE or day >= self.revoked_on

    def window(self) -> str:
        """Return the window in words: ``2024-01-01 .. open``."""
        return f"{self.not_before or 'open'} .. {self.not_after or 'open'}"


class TrustedPrescriber(Model):
    """A trusted prescriber: the kind they attest as and their keys."""

    kind: PrescriberKind = PrescriberKind.PHYSICIAN
    keys: tuple[TrustedKey, ...]

    @field_validator("keys")
    @classmethod
    def _some(cls, v: tuple[TrustedKey, ...]) -> tuple[TrustedKey, ...]:
        if not v:
            raise ValueError("keys: at least one key")
        if len({(k.algorithm, k.public_key) for k in v}) != len(v):
            raise ValueError("keys: the same key is listed twice")
        return v


class Signer(NamedTuple):
    """Who signed a verified attestation: the key id, and the leaf subject when X.509."""

    key_id: str
    certificate_subject: str | None = None


def _upgrade_v1(data: Any) -> Any:
    """Turn a v1 document into the v2 shape (each key open-ended, never revoked)."""
    if not isinstance(data, dict):
        return data
    entries = data.get("prescribers")
    looks_v1 = isinstance(entries, dict) and any(
        isinstance(e, dict) and "public_key" in e for e in entries.values()
    )
    if data.get("format") == TRUSTED_FORMAT_V1 or ("format" not in data and looks_v1):
        if set(data) - {"format", "prescribers"}:
            return data  # let the v2 model name the unknown field
        upgraded = {}
        for pid, entry in (entries or {}).items():
            if isinstance(entry, dict) and set(entry) <= {"public_key", "kind"}:
                upgraded[pid] = {"kind": entry.get("kind", "physician"), "keys": [
                    {"algorithm": "ed25519", "public_key": entry.get("public_key")}]}
            else:
                upgraded[pid] = entry
        return {"format": TRUSTED_FORMAT, "prescribers": upgraded}
    return data


class TrustedPrescribers(MutableModel):
    """The insurer's trusted prescribers file (see the module docstring)."""

    format: Literal["zkclaims-trusted-prescribers/v2"] = TRUSTED_FORMAT
    prescribers: dict[str, TrustedPrescriber] = {}
    pki: PkiTrust | None = None

    @model_validator(mode="before")
    @classmethod
    def _v1(cls, data: Any) -> Any:
        return _upgrade_v1(data)

    @field_validator("prescribers")
    @classmethod
    def _ids(cls, v: dict[str, TrustedPrescriber]) -> dict[str, TrustedPrescriber]:
        for pid in v:
            try:
                check_prescriber_id(pid)
            except InvalidInputError as exc:
                raise ValueError(f"prescribers: {exc}") from None
        return v

    @classmethod
    def load(cls, path: str | Path) -> TrustedPrescribers:
        """Read a trusted-prescribers file (v1 or v2); errors name the file and the field.

        The file goes through the shared JSON reader (:mod:`zkclaims.jsonio`: at most
        ``MAX_TRUST_FILE_BYTES``, nesting depth and numbers checked before parsing).
        """
        from zkclaims.jsonio import read_file

        data = read_file(path, "trusted_prescribers", max_bytes=MAX_TRUST_FILE_BYTES)
        try:
            return cls.model_validate_json(data)
        except InvalidInputError as exc:
            raise InputFileError("trusted_prescribers", str(path), str(exc)) from None

    def save(self, path: str | Path) -> None:
        """Write the file (v2, pretty JSON)."""
        text = json.dumps(self.model_dump(mode="json"), indent=2) + "\n"
        Path(path).write_text(text, encoding="utf-8")

    def add(
        self,
        prescriber_id: str,
        key: PublicKey | PrivateKey | str,
        kind: PrescriberKind | str = PrescriberKind.PHYSICIAN,
        *,
        not_before: _dt.date | None = None,
        not_after: _dt.date | None = None,
        algorithm: SignatureAlgorithm | str | None = None,
    ) -> TrustedKey:
        """Trust one more key for ``prescriber_id`` (created with ``kind`` if new).

        ``key``: a key object, or hex (Ed25519 unless ``algorithm`` says). Earlier keys stay.
        Refuses a kind other than the prescriber's, a key already listed and a weak key.
        """
        check_prescriber_id(prescriber_id)
        kind = PrescriberKind(kind)
        if isinstance(key, str):
            alg = SignatureAlgorithm(algorithm or SignatureAlgorithm.ED25519)
            hexkey = key
        else:
            alg, hexkey = algorithm_of(key), public_key_hex(public_key_of(key))
        new = TrustedKey(algorithm=alg, public_key=hexkey, not_before=not_before,
                         not_after=not_after)
        entry = self.prescribers.get(prescriber_id)
        if entry is None:
            self.prescribers[prescriber_id] = TrustedPrescriber(kind=kind, keys=(new,))
            return new
        if entry.kind is not kind:
            raise InvalidInputError(
                "kind", kind.value, f"{prescriber_id!r} is trusted as {entry.kind.value}"
            )
        if any((k.algorithm, k.public_key) == (new.algorithm, new.public_key) for k in entry.keys):
            raise InvalidInputError("public_key", new.public_key,
                                    f"already trusted for {prescriber_id!r}")
        self.prescribers[prescriber_id] = TrustedPrescriber(kind=kind, keys=(*entry.keys, new))
        return new

    def revoke(
        self,
        prescriber_id: str,
        key: str | None = None,
        *,
        on: _dt.date,
        reason: RevocationReason | str = RevocationReason.KEY_COMPROMISE,
    ) -> list[TrustedKey]:
        """Revoke a key (by key id or its prefix, or public key hex), or all (``key`` None).

        Returns the revoked keys. A key already revoked keeps its earlier revocation unless
        this one is a compromise (which voids more).
        """
        entry = self.prescribers.get(prescriber_id)
        if entry is None:
            raise InvalidInputError("prescriber_id", prescriber_id, "is not a trusted prescriber")
        reason = RevocationReason(reason)
        if key is not None and len(key) < 8:
            raise InvalidInputError("key", key, "give at least 8 hex digits of the key id")
        chosen = [k for k in entry.keys if key is None or _names(k, key)]
        if not chosen:
            ids = ", ".join(k.key_id for k in entry.keys)
            raise InvalidInputError("key", key, f"names none of {prescriber_id!r}'s keys ({ids})")
        if len(chosen) > 1 and key is not None:
            raise InvalidInputError("key", key, "names more than one key: give more digits")
        revoked = []
        keys = []
        for k in entry.keys:
            if k in chosen and (k.revoked_on is None or (
                    reason is RevocationReason.KEY_COMPROMISE
                    and k.revocation_reason is not RevocationReason.KEY_COMPROMISE)):
                k = TrustedKey(**{**k.model_dump(), "revoked_on": on, "revocation_reason": reason})
                revoked.append(k)
            keys.append(k)
        self.prescribers[prescriber_id] = TrustedPrescriber(kind=entry.kind, keys=tuple(keys))
        return revoked

    def add_root(self, certificate_text: str) -> None:
        """Trust a root certificate (base64 DER); refuses a non-CA or weak-key certificate."""
        pki = self.pki or PkiTrust()
        if certificate_text not in pki.roots:
            pki = PkiTrust(**{**pki.model_dump(), "roots": (*pki.roots, certificate_text)})
        self.pki = pki

    def add_crl(self, crl_text: str) -> None:
        """Keep a CRL (base64 DER). CRLs are never dropped: a revocation once seen stays."""
        pki = self.pki or PkiTrust()
        if crl_text not in pki.crls:
            pki = PkiTrust(**{**pki.model_dump(), "crls": (*pki.crls, crl_text)})
        self.pki = pki


def _names(k: TrustedKey, text: str) -> bool:
    text = text.lower()
    return k.key_id.startswith(text) or k.public_key == text


def verify_attestation(
    attestation: Attestation, trusted: TrustedPrescribers, *, on_day: _dt.date | None = None
) -> Signer:
    """Check that a trusted prescriber signed ``attestation`` (see the module docstring).

    ``on_day`` is the day of the check (default: today, UTC): the CRLs must be current on it.
    Returns the :class:`Signer`; raises :class:`~zkclaims.errors.AttestationError` with
    ``reason`` ``untrusted_prescriber``, ``revoked_key`` or ``bad_signature``.
    """
    if on_day is None:
        on_day = _dt.datetime.now(_dt.UTC).date()
    att = attestation
    message, signature = att.message(), att.signature_bytes
    if att.certificate_chain is not None:
        key = verify_certificate_chain(att, trusted.pki, on_day=on_day)
        if not verify_signature(key, message, signature):
            raise attestation_error(
                "bad_signature",
                f"signature: does not verify under the key of {att.prescriber_id!r}'s"
                " certificate",
            )
        from cryptography import x509

        leaf = x509.load_der_x509_certificate(att.chain_der()[0])
        return Signer(key_id(key), leaf.subject.rfc4514_string())
    entry = trusted.prescribers.get(att.prescriber_id)
    if entry is None:
        raise attestation_error(
            "untrusted_prescriber",
            f"prescriber_id: {att.prescriber_id!r} is not in the trusted prescribers",
        )
    if entry.kind is not att.prescriber_kind:
        raise attestation_error(
            "untrusted_prescriber",
            f"prescriber_kind: {att.prescriber_id!r} is trusted as {entry.kind.value},"
            f" the attestation says {att.prescriber_kind.value}",
        )
    candidates = [k for k in entry.keys if k.algorithm is att.algorithm]
    if not candidates:
        raise attestation_error(
            "untrusted_prescriber",
            f"algorithm: {att.prescriber_id!r} has no trusted {att.algorithm.value} key",
        )
    signer = next((k for k in candidates if verify_signature(k.key(), message, signature)), None)
    if signer is None:
        raise attestation_error(
            "bad_signature",
            f"signature: does not verify under the {len(candidates)} trusted"
            f" {att.algorithm.value} key(s) of {att.prescriber_id!r}",
        )
    day = att.prescription_day
    if signer.revoked_for(day):
        raise attestation_error(
            "revoked_key",
            f"signature: key {signer.key_id} of {att.prescriber_id!r} was revoked on"
            f" {signer.revoked_on} ({signer.revocation_reason.value}); the attestation is"  # type: ignore[union-attr]
            f" dated {day}",
        )
    if not signer.covers(day):
        raise attestation_error(
            "untrusted_prescriber",
            f"prescription_day: key {signer.key_id} of {att.prescriber_id!r} is trusted for"
            f" prescriptions of {signer.window()}, the attestation is dated {day}",
        )
    return Signer(signer.key_id)
