"""The paper prescription: QR text ZKRX1 (binary layout, base45, CRC-32), its QR code, and a
decoder that refuses every damaged or foreign text with one line (fuzzed)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkclaims.domain import EyePrescription, Patient, Prescription
from zkclaims.errors import InvalidInputError
from zkclaims.hazmat.pki import DemoPki
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe, verify_attestation
from zkclaims.prescriber.base45 import ALPHABET, b45decode, b45encode
from zkclaims.prescriber.qr import (
    MAX_QR_TEXT,
    QR_PREFIX,
    chain_digest,
    decode_prescription_text,
    encode_prescription_text,
    prescription_qr,
    render_qr,
)

RX = Prescription(
    right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180, addition="2.00"),
    left=EyePrescription(sphere="-5.50", cylinder="-0.75", axis=10, addition="2.00"),
    issued_on=dt.date(2025, 3, 10),
)
PID = "RPPS-10001234567"
PATIENT = Patient(ins="2 85 02 2A 012 345 78", birth_date=dt.date(1985, 2, 14))  # Corsica


@pytest.fixture(scope="module", params=["ed25519", "ecdsa-p256"])
def signed(request):
    key = generate_key(request.param)
    opening, att = prescribe(RX, patient=PATIENT, key=key, prescriber_id=PID,
                             medical_situation=True)
    trust = TrustedPrescribers()
    trust.add(PID, key)
    return opening, att, trust


@pytest.fixture(scope="module")
def pki_signed():
    pki = DemoPki()
    key, cert = pki.issue(not_before=dt.date(2024, 1, 1))
    return prescribe(RX, patient=PATIENT, key=key, prescriber_id=PID,
                     certificate_chain=pki.chain(cert))


def test_round_trip_and_the_attestation_still_verifies(signed):
    opening, att, trust = signed
    text = encode_prescription_text(opening, att)
    assert text.startswith(QR_PREFIX) and set(text) <= set(ALPHABET)
    assert len(text) < 250  # a version 9 QR code at error level M
    back_opening, back_att = decode_prescription_text(text)
    assert back_opening == opening and back_att == att
    back_opening.check()
    verify_attestation(back_att, trust, on_day=dt.date(2025, 6, 1))
    # surrounding whitespace from a scanner is fine
    assert decode_prescription_text(f"  {text}\r\n")[1] == att


def test_the_byte_layout(signed):
    """The layout of docs/prescribers.md, read back independently."""
    opening, att, _ = signed
    raw = b45decode(encode_prescription_text(opening, att)[len(QR_PREFIX):])
    payload, crc = raw[:-4], struct.unpack(">I", raw[-4:])[0]
    assert crc == zlib.crc32(QR_PREFIX.encode() + payload)
    flags, kinds = payload[0], payload[1]
    assert flags & 3 == (0 if att.algorithm.value == "ed25519" else 1)
    assert flags >> 2 & 1 == 1  # medical situation
    assert flags >> 3 & 3 == 0 and flags >> 5 == 0  # no chain, reserved bits zero
    assert kinds == 0x00  # prescription, physician
    from zkclaims.domain.packing import pack_prescription

    assert int.from_bytes(payload[2:11], "big") == pack_prescription(opening.prescription)
    assert int.from_bytes(payload[11:43], "big") == opening.blinding_int
    assert payload[43:58] == opening.patient.ins.encode() == b"285022A01234578"
    assert int.from_bytes(payload[58:62], "big") == PATIENT.birth_date.toordinal()
    assert payload[62] == len(PID) and payload[63:63 + len(PID)] == PID.encode()
    assert payload[63 + len(PID):] == att.signature_bytes


def test_an_inline_chain_round_trips(pki_signed):
    opening, att = pki_signed
    code, text, detached = prescription_qr(opening, att)
    assert not detached and code.version <= 30
    assert decode_prescription_text(text) == (opening, att)


def test_a_chain_too_large_is_detached_and_checked_on_import(pki_signed):
    opening, att = pki_signed
    text = encode_prescription_text(opening, att, detach_chain=True)
    chain = att.chain_der()
    with pytest.raises(InvalidInputError, match="too large for the QR code"):
        decode_prescription_text(text)
    assert decode_prescription_text(text, certificate_chain=chain)[1] == att
    with pytest.raises(InvalidInputError, match="not the one the prescriber signed with"):
        decode_prescription_text(text, certificate_chain=chain[:1])
    assert len(chain_digest(chain)) == 32
    with pytest.raises(InvalidInputError, match="carries its own or none"):
        decode_prescription_text(encode_prescription_text(opening, att), certificate_chain=chain)


def test_prescription_qr_detaches_only_when_needed(pki_signed):
    opening, att = pki_signed
    big_chain = [att.certificate_chain[0]] * 4  # 4 certificates: still one QR code?
    big = att.model_copy(update={"certificate_chain": tuple(big_chain)})
    inline = encode_prescription_text(opening, big)
    code, text, detached = prescription_qr(opening, big)
    try:
        segno.make(inline, error="m", micro=False)
        fits = True
    except segno.DataOverflowError:
        fits = False
    assert detached is not fits
    assert decode_prescription_text(text, certificate_chain=big.chain_der() if detached
                                    else None)[1] == big


def test_the_qr_image_holds_exactly_the_text(signed):
    opening, att, _ = signed
    code, text, _ = prescription_qr(opening, att)
    assert code.mode == "alphanumeric" and code.error == "M"
    png = render_qr(code, "png")
    assert png.startswith(b"\x89PNG")
    again = io.BytesIO()
    segno.make(text, error="m", micro=False).save(again, kind="png", scale=4, border=4)
    assert png == again.getvalue()
    assert b"<svg" in render_qr(code, "svg")
    with pytest.raises(InvalidInputError, match=".png"):
        render_qr(code, "gif")


@pytest.mark.parametrize(("text", "match"), [
    ("", "not a zkclaims prescription"),
    ("HC1:ABC", "not a zkclaims prescription"),
    ("ZKRX2:ABC", "unknown version '2'"),
    ("ZKRX:ABC", "unknown version"),
    ("ZKRX1ABC", "unknown version"),
    ("ZKRX1:A", "3k or 3k"),
    ("ZKRX1:ab!", "not base45"),
    ("ZKRX1:GGW", "above 65535"),
    ("ZKRX1:00", "no checksum"),
    ("ZKRX1:" + "0" * (MAX_QR_TEXT + 1), "longer than"),
])
def test_foreign_or_broken_texts(text, match):
    with pytest.raises(InvalidInputError, match=match) as info:
        decode_prescription_text(text)
    assert info.value.field == "qr" and "\n" not in str(info.value)


def test_any_single_character_changed_is_a_bad_checksum(signed):
    opening, att, _ = signed
    text = encode_prescription_text(opening, att)
    for i in range(len(QR_PREFIX), len(text)):
        for c in (ALPHABET[(ALPHABET.index(text[i]) + 1) % 45], "0"):
            if c == text[i]:
                continue
            with pytest.raises(InvalidInputError, match="checksum|base45|above"):
                decode_prescription_text(text[:i] + c + text[i + 1:])


def _with_crc(payload: bytes) -> str:
    return QR_PREFIX + b45encode(payload + struct.pack(">I", zlib.crc32(QR_PREFIX.encode()
                                                                        + payload)))


def test_well_checksummed_but_wrong_payloads(signed):
    opening, att, _ = signed
    raw = b45decode(encode_prescription_text(opening, att)[len(QR_PREFIX):])[:-4]
    cases = {
        "unknown flags": bytes([raw[0] | 0x40]) + raw[1:],
        "unknown kinds": raw[:1] + b"\x35" + raw[2:],
        "truncated": raw[:-1],
        "unexpected bytes": raw + b"\x00",
        "r": raw[:11] + b"\xff" * 32 + raw[43:],  # blinding >= r
        "prescription: packed": raw[:2] + b"\xff" * 9 + raw[11:],
        "prescription: right.axis": raw[:2] + _axis(raw[2:11], 200) + raw[11:],
        "attestation: prescriber_kind": raw[:1] + b"\x02" + raw[2:],  # optician "prescribing"
        "patient: ins": raw[:43] + b"185022A01234566" + raw[58:],  # wrong key
        "patient: born after": raw[:58] + dt.date(2025, 3, 11).toordinal().to_bytes(4, "big")
        + raw[62:],
        "patient birth date: day 4294967295": raw[:58] + b"\xff" * 4 + raw[62:],
        "patient birth date: day 0": raw[:58] + bytes(4) + raw[62:],
    }
    for match, payload in cases.items():
        with pytest.raises(InvalidInputError, match=match):
            decode_prescription_text(_with_crc(payload))


def _axis(packed: bytes, axis: int) -> bytes:
    p = int.from_bytes(packed, "big")
    return ((p & ~(0xFF << 14)) | axis << 14).to_bytes(9, "big")


def test_a_v1_attestation_or_a_mismatch_is_not_encoded(signed):
    opening, att, _ = signed
    other, _ = prescribe(RX, patient=PATIENT, key=generate_key(), prescriber_id=PID)
    with pytest.raises(InvalidInputError, match="commitment"):
        encode_prescription_text(other, att)


def test_base45_rfc_9285_vectors_and_strictness():
    for data, text in [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"),
                       (b"ietf!", "QED8WEX0"), (b"", "")]:
        assert b45encode(data) == text and b45decode(text) == data
    for bad in ("GGW", "GGW0", ":::", "a00", "0"):
        with pytest.raises(ValueError):
            b45decode(bad)


@given(st.binary(max_size=200))
def test_base45_round_trips(data):
    assert b45decode(b45encode(data)) == data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300) | st.text(alphabet=ALPHABET, max_size=300).map(
    lambda t: QR_PREFIX + t))
def test_the_decoder_refuses_any_text_cleanly(text):
    try:
        decode_prescription_text(text)
    except InvalidInputError as exc:
        assert exc.field == "qr"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=0, max_size=600))
def test_the_decoder_refuses_any_checksummed_payload_cleanly(payload):
    try:
        decode_prescription_text(_with_crc(payload))
    except InvalidInputError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 200), st.binary(min_size=1, max_size=8), st.integers(0, 40))
def test_a_valid_payload_with_bytes_changed_decodes_or_is_refused_cleanly(at, junk, cut):
    global _SAMPLE
    if _SAMPLE is None:
        key = generate_key()
        opening, att = prescribe(RX, patient=PATIENT, key=key, prescriber_id=PID)
        _SAMPLE = b45decode(encode_prescription_text(opening, att)[len(QR_PREFIX):])[:-4]
    raw = _SAMPLE
    at %= len(raw)
    mutated = (raw[:at] + junk + raw[at + len(junk):])[: len(raw) - cut]
    try:
        decode_prescription_text(_with_crc(mutated))
    except InvalidInputError:
        pass


_SAMPLE: bytes | None = None
