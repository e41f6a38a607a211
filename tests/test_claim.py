"""The claim data: packing, Claim/Invoice v2, grouping codes, claim context, bundle schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zkclaims.domain.claim as claim_module
from zkclaims.domain import (
    Classe,
    Equipment,
    EyePrescription,
    Frame,
    Guarantee,
    Lens,
    LensClass,
    LensDesign,
    LensUsage,
    Prescription,
    reimburse,
)
from zkclaims.domain.bundle import (
    ClaimBundle,
    bundle_json_schema,
    claim_context,
    claim_context_bytes,
)
from zkclaims.domain.contract import Contract
from zkclaims.domain.invoice import (
    MAX_CENTS,
    Claim,
    Invoice,
    check_invoice,
    invoice_for,
    reimburse_invoice,
)
from zkclaims.domain.lpp import classe_a_lens_code
from zkclaims.domain.packing import (
    PACKED_BITS,
    PACKING_LAYOUT,
    day_from_number,
    day_number,
    pack_prescription,
    unpack_prescription,
)
from zkclaims.errors import ClaimRejected, InvalidInputError
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


def test_the_v1_commitment_is_gone_and_the_old_module_still_re_exports():
    """The commitment v1 (prescription and blinding, no patient) is retired: nothing exports
    it; zkclaims.domain.claim keeps re-exporting the claim data from its new modules."""
    assert not hasattr(claim_module, "COMMITMENT_TAG")
    assert claim_module.Claim is Claim and claim_module.ClaimBundle is ClaimBundle
    assert set(claim_module.__all__) <= set(dir(claim_module))


# ---------------------------------------------------------------------------------------------
# claim, invoice, context
# ---------------------------------------------------------------------------------------------

CLAIM = Claim(
    insurer="AMC-1",
    claim_id="C-1",
    optician="FINESS-1",
    beneficiary="MBR-1",
    delivered_on=dt.date(2025, 4, 2),
)
EQUIPMENT = Equipment(
    right=Lens(usage="far", price_cents=10000, grouping_code="VU2"),
    left=Lens(usage="far", price_cents=11000, classe="A"),
    frame=Frame(price_cents=9000),
    delivered_on=dt.date(2025, 4, 2),
)
CLASSES = (LensClass.SIMPLE, LensClass.COMPLEX)
BIRTH = dt.date(1968, 6, 1)
CID = "ab" * 32


def test_claim_names_the_beneficiary_and_no_birth_date():
    assert CLAIM.beneficiary == "MBR-1" and "patient_birth_date" not in Claim.model_fields
    with pytest.raises(InvalidInputError, match="insurer"):
        Claim.model_validate({**CLAIM.model_dump(), "insurer": " "})
    with pytest.raises(InvalidInputError, match="claim_id"):
        Claim.model_validate({**CLAIM.model_dump(), "claim_id": "a\nb"})
    with pytest.raises(InvalidInputError, match="beneficiary"):
        Claim.model_validate({**CLAIM.model_dump(), "beneficiary": "M" * 65})
    with pytest.raises(InvalidInputError) as e:  # the v1 field is refused, not ignored
        Claim.model_validate({**CLAIM.model_dump(), "patient_birth_date": "1990-01-01"})
    assert e.value.field == "patient_birth_date"


def test_invoice_for_derives_designs_and_codes():
    inv = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=BIRTH)
    assert inv.total_cents == 30000
    assert (inv.right.design, inv.right.lens_class, inv.right.grouping_code) == (
        LensDesign.UNIFOCAL, LensClass.SIMPLE, "VU2")
    assert (inv.left.design, inv.left.lens_class, inv.left.grouping_code) == (
        LensDesign.UNIFOCAL, LensClass.COMPLEX, "V02")  # classe A: from design and class
    assert inv.frame.grouping_code == "M03" and inv.frame.design is None
    check_invoice(inv)
    # a child's frame (under 16 on the delivery day) gets the child code
    child = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=dt.date(2015, 1, 1))
    assert child.frame.grouping_code == "M04"
    a_frame = EQUIPMENT.model_copy(update={"frame": Frame(price_cents=3000, classe="A")})
    assert invoice_for(a_frame, classes=CLASSES, birth_date=BIRTH).frame.grouping_code == "M01"
    # no AMO share, no price cap: the invoice carries only what the optician declares
    assert set(inv.right.model_dump()) == {"price_cents", "classe", "grouping_code", "design",
                                           "lens_class"}


def test_invoice_for_refuses_what_the_optician_cannot_declare():
    no_code = EQUIPMENT.model_copy(update={"right": Lens(usage="far", price_cents=1)})
    with pytest.raises(InvalidInputError) as e:
        invoice_for(no_code, classes=CLASSES, birth_date=BIRTH)
    assert e.value.field == "equipment.right.grouping_code" and "VU1-VU7" in str(e.value)
    wrong_a = EQUIPMENT.model_copy(update={
        "left": Lens(usage="far", price_cents=1, classe="A", grouping_code="V04")})
    with pytest.raises(ClaimRejected) as r:
        invoice_for(wrong_a, classes=CLASSES, birth_date=BIRTH)
    assert r.value.reason == "grouping_code_mismatch" and "V02" in str(r.value)
    with pytest.raises(InvalidInputError) as e:  # refused by the Lens itself, at once
        Lens(usage="far", price_cents=MAX_CENTS + 1, grouping_code="VU1")
    assert e.value.field == "price_cents"
    huge = EQUIPMENT.model_copy(update={"right": Lens.model_construct(
        usage=LensUsage.FAR, price_cents=MAX_CENTS + 1, classe=Classe.B, grouping_code="VU1")})
    with pytest.raises(InvalidInputError) as e:  # and by the invoice, built from anything
        invoice_for(huge, classes=CLASSES, birth_date=BIRTH)
    assert e.value.field == "equipment.right.price_cents"


def test_classe_a_lens_codes_follow_design_and_class():
    assert [classe_a_lens_code(d, c) for d, c in (
        ("unifocal", "simple"), ("unifocal", "complex"), ("multifocal", "complex"),
        ("multifocal", "very_complex"))] == ["V01", "V02", "V03", "V04"]
    for d, c in (("unifocal", "very_complex"), ("multifocal", "simple")):
        with pytest.raises(InvalidInputError):
            classe_a_lens_code(d, c)


def _with(inv: Invoice, side: str, **update) -> Invoice:
    line = getattr(inv, side)
    return inv.model_copy(update={side: type(line).model_validate({**line.model_dump(),
                                                                    **update})})


@pytest.mark.parametrize("side, update, reason, words", [
    ("right", {"grouping_code": "VM2"}, "grouping_code_mismatch", "VU1-VU7"),
    ("right", {"grouping_code": "V01"}, "grouping_code_mismatch", "VU1-VU7"),  # a classe A code
    ("right", {"grouping_code": "VU8"}, "grouping_code_mismatch", "VU1-VU7"),
    ("right", {"grouping_code": "M03"}, "grouping_code_mismatch", "VU1-VU7"),  # a frame code
    ("left", {"grouping_code": "V01"}, "grouping_code_mismatch", "V02"),
    ("left", {"grouping_code": "VU2"}, "grouping_code_mismatch", "V02"),
    ("left", {"lens_class": "very_complex"}, "inconsistent_invoice", "spec §2"),
    ("left", {"design": None}, "inconsistent_invoice", "left.design"),
    ("left", {"lens_class": None}, "inconsistent_invoice", "left.lens_class"),
    ("frame", {"grouping_code": "M01"}, "grouping_code_mismatch", "M03, M04"),
    ("frame", {"grouping_code": "VU1"}, "grouping_code_mismatch", "M03, M04"),
    ("frame", {"grouping_code": "S01"}, "grouping_code_mismatch", "M03, M04"),  # a service
    ("frame", {"design": "unifocal"}, "inconsistent_invoice", "frame"),
    ("frame", {"lens_class": "simple"}, "inconsistent_invoice", "frame"),
])
def test_check_invoice_refuses_codes_that_disagree(side, update, reason, words):
    """Classe A lens codes follow from the proven design and class; a classe B code is a
    label whose VU/VM prefix must be the proven design (never read as a class); frames."""
    inv = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=BIRTH)
    with pytest.raises(ClaimRejected) as e:
        check_invoice(_with(inv, side, **update))
    assert e.value.reason == reason and words in str(e.value), str(e.value)


def test_classe_b_labels_are_not_classes():
    """VU7 on a simple unifocal lens is accepted: classe B grades are LPP labels (spec §7)."""
    inv = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=BIRTH)
    for code in ("VU1", "VU4", "VU7"):
        check_invoice(_with(inv, "right", grouping_code=code))
    multi = _with(inv, "right", design="multifocal", lens_class="complex", grouping_code="VM7")
    check_invoice(multi)
    with pytest.raises(ClaimRejected, match="invoice.total_cents"):
        check_invoice(inv.model_copy(update={"total_cents": 29999}))


@pytest.mark.parametrize("guarantees", [None, {"b": Guarantee(equipment_cents=30_000)}])
def test_reimburse_invoice_equals_reimburse_on_the_equipment(guarantees):
    # The invoice carries no usage; the decision is the one of the full equipment (spec §3-§4)
    # with the AMO shares and caps the insurer computed.
    inv = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=BIRTH)
    amo, plv = {"right": 3, "left": 500, "frame": 3}, {"left": 10_000}
    d = reimburse_invoice(inv, amo_paid=amo, plv=plv, guarantees=guarantees)
    assert d == reimburse(EQUIPMENT, amo_paid=amo, guarantees=guarantees, lens_classes=CLASSES,
                          plv=plv)
    assert d.category.code == "b" and d.payment("left").patient_cents == 1_000  # above PLV


def test_claim_context_is_a_field_element_that_changes_with_every_field():
    inv = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=BIRTH)
    base = claim_context(CLAIM, inv, CID)
    assert 0 <= base < R
    raw = claim_context_bytes(CLAIM, inv, CID)
    assert raw.startswith(b"zkclaims/claim-context/v2\x00")
    assert json.loads(raw.split(b"\x00", 1)[1])["claim"]["beneficiary"] == "MBR-1"
    assert base == int.from_bytes(hashlib.sha256(raw).digest(), "big") % R
    variants = [
        (CLAIM.model_copy(update={"insurer": "AMC-2"}), inv, CID),
        (CLAIM.model_copy(update={"claim_id": "C-2"}), inv, CID),
        (CLAIM.model_copy(update={"optician": "FINESS-2"}), inv, CID),
        (CLAIM.model_copy(update={"beneficiary": "MBR-2"}), inv, CID),
        (CLAIM.model_copy(update={"delivered_on": dt.date(2025, 4, 3)}), inv, CID),
        (CLAIM, inv.model_copy(update={"total_cents": 1}), CID),
        (CLAIM, invoice_for(EQUIPMENT, classes=(LensClass.COMPLEX, LensClass.COMPLEX),
                            birth_date=BIRTH), CID),
        (CLAIM, _with(inv, "right", grouping_code="VU3"), CID),
        (CLAIM, _with(inv, "right", design="multifocal"), CID),
        (CLAIM, invoice_for(EQUIPMENT.model_copy(update={"frame": Frame(price_cents=9000,
                                                                          classe="A")}),
                            classes=CLASSES, birth_date=BIRTH), CID),
        (CLAIM, inv, "cd" * 32),
    ]
    seen = {base}
    for args in variants:
        ctx = claim_context(*args)
        assert ctx not in seen
        seen.add(ctx)


def test_invoice_json_round_trip_and_bounds():
    inv = invoice_for(EQUIPMENT, classes=CLASSES, birth_date=BIRTH)
    assert Invoice.model_validate_json(inv.model_dump_json()) == inv
    doc = json.loads(inv.model_dump_json())
    for path, value in ((("right", "price_cents"), MAX_CENTS + 1), (("total_cents",), 10**400),
                        (("right", "amo_cents"), 5), (("left", "plv_cents"), 12000),
                        (("frame", "grouping_code"), "m03")):
        bad = json.loads(json.dumps(doc))
        node = bad
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        with pytest.raises(InvalidInputError) as e:
            Invoice.model_validate(bad)
        assert e.value.field == ".".join(path), (path, e.value)


def test_bundle_schema_file_is_in_sync():
    path = ROOT / "schemas" / "claim-bundle.schema.json"
    on_disk = json.loads(path.read_text())
    assert on_disk == bundle_json_schema(), (
        "schemas/claim-bundle.schema.json is stale: regenerate it with "
        "`python -m zkclaims.domain.bundle > schemas/claim-bundle.schema.json`"
    )
    assert on_disk["properties"]["format"]["const"] == "zkclaims-claim-bundle/v2"
    assert set(on_disk["required"]) >= {"circuit_id", "claim", "invoice", "attestation",
                                        "public_inputs", "proof"}
    fields = {name for d in (on_disk, *on_disk["$defs"].values())
              for name in d.get("properties", {})}
    for word in ("prescription", "sphere", "usage", "amo_cents", "plv_cents",
                 "patient_birth_date", "birth_date", "ins", "blinding", "near_right"):
        assert word not in fields, word
    for field in ("patient_tag", "design_right", "design_left"):
        assert field in on_disk["$defs"]["PublicInputs"]["properties"]
    money = on_disk["$defs"]["InvoiceLine"]["properties"]["price_cents"]
    assert money["maximum"] == MAX_CENTS
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
