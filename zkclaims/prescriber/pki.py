"""Trust through X.509: the insurer's roots and CRLs, and the check of a signer's chain.

An attestation may carry its signer's certificate chain (leaf first). The insurer trusts root
certificates (the health PKI's, e.g. IGC-Santé) and keeps the CRLs it receives, in its trusted
prescribers file (:class:`PkiTrust`). :func:`verify_certificate_chain` then:

1. builds and validates the path with ``cryptography.x509.verification`` (``PolicyBuilder``,
   ``Store``, client verifier) **at noon UTC of the prescription day**, with the Web PKI's CA
   extension policy and our own end-entity policy: a key usage for signing (digital signature
   or non-repudiation), not a CA, the profile's certificate policies if any;
2. reads the prescriber's identifier and profession from the leaf's subject as the
   :class:`SubjectProfile` (data, not code) says, and requires them to match the attestation's
   ``prescriber_id`` and ``prescriber_kind``;
3. checks revocation of every certificate but the root against the CRLs (signed by its issuer;
   with ``require_crl``, a current one must exist: ``last update <= on_day <= next update``);
4. refuses a weak leaf key and returns it, for the signature check.

Revocation semantics (same as for keys): a certificate revoked for ``superseded``,
``cessationOfOperation`` or ``affiliationChanged`` still vouches for prescriptions dated before
its revocation day; revoked for any other reason (key compromise, unspecified, ...), it vouches
for nothing any more, whatever the prescription day, since whoever holds a stolen key can date
a prescription as they like. Failures raise :class:`~zkclaims.errors.AttestationError` with
``reason`` ``untrusted_prescriber`` or ``revoked_key``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from pydantic import field_validator, model_validator

from zkclaims.domain.attestation import (
    MAX_CHAIN_CERTIFICATES,
    Attestation,
    certificate_der,
)
from zkclaims.domain.base import Model
from zkclaims.domain.models import PrescriberKind
from zkclaims.errors import AttestationError, InvalidInputError
from zkclaims.prescriber.keys import PublicKey, algorithm_of, check_public_key

__all__ = [
    "KEY_USAGES",
    "BENIGN_CRL_REASONS",
    "SubjectProfile",
    "PkiTrust",
    "default_profile",
    "verify_certificate_chain",
    "attestation_error",
    "load_certificates",
    "load_crl",
    "der_text",
]

#: Key usage bits a profile may ask the leaf for (any one of them suffices).
KEY_USAGES = ("digital_signature", "content_commitment")
#: CRL reasons after which a certificate still vouches for earlier prescriptions.
BENIGN_CRL_REASONS = frozenset({
    x509.ReasonFlags.superseded,
    x509.ReasonFlags.cessation_of_operation,
    x509.ReasonFlags.affiliation_changed,
})
_OID = re.compile(r"[0-2](\.(0|[1-9][0-9]{0,8})){1,20}")
#: Longest subject attribute value the profile's patterns are run on.
_MAX_ATTRIBUTE = 256


def attestation_error(reason: str, message: str) -> AttestationError:
    """Return an :class:`AttestationError` whose ``reason`` is the verifier's reason code."""
    err = AttestationError(f"{reason}: {message}")
    err.reason = reason  # type: ignore[attr-defined]
    return err


class SubjectProfile(Model):
    """Where a leaf certificate's subject holds the prescriber's identifier and profession.

    ``identifier_attribute`` / ``profession_attribute`` are attribute OIDs (commonName
    ``2.5.4.3``, title ``2.5.4.12``, serialNumber ``2.5.4.5``, ...); each must occur exactly
    once. ``identifier_pattern`` must match the whole value with a group ``rpps``;
    ``prescriber_id_template`` turns it into the attestation's ``prescriber_id`` (``{rpps}``
    replaced). ``profession_pattern`` has a group ``code``, looked up in ``professions``
    (profession code -> prescriber kind). ``key_usages``: the leaf must have one of them.
    ``certificate_policies``: when not empty, the leaf must assert one of these policy OIDs.
    """

    name: str = ""
    identifier_attribute: str
    identifier_pattern: str
    prescriber_id_template: str
    profession_attribute: str
    profession_pattern: str
    professions: dict[str, PrescriberKind]
    key_usages: tuple[str, ...] = KEY_USAGES
    certificate_policies: tuple[str, ...] = ()

    @field_validator("identifier_attribute", "profession_attribute")
    @classmethod
    def _oid(cls, v: str, info: Any) -> str:
        if not _OID.fullmatch(v):
            raise ValueError(f"{info.field_name}: expected a dotted OID such as 2.5.4.3")
        return v

    @field_validator("certificate_policies")
    @classmethod
    def _policies(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for oid in v:
            if not _OID.fullmatch(oid):
                raise ValueError(f"certificate_policies: {oid!r} is not a dotted OID")
        return v

    @field_validator("key_usages")
    @classmethod
    def _usages(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v or any(u not in KEY_USAGES for u in v):
            raise ValueError(f"key_usages: one or more of {', '.join(KEY_USAGES)}")
        return v

    @model_validator(mode="after")
    def _patterns(self) -> SubjectProfile:
        for field, group in (("identifier_pattern", "rpps"), ("profession_pattern", "code")):
            try:
                pattern = re.compile(getattr(self, field))
            except re.error as exc:
                raise ValueError(f"{field}: not a regular expression ({exc})") from None
            if group not in pattern.groupindex:
                raise ValueError(f"{field}: needs a named group (?P<{group}>...)")
        if "{rpps}" not in self.prescriber_id_template:
            raise ValueError("prescriber_id_template: must contain {rpps}")
        return self

    def _value(self, cert: x509.Certificate, oid: str, what: str) -> str:
        attrs = cert.subject.get_attributes_for_oid(ObjectIdentifier(oid))
        if len(attrs) != 1:
            raise attestation_error(
                "untrusted_prescriber",
                f"certificate_chain[0]: the subject has {len(attrs)} attributes {oid} ({what});"
                " exactly one is needed",
            )
        value = attrs[0].value
        if not isinstance(value, str) or len(value) > _MAX_ATTRIBUTE:
            raise attestation_error("untrusted_prescriber",
                                    f"certificate_chain[0]: unreadable {what} attribute {oid}")
        return value

    def prescriber_id(self, cert: x509.Certificate) -> str:
        """Return the attestation ``prescriber_id`` this leaf certificate is for."""
        value = self._value(cert, self.identifier_attribute, "identifier")
        m = re.fullmatch(self.identifier_pattern, value)
        if m is None or m.group("rpps") is None:
            raise attestation_error(
                "untrusted_prescriber",
                f"certificate_chain[0]: subject identifier {value!r:.60} is not of the form"
                f" {self.identifier_pattern}",
            )
        return self.prescriber_id_template.replace("{rpps}", m.group("rpps"))

    def prescriber_kind(self, cert: x509.Certificate) -> PrescriberKind:
        """Return the prescriber kind of this leaf certificate's profession."""
        value = self._value(cert, self.profession_attribute, "profession")
        m = re.fullmatch(self.profession_pattern, value)
        code = m.group("code") if m else None
        if code not in self.professions:
            known = self.professions.items()
            raise attestation_error(
                "untrusted_prescriber",
                f"certificate_chain[0]: profession {value!r:.40} is none of the prescriber"
                f" professions {', '.join(f'{c} ({k.value})' for c, k in known)}",
            )
        return self.professions[code]


@lru_cache(maxsize=1)
def default_profile() -> SubjectProfile:
    """Return the packaged profile (``health_pki_profile.json``): assumed IGC-Santé rules."""
    text = resources.files("zkclaims.prescriber").joinpath("health_pki_profile.json").read_text(
        encoding="utf-8")
    return SubjectProfile.model_validate(json.loads(text))


@lru_cache(maxsize=256)
def _certificate(text: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate_der(text))


#: Largest CRL accepted (DER).
MAX_CRL_BYTES = 64 * 1024 * 1024


@lru_cache(maxsize=64)
def _crl(text: str) -> x509.CertificateRevocationList:
    if not isinstance(text, str) or len(text) > 4 * (MAX_CRL_BYTES // 3 + 1):
        raise ValueError(f"longer than {MAX_CRL_BYTES} bytes of DER")
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64 (standard alphabet, padded)") from None
    return x509.load_der_x509_crl(der)


class PkiTrust(Model):
    """The insurer's X.509 trust: root certificates, CRLs (kept, never replaced), profile.

    ``roots`` and ``crls`` are base64 DER. ``require_crl``: every certificate of a chain but the
    root needs a current CRL from its issuer. ``profile`` None means :func:`default_profile`.
    """

    roots: tuple[str, ...] = ()
    crls: tuple[str, ...] = ()
    require_crl: bool = True
    profile: SubjectProfile | None = None

    @field_validator("roots")
    @classmethod
    def _roots(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for i, text in enumerate(v):
            try:
                cert = _certificate(text)
                bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            except x509.ExtensionNotFound:
                raise ValueError(f"roots[{i}]: not a CA certificate (no basic constraints)"
                                 ) from None
            except ValueError as exc:
                raise ValueError(f"roots[{i}]: not a DER X.509 certificate ({exc})") from None
            if not bc.ca:
                raise ValueError(f"roots[{i}]: not a CA certificate")
            try:
                check_public_key(cert.public_key(), f"roots[{i}]")  # type: ignore[arg-type]
            except InvalidInputError as exc:
                raise ValueError(str(exc)) from None
        return v

    @field_validator("crls")
    @classmethod
    def _crls(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for i, text in enumerate(v):
            try:
                _crl(text)
            except ValueError as exc:
                raise ValueError(f"crls[{i}]: not a DER X.509 CRL ({exc})") from None
        return v

    def root_certificates(self) -> list[x509.Certificate]:
        """Return the parsed roots."""
        return [_certificate(t) for t in self.roots]

    def revocation_lists(self) -> list[x509.CertificateRevocationList]:
        """Return the parsed CRLs."""
        return [_crl(t) for t in self.crls]

    def effective_profile(self) -> SubjectProfile:
        """Return the subject profile in force."""
        return self.profile or default_profile()


def _noon(day: _dt.date) -> _dt.datetime:
    return _dt.datetime(day.year, day.month, day.day, 12, tzinfo=_dt.UTC)


def _ee_policy(profile: SubjectProfile) -> ExtensionPolicy:
    usages = profile.key_usages
    policies = set(profile.certificate_policies)

    def key_usage(_policy: Any, _cert: Any, ku: x509.KeyUsage) -> None:
        if not any(getattr(ku, u) for u in usages):
            raise ValueError(f"the leaf's key usage has none of {', '.join(usages)}")

    def not_ca(_policy: Any, _cert: Any, bc: x509.BasicConstraints | None) -> None:
        if bc is not None and bc.ca:
            raise ValueError("the leaf is a CA certificate")

    def cert_policies(_policy: Any, _cert: Any, cp: x509.CertificatePolicies | None) -> None:
        asserted = {p.policy_identifier.dotted_string for p in cp or ()}
        if policies and not asserted & policies:
            raise ValueError(f"the leaf asserts none of the policies {', '.join(policies)}")

    ee = (ExtensionPolicy.permit_all()
          .require_present(x509.KeyUsage, Criticality.AGNOSTIC, key_usage)
          .may_be_present(x509.BasicConstraints, Criticality.AGNOSTIC, not_ca))
    if policies:
        return ee.require_present(x509.CertificatePolicies, Criticality.AGNOSTIC, cert_policies)
    return ee.may_be_present(x509.CertificatePolicies, Criticality.AGNOSTIC, None)


def _validate_path(att: Attestation, pki: PkiTrust,
                   profile: SubjectProfile) -> list[x509.Certificate]:
    chain = [x509.load_der_x509_certificate(der) for der in att.chain_der()]
    verifier = (
        PolicyBuilder()
        .store(Store(pki.root_certificates()))
        .time(_noon(att.prescription_day))
        .max_chain_depth(MAX_CHAIN_CERTIFICATES)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                            ee_policy=_ee_policy(profile))
        .build_client_verifier()
    )
    try:
        return verifier.verify(chain[0], chain[1:]).chain
    except VerificationError as exc:
        detail = re.sub(r"\s*\(encountered processing .*", "", str(exc))
        raise attestation_error(
            "untrusted_prescriber",
            f"certificate_chain: no valid path to a trusted root on"
            f" {att.prescription_day.isoformat()} ({detail})",
        ) from None


def _check_revocation(chain: list[x509.Certificate], pki: PkiTrust, att: Attestation,
                      on_day: _dt.date) -> None:
    crls = pki.revocation_lists()
    for depth, (cert, issuer) in enumerate(zip(chain, chain[1:], strict=False)):
        who = "certificate_chain[0] (the signer)" if depth == 0 else f"chain certificate {depth}"
        own = [c for c in crls if c.issuer == issuer.subject
               and c.is_signature_valid(issuer.public_key())]  # type: ignore[arg-type]
        if pki.require_crl and not any(
            c.last_update_utc.date() <= on_day and c.next_update_utc is not None
            and on_day <= c.next_update_utc.date() for c in own
        ):
            raise attestation_error(
                "untrusted_prescriber",
                f"{who}: no current CRL from {issuer.subject.rfc4514_string()} on"
                f" {on_day.isoformat()} (add the CA's latest CRL to the trusted prescribers)",
            )
        for crl in own:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is None:
                continue
            try:
                reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            except x509.ExtensionNotFound:
                reason = x509.ReasonFlags.unspecified
            revoked = entry.revocation_date_utc.date()
            if reason in BENIGN_CRL_REASONS and att.prescription_day < revoked:
                continue
            when = ("whatever the prescription day" if reason not in BENIGN_CRL_REASONS
                    else f"on or before the prescription day {att.prescription_day}")
            raise attestation_error(
                "revoked_key",
                f"{who}: certificate {cert.serial_number:x} revoked on {revoked.isoformat()}"
                f" ({reason.name}), {when}",
            )


def verify_certificate_chain(att: Attestation, pki: PkiTrust | None, *,
                             on_day: _dt.date) -> PublicKey:
    """Validate the attestation's chain (see the module docstring); return the leaf's key."""
    if pki is None or not pki.roots:
        raise attestation_error(
            "untrusted_prescriber",
            "certificate_chain: the attestation carries a certificate chain but no root"
            " certificate is trusted (zkclaims trust add-root)",
        )
    profile = pki.effective_profile()
    chain = _validate_path(att, pki, profile)
    cert_id = profile.prescriber_id(chain[0])
    if cert_id != att.prescriber_id:
        raise attestation_error(
            "untrusted_prescriber",
            f"certificate_chain[0]: the certificate is for {cert_id!r}, the attestation is"
            f" signed as {att.prescriber_id!r}",
        )
    cert_kind = profile.prescriber_kind(chain[0])
    if cert_kind is not att.prescriber_kind:
        raise attestation_error(
            "untrusted_prescriber",
            f"prescriber_kind: the certificate's profession is {cert_kind.value}, the"
            f" attestation says {att.prescriber_kind.value}",
        )
    _check_revocation(chain, pki, att, on_day)
    key = chain[0].public_key()
    try:
        alg = algorithm_of(key)  # type: ignore[arg-type]
        check_public_key(key, "certificate_chain[0]")  # type: ignore[arg-type]
    except InvalidInputError as exc:
        raise attestation_error("untrusted_prescriber", f"certificate_chain[0]: {exc}") from None
    if alg is not att.algorithm:
        raise attestation_error(
            "bad_signature",
            f"algorithm: the certificate's key is {alg.value}, the attestation says"
            f" {att.algorithm.value}",
        )
    return key  # type: ignore[return-value]


def load_certificates(data: bytes, field: str = "certificates") -> list[x509.Certificate]:
    """Read certificates from PEM (one or more, in order) or one DER certificate."""
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise InvalidInputError(field, f"{len(data)} bytes",
                                f"not PEM or DER X.509 certificates ({exc})") from None
    if not certs:
        raise InvalidInputError(field, f"{len(data)} bytes", "no certificate in it")
    return certs


def load_crl(data: bytes, field: str = "crl") -> x509.CertificateRevocationList:
    """Read a CRL from PEM or DER."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise InvalidInputError(field, f"{len(data)} bytes",
                                f"not a PEM or DER X.509 CRL ({exc})") from None


def der_text(obj: x509.Certificate | x509.CertificateRevocationList) -> str:
    """Base64 DER of a certificate or CRL (as the trust file and chains store them)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return base64.b64encode(obj.public_bytes(Encoding.DER)).decode("ascii")
