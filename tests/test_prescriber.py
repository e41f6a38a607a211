"""zkclaims.prescriber: commitment and opening, attestation v2 (and v1), keys of both
algorithms, strict Ed25519, secrets on disk."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.commitment import commit_v2
from zkclaims.domain import EyePrescription, Patient, PrescriberKind, Prescription
from zkclaims.domain.attestation import (
    Attestation,
    AttestationKind,
    SignatureAlgorithm,
    attestation_message,
    attestation_message_v2,
)
from zkclaims.domain.packing import day_number, pack_prescription
from zkclaims.errors import AttestationError, InvalidInputError
from zkclaims.field import R
from zkclaims.prescriber import (
    BLINDING_BITS,
    Opening,
    TrustedPrescribers,
    commit,
    commitment_of,
    generate_key,
    load_private_key,
    load_public_key_text,
    parse_public_key,
    prescribe,
    public_key_hex,
    public_key_pem,
    read_opening,
    save_private_key,
    sign_attestation,
    verify_attestation,
    verify_signature,
    write_opening,
)
from zkclaims.prescriber.ed25519 import SMALL_ORDER_ENCODINGS, L, P, small_order_points
from zkclaims.prescriber.sign import P256_ORDER

VECTORS = Path(__file__).parent / "fixtures" / "prescriber"
RX = Prescription(
    right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180, addition="2.00"),
    left=EyePrescription(sphere="+1.25"),
    issued_on=dt.date(2025, 3, 10),
)
PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
OTHER = Patient(ins="2 85 02 75 012 345 21", birth_date=dt.date(1968, 6, 1))
TODAY = dt.date(2025, 6, 2)


@pytest.fixture(scope="module", params=["ed25519", "ecdsa-p256"])
def key(request):
    return generate_key(request.param)


@pytest.fixture(scope="module")
def signed(key):
    return prescribe(RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")


@pytest.fixture(scope="module")
def trusted(key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    return t


def test_commit_v2_binds_the_prescription_to_the_patient():
    c1, r1 = commit(RX, patient=PATIENT)
    c2, r2 = commit(RX, patient=PATIENT)
    assert r1 != r2 and c1 != c2
    assert 0 <= r1 < 1 << BLINDING_BITS
    assert c1 == commit_v2(pack_prescription(RX), PATIENT.field_element(), r1)
    assert commitment_of(RX, patient=PATIENT, blinding=r1) == c1
    # the same prescription and blinding for another patient, or another birth date
    assert commitment_of(RX, patient=OTHER, blinding=r1) != c1
    younger = Patient(ins=PATIENT.ins, birth_date=dt.date(1990, 6, 1))
    assert commitment_of(RX, patient=younger, blinding=r1) != c1
    with pytest.raises(InvalidInputError, match="patient"):
        commitment_of(RX, patient="1 68 06 75 123 456 49", blinding=r1)


def test_opening_and_attestation_v2(signed, key):
    opening, att = signed
    assert opening.prescription == RX.canonical()
    opening.check()
    assert att.commitment == opening.commitment
    assert att.prescription_day == RX.issued_on
    assert att.prescriber_kind is PrescriberKind.PHYSICIAN
    assert att.kind is AttestationKind.PRESCRIPTION and att.medical_situation is False
    assert att.algorithm.value == ("ed25519" if "Ed25519" in type(key).__name__ else "ecdsa-p256")
    data = att.model_dump(mode="json")
    assert data["format"] == "zkclaims-attestation/v2"
    assert "certificate_chain" not in data  # none: left out
    assert Attestation.model_validate_json(att.model_dump_json()) == att
    assert Opening.model_validate_json(opening.model_dump_json()) == opening


def test_opening_with_another_blinding_does_not_open(signed):
    opening, _ = signed
    bad = opening.model_copy(update={"blinding": str(opening.blinding_int + 1)})
    with pytest.raises(InvalidInputError, match="opening.commitment"):
        bad.check()
    other = opening.model_copy(
        update={"prescription": RX.model_copy(update={"issued_on": dt.date(2025, 3, 11)})}
    )
    with pytest.raises(InvalidInputError, match="opening.commitment"):
        other.check()
    # the opening of another patient (or of a forged birth date) does not open it
    for patient in (OTHER, Patient(ins=PATIENT.ins, birth_date=dt.date(1990, 6, 1))):
        with pytest.raises(InvalidInputError, match="opening.commitment"):
            opening.model_copy(update={"patient": patient}).check()


def test_field_elements_are_validated():
    with pytest.raises(InvalidInputError, match="blinding"):
        Opening(prescription=RX, patient=PATIENT, blinding="-1", commitment="0")
    with pytest.raises(InvalidInputError, match="commitment"):
        Opening(prescription=RX, patient=PATIENT, blinding="1", commitment=str(2**255))
    with pytest.raises(InvalidInputError, match="commitment"):
        Opening(prescription=RX, patient=PATIENT, blinding="1", commitment="007")


def test_openings_v1_are_retired(signed):
    """An opening v1 (prescription and blinding, no patient) is refused with why."""
    opening, _ = signed
    doc = opening.model_dump(mode="json")
    del doc["patient"]
    doc["format"] = "zkclaims-opening/v1"
    with pytest.raises(InvalidInputError) as e:
        Opening.model_validate(doc)
    assert e.value.field == "format" and "retired" in str(e.value)
    assert "binds no patient" in str(e.value)


def test_prescribe_takes_keyword_arguments_and_checks_the_patient(key):
    with pytest.raises(TypeError):
        prescribe(RX, key, "RPPS-1")  # the v1 positional form is gone
    with pytest.raises(TypeError):
        commit(RX, PATIENT)  # keyword-only after the first
    unborn = Patient(ins=PATIENT.ins, birth_date=dt.date(2025, 3, 11))
    with pytest.raises(InvalidInputError) as e:
        prescribe(RX, patient=unborn, key=key, prescriber_id="RPPS-1")
    assert e.value.field == "patient.birth_date"


def test_attestation_verifies_and_each_field_is_signed(signed, trusted):
    _, att = signed
    verify_attestation(att, trusted, on_day=TODAY)
    tampered = {
        "commitment": str(int(att.commitment) ^ 1),
        "prescription_day": dt.date(2025, 3, 11),
        "medical_situation": True,
        "signature": ("00" if att.signature[:2] != "00" else "11") + att.signature[2:],
    }
    for field, value in tampered.items():
        bad = att.model_copy(update={field: value})
        with pytest.raises(AttestationError, match="bad_signature") as ei:
            verify_attestation(bad, trusted, on_day=TODAY)
        assert ei.value.reason == "bad_signature", field
    # the kind and the algorithm are signed too: changing them cannot keep the signature
    ortho = att.model_copy(update={"prescriber_kind": PrescriberKind.ORTHOPTIST})
    assert ortho.message() != att.message()


def test_medical_situation_is_signed_and_only_for_physicians(key):
    att = sign_attestation(key, commitment=5, prescriber_id="RPPS-1", prescriber_kind="physician",
                           prescription_day=dt.date(2025, 1, 2), medical_situation=True)
    assert att.medical_situation is True
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    verify_attestation(att, t, on_day=TODAY)
    with pytest.raises(InvalidInputError, match="medical_situation"):
        sign_attestation(key, commitment=5, prescriber_id="RPPS-1", prescriber_kind="orthoptist",
                         prescription_day=dt.date(2025, 1, 2), medical_situation=True)
    with pytest.raises(InvalidInputError, match="medical_situation"):
        Attestation.model_validate({**att.model_dump(mode="json"), "medical_situation": "yes"})


def test_optician_adaptation_is_an_opticians_own_kind(key):
    att = sign_attestation(key, commitment=5, prescriber_id="RPPS-7", prescriber_kind="optician",
                           prescription_day=dt.date(2025, 1, 2))
    assert att.kind is AttestationKind.OPTICIAN_ADAPTATION
    t = TrustedPrescribers()
    t.add("RPPS-7", key, "optician")
    verify_attestation(att, t, on_day=TODAY)
    data = att.model_dump(mode="json")
    for kind, pkind in (("prescription", "optician"), ("optician_adaptation", "physician")):
        with pytest.raises(InvalidInputError, match="prescriber_kind"):
            Attestation.model_validate({**data, "kind": kind, "prescriber_kind": pkind})


# --- the signed message -----------------------------------------------------------------------


def parse_v2(msg: bytes) -> dict:
    """Independent parser of the v2 signed bytes."""
    prefix = b"zkclaims/attestation/v2\x00"
    assert msg.startswith(prefix)
    rest, out = msg[len(prefix):], {}

    def short():
        nonlocal rest
        n = rest[0]
        assert n > 0
        value, rest = rest[1:1 + n], rest[1 + n:]
        return value.decode()

    out["kind"] = short()
    out["commitment"], rest = int.from_bytes(rest[:32], "big"), rest[32:]
    out["prescriber_id"] = short()
    out["prescriber_kind"] = short()
    (out["day"],), rest = struct.unpack(">I", rest[:4]), rest[4:]
    assert rest[0] in (0, 1)
    out["medical_situation"], rest = bool(rest[0]), rest[1:]
    out["algorithm"] = short()
    assert rest == b""
    return out


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(list(AttestationKind)),
    st.integers(0, R - 1),
    st.text(min_size=1, max_size=60).filter(lambda s: 0 < len(s.encode()) < 256),
    st.sampled_from(list(PrescriberKind)),
    st.dates(dt.date(1970, 1, 1), dt.date(2149, 6, 6)),
    st.booleans(),
    st.sampled_from(list(SignatureAlgorithm)),
)
def test_the_v2_message_is_injective(kind, c, pid, pkind, day, medical, alg):
    msg = attestation_message_v2(kind=kind, commitment=c, prescriber_id=pid,
                                 prescriber_kind=pkind, prescription_day=day,
                                 medical_situation=medical, algorithm=alg)
    assert parse_v2(msg) == {
        "kind": kind.value, "commitment": c, "prescriber_id": pid,
        "prescriber_kind": pkind.value, "day": day_number(day), "medical_situation": medical,
        "algorithm": alg.value,
    }


def test_v1_and_v2_messages_never_collide():
    day = dt.date(2025, 1, 1)
    v1 = attestation_message(5, "ab", PrescriberKind.PHYSICIAN, day)
    v2 = attestation_message_v2(kind="prescription", commitment=5, prescriber_id="ab",
                                prescriber_kind="physician", prescription_day=day,
                                medical_situation=False, algorithm="ed25519")
    assert v1.startswith(b"zkclaims/attestation/v1\x00") and v1[:24] != v2[:24]
    with pytest.raises(InvalidInputError, match="prescriber_id"):
        attestation_message(5, "", PrescriberKind.PHYSICIAN, day)
    with pytest.raises(InvalidInputError, match="medical_situation"):
        attestation_message_v2(kind="prescription", commitment=5, prescriber_id="ab",
                               prescriber_kind="physician", prescription_day=day,
                               medical_situation=1, algorithm="ed25519")


# --- v1 documents --------------------------------------------------------------------------------


def test_a_committed_v1_attestation_still_verifies_under_a_v1_trust_file():
    att = Attestation.model_validate_json((VECTORS / "attestation-v1.json").read_text())
    trusted = TrustedPrescribers.load(VECTORS / "trusted-prescribers-v1.json")
    assert att.format == "zkclaims-attestation/v1"
    assert att.message().startswith(b"zkclaims/attestation/v1\x00")
    signer = verify_attestation(att, trusted, on_day=TODAY)
    assert signer.certificate_subject is None
    # dumped as the same v1 document (no v2 field appears)
    assert att.model_dump(mode="json") == json.loads(
        (VECTORS / "attestation-v1.json").read_text())
    # the trust file is upgraded: one open-ended key
    entry = trusted.prescribers["RPPS-10001234567"]
    assert entry.kind is PrescriberKind.ORTHOPTIST and len(entry.keys) == 1
    assert entry.keys[0].not_before is None and entry.keys[0].revoked_on is None
    assert trusted.model_dump()["format"] == "zkclaims-trusted-prescribers/v2"
    # tampering fails as in v1
    bad = att.model_copy(update={"prescription_day": dt.date(2024, 11, 6)})
    with pytest.raises(AttestationError, match="bad_signature"):
        verify_attestation(bad, trusted, on_day=TODAY)


def test_a_v1_attestation_cannot_carry_v2_fields():
    data = json.loads((VECTORS / "attestation-v1.json").read_text())
    for field, value in (("kind", "optician_adaptation"), ("medical_situation", True),
                         ("algorithm", "ecdsa-p256"), ("prescriber_kind", "optician")):
        with pytest.raises(InvalidInputError, match=field):
            Attestation.model_validate({**data, field: value})


# --- keys -------------------------------------------------------------------------------------


def test_key_files_of_both_algorithms(tmp_path, key):
    path = tmp_path / "k.pem"
    save_private_key(key, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert public_key_hex(load_private_key(path)) == public_key_hex(key)
    with pytest.raises(InvalidInputError, match="exists already"):
        save_private_key(key, path)
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(InvalidInputError, match="key"):
        load_private_key(tmp_path / "bad.pem")
    # the public key: from PEM or hex, the same key
    pem = public_key_pem(key)
    assert public_key_hex(load_public_key_text(pem)) == public_key_hex(key)
    assert public_key_hex(load_public_key_text(public_key_hex(key))) == public_key_hex(key)


def test_a_p384_private_key_is_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization

    k = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "p384.pem").write_bytes(k.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    with pytest.raises(InvalidInputError, match="not an Ed25519 or ECDSA P-256 key"):
        load_private_key(tmp_path / "p384.pem")
    with pytest.raises(InvalidInputError, match="P-256"):
        load_public_key_text(public_key_pem_any(k))


def public_key_pem_any(k) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return k.public_key().public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)


# --- weak keys --------------------------------------------------------------------------------


def test_the_small_order_list_is_complete_and_right():
    points = small_order_points()
    assert len(points) == 8 and (0, 1) in points and (0, P - 1) in points
    # each point has order dividing 8, and they are distinct
    from zkclaims.prescriber.ed25519 import _is_identity, _mul

    for x, y in points:
        assert _is_identity(_mul(8, (x, y, 1, x * y % P)))
    # 8 points, their sign variants where x = 0 and their y + p forms: 14 encodings
    assert len(SMALL_ORDER_ENCODINGS) == 14


@pytest.mark.parametrize("raw", SMALL_ORDER_ENCODINGS, ids=lambda b: b.hex()[:8] + b.hex()[-4:])
def test_every_small_order_encoding_is_refused_everywhere(raw):
    with pytest.raises(InvalidInputError, match="weak Ed25519 key|non-canonical"):
        parse_public_key("ed25519", raw.hex())
    with pytest.raises(InvalidInputError, match="public_key"):
        TrustedPrescribers().add("RPPS-1", raw.hex())
    with pytest.raises(InvalidInputError, match="public_key"):
        TrustedPrescribers.model_validate({"prescribers": {"RPPS-1": {"kind": "physician", "keys": [
            {"algorithm": "ed25519", "public_key": raw.hex()}]}}})
    with pytest.raises(InvalidInputError):
        load_public_key_text(raw.hex())


def test_openssl_accepts_a_zero_signature_under_the_identity_key_we_do_not():
    identity = (1).to_bytes(32, "little")
    openssl_key = Ed25519PublicKey.from_public_bytes(identity)  # OpenSSL takes it
    forged = identity + bytes(32)  # R = identity, S = 0
    for msg in (b"one", b"another"):
        openssl_key.verify(forged, msg)  # accepted for every message
    with pytest.raises(InvalidInputError, match="weak"):
        verify_signature(openssl_key, b"one", forged)


def test_a_mixed_order_key_is_refused():
    from zkclaims.prescriber.ed25519 import _add, _affine, decode_point

    good = bytes.fromhex(public_key_hex(generate_key()))
    x8, y8 = next(p for p in small_order_points() if p[0] and p[1])
    mixed = _affine(_add(decode_point(good), (x8, y8, 1, x8 * y8 % P)))
    raw = (mixed[1] | ((mixed[0] & 1) << 255)).to_bytes(32, "little")
    with pytest.raises(InvalidInputError, match="prime-order subgroup"):
        parse_public_key("ed25519", raw.hex())


def test_ed25519_signatures_are_checked_strictly():
    k = generate_key()
    msg = b"message"
    sig = k.sign(msg)
    pub = k.public_key()
    assert verify_signature(pub, msg, sig)
    # S + L: the same signature, non-canonical; OpenSSL refuses it too, we refuse first
    s = int.from_bytes(sig[32:], "little") + L
    assert s < 2**256
    assert not verify_signature(pub, msg, sig[:32] + s.to_bytes(32, "little"))
    # R of small order
    assert not verify_signature(pub, msg, SMALL_ORDER_ENCODINGS[0] + sig[32:])
    assert not verify_signature(pub, msg, sig[:63])


def test_p256_keys_off_the_curve_or_at_infinity_are_refused():
    for bad in ("00", "04" + "00" * 64, "02" + P.to_bytes(32, "big").hex(),
                "02" + "ff" * 32, "05" + "11" * 32):
        with pytest.raises(InvalidInputError, match="P-256|SEC1"):
            parse_public_key("ecdsa-p256", bad)
    # a valid key round-trips compressed, from its uncompressed form too
    k = generate_key("ecdsa-p256")
    from cryptography.hazmat.primitives import serialization

    uncompressed = k.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    assert public_key_hex(parse_public_key("ecdsa-p256", uncompressed.hex())) == public_key_hex(k)


def test_ecdsa_signatures_out_of_range_are_refused():
    k = generate_key("ecdsa-p256")
    msg = b"message"
    from zkclaims.prescriber.sign import sign_message

    sig = sign_message(k, msg)
    assert verify_signature(k.public_key(), msg, sig)
    s = int.from_bytes(sig[32:], "big")
    assert s <= P256_ORDER // 2  # normalised low s
    assert not verify_signature(k.public_key(), msg, bytes(32) + sig[32:])  # r = 0
    assert not verify_signature(k.public_key(), msg, sig[:32] + P256_ORDER.to_bytes(32, "big"))


# --- secrets on disk --------------------------------------------------------------------------


def test_write_opening_is_0600_whatever_the_umask_and_never_overwrites(tmp_path, signed):
    opening, _ = signed
    path = tmp_path / "opening.json"
    old = os.umask(0o000)
    try:
        write_opening(opening, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_opening(path) == opening
    with pytest.raises(InvalidInputError, match="exists already"):
        write_opening(opening, path)
    os.chmod(path, 0o644)
    write_opening(opening, path, force=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_write_opening_refuses_a_symlink(tmp_path, signed):
    opening, _ = signed
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    link = tmp_path / "opening.json"
    link.symlink_to(target)
    for force in (False, True):
        with pytest.raises(InvalidInputError, match="symbolic link"):
            write_opening(opening, link, force=force)
    assert target.read_text() == "{}"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(InvalidInputError, match="symbolic link"):
        write_opening(opening, dangling)
    assert not (tmp_path / "nowhere.json").exists()


def test_prescribe_refuses_what_cannot_be_packed(key):
    old = RX.model_copy(update={"issued_on": dt.date(1969, 12, 31)})
    with pytest.raises(InvalidInputError, match="issued_on"):
        prescribe(old, patient=PATIENT, key=key, prescriber_id="RPPS-1")


def test_attestation_day_must_fit_the_packing(signed):
    _, att = signed
    data = att.model_dump(mode="json")
    for day in ("1969-12-31", "2149-06-07"):
        with pytest.raises(InvalidInputError, match=f"prescription_day.*{day}"):
            Attestation.model_validate({**data, "prescription_day": day})


def test_point_decoding_recovers_exactly_the_curve_points():
    """For any y: a recovered x lies on the curve with the asked sign; None only when
    (y^2 - 1) / (d y^2 + 1) is not a square (Euler's criterion) or x = 0 with the sign set."""
    import secrets

    from zkclaims.prescriber import ed25519 as e

    p = e.P
    for y in [0, 1, 2, p - 1, *(secrets.randbelow(p) for _ in range(300))]:
        x2 = (y * y - 1) * pow(e._D * y * y + 1, p - 2, p) % p
        square = x2 == 0 or pow(x2, (p - 1) // 2, p) == 1
        for sign in (0, 1):
            x = e._recover_x(y, sign)
            if x is None:
                assert not square or (x2 == 0 and sign == 1), (y, sign)
            else:
                assert (-x * x + y * y - 1 - e._D * x * x * y * y) % p == 0, (y, sign)
                assert x & 1 == sign or x == 0, (y, sign)
