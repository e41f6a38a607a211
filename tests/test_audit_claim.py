"""Audit: the claim pipeline — what the context, the signature and the proof bind, and how the
verifier and the CLI take malformed bundles.

Findings this file pins (see the lead's report):

* the claim context binds every field of the claim and of the invoice (checked leaf by leaf,
  by enumeration, so a field added later is covered), and its byte string parses back;
* the attestation message is injective (a parser below recovers the four fields);
* the patient's birth date, which picks the validity period (spec §6: 5 years from 16 to 42,
  3 years over 42), is the optician's word: neither signed by the prescriber nor proven. Fixed
  on the insurer's side: the verifier takes the beneficiary's birth date from the insurer's
  records (``beneficiary_birth_date``, ``zkclaims verify --birth-date``) and rejects another
  one (``birth_date_mismatch``); without it, the docstring says the date is taken on trust;
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
from zkclaims.domain import (
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    PrescriberKind,
    Prescription,
)
from zkclaims.domain.claim import (
    COMMITMENT_TAG,
    COMMITMENT_TAG_NAME,
    Attestation,
    Claim,
    ClaimBundle,
    Invoice,
    attestation_message,
    claim_context,
    claim_context_bytes,
    day_number,
    invoice_for,
    pack_prescription,
)
from zkclaims.errors import ClaimRejected, InvalidInputError, MalformedInputError, ZkClaimsError
from zkclaims.field import R
from zkclaims.groups.encoding import P
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe, verify_attestation
from zkclaims.prover import prove_claim
from zkclaims.verifier import Verifier

DAY = dt.date(2021, 3, 10)
DELIVERY = dt.date(2025, 4, 2)  # four years after the prescription
CIRCUIT_ID = "ab" * 32


def eye(s, c="0", axis=None, add="0"):
    return EyePrescription(sphere=s, cylinder=c, axis=axis, addition=add)


RX = Prescription(right=eye("-2.00", "+1.00", 90, "2.00"), left=eye("+1.00"), issued_on=DAY)


def equipment(delivered=DELIVERY):
    return Equipment(
        right=Lens(usage="progressive", price_cents=20000, classe="B"),
        left=Lens(usage="far", price_cents=21000, classe="B"),
        frame=Frame(price_cents=9000, classe="B"),
        delivered_on=delivered,
    )


def claim(birth=dt.date(1990, 6, 1), claim_id="C-1"):
    return Claim(insurer="AMC-1", claim_id=claim_id, optician="FINESS-1", delivered_on=DELIVERY,
                 patient_birth_date=birth)


INVOICE = invoice_for(equipment(), (LensClass.COMPLEX, LensClass.SIMPLE),
                      {"right": 100, "left": 100, "frame": 50}, {"frame": 3000})


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
    return prescribe(RX, key, "RPPS-1")


@pytest.fixture(scope="module")
def bundle(opened):
    opening, att = opened
    return prove_claim(opening, att, equipment(), claim(), amo_cents={"right": 100},
                       plv_cents={"frame": 3000})


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
        assert prefix == b"zkclaims/claim-context/v1" and b"\x00" not in text
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
    c1, r1 = prescriber.commit(RX)
    c2, r2 = prescriber.commit(RX)
    assert calls == [248, 248]
    assert c1 != c2 and r1 != r2 and max(r1, r2) < 2**248
    packed = pack_prescription(RX.canonical())
    assert c1 == poseidon.hash2(packed, r1, domain=COMMITMENT_TAG)


def test_commitment_domain_tag():
    import hashlib

    assert COMMITMENT_TAG == int.from_bytes(
        hashlib.sha256(COMMITMENT_TAG_NAME.encode()).digest(), "big") >> 8
    assert 0 < COMMITMENT_TAG < 2**248 < R
    packed = pack_prescription(RX.canonical())
    tagged = poseidon.hash2(packed, 7, domain=COMMITMENT_TAG)
    assert tagged != poseidon.hash2(packed, 7, domain=0)
    assert tagged != poseidon.hash2(packed, 7, domain=COMMITMENT_TAG + 1)


# ---------------------------------------------------------------------------------------------
# what the insurer relies on but nobody attests
# ---------------------------------------------------------------------------------------------


def test_the_birth_date_picks_the_validity_period(opened, trusted):
    """A 4-year-old physician prescription is valid at 30 (5 years) and not at 45 (3 years):
    the birth date the optician writes decides it (spec §6)."""
    opening, att = opened
    v = Verifier(trusted)
    older = prove_claim(opening, att, equipment(), claim(birth=dt.date(1975, 6, 1)))
    with pytest.raises(ClaimRejected) as e:
        v.verify(older)
    assert e.value.reason == "prescription_not_valid"
    younger = prove_claim(opening, att, equipment(), claim(birth=dt.date(1990, 6, 1)))
    assert v.verify(younger).category.code == "b"
    assert b"1975" not in att.message() and b"1990" not in att.message()


def test_a_claim_with_another_birth_date_than_the_insurers_record_is_rejected(
    opened, trusted, tmp_path, capsys
):
    """FINDING (design, fixed on the insurer's side): the birth date is not in the attestation
    nor in the proof, so an optician can re-prove the same opening with a younger birth date.
    The insurer knows its beneficiary's birth date from its own records: given it, the verifier
    rejects the forged claim (``birth_date_mismatch``) in the library, in ``verify_many`` and
    in ``zkclaims verify --birth-date``. Without it the forgery passes, and the verifier's
    docstring says plainly that the birth date is then the optician's declaration."""
    opening, att = opened
    v = Verifier(trusted)
    record = dt.date(1975, 6, 1)  # the insurer's beneficiary file: aged 45 at the prescription
    forged = prove_claim(opening, att, equipment(), claim(birth=dt.date(1990, 6, 1)))
    honest = prove_claim(opening, att, equipment(), claim(birth=record, claim_id="C-2"))

    # with the insurer's record: the forged date is refused before the validity period
    with pytest.raises(ClaimRejected) as e:
        v.verify(forged, beneficiary_birth_date=record)
    assert e.value.reason == "birth_date_mismatch"
    assert "claim.patient_birth_date: 1990-06-01" in str(e.value) and "1975-06-01" in str(e.value)
    # ... and the honest claim then fails on the real rule (3 years over 42, spec §6)
    with pytest.raises(ClaimRejected) as e:
        v.verify(honest, beneficiary_birth_date=record)
    assert e.value.reason == "prescription_not_valid"
    # a matching record does not get in the way of a valid claim
    assert v.verify(forged, beneficiary_birth_date=dt.date(1990, 6, 1)).category.code == "b"

    # the batch API: one record per bundle, None trusts the declared date
    results = v.verify_many([forged, forged, honest],
                            beneficiary_birth_dates=[record, None, record])
    assert [r.reason for r in results] == ["birth_date_mismatch", None, "prescription_not_valid"]
    assert results[1].accepted
    with pytest.raises(ZkClaimsError, match="beneficiary_birth_dates"):
        v.verify_many([forged, honest], beneficiary_birth_dates=[record])
    with pytest.raises(ZkClaimsError, match="beneficiary_birth_date"):
        v.verify(forged, beneficiary_birth_date="1975-06-01")

    # the CLI: --birth-date
    tpath, fpath = tmp_path / "trusted.json", tmp_path / "forged.json"
    trusted.save(tpath)
    fpath.write_text(forged.model_dump_json())
    base = ["verify", str(fpath), "--trusted", str(tpath)]
    capsys.readouterr()
    assert main([*base, "--birth-date", "1975-06-01"]) == 1
    assert "INVALID (birth_date_mismatch)" in capsys.readouterr().out
    assert main([*base, "--birth-date", "1990-06-01"]) == 0
    for bad in ("1975-6-1", "01/06/1975", "1975-02-30", "19750601"):
        assert main([*base, "--birth-date", bad]) == EXIT_MALFORMED, bad
        err = capsys.readouterr().err
        assert "--birth-date" in err and bad in err and len(err.strip().splitlines()) == 1

    # without the record the forgery passes: documented, not hidden
    assert v.verify(forged).category.code == "b"
    import zkclaims.verifier

    doc = " ".join(zkclaims.verifier.__doc__.split())
    assert "is **the optician's declaration**" in doc
    assert "Without it, the verifier takes the declared date on trust" in doc


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
        "unknown format": ("format", "zkclaims-claim-bundle/v2"),
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
    v = Verifier(trusted)
    assert v.verify(bundle).category.code == "b"  # the unmodified bundle is fine
    for doc in _mutations(bundle).values():
        for data in (doc, json.dumps(doc)):
            with pytest.raises((MalformedInputError, ClaimRejected)):
                v.verify(data)
    truncated = bundle.model_dump_json()[:-1]
    deep = "[" * 100_000 + "]" * 100_000
    for data in ("", "[]", "null", "{", b"\xff\xfe", truncated, deep, 12, None):
        with pytest.raises(MalformedInputError, match=r"^bundle"):
            v.verify(data)


def test_malformed_proof_points_raise_malformed_input_error(bundle, trusted):
    v = Verifier(trusted)
    docs = _mutations(bundle)
    for name in ("proof A x >= p", "proof A identity", "proof B identity"):
        with pytest.raises(MalformedInputError, match=r"proof\.[ab]"):
            v.verify(docs[name])


def test_verify_many_reports_malformed_bundles_and_keeps_the_good_ones(bundle, trusted):
    docs = list(_mutations(bundle).values())
    results = Verifier(trusted).verify_many([bundle, *docs, bundle])
    assert len(results) == len(docs) + 2
    assert results[0].accepted and results[-1].accepted
    assert not any(r.accepted for r in results[1:-1])
    reasons = {r.reason for r in results[1:-1]}
    assert reasons <= {"malformed", "context_mismatch", "inconsistent_prices"}


def test_cli_exits_2_on_every_malformed_bundle(bundle, trusted, tmp_path, capsys):
    tpath = tmp_path / "trusted.json"
    trusted.save(tpath)
    good = tmp_path / "good.json"
    good.write_text(bundle.model_dump_json())
    assert main(["verify", str(good), "--trusted", str(tpath)]) == 0
    cases = {name: json.dumps(doc) for name, doc in _mutations(bundle).items()}
    cases.update({"empty file": "", "not json": "{", "array": "[]", "huge int": "1" * 5000,
                  "not utf-8": "\udcff"})
    for name, text in cases.items():
        f = tmp_path / "bad.json"
        f.write_text(text, errors="surrogateescape")
        code = main(["verify", str(f), "--trusted", str(tpath)])
        assert code in (1, EXIT_MALFORMED), name
        if not name.startswith(("huge price", "context huge")):
            assert code == EXIT_MALFORMED, name
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_cli_exits_2_on_deeply_nested_json(trusted, tmp_path):
    """FINDING (fixed): this was a RecursionError traceback; now one line naming the file."""
    tpath = tmp_path / "trusted.json"
    trusted.save(tpath)
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    # in a child process: inside pytest's deeper stack the recursion can even segfault
    run = subprocess.run(
        [sys.executable, "-m", "zkclaims.cli", "verify", str(f), "--trusted", str(tpath)],
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
        "unknown format": ("bundle.format: ", "(got 'zkclaims-claim-bundle/v2')"),
        "proof missing": ("bundle.proof: Field required", ""),
        "delivery not a date": ("bundle.claim.delivered_on: ", "(got '2025-02-30')"),
    }
    for name, (start, value) in cases.items():
        for data in (docs[name], json.dumps(docs[name])):
            with pytest.raises(MalformedInputError) as e:
                Verifier(trusted).verify(data)
            assert isinstance(e.value, ZkClaimsError)
            assert str(e.value).startswith(start) and value in str(e.value), (name, e.value)
            assert isinstance(e.value.__cause__, pydantic.ValidationError)
            with pytest.raises(MalformedInputError):
                load_bundle(data)


def _invoice_doc():
    return {
        "right": {"price_cents": 20000, "amo_cents": 5, "classe": "A", "lens_class": "simple",
                  "plv_cents": 20000},
        "left": {"price_cents": 1, "classe": "B", "lens_class": "simple"},
        "frame": {"price_cents": 1, "classe": "B"},
        "total_cents": 20002,
    }


MONEY_PATHS = [("right", "price_cents"), ("right", "amo_cents"), ("right", "plv_cents"),
               ("total_cents",)]
NOT_CENTS = (20000.0, 1.5, "20000", True, False, None, -1)


@pytest.mark.parametrize("path", MONEY_PATHS, ids=".".join)
def test_money_fields_refuse_floats_strings_and_booleans(path):
    """FINDING (fixed): money fields were lax ints (20000.0, "20000", true accepted). Every
    cents field of the invoice is now strict integer cents, from Python and from JSON, with an
    error naming the field; JSON integers still parse."""
    good = Invoice.model_validate(_invoice_doc())
    assert Invoice.model_validate_json(json.dumps(_invoice_doc())) == good
    assert good.right.plv_cents == 20000 and type(good.total_cents) is int
    for value in NOT_CENTS:
        if value is None and path[-1] == "plv_cents":
            continue  # "no price cap" is a valid plv_cents
        doc = _invoice_doc()
        _set(doc, list(path), value)
        with pytest.raises(InvalidInputError) as e:
            Invoice.model_validate(doc)
        assert e.value.field.split(".")[-1] == path[-1], value
        assert path[-1] in str(e.value) and repr(value) in str(e.value), value
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
        for value in NOT_CENTS:
            with pytest.raises(InvalidInputError, match="cents"):
                model.model_validate(doc(value))
            with pytest.raises(InvalidInputError, match="cents"):
                model.model_validate_json(json.dumps(doc(value)))


def test_invoice_for_refuses_non_integer_shares():
    """The optician's shares (AMO, PLV) go through the same rule, as a ZkClaimsError."""
    for what in ("amo_cents", "plv_cents"):
        for value in (5.0, "5", True, -1):
            with pytest.raises(ZkClaimsError, match=rf"{what}\.frame: money must be integer"):
                invoice_for(equipment(), (LensClass.SIMPLE, LensClass.SIMPLE),
                            **{what: {"frame": value}})


def test_attestation_of_another_commitment_is_not_usable(opened, key, trusted):
    """An attestation for prescription A with the opening of prescription B (same prescriber):
    the prover refuses, and a bundle stitched by hand fails the context or the proof."""
    opening_a, att_a = opened
    opening_b, att_b = prescribe(
        Prescription(right=eye("-8.00", add="2.00"), left=eye("-8.00"), issued_on=DAY), key,
        "RPPS-1")
    with pytest.raises(ZkClaimsError, match="attestation.commitment"):
        prove_claim(opening_b, att_a, equipment(), claim())
    b = prove_claim(opening_b, att_b, equipment(), claim())
    stitched = json.loads(b.model_dump_json())
    stitched["attestation"] = json.loads(att_a.model_dump_json())
    with pytest.raises(ClaimRejected) as e:
        Verifier(trusted).verify(stitched)
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
    stale = tmp_path / "stale-opening.json"
    stale.write_text("x" * 5000)
    os.chmod(stale, 0o644)
    old = os.umask(0o022)
    try:
        for out in (tmp_path / "opening.json", stale):
            code = main(["prescribe", str(rxpath), "--key", str(kpath), "--prescriber-id",
                         "RPPS-1", "--out-opening", str(out),
                         "--out-attestation", str(tmp_path / "attestation.json")])
            assert code == 0
            assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, out
            Opening.model_validate_json(out.read_text()).check()  # complete, nothing left over
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(kpath).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "attestation.json").st_mode) == 0o644
