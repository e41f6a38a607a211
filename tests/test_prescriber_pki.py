"""Trust through X.509: a small health PKI built here (root, intermediate, leaves, CRLs) and
every outcome of an attestation that carries its signer's certificate chain, with its reason."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from zkclaims.domain import PrescriberKind
from zkclaims.domain.attestation import Attestation, AttestationKind
from zkclaims.errors import AttestationError, InvalidInputError
from zkclaims.hazmat.pki import ENCIPHERMENT, DemoPki
from zkclaims.prescriber import (
    PkiTrust,
    SubjectProfile,
    TrustedPrescribers,
    default_profile,
    generate_key,
    sign_attestation,
    verify_attestation,
)
from zkclaims.prescriber.ed25519 import SMALL_ORDER_ENCODINGS

DAY = dt.date(2025, 3, 10)  # the prescription day
TODAY = dt.date(2025, 6, 2)  # the insurer's check
RPPS = "10001234567"
PID = f"RPPS-{RPPS}"
C = 123456789


def b64(obj) -> str:
    return base64.b64encode(obj.public_bytes(Encoding.DER)).decode()


@pytest.fixture(scope="module")
def pki():
    return DemoPki(start=dt.date(2020, 1, 1))


def trust_for(pki: DemoPki, *, crls=None, require_crl=True, profile=None) -> TrustedPrescribers:
    if crls is None:
        crls = [pki.crl(last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1)),
                pki.crl(last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1),
                        by_root=True)]
    t = TrustedPrescribers()
    t.add_root(b64(pki.root))
    for crl in crls:
        t.add_crl(b64(crl))
    t.pki = PkiTrust(**{**t.pki.model_dump(), "require_crl": require_crl, "profile": profile})
    return t


def leaf(pki, **kw):
    kw.setdefault("not_before", dt.date(2024, 1, 1))
    kw.setdefault("not_after", dt.date(2027, 1, 1))
    return pki.issue(**kw)


def attest(key, cert, pki, *, pid=PID, kind=PrescriberKind.PHYSICIAN, day=DAY, **kw):
    return sign_attestation(key, commitment=C, prescriber_id=pid, prescriber_kind=kind,
                            prescription_day=day, certificate_chain=pki.chain(cert), **kw)


def reason_of(att, trust, on_day=TODAY) -> str:
    with pytest.raises(AttestationError) as info:
        verify_attestation(att, trust, on_day=on_day)
    return info.value.reason


@pytest.mark.parametrize("algorithm", ["ed25519", "ecdsa-p256"])
def test_a_valid_chain_verifies_with_either_leaf_key(pki, algorithm):
    key, cert = leaf(pki, algorithm=algorithm)
    att = attest(key, cert, pki)
    assert att.algorithm.value == algorithm and len(att.certificate_chain) == 2
    signer = verify_attestation(att, trust_for(pki), on_day=TODAY)
    assert f"8{RPPS}/" in signer.certificate_subject
    # the insurer needs no key for this prescriber: nothing about them in the file
    assert trust_for(pki).prescribers == {}


def test_every_signed_field_is_covered(pki):
    key, cert = leaf(pki)
    att = attest(key, cert, pki, medical_situation=True)
    trust = trust_for(pki)
    verify_attestation(att, trust, on_day=TODAY)
    for field, value in {"commitment": str(C + 1), "medical_situation": False,
                         "signature": "00" * 64}.items():
        bad = att.model_copy(update={field: value})
        assert reason_of(bad, trust) == "bad_signature", field
    bad_day = att.model_copy(update={"prescription_day": dt.date(2025, 3, 11)})
    assert reason_of(bad_day, trust) == "bad_signature"


def test_a_signature_by_another_key_under_a_valid_chain(pki):
    _, cert = leaf(pki)
    other = generate_key()
    att = attest(other, leaf(pki, key=other)[1], pki)
    forged = att.model_copy(update={"certificate_chain": tuple(b64(c) for c in pki.chain(cert))})
    assert reason_of(forged, trust_for(pki)) == "bad_signature"


def test_the_chain_is_validated_on_the_prescription_day(pki):
    # expired after the prescription day, before the check: still vouches for it
    key, cert = leaf(pki, not_after=dt.date(2025, 4, 1))
    verify_attestation(attest(key, cert, pki), trust_for(pki), on_day=TODAY)
    # expired before the prescription day
    key, cert = leaf(pki, not_before=dt.date(2021, 1, 1), not_after=dt.date(2024, 1, 1))
    trust = trust_for(pki)
    with pytest.raises(AttestationError, match="not valid at validation time") as info:
        verify_attestation(attest(key, cert, pki), trust, on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"
    # not yet valid on the prescription day
    key, cert = leaf(pki, not_before=dt.date(2025, 3, 11))
    assert reason_of(attest(key, cert, pki), trust) == "untrusted_prescriber"


def test_a_certificate_for_another_prescriber(pki):
    key, cert = leaf(pki, rpps="10009999999")
    att = attest(key, cert, pki)  # signed as RPPS-10001234567 with someone else's certificate
    with pytest.raises(AttestationError, match="RPPS-10009999999") as info:
        verify_attestation(att, trust_for(pki), on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"


@pytest.mark.parametrize(("profession", "match"), [
    ("92", "profession is orthoptist"),  # an orthoptist signing as a physician
    ("28", "profession is optician"),
    ("21", "none of the prescriber professions"),  # a pharmacist
])
def test_wrong_profession(pki, profession, match):
    key, cert = leaf(pki, profession=profession)
    with pytest.raises(AttestationError, match=match) as info:
        verify_attestation(attest(key, cert, pki), trust_for(pki), on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"


def test_orthoptist_and_optician_adaptation_with_their_certificates(pki):
    trust = trust_for(pki)
    key, cert = leaf(pki, profession="92")
    verify_attestation(attest(key, cert, pki, kind=PrescriberKind.ORTHOPTIST), trust,
                       on_day=TODAY)
    key, cert = leaf(pki, profession="28")
    att = attest(key, cert, pki, kind=PrescriberKind.OPTICIAN)
    assert att.kind is AttestationKind.OPTICIAN_ADAPTATION
    verify_attestation(att, trust, on_day=TODAY)


@pytest.mark.parametrize(("usage", "ca", "match"), [
    (ENCIPHERMENT, False, "key usage has none of"),
    (None, False, "missing required extension"),
    (x509.KeyUsage(True, True, False, False, False, True, True, False, False), True,
     "leaf is a CA"),
])
def test_wrong_key_usage_or_a_ca_as_leaf(pki, usage, ca, match):
    key, cert = leaf(pki, key_usage=usage, ca=ca)
    with pytest.raises(AttestationError, match=match) as info:
        verify_attestation(attest(key, cert, pki), trust_for(pki), on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"


def test_an_unknown_root_a_missing_intermediate_no_roots(pki):
    other = DemoPki(start=dt.date(2020, 1, 1), name="Rogue PKI")
    key, cert = leaf(other)
    att = attest(key, cert, other)
    assert reason_of(att, trust_for(pki)) == "untrusted_prescriber"
    key, cert = leaf(pki)
    att = attest(key, cert, pki).model_copy(update={"certificate_chain": (b64(cert),)})
    assert reason_of(att, trust_for(pki)) == "untrusted_prescriber"
    with pytest.raises(AttestationError, match="no root certificate is trusted"):
        verify_attestation(attest(key, cert, pki), TrustedPrescribers(), on_day=TODAY)


def test_revoked_for_key_compromise_voids_every_prescription_day(pki):
    key, cert = leaf(pki)
    att = attest(key, cert, pki)
    crl = pki.crl([(cert, dt.date(2025, 5, 1), x509.ReasonFlags.key_compromise)],
                  last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1))
    trust = trust_for(pki, crls=[crl, pki.crl(last_update=dt.date(2025, 6, 1),
                                              next_update=dt.date(2025, 7, 1), by_root=True)])
    # prescribed on 2025-03-10, revoked on 2025-05-01: a thief could have back-dated it
    with pytest.raises(AttestationError, match="key_compromise") as info:
        verify_attestation(att, trust, on_day=TODAY)
    assert info.value.reason == "revoked_key"
    # no reason code at all counts as a compromise
    crl = pki.crl([(cert, dt.date(2025, 5, 1), None)], last_update=dt.date(2025, 6, 1),
                  next_update=dt.date(2025, 7, 1))
    assert reason_of(att, trust_for(pki, crls=[crl], require_crl=False)) == "revoked_key"


def test_revoked_as_superseded_keeps_earlier_prescriptions(pki):
    key, cert = leaf(pki)
    crl = pki.crl([(cert, dt.date(2025, 5, 1), x509.ReasonFlags.superseded)],
                  last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1))
    trust = trust_for(pki, crls=[crl], require_crl=False)
    verify_attestation(attest(key, cert, pki), trust, on_day=TODAY)
    later = attest(key, cert, pki, day=dt.date(2025, 5, 1))
    assert reason_of(later, trust) == "revoked_key"


def test_a_revoked_intermediate(pki):
    key, cert = leaf(pki)
    root_crl = pki.crl([(pki.intermediate, dt.date(2025, 1, 1), x509.ReasonFlags.ca_compromise)],
                       last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1),
                       by_root=True)
    crl = pki.crl(last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1))
    with pytest.raises(AttestationError, match="chain certificate 1") as info:
        verify_attestation(attest(key, cert, pki), trust_for(pki, crls=[crl, root_crl]),
                           on_day=TODAY)
    assert info.value.reason == "revoked_key"


def test_crls_must_be_current_and_signed_by_the_issuer(pki):
    key, cert = leaf(pki)
    att = attest(key, cert, pki)
    stale = [pki.crl(last_update=dt.date(2025, 1, 1), next_update=dt.date(2025, 2, 1)),
             pki.crl(last_update=dt.date(2025, 1, 1), next_update=dt.date(2025, 2, 1),
                     by_root=True)]
    with pytest.raises(AttestationError, match="no current CRL"):
        verify_attestation(att, trust_for(pki, crls=stale), on_day=TODAY)
    with pytest.raises(AttestationError, match="no current CRL"):
        verify_attestation(att, trust_for(pki, crls=[]), on_day=TODAY)
    verify_attestation(att, trust_for(pki, crls=[], require_crl=False), on_day=TODAY)
    # a CRL with the intermediate's name signed by someone else does not count
    rogue = DemoPki(start=dt.date(2020, 1, 1))
    rogue.intermediate_name = pki.intermediate_name
    forged = rogue.crl(last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1))
    root_crl = pki.crl(last_update=dt.date(2025, 6, 1), next_update=dt.date(2025, 7, 1),
                       by_root=True)
    assert reason_of(att, trust_for(pki, crls=[forged, root_crl])) == "untrusted_prescriber"
    # a stale CRL still counts for what it revokes (revocations are never forgotten)
    old = pki.crl([(cert, dt.date(2025, 1, 2), x509.ReasonFlags.key_compromise)],
                  last_update=dt.date(2025, 1, 2), next_update=dt.date(2025, 2, 1))
    assert reason_of(att, trust_for(pki, crls=[old], require_crl=False)) == "revoked_key"


def test_a_weak_ed25519_key_in_a_certificate_is_refused(pki):
    weak = Ed25519PublicKey.from_public_bytes((1).to_bytes(32, "little"))  # the identity
    _, cert = leaf(pki, key=weak)
    # R = identity, S = 0: OpenSSL accepts it for every message under this key
    sig = ((1).to_bytes(32, "little") + bytes(32)).hex()
    att = Attestation(commitment=str(C), prescriber_id=PID, prescriber_kind="physician",
                      prescription_day=DAY, signature=sig,
                      certificate_chain=[b64(c) for c in pki.chain(cert)])
    weak.verify(bytes.fromhex(sig), att.message())  # OpenSSL: valid
    with pytest.raises(AttestationError, match="weak Ed25519 key") as info:
        verify_attestation(att, trust_for(pki), on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"
    assert (1).to_bytes(32, "little") in SMALL_ORDER_ENCODINGS


def test_a_p384_leaf_and_an_algorithm_mismatch(pki):
    p384 = ec.generate_private_key(ec.SECP384R1())
    _, cert = leaf(pki, key=p384)
    key, good = leaf(pki, algorithm="ecdsa-p256")
    att = attest(key, good, pki)
    swapped = att.model_copy(update={"certificate_chain": tuple(b64(c) for c in pki.chain(cert))})
    with pytest.raises(AttestationError, match="Ed25519 or ECDSA P-256") as info:
        verify_attestation(swapped, trust_for(pki), on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"
    ed_key, ed_cert = leaf(pki)
    mixed = att.model_copy(update={"certificate_chain": tuple(b64(c) for c in pki.chain(ed_cert))})
    with pytest.raises(AttestationError, match="algorithm") as info:
        verify_attestation(mixed, trust_for(pki), on_day=TODAY)
    assert info.value.reason == "bad_signature"


def test_a_subject_with_two_identifiers_is_ambiguous(pki):
    subject = x509.Name([
        x509.NameAttribute(NameOID.TITLE, "10"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"8{RPPS}/A"),
        x509.NameAttribute(NameOID.COMMON_NAME, "810009999999/B"),
    ])
    key, cert = leaf(pki, subject=subject)
    with pytest.raises(AttestationError, match="exactly one") as info:
        verify_attestation(attest(key, cert, pki), trust_for(pki), on_day=TODAY)
    assert info.value.reason == "untrusted_prescriber"


def test_the_subject_profile_is_data(pki):
    """Another PKI's conventions: the RPPS in serialNumber, the profession in OU."""
    profile = SubjectProfile(
        identifier_attribute="2.5.4.5", identifier_pattern="RPPS(?P<rpps>[0-9]{11})",
        prescriber_id_template="RPPS-{rpps}", profession_attribute="2.5.4.11",
        profession_pattern="(?P<code>[A-Z]+)", professions={"OPH": "physician"},
        certificate_policies=("1.2.250.1.999.1",),
    )
    subject = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, f"RPPS{RPPS}"),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "OPH")])
    trust = trust_for(pki, profile=profile)
    key, cert = leaf(pki, subject=subject, policies=["1.2.250.1.999.1"])
    verify_attestation(attest(key, cert, pki), trust, on_day=TODAY)
    # the profile asks for a certificate policy the leaf does not assert
    key2, other_policy = leaf(pki, subject=subject, policies=["1.2.250.1.999.2"])
    with pytest.raises(AttestationError, match="asserts none of the policies"):
        verify_attestation(attest(key2, other_policy, pki), trust, on_day=TODAY)
    key3, no_policy_cert = leaf(pki, subject=subject)
    with pytest.raises(AttestationError, match="2.5.29.32"):
        verify_attestation(attest(key3, no_policy_cert, pki), trust, on_day=TODAY)
    no_policy = trust_for(pki, profile=profile.model_copy(update={"certificate_policies": ()}))
    verify_attestation(attest(key3, no_policy_cert, pki), no_policy, on_day=TODAY)
    # the default profile does not read this subject
    assert reason_of(attest(key, cert, pki), trust_for(pki)) == "untrusted_prescriber"
    # and the trust file round-trips it
    again = TrustedPrescribers.model_validate_json(no_policy.model_dump_json())
    assert again.pki.effective_profile() == no_policy.pki.profile
    assert default_profile().professions["10"] is PrescriberKind.PHYSICIAN


@pytest.mark.parametrize(("chain", "match"), [
    (["not base64!"], "certificate_chain.0"),
    ([base64.b64encode(b"\x30\x03\x02\x01\x01").decode()], "not a DER X.509 certificate"),
    ([], "1 to 4"),
    (["TUlJ"] * 5, "1 to 4"),
    ("MIIB", "1 to 4"),
])
def test_a_malformed_chain_is_refused_when_read(pki, chain, match):
    key, cert = leaf(pki)
    data = attest(key, cert, pki).model_dump(mode="json")
    with pytest.raises(InvalidInputError, match=match):
        Attestation.model_validate({**data, "certificate_chain": chain})


def test_sign_attestation_checks_the_chain_is_for_its_key(pki):
    _, cert = leaf(pki)
    with pytest.raises(InvalidInputError, match="not for this signing key"):
        attest(generate_key(), cert, pki)


def test_roots_must_be_ca_certificates_with_sound_keys(pki):
    key, cert = leaf(pki)
    t = TrustedPrescribers()
    with pytest.raises(InvalidInputError, match="not a CA certificate"):
        t.add_root(b64(cert))
    with pytest.raises(InvalidInputError, match="not a DER X.509 certificate"):
        t.add_root(base64.b64encode(b"junk").decode())
    with pytest.raises(InvalidInputError, match="crls"):
        t.add_crl(base64.b64encode(b"junk").decode())
    t.add_root(b64(pki.root))
    t.add_root(b64(pki.root))  # idempotent
    assert len(t.pki.roots) == 1
