"""DANGER — a toy health PKI for tests and demos: a CA whose private keys are in memory.

:class:`DemoPki` makes a root and an intermediate CA (ECDSA P-256, as the Web PKI policy of
``cryptography`` wants for CAs) and issues leaf certificates of health professionals in the
subject form of :func:`zkclaims.prescriber.default_profile` (commonName ``8`` + RPPS number,
title = profession code), valid or deliberately broken (expired, another profession, no
signing key usage, ...), and CRLs. Anyone holding the object can issue certificates an
insurer trusting its root would accept: never trust a :class:`DemoPki` root outside tests.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from zkclaims.prescriber.keys import PrivateKey, PublicKey, generate_key

__all__ = ["DemoPki", "SIGNING", "ENCIPHERMENT"]

#: Key usage of a signing certificate (digital signature and non-repudiation).
SIGNING = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
    encipher_only=False, decipher_only=False,
)
#: Key usage of an encryption certificate (no signature): a wrong key usage for attestations.
ENCIPHERMENT = x509.KeyUsage(
    digital_signature=False, content_commitment=False, key_encipherment=True,
    data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
    encipher_only=False, decipher_only=False,
)
_CA_USAGE = x509.KeyUsage(
    digital_signature=False, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
    encipher_only=False, decipher_only=False,
)


def _utc(day: _dt.date) -> _dt.datetime:
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC)


class DemoPki:
    """A root CA, an intermediate CA, and helpers to issue leaves and CRLs (test only)."""

    def __init__(self, *, start: _dt.date = _dt.date(2020, 1, 1), years: int = 20,
                 name: str = "Demo health PKI") -> None:
        self.start, self.end = start, _dt.date(start.year + years, start.month, start.day)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root_name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} root"),
        ])
        self.root = self._ca(self.root_name, self.root_key, self.root_name, self.root_key)
        self.intermediate_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate_name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} professionals CA"),
        ])
        self.intermediate = self._ca(self.intermediate_name, self.intermediate_key,
                                     self.root_name, self.root_key)

    def _ca(self, subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
            issuer_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_utc(self.start)).not_valid_after(_utc(self.end))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_CA_USAGE, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
            .sign(issuer_key, hashes.SHA256())
        )

    @staticmethod
    def subject(rpps: str, profession: str, *, name: str = "DUPONT Jeanne") -> x509.Name:
        """Return the subject of a professional: CN ``8<rpps>/<name>``, title = profession code."""
        return x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.TITLE, profession),
            x509.NameAttribute(NameOID.COMMON_NAME, f"8{rpps}/{name}"),
        ])

    def issue(
        self,
        rpps: str = "10001234567",
        profession: str = "10",
        *,
        key: PrivateKey | PublicKey | None = None,
        algorithm: str = "ed25519",
        not_before: _dt.date | None = None,
        not_after: _dt.date | None = None,
        key_usage: x509.KeyUsage | None = SIGNING,
        ca: bool = False,
        subject: x509.Name | None = None,
        by_root: bool = False,
        policies: Iterable[str] = (),
    ) -> tuple[PrivateKey | None, x509.Certificate]:
        """Issue a leaf certificate; return ``(private key or None if one was given, cert)``.

        Defaults: a fresh key of ``algorithm``, valid 3 years from the PKI's start, signing key
        usage, issued by the intermediate CA.
        """
        private = None
        if key is None:
            private = generate_key(algorithm)
            key = private
        public = key.public_key() if hasattr(key, "private_bytes") else key  # any curve
        start = not_before or self.start
        end = not_after or _dt.date(start.year + 3, start.month, start.day)
        issuer_key = self.root_key if by_root else self.intermediate_key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject or self.subject(rpps, profession))
            .issuer_name(self.root_name if by_root else self.intermediate_name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(_utc(start)).not_valid_after(_utc(end))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
        )
        if key_usage is not None:
            builder = builder.add_extension(key_usage, critical=True)
        if policies:
            builder = builder.add_extension(x509.CertificatePolicies([
                x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in policies
            ]), critical=False)
        return private, builder.sign(issuer_key, hashes.SHA256())

    def chain(self, leaf: x509.Certificate) -> list[x509.Certificate]:
        """Return the chain an attestation carries: the leaf and the intermediate (not the root)."""
        return [leaf, self.intermediate]

    def crl(
        self,
        revoked: Iterable[tuple[x509.Certificate, _dt.date, x509.ReasonFlags | None]] = (),
        *,
        last_update: _dt.date,
        next_update: _dt.date,
        by_root: bool = False,
    ) -> x509.CertificateRevocationList:
        """Return a CRL of the intermediate (or the root) listing ``(certificate, day, reason)``."""
        issuer_key = self.root_key if by_root else self.intermediate_key
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root_name if by_root else self.intermediate_name)
            .last_update(_utc(last_update)).next_update(_utc(next_update))
        )
        for cert, day, reason in revoked:
            entry = (x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
                     .revocation_date(_utc(day)))
            if reason is not None:
                entry = entry.add_extension(x509.CRLReason(reason), critical=False)
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(issuer_key, hashes.SHA256())
