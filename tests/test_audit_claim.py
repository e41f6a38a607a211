"""Audit: the claim pipeline — what the context, the signature and the proof bind, and how the
verifier and the CLI take malformed bundles.

Findings this file pins (see the lead's report):

* the claim context binds every field of the claim and of the invoice (checked leaf by leaf,
  by enumeration, so a field added later is covered), and its byte string parses back;
* the attestation message is injective (a parser below recovers the four fields);
* the patient's birth date, which picks the validity period (spec §6: 5 years from 16 to 42,
  3 years over 42), was the optician's word (issue 9). Fixed by statement v2: the prescriber
  commits to the patient (INS and birth date), the claim carries no birth date, and the
  verifier takes it from the insurer's beneficiary record, whose patient tag the proof must
  match;
* malformed bundles: never accepted, and the library raises only ``MalformedInputError``
  (naming ``bundle.<field>`` and the value) or ``ClaimRejected`` — fixed, pydantic's
  InvalidInputError used to escape; money fields refuse 20000.0, "20000" and true (fixed);
* the CLI exits 2 with one line on a deeply nested JSON file (fixed: it was a RecursionError
  traceback) and writes the opening owner-only, mode 0600 (fixed: it was world-readable).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import struct
import subprocess
import sys

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims import poseidon, prescriber
from zkclaims.cli import EXIT_MALFORMED, main
from zkclaims.commitment import COMMITMENT_TAG_V2, COMMITMENT_TAG_V2_NAME, commit_v2
from zkclaims.domain import (
    Beneficiary,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    Patient,
    PrescriberKind,
    Prescription,
)
from zkclaims.domain.attestation import Attestation, attestation_message
from zkclaims.domain.bundle import ClaimBundle, claim_context, claim_context_bytes
from zkclaims.domain.invoice import Claim, Invoice, invoice_for
from zkclaims.domain.packing import day_number, pack_prescription
from zkclaims.errors import ClaimRejected, InvalidInputError, MalformedInputError, ZkClaimsError
from zkclaims.field import R
from zkclaims.groups.encoding import P
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe, verify_attestation
from zkclaims.prover import prove_claim
from zkclaims.verifier import Verifier

DAY = dt.date(2021, 3, 10)
DELIVERY = dt.date(2025, 4, 2)  # four years after the prescription
TODAY = dt.date(2025, 4, 10)
CIRCUIT_ID = "ab" * 32
PATIENT = Patient(ins="1 90 06 75 123 456 38", birth_date=dt.date(1990, 6, 1))
RECORD = Beneficiary(member_id="MBR-1", ins=PATIENT.ins, birth_date=PATIENT.birth_date)


def eye(s, c="0", axis=None, add="0"):
    return EyePrescription(sphere=s, cylinder=c, axis=axis, addition=add)


RX = Prescription(right=eye("-2.00", "+1.00", 90, "2.00"), left=eye("+1.00"), issued_on=DAY)


def equipment(delivered=DELIVERY):
    return Equipment(
        right=Lens(usage="progressive", price_cents=20000, classe="B", grouping_code="VM3"),
        left=Lens(usage="far", price_cents=21000, classe="B", grouping_code="VU1"),
        frame=Frame(price_cents=3000, classe="A"),
        delivered_on=delivered,
    )


def claim(claim_id="C-1", member="MBR-1"):
    return Claim(insurer="AMC-1", claim_id=claim_id, optician="FINESS-1", beneficiary=member,
                 delivered_on=DELIVERY)


INVOICE = invoice_for(equipment(), classes=(LensClass.COMPLEX, LensClass.SIMPLE),
                      birth_date=PATIENT.birth_date)


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def trusted(key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    return t


@pytest.fixture(scope="module")
def opened(key):
    return prescribe(RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")


@pytest.fixture(scope="module")
def bundle(opened):
    opening, att = opened
    return prove_claim(opening, attestation=att, equipment=equipment(), claim=claim(),
                       today=TODAY)


def verify(v, data, record=RECORD):
    return v.verify(data, beneficiary=record, today=TODAY)


# ---------------------------------------------------------------------------------------------
# the claim context
# ---------------------------------------------------------------------------------------------


def _leaves(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*prefix, k))
    else:
        yield prefix, obj


def _other(value, path):
    """A different valid value for a leaf (by its JSON type and name)."""
    name = path[-1]
    if name == "classe":
        return "B" if value == "A" else "A"
    if name == "lens_class":
        return "very_complex" if value != "very_complex" else "simple"
    if name == "design":
        return "multifocal" if value != "multifocal" else "unifocal"
    if name == "grouping_code":
        return "VU9" if value != "VU9" else "VU8"
    if name.endswith("_on") or name.endswith("_date"):
        return (dt.date.fromisoformat(value) - dt.timedelta(days=1)).isoformat()
    if value is None:
        return 1234
    if isinstance(value, int):
        return value + 1
    return value + "X"


def _set(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def test_context_binds_every_claim_and_invoice_leaf():
    c, inv = claim(), INVOICE
    base = claim_context(c, inv, CIRCUIT_ID)
    doc = {"claim": c.model_dump(mode="json"), "invoice": inv.model_dump(mode="json")}
    leaves = list(_leaves(doc))
    assert len(leaves) == 5 + 3 * 5 + 1  # claim fields; 3 lines x 5 fields; total
    assert {p[-1] for p, _ in leaves} >= {"beneficiary", "grouping_code", "design"}
    seen = set()
    for path, value in leaves:
        d = json.loads(json.dumps(doc))
        _set(d, path, _other(value, path))
        c2, inv2 = Claim.model_validate(d["claim"]), Invoice.model_validate(d["invoice"])
        ctx = claim_context(c2, inv2, CIRCUIT_ID)
        assert ctx != base, path
        seen.add(ctx)
    assert len(seen) == len(leaves)
    assert claim_context(c, inv, "cd" * 32) != base
    assert 0 <= base < R


def test_context_bytes_are_unambiguous():
    """The hashed bytes parse back to exactly the claim, the invoice and the circuit id, so two
    different claims never share them (no concatenation ambiguity, quotes escaped)."""
    pairs = [
        (claim().model_copy(update={"insurer": "AB", "claim_id": "C"}),
         claim().model_copy(update={"insurer": "A", "claim_id": "BC"})),
        (claim().model_copy(update={"claim_id": 'x","optician":"EVIL'}),
         claim().model_copy(update={"claim_id": "x", "optician": "EVIL"})),
    ]
    for a, b in pairs:
        assert claim_context_bytes(a, INVOICE, CIRCUIT_ID) != claim_context_bytes(b, INVOICE,
                                                                                CIRCUIT_ID)
    for c in (claim(), *(x for p in pairs for x in p),
              claim().model_copy(update={"optician": "Opticien é \\ \u2028"})):
        raw = claim_context_bytes(c, INVOICE, CIRCUIT_ID)
        prefix, _, text = raw.partition(b"\x00")
        assert prefix == b"zkclaims/claim-context/v2" and b"\x00" not in text
        doc = json.loads(text)
        assert doc == {"circuit_id": CIRCUIT_ID, "claim": c.model_dump(mode="json"),
                       "invoice": INVOICE.model_dump(mode="json")}


# ---------------------------------------------------------------------------------------------
# the attestation
# ---------------------------------------------------------------------------------------------


def parse_attestation_message(msg: bytes) -> tuple[int, str, str, int]:
    """Independent parser of the signed bytes: (commitment, id, kind, day)."""
    prefix = b"zkclaims/attestation/v1\x00"
    assert msg.startswith(prefix)
    rest = msg[len(prefix) :]
    c = int.from_bytes(rest[:32], "big")
    n = rest[32]
    pid = rest[33 : 33 + n].decode("utf-8")
    k = rest[33 + n]
    kind = rest[34 + n : 34 + n + k].decode("ascii")
    (day,) = struct.unpack(">I", rest[34 + n + k :])
    return c, pid, kind, day


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, R - 1),
    st.text(min_size=1, max_size=60).filter(lambda s: 0 < len(s.encode()) < 256),
    st.sampled_from(list(PrescriberKind)),
    st.dates(dt.date(1970, 1, 1), dt.date(2149, 6, 6)),
)
def test_attestation_message_is_injective(c, pid, kind, day):
    msg = attestation_message(c, pid, kind, day)
    assert parse_attestation_message(msg) == (c, pid, kind.value, day_number(day))


def test_signature_covers_commitment_id_kind_and_day(key, opened):
    _, att = opened
    t = TrustedPrescribers()
    for pid in ("RPPS-1", "RPPS-2"):
        t.add(pid, key)
    t2 = TrustedPrescribers()
    t2.add("RPPS-1", key, "orthoptist")
    verify_attestation(att, t)
    changes = [
        ({"commitment": str((att.commitment_int + 1) % R)}, t),
        ({"prescriber_id": "RPPS-2"}, t),
        ({"prescriber_kind": PrescriberKind.ORTHOPTIST}, t2),
        ({"prescription_day": att.prescription_day + dt.timedelta(days=1)}, t),
    ]
    for update, trust in changes:
        bad = att.model_copy(update=update)
        with pytest.raises(ZkClaimsError) as e:
            verify_attestation(bad, trust)
        assert e.value.reason == "bad_signature", update


def test_non_canonical_ed25519_signature_is_rejected(key, opened):
    """S + L (the group order) verifies on a lax implementation; cryptography refuses it."""
    _, att = opened
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    sig = bytes.fromhex(att.signature)
    ell = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(sig[32:], "little") + ell
    assert s < 2**256
    mauled = att.model_copy(update={"signature": (sig[:32] + s.to_bytes(32, "little")).hex()})
    with pytest.raises(ZkClaimsError, match="bad_signature"):
        verify_attestation(mauled, t)


def test_blinding_is_248_bits_from_secrets(monkeypatch):
    calls = []
    real = secrets.randbits

    def spy(n):
        calls.append(n)
        return real(n)

    monkeypatch.setattr(prescriber.opening.secrets, "randbits", spy)
    c1, r1 = prescriber.commit(RX, patient=PATIENT)
    c2, r2 = prescriber.commit(RX, patient=PATIENT)
    assert calls == [248, 248]
    assert c1 != c2 and r1 != r2 and max(r1, r2) < 2**248
    packed = pack_prescription(RX.canonical())
    assert c1 == commit_v2(packed, PATIENT.field_element(), r1)


def test_commitment_domain_tag():
    import hashlib

    assert COMMITMENT_TAG_V2 == int.from_bytes(
        hashlib.sha256(COMMITMENT_TAG_V2_NAME.encode()).digest(), "big") >> 8
    assert 0 < COMMITMENT_TAG_V2 < 2**248 < R
    packed = pack_prescription(RX.canonical())
    fe = PATIENT.field_element()
    tagged = poseidon.hash3(packed, fe, 7, domain=COMMITMENT_TAG_V2)
    assert tagged == commit_v2(packed, fe, 7)
    assert tagged != poseidon.hash3(packed, fe, 7, domain=0)
    assert tagged != poseidon.hash3(packed, fe, 7, domain=COMMITMENT_TAG_V2 + 1)


# ---------------------------------------------------------------------------------------------
# the birth date: from the insurer's record, bound to the signed prescription
# ---------------------------------------------------------------------------------------------


def test_the_birth_date_is_the_insurers_and_the_prescribers_not_the_opticians(
    opened, trusted, key, tmp_path, capsys
):
    """The attack of issue 9: a physician's prescription four years old passed with a
    declared 1990 birth date (valid 5 years at 30) for a patient of 45 (valid 3 years). Now
    the claim has no birth date; the verifier takes it from the insurer's record; and the
    proof's patient tag binds that record to the patient the prescriber signed for."""
    opening, att = opened
    v = Verifier(trusted, insurer="AMC-1")
    bundle = prove_claim(opening, attestation=att, equipment=equipment(), claim=claim(),
                         today=TODAY)
    assert "birth" not in bundle.model_dump_json()
    assert verify(v, bundle).category.code == "b"  # the record says 1990: valid 5 years
    # the real patient was born in 1975 (45 at the prescription): the insurer's record says
    # so, and the prescription is too old for that age
    old = Patient(ins="1 75 06 75 123 456 94", birth_date=dt.date(1975, 6, 1))
    old_record = Beneficiary(member_id="MBR-1", ins=old.ins, birth_date=old.birth_date)
    old_open, old_att = prescribe(RX, patient=old, key=key, prescriber_id="RPPS-1")
    # the optician's pre-check already refuses it (the opening holds the committed birth date)
    with pytest.raises(ClaimRejected) as e:
        prove_claim(old_open, attestation=old_att, equipment=equipment(), claim=claim(),
                    today=TODAY)
    assert e.value.reason == "prescription_not_valid"
    # forging a younger birth date in the opening breaks the commitment the prescriber signed
    forged = old_open.model_copy(update={"patient": Patient(ins=old.ins,
                                                            birth_date=dt.date(1990, 6, 1))})
    with pytest.raises(ZkClaimsError, match="opening.commitment"):
        prove_claim(forged, attestation=old_att, equipment=equipment(), claim=claim(),
                    today=TODAY)
    # a bundle for the 1990-born patient's prescription presented for the 1975-born member:
    # validity by the record's birth date first, then the tag
    with pytest.raises(ClaimRejected) as e:
        verify(v, bundle, old_record)
    assert e.value.reason == "prescription_not_valid" and "1975-06-01" in str(e.value)
    # ... and had the prescription still been valid, the tag says it is not their patient
    young_other = Beneficiary(member_id="MBR-1", ins=old.ins, birth_date=dt.date(1990, 6, 1))
    with pytest.raises(ClaimRejected) as e:
        verify(v, bundle, young_other)
    assert e.value.reason == "wrong_patient"

    # the CLI: the record comes from --beneficiary
    tpath, bpath = tmp_path / "trusted.json", tmp_path / "bundle.json"
    trusted.save(tpath)
    bpath.write_text(bundle.model_dump_json())
    base = ["verify", str(bpath), "--trusted", str(tpath), "--insurer", "AMC-1",
            "--today", TODAY.isoformat(), "--beneficiary"]
    for name, rec, code, reason in (("young", RECORD, 0, None),
                                    ("old", old_record, 1, "prescription_not_valid")):
        f = tmp_path / f"{name}.json"
        f.write_text(rec.model_dump_json())
        capsys.readouterr()
        assert main([*base, str(f)]) == code
        if reason:
            assert f"INVALID ({reason})" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# malformed bundles: library and CLI
# ---------------------------------------------------------------------------------------------


def _mutations(b: ClaimBundle) -> dict[str, object]:
    good = json.loads(b.model_dump_json())
    p = good["proof"]
    x_too_big = (P | 0x80 << 376).to_bytes(48, "big").hex()  # x = p, compression flag
    out: dict[str, object] = {
        "proof truncated by 1 byte": ("proof", p[:-2]),
        "proof odd length": ("proof", p[:-1]),
        "proof not hex": ("proof", "zz" + p[2:]),
        "proof uppercase": ("proof", p.upper()),
        "proof trailing newline": ("proof", p + "\n"),
        "proof A x >= p": ("proof", x_too_big + p[96:]),
        "proof A identity": ("proof", "c0" + "00" * 47 + p[96:]),
        "proof B identity": ("proof", p[:96] + "c0" + "00" * 95 + p[288:]),
        "proof as a number": ("proof", 12),
        "huge price": ("invoice.right.price_cents", 10**400),
        "price above MAX_CENTS": ("invoice.right.price_cents", 10**7 + 1),
        "an AMO share": ("invoice.right.amo_cents", 5),
        "a price cap": ("invoice.frame.plv_cents", 10**6),
        "design 2": ("public_inputs.design_left", 2),
        "tag >= r": ("public_inputs.patient_tag", str(R)),
        "a birth date": ("claim.patient_birth_date", "1990-06-01"),
        "negative price": ("invoice.left.price_cents", -1),
        "fractional price": ("invoice.frame.price_cents", 1.5),
        "price as words": ("invoice.frame.price_cents", "cent"),
        "class 3": ("public_inputs.class_right", 3),
        "class -1": ("public_inputs.class_left", -1),
        "commitment >= r": ("public_inputs.commitment", str(R)),
        "commitment leading zero": (
            "public_inputs.commitment", "0" + good["public_inputs"]["commitment"]
        ),
        "commitment negative": ("public_inputs.commitment", "-1"),
        "context huge": ("public_inputs.claim_context", "9" * 200),
        "day beyond 16 bits": ("public_inputs.prescription_day", 1 << 16),
        "circuit id uppercase": ("circuit_id", good["circuit_id"].upper()),
        "circuit id short": ("circuit_id", good["circuit_id"][:-2]),
        "signature short": ("attestation.signature", good["attestation"]["signature"][:-2]),
        "claim is a list": ("claim", []),
        "unknown format": ("format", "zkclaims-claim-bundle/v3"),
        "extra field": ("invoice.right.discount_cents", 5),
        "empty claim id": ("claim.claim_id", ""),
        "delivery not a date": ("claim.delivered_on", "2025-02-30"),
    }
    docs = {}
    for name, (path, value) in out.items():
        d = json.loads(json.dumps(good))
        _set(d, path.split("."), value)
        docs[name] = d
    missing = json.loads(json.dumps(good))
    del missing["proof"]
    docs["proof missing"] = missing
    return docs


def test_malformed_bundles_are_never_accepted(bundle, trusted):
    """Only the library's own verdicts come out: MalformedInputError or ClaimRejected."""
    v = Verifier(trusted, insurer="AMC-1")
    assert verify(v, bundle).category.code == "b"  # the unmodified bundle is fine
    for doc in _mutations(bundle).values():
        for data in (doc, json.dumps(doc)):
            with pytest.raises((MalformedInputError, ClaimRejected)):
                verify(v, data)
    truncated = bundle.model_dump_json()[:-1]
    deep = "[" * 100_000 + "]" * 100_000
    for data in ("", "[]", "null", "{", b"\xff\xfe", truncated, deep, 12, None):
        with pytest.raises(MalformedInputError, match=r"^bundle"):
            verify(v, data)


def test_malformed_proof_points_raise_malformed_input_error(bundle, trusted):
    v = Verifier(trusted, insurer="AMC-1")
    docs = _mutations(bundle)
    for name in ("proof A x >= p", "proof A identity", "proof B identity"):
        with pytest.raises(MalformedInputError, match=r"proof\.[ab]"):
            verify(v, docs[name])


def test_verify_many_reports_malformed_bundles_and_keeps_the_good_ones(bundle, trusted):
    docs = list(_mutations(bundle).values())
    other = json.loads(bundle.model_dump_json())
    results = Verifier(trusted, insurer="AMC-1").verify_many(
        [bundle, *docs, other], beneficiaries={"MBR-1": RECORD}, today=TODAY)
    assert len(results) == len(docs) + 2
    assert results[0].accepted
    assert results[-1].reason == "duplicate_claim"  # the same claim again in one batch
    assert not any(r.accepted for r in results[1:-1])
    reasons = {r.reason for r in results[1:-1]}
    assert reasons <= {"malformed", "context_mismatch", "inconsistent_invoice"}


def test_cli_exits_2_on_every_malformed_bundle(bundle, trusted, tmp_path, capsys):
    tpath = tmp_path / "trusted.json"
    trusted.save(tpath)
    rpath = tmp_path / "record.json"
    rpath.write_text(RECORD.model_dump_json())
    opts = ["--trusted", str(tpath), "--insurer", "AMC-1", "--beneficiary", str(rpath),
            "--today", TODAY.isoformat()]
    good = tmp_path / "good.json"
    good.write_text(bundle.model_dump_json())
    assert main(["verify", str(good), *opts]) == 0
    cases = {name: json.dumps(doc) for name, doc in _mutations(bundle).items()}
    cases.update({"empty file": "", "not json": "{", "array": "[]", "huge int": "1" * 5000,
                  "not utf-8": "\udcff"})
    for name, text in cases.items():
        f = tmp_path / "bad.json"
        f.write_text(text, errors="surrogateescape")
        code = main(["verify", str(f), *opts])
        assert code in (1, EXIT_MALFORMED), name
        if not name.startswith(("huge price", "context huge")):
            assert code == EXIT_MALFORMED, name
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_cli_exits_2_on_deeply_nested_json(trusted, tmp_path):
    """FINDING (fixed): this was a RecursionError traceback; now one line naming the file."""
    tpath = tmp_path / "trusted.json"
    trusted.save(tpath)
    rpath = tmp_path / "record.json"
    rpath.write_text(RECORD.model_dump_json())
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    # in a child process: inside pytest's deeper stack the recursion can even segfault
    run = subprocess.run(
        [sys.executable, "-m", "zkclaims.cli", "verify", str(f), "--trusted", str(tpath),
         "--insurer", "AMC-1", "--beneficiary", str(rpath)],
        capture_output=True, text=True, timeout=60,
    )
    assert "Traceback" not in run.stderr, run.stderr[-300:]
    assert run.returncode == EXIT_MALFORMED
    assert run.stderr.strip().splitlines() == [
        f"zkclaims verify: bundle.json ({f}): JSON nested deeper than 32 levels"
    ]


def test_library_raises_malformed_input_error_for_a_bad_bundle(bundle, trusted):
    """FINDING (fixed): pydantic's InvalidInputError escaped the ZkClaimsError tree. Now
    MalformedInputError names ``bundle.<path>`` and the value, for a dict and for JSON, and
    keeps pydantic's error as its cause."""
    from zkclaims.verifier import load_bundle

    docs = _mutations(bundle)
    cases = {  # mutation: (the message starts with, and names the value)
        "negative price": ("bundle.invoice.left.price_cents: ", "(got -1)"),
        "fractional price": ("bundle.invoice.frame.price_cents: ", "(got 1.5)"),
        "price as words": ("bundle.invoice.frame.price_cents: ", "(got 'cent')"),
        "class 3": ("bundle.public_inputs.class_right: ", "(got 3)"),
        "extra field": ("bundle.invoice.right.discount_cents: ", "(got 5)"),
        "unknown format": ("bundle.format: ", "(got 'zkclaims-claim-bundle/v3')"),
        "an AMO share": ("bundle.invoice.right.amo_cents: ", "(got 5)"),
        "a birth date": ("bundle.claim.patient_birth_date: ", "(got '1990-06-01')"),
        "proof missing": ("bundle.proof: Field required", ""),
        "delivery not a date": ("bundle.claim.delivered_on: ", "(got '2025-02-30')"),
    }
    for name, (start, value) in cases.items():
        for data in (docs[name], json.dumps(docs[name])):
            with pytest.raises(MalformedInputError) as e:
                verify(Verifier(trusted, insurer="AMC-1"), data)
            assert isinstance(e.value, ZkClaimsError)
            assert str(e.value).startswith(start) and value in str(e.value), (name, e.value)
            assert isinstance(e.value.__cause__, pydantic.ValidationError)
            with pytest.raises(MalformedInputError):
                load_bundle(data)


def _invoice_doc():
    return {
        "right": {"price_cents": 20000, "classe": "A", "grouping_code": "V01",
                  "design": "unifocal", "lens_class": "simple"},
        "left": {"price_cents": 1, "classe": "B", "grouping_code": "VU1", "design": "unifocal",
                 "lens_class": "simple"},
        "frame": {"price_cents": 1, "classe": "B", "grouping_code": "M03"},
        "total_cents": 20002,
    }


MONEY_PATHS = [("right", "price_cents"), ("left", "price_cents"), ("total_cents",)]
NOT_CENTS = (20000.0, 1.5, "20000", True, False, None, -1, 10**7 + 1, 10**400)


@pytest.mark.parametrize("path", MONEY_PATHS, ids=".".join)
def test_money_fields_refuse_floats_strings_booleans_and_huge_values(path):
    """Every cents field of the invoice is strict integer cents, bounded by MAX_CENTS (the
    total by three times it), from Python and from JSON, with an error naming the field."""
    good = Invoice.model_validate(_invoice_doc())
    assert Invoice.model_validate_json(json.dumps(_invoice_doc())) == good
    assert type(good.total_cents) is int
    for value in NOT_CENTS:
        if path == ("total_cents",) and value == 10**7 + 1:
            continue  # the total may be up to 3 * MAX_CENTS
        doc = _invoice_doc()
        _set(doc, list(path), value)
        with pytest.raises(InvalidInputError) as e:
            Invoice.model_validate(doc)
        assert e.value.field.split(".")[-1] == path[-1], value
        assert path[-1] in str(e.value), value
        assert len(str(e.value)) < 400
        with pytest.raises(InvalidInputError) as e:
            Invoice.model_validate_json(json.dumps(doc))
        assert e.value.field == ".".join(map(str, path)), value


def test_equipment_and_contract_money_is_strict_too():
    """The domain models the invoice comes from (Lens, Frame) and the contract's guarantees
    already refuse non-integer cents, from Python and from JSON."""
    from zkclaims.domain import Guarantee

    makers = [
        (Lens, lambda v: {"usage": "far", "price_cents": v}),
        (Frame, lambda v: {"price_cents": v}),
        (Guarantee, lambda v: {"equipment_cents": v}),
    ]
    for model, doc in makers:
        assert model.model_validate_json(json.dumps(doc(20000))) == model.model_validate(doc(20000))
        for value in (20000.0, 1.5, "20000", True, False, None, -1):
            with pytest.raises(InvalidInputError, match="cents"):
                model.model_validate(doc(value))
            with pytest.raises(InvalidInputError, match="cents"):
                model.model_validate_json(json.dumps(doc(value)))


def test_attestation_of_another_commitment_is_not_usable(opened, key, trusted):
    """An attestation for prescription A with the opening of prescription B (same prescriber):
    the prover refuses, and a bundle stitched by hand fails the context or the proof."""
    opening_a, att_a = opened
    opening_b, att_b = prescribe(
        Prescription(right=eye("-8.00", add="2.00"), left=eye("-8.00"), issued_on=DAY),
        patient=PATIENT, key=key, prescriber_id="RPPS-1")
    with pytest.raises(ZkClaimsError, match="attestation.commitment"):
        prove_claim(opening_b, attestation=att_a, equipment=equipment(), claim=claim(),
                    today=TODAY)
    b = prove_claim(opening_b, attestation=att_b, equipment=equipment(), claim=claim(),
                    today=TODAY)
    stitched = json.loads(b.model_dump_json())
    stitched["attestation"] = json.loads(att_a.model_dump_json())
    with pytest.raises(ClaimRejected) as e:
        verify(Verifier(trusted, insurer="AMC-1"), stitched)
    assert e.value.reason in ("context_mismatch", "invalid_proof")
    assert isinstance(att_a, Attestation)


def test_cli_writes_the_opening_readable_by_the_owner_only(key, tmp_path):
    """FINDING (privacy, fixed): opening.json (the prescription in clear and the blinding) was
    written with the umask's mode (0644); now 0600 like the private key, also over an existing
    world-readable file. The attestation (public) keeps the umask's mode."""
    import os
    import stat

    from zkclaims.prescriber import Opening, save_private_key

    kpath = tmp_path / "key.pem"
    save_private_key(key, kpath)
    rxpath = tmp_path / "rx.json"
    rxpath.write_text(RX.model_dump_json())
    ppath = tmp_path / "patient.json"
    ppath.write_text(PATIENT.model_dump_json())
    stale = tmp_path / "stale-opening.json"
    stale.write_text("x" * 5000)
    os.chmod(stale, 0o644)
    old = os.umask(0o022)
    try:
        for out in (tmp_path / "opening.json", stale):
            args = ["prescribe", str(rxpath), "--patient", str(ppath), "--key", str(kpath),
                    "--prescriber-id", "RPPS-1", "--out-opening", str(out),
                    "--out-attestation", str(tmp_path / "attestation.json")]
            if out == stale:  # an existing opening is replaced only on request (issue 14)
                assert main(args) == 2 and stale.read_text() == "x" * 5000
                args.append("--force")
            code = main(args)
            assert code == 0
            assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, out
            Opening.model_validate_json(out.read_text()).check()  # complete, nothing left over
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(kpath).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "attestation.json").st_mode) == 0o644
