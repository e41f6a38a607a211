"""Domain models: parsing of powers, validation messages, transposition (spec §1)."""

import datetime as dt
from decimal import Decimal

import pytest
from conftest import eye_prescriptions
from hypothesis import given, settings

from zkclaims.domain import (
    Category,
    Classe,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    LensUsage,
    PrescriberKind,
    Prescription,
    classify_lens,
    parse_power_q,
)
from zkclaims.errors import InvalidInputError


@pytest.mark.parametrize(
    "value, q",
    [("-2.25", -9), ("-2,25", -9), ("+1.00", 4), ("  +1,5 ", 6), ("0", 0), (3, 12),
     (Decimal("-0.75"), -3), ("-6.00D", -24), (-31, -124)],
)
def test_power_inputs(value, q):
    assert parse_power_q(value, "sphere") == q
    assert EyePrescription(sphere=value).sphere_q == q


@pytest.mark.parametrize(
    "kwargs, field, needle",
    [
        ({"sphere": -2.25}, "sphere", "floats are not accepted"),
        ({"sphere": 1.0}, "sphere", "floats are not accepted"),
        ({"sphere": "-2.30"}, "sphere", "multiple of 0.25"),
        ({"sphere": "abc"}, "sphere", "not a number"),
        ({"sphere": "nan"}, "sphere", "finite"),
        ({"sphere": True}, "sphere", "expected a power"),
        ({"sphere": "32.00"}, "sphere", "out of range"),
        ({"sphere": "-32"}, "sphere", "out of range"),
        ({"sphere": 0, "cylinder": "16", "axis": 90}, "cylinder", "out of range"),
        ({"sphere": 0, "cylinder": "0.1", "axis": 90}, "cylinder", "multiple of 0.25"),
        ({"sphere": 0, "addition": "-0.25"}, "addition", "out of range"),
        ({"sphere": 0, "addition": "8"}, "addition", "out of range"),
        ({"sphere": 0, "cylinder": "-1", "axis": 181}, "axis", "out of range"),
        ({"sphere": 0, "cylinder": "-1", "axis": -1}, "axis", "out of range"),
        ({"sphere": 0, "cylinder": "-1", "axis": 45.0}, "axis", "integer"),
        ({"sphere": 0, "cylinder": "-1", "axis": "4x"}, "axis", "integer"),
        ({"sphere": 0, "cylinder": "-1"}, "axis", "required"),
        ({"sphere": "-31", "cylinder": "-1", "axis": 10}, "sphere", "positive-cylinder"),
    ],
)
def test_invalid_eye_names_field(kwargs, field, needle):
    with pytest.raises(InvalidInputError) as info:
        EyePrescription(**kwargs)
    text = str(info.value)
    assert f"{field}:" in text and needle in text


def test_axis_conventions():
    assert EyePrescription(sphere="-1", axis=90).axis == 0  # no cylinder: axis set to 0
    assert EyePrescription(sphere="-1", cylinder="+0.50", axis=0).axis == 180  # same meridian
    assert EyePrescription(sphere="-1", cylinder="+0.50", axis="45°").axis == 45


def test_transposition_spec_example():
    # spec §1: -2.00 (-1.00) 180° is -3.00 (+1.00) 90°
    eye = EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180)
    can = eye.canonical()
    assert (can.sphere, can.cylinder, can.axis) == (Decimal("-3"), Decimal("1"), 90)
    assert can.canonical() == can
    assert str(eye) == "-2.00 (-1.00) 180°" and str(can) == "-3.00 (+1.00) 90°"
    assert EyePrescription(sphere="1", cylinder="-1", axis=120).canonical().axis == 30


@settings(max_examples=300, deadline=None)
@given(eye_prescriptions())
def test_transpose_twice_is_identity_and_keeps_class(eye):
    try:
        once = eye.transposed()
    except InvalidInputError:
        # the other form leaves the sphere range: only possible from a positive cylinder
        assert eye.cylinder > 0 and eye.sphere_q + eye.cylinder_q > 127
        return
    assert once.transposed() == eye
    assert 1 <= once.axis <= 180 or once.cylinder == 0
    assert once.canonical() == eye.canonical()
    for usage in LensUsage:
        if usage is not LensUsage.FAR and eye.addition_q == 0:
            continue
        assert classify_lens(once, usage=usage) == classify_lens(eye, usage=usage)


@settings(max_examples=300, deadline=None)
@given(eye_prescriptions())
def test_canonical_is_positive_cylinder_and_idempotent(eye):
    can = eye.canonical()
    assert can.cylinder >= 0
    assert -127 <= can.sphere_q <= 127
    assert can.canonical() == can
    assert (can.axis == 0) == (can.cylinder == 0)


def test_prescription_and_equipment_models():
    eye = EyePrescription(sphere="-1")
    rx = Prescription(right=eye, left=eye, issued_on="2025-01-02", prescriber_kind="orthoptist")
    assert rx.prescriber_kind is PrescriberKind.ORTHOPTIST and rx.issued_on == dt.date(2025, 1, 2)
    eq = Equipment(
        right=Lens(usage="far", price_cents=100), left=Lens(usage="near", price_cents=1),
        frame=Frame(price_cents=3000, classe="A"), delivered_on=dt.date(2025, 2, 1),
    )
    assert eq.left.usage is LensUsage.NEAR and eq.frame.classe is Classe.A and eq.has_classe_b


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: Lens(usage="far", price_cents=12.5), "price_cents"),
        (lambda: Lens(usage="far", price_cents=-1), "price_cents"),
        (lambda: Lens(usage="reading", price_cents=1), "usage"),
        (lambda: Frame(price_cents=100, classe="C"), "classe"),
        (lambda: Prescription(right=EyePrescription(sphere=0), left=EyePrescription(sphere=0),
                              issued_on="2025-13-01"), "issued_on"),
        (lambda: Prescription(right={"sphere": "x"}, left=EyePrescription(sphere=0),
                              issued_on="2025-01-01"), "right.sphere"),
        (lambda: Prescription(right=EyePrescription(sphere=0), left=EyePrescription(sphere=0),
                              issued_on="2025-01-01", prescriber_kind="pharmacist"),
         "prescriber_kind"),
    ],
)
def test_invalid_models_name_field(build, field):
    with pytest.raises(InvalidInputError) as info:
        build()
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_lens_class_codes():
    assert [c.value for c in LensClass] == ["simple", "complex", "very_complex"]
    assert [c.code for c in LensClass] == [0, 1, 2]
    for c in LensClass:
        assert LensClass.from_code(c.code) is c
    for bad in (-1, 3, True, "1"):
        with pytest.raises(ValueError, match="code"):
            LensClass.from_code(bad)


def test_category_model_rejects_bad_code():
    with pytest.raises(InvalidInputError):
        Category(code="g", lenses=("simple", "simple"), floor_cents=1, ceiling_cents=2,
                 floor_employer_cents=1)
