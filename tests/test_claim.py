"""zkclaims.domain.claim: packing, commitment tag, Claim/Invoice models, claim context, schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.domain import (
    Equipment,
    EyePrescription,
    Frame,
    Guarantee,
    Lens,
    LensClass,
    Prescription,
    reimburse,
)
from zkclaims.domain.claim import (
    COMMITMENT_TAG,
    COMMITMENT_TAG_NAME,
    PACKED_BITS,
    PACKING_LAYOUT,
    Claim,
    ClaimBundle,
    Contract,
    Invoice,
    bundle_json_schema,
    claim_context,
    claim_context_bytes,
    day_from_number,
    day_number,
    invoice_for,
    pack_prescription,
    reimburse_invoice,
    unpack_prescription,
)
from zkclaims.errors import InvalidInputError
from zkclaims.field import R

ROOT = Path(__file__).resolve().parents[1]


@st.composite
def eyes(draw):
    sphere = draw(st.integers(-127, 127))
    cylinder = draw(st.integers(-63, 63))
    if not -127 <= sphere + min(cylinder, 0) <= 127:
        cylinder = 0
    axis = draw(st.integers(1, 180)) if cylinder else None
    addition = draw(st.integers(0, 31))
    return EyePrescription.from_quarters(sphere, cylinder, axis, addition)


@st.composite
def prescriptions(draw):
    day = draw(st.dates(dt.date(1970, 1, 1), dt.date(2149, 6, 6)))
    return Prescription(right=draw(eyes()), left=draw(eyes()), issued_on=day)


# ---------------------------------------------------------------------------------------------
# packing
# ---------------------------------------------------------------------------------------------


def test_layout_is_70_bits_in_documented_order():
    assert sum(w for _, w in PACKING_LAYOUT) == PACKED_BITS == 70
    rx = Prescription(
        right=EyePrescription.from_quarters(-8, 4, 90, 8),  # -2.00 (+1.00) 90 add 2.00
        left=EyePrescription.from_quarters(5, 0, None, 0),
        issued_on=dt.date(1970, 1, 11),
    )
    p = pack_prescription(rx)
    # first field in the least significant bits
    assert p & 0xFF == -8 + 128
    assert (p >> 8) & 0x3F == 4
    assert (p >> 14) & 0xFF == 90
    assert (p >> 22) & 0x1F == 8
    assert (p >> 27) & 0xFF == 5 + 128
    assert (p >> 35) & 0x3F == 0 and (p >> 41) & 0xFF == 0 and (p >> 49) & 0x1F == 0
    assert p >> 54 == 10


def test_packing_uses_the_canonical_positive_cylinder_form():
    minus = EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180)
    plus = EyePrescription(sphere="-3.00", cylinder="+1.00", axis=90)
    day = dt.date(2025, 1, 1)
    a = pack_prescription(Prescription(right=minus, left=minus, issued_on=day))
    b = pack_prescription(Prescription(right=plus, left=plus, issued_on=day))
    assert a == b
    assert unpack_prescription(a).right == plus


@settings(max_examples=200, deadline=None)
@given(prescriptions())
def test_pack_unpack_round_trip(rx):
    p = pack_prescription(rx)
    assert 0 <= p < 1 << PACKED_BITS
    back = unpack_prescription(p, rx.prescriber_kind)
    assert back == rx.canonical()


def test_unpack_rejects_invalid_fields():
    good = pack_prescription(
        Prescription(
            right=EyePrescription(sphere="1.00"),
            left=EyePrescription(sphere="1.00"),
            issued_on=dt.date(2025, 1, 1),
        )
    )
    with pytest.raises(InvalidInputError, match="right.sphere"):
        unpack_prescription(good & ~0xFF)  # sphere field 0 = -32.00 D
    with pytest.raises(InvalidInputError, match="right.axis"):
        unpack_prescription(good | (10 << 14))  # axis without cylinder
    with pytest.raises(InvalidInputError, match="left.axis"):
        unpack_prescription(good | (1 << 35))  # cylinder without axis
    with pytest.raises(InvalidInputError, match="packed"):
        unpack_prescription(1 << 70)


def test_day_numbers():
    assert day_number(dt.date(1970, 1, 1)) == 0
    assert day_from_number(day_number(dt.date(2025, 3, 10))) == dt.date(2025, 3, 10)
    with pytest.raises(InvalidInputError, match="issued_on"):
        day_number(dt.date(1969, 12, 31), "issued_on")
    with pytest.raises(InvalidInputError):
        day_number(dt.date(2149, 6, 7))


def test_commitment_tag_is_derived_from_its_versioned_name():
    assert COMMITMENT_TAG_NAME.endswith("packing-v1")
    digest = hashlib.sha256(COMMITMENT_TAG_NAME.encode()).digest()
    assert COMMITMENT_TAG == int.from_bytes(digest, "big") >> 8
    assert 0 < COMMITMENT_TAG < R and COMMITMENT_TAG.bit_length() <= 248


# ---------------------------------------------------------------------------------------------
# claim, invoice, context
# ---------------------------------------------------------------------------------------------

CLAIM = Claim(
    insurer="AMC-1",
    claim_id="C-1",
    optician="FINESS-1",
    delivered_on=dt.date(2025, 4, 2),
    patient_birth_date=dt.date(1968, 6, 1),
)
EQUIPMENT = Equipment(
    right=Lens(usage="far", price_cents=10000),
    left=Lens(usage="far", price_cents=11000, classe="A"),
    frame=Frame(price_cents=9000),
    delivered_on=dt.date(2025, 4, 2),
)
CLASSES = (LensClass.SIMPLE, LensClass.COMPLEX)
CID = "ab" * 32


def test_claim_validation_names_the_field():
    with pytest.raises(InvalidInputError, match="insurer"):
        Claim.model_validate({**CLAIM.model_dump(), "insurer": " "})
    with pytest.raises(InvalidInputError, match="claim_id"):
        Claim.model_validate({**CLAIM.model_dump(), "claim_id": "a\nb"})
    with pytest.raises(InvalidInputError, match="patient_birth_date"):
        Claim.model_validate({**CLAIM.model_dump(), "patient_birth_date": dt.date(2026, 1, 1)})
    with pytest.raises(InvalidInputError):
        Claim.model_validate({**CLAIM.model_dump(), "extra": 1})


def test_invoice_for_and_inconsistencies():
    inv = invoice_for(EQUIPMENT, CLASSES, {"right": 500}, {"left": 12000})
    assert inv.total_cents == 30000 and inv.right.amo_cents == 500
    assert inv.left.plv_cents == 12000 and inv.left.lens_class is LensClass.COMPLEX
    assert inv.frame.lens_class is None and inv.inconsistencies() == []
    bad = inv.model_copy(update={"total_cents": 29999})
    assert any("total_cents" in p for p in bad.inconsistencies())
    line = inv.right.model_copy(update={"amo_cents": 10001})
    problems = inv.model_copy(update={"right": line}).inconsistencies()
    assert any("right.amo_cents" in p for p in problems)
    noplv = inv.left.model_copy(update={"plv_cents": None})
    problems = inv.model_copy(update={"left": noplv}).inconsistencies()
    assert any("left.plv_cents" in p for p in problems)
    with pytest.raises(InvalidInputError, match="amo_cents"):
        invoice_for(EQUIPMENT, CLASSES, {"glasses": 1})


@pytest.mark.parametrize("guarantees", [None, {"b": Guarantee(equipment_cents=30_000)}])
def test_reimburse_invoice_equals_reimburse_on_the_equipment(guarantees):
    # The invoice carries no usage; the decision is the one of the full equipment (spec §3-§4).
    inv = invoice_for(EQUIPMENT, CLASSES, {"right": 500, "frame": 300}, {"left": 10_000})
    d = reimburse_invoice(inv, guarantees=guarantees)
    assert d == reimburse(EQUIPMENT, amo_paid={"right": 500, "frame": 300}, guarantees=guarantees,
                          lens_classes=CLASSES, plv={"left": 10_000})
    assert d.category.code == "b" and d.payment("left").patient_cents == 1_000  # above PLV


def test_reimburse_invoice_needs_both_lens_classes():
    inv = invoice_for(EQUIPMENT, CLASSES, None, {"left": 12000})
    noclass = inv.model_copy(update={"right": inv.right.model_copy(update={"lens_class": None})})
    with pytest.raises(InvalidInputError) as info:
        reimburse_invoice(noclass)
    assert info.value.field == "invoice.right.lens_class"


def test_claim_context_is_a_field_element_that_changes_with_every_field():
    inv = invoice_for(EQUIPMENT, CLASSES)
    base = claim_context(CLAIM, inv, CID)
    assert 0 <= base < R
    raw = claim_context_bytes(CLAIM, inv, CID)
    assert raw.startswith(b"zkclaims/claim-context/v1\x00")
    assert json.loads(raw.split(b"\x00", 1)[1])["claim"]["claim_id"] == "C-1"
    assert base == int.from_bytes(hashlib.sha256(raw).digest(), "big") % R
    variants = [
        (CLAIM.model_copy(update={"insurer": "AMC-2"}), inv, CID),
        (CLAIM.model_copy(update={"claim_id": "C-2"}), inv, CID),
        (CLAIM.model_copy(update={"optician": "FINESS-2"}), inv, CID),
        (CLAIM.model_copy(update={"delivered_on": dt.date(2025, 4, 3)}), inv, CID),
        (CLAIM.model_copy(update={"patient_birth_date": dt.date(1968, 6, 2)}), inv, CID),
        (CLAIM, inv.model_copy(update={"total_cents": 1}), CID),
        (CLAIM, invoice_for(EQUIPMENT, (LensClass.COMPLEX, LensClass.COMPLEX)), CID),
        (CLAIM, invoice_for(EQUIPMENT, CLASSES, {"frame": 1}), CID),
        (CLAIM, invoice_for(EQUIPMENT, CLASSES, None, {"left": 1}), CID),
        (CLAIM, invoice_for(EQUIPMENT.model_copy(update={"frame": Frame(price_cents=9000,
                                                                          classe="A")}),
                            CLASSES), CID),
        (CLAIM, inv, "cd" * 32),
    ]
    seen = {base}
    for args in variants:
        ctx = claim_context(*args)
        assert ctx not in seen
        seen.add(ctx)


def test_invoice_json_round_trip():
    inv = invoice_for(EQUIPMENT, CLASSES)
    assert Invoice.model_validate_json(inv.model_dump_json()) == inv


def test_bundle_schema_file_is_in_sync():
    path = ROOT / "schemas" / "claim-bundle.schema.json"
    on_disk = json.loads(path.read_text())
    assert on_disk == bundle_json_schema(), (
        "schemas/claim-bundle.schema.json is stale: regenerate it with "
        "`python -m zkclaims.domain.claim > schemas/claim-bundle.schema.json`"
    )
    assert on_disk["properties"]["format"]["const"] == "zkclaims-claim-bundle/v1"
    assert set(on_disk["required"]) >= {"circuit_id", "claim", "invoice", "attestation",
                                        "public_inputs", "proof"}
    assert "prescription" not in json.dumps(on_disk["properties"])
    assert ClaimBundle.model_config["extra"] == "forbid"


def test_contract_covers_every_category_and_lists_its_violations():
    full = {c: {"equipment_cents": 30_000} for c in "abcdef"}
    assert Contract(guarantees=full).violations() == []
    with pytest.raises(InvalidInputError, match=r"guarantees: no guarantee for categories"
                       r" c, f"):
        Contract(guarantees={c: g for c, g in full.items() if c not in "cf"})
    low = Contract(guarantees={**full, "a": {"equipment_cents": 6_000, "frame_cents": 5_000}},
                   employer_mandatory=True)
    assert [(v.category, v.rule) for v in low.violations()] == [("a", "spec §3, CSS D911-1 floor")]
