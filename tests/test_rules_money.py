"""Contracts and reimbursement: floors, ceilings, frame cap (spec §3), classe A/B (spec §4)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zkclaims.domain import (
    CATEGORIES,
    Classe,
    Equipment,
    EyePrescription,
    Frame,
    Guarantee,
    Lens,
    LensClass,
    Prescription,
    check_contract,
    reimburse,
    reimburse_elements,
)
from zkclaims.errors import InvalidInputError

DAY = dt.date(2025, 5, 1)
S, C, V = LensClass.SIMPLE, LensClass.COMPLEX, LensClass.VERY_COMPLEX


def equipment(right=30_000, left=30_000, frame=15_000, classes="BBB"):
    return Equipment(
        right=Lens(usage="far", price_cents=right, classe=classes[0]),
        left=Lens(usage="far", price_cents=left, classe=classes[1]),
        frame=Frame(price_cents=frame, classe=classes[2]),
        delivered_on=DAY,
    )


def at_ceiling(employer=False):
    return {k: Guarantee(equipment_cents=c.ceiling_cents, frame_cents=10_000)
            for k, c in CATEGORIES.items()}


# --- check_contract ------------------------------------------------------------------------
def test_contract_at_ceilings_complies():
    assert check_contract(at_ceiling()) == []
    assert check_contract(at_ceiling(), employer_mandatory=True) == []


def test_contract_at_plain_floors_fails_only_d911_floors():
    floors = {k: {"equipment_cents": c.floor_cents, "frame_cents": 0}
              for k, c in CATEGORIES.items()}
    assert check_contract(floors) == []
    bad = check_contract(floors, employer_mandatory=True)
    # D911-1 raises the floors of a (50 -> 100), b and d (125 -> 150); c, e, f stay at 200
    assert sorted(v.category for v in bad) == ["a", "b", "d"]
    assert all("D911-1" in v.rule and "equipment_cents" in v.message for v in bad)


@pytest.mark.parametrize(
    "code, guarantee, rule",
    [
        ("a", Guarantee(equipment_cents=4_999, frame_cents=0), "floor"),
        ("f", Guarantee(equipment_cents=80_001, frame_cents=10_000), "ceiling"),
        ("c", Guarantee(equipment_cents=70_000, frame_cents=10_001), "frame cap"),
        ("a", Guarantee(equipment_cents=5_000, frame_cents=6_000), "frame cap"),
    ],
)
def test_contract_violations(code, guarantee, rule):
    contract = at_ceiling() | {code: guarantee}
    (violation,) = check_contract(contract)
    assert violation.category == code and rule in violation.rule


def test_contract_missing_and_unknown_categories():
    contract = {k: v for k, v in at_ceiling().items() if k != "e"} | {"z": at_ceiling()["a"]}
    got = {(v.category, v.message) for v in check_contract(contract)}
    assert ("e", "no guarantee given") in got and any(c == "z" for c, _ in got)
    # keys may also be Category objects
    assert check_contract({CATEGORIES[k]: g for k, g in at_ceiling().items()}) == []


def test_guarantee_rejects_float_money():
    with pytest.raises(ValueError, match="equipment_cents"):
        Guarantee(equipment_cents=100.0)


# --- reimburse: worked cases ---------------------------------------------------------------
def test_all_classe_b_frame_capped_and_ceiling():
    d = reimburse(equipment(29_000, 31_000, 16_000), amo_paid={"right": 5, "left": 5, "frame": 3},
                  guarantees={"c": Guarantee(equipment_cents=55_000)}, lens_classes=(C, C))
    assert d.category.code == "c" and d.limit_cents == 55_000
    frame, right, left = d.payment("frame"), d.payment("right"), d.payment("left")
    assert (frame.insurer_cents, frame.patient_cents) == (9_997, 6_000)
    assert (right.insurer_cents, left.insurer_cents) == (22_495, 22_495)
    assert d.insurer_total_cents == 54_987 and d.amo_total_cents == 13
    assert d.patient_remainder_cents == 76_000 - 55_000
    assert any("frame" in r and "spec §3" in r for r in d.reasons)


def test_cheap_lens_leaves_its_share_to_the_other():
    d = reimburse(equipment(5_000, 60_000, 5_000), amo_paid={}, guarantees=None, lens_classes=(S,
                                                                                               S))
    # category a: ceiling 420 €; frame 50, right lens 50, left gets the remaining 320
    assert [p.insurer_cents for p in d.payments] == [5_000, 32_000, 5_000]
    assert d.insurer_total_cents == 42_000


def test_frame_guarantee_above_100_euros_still_capped():
    d = reimburse(equipment(100, 100, 20_000), amo_paid={"frame": 3},
                  guarantees=Guarantee(equipment_cents=50_000, frame_cents=15_000),
                  lens_classes=(S, S))
    assert d.payment("frame").insurer_cents == 10_000 - 3
    assert d.payment("frame").patient_cents == 10_000


def test_guarantee_above_ceiling_is_capped():
    d = reimburse(equipment(50_000, 50_000, 20_000), amo_paid={},
                  guarantees=Guarantee(equipment_cents=99_999),
                  lens_classes=(S, C))
    assert d.limit_cents == 56_000 and d.insurer_total_cents == 56_000
    assert any("above the ceiling" in r for r in d.reasons)


def test_classe_a_lenses_with_classe_b_frame():
    # spec §4: classe A lenses in full within their PLV; the frame within ceiling - A cost
    d = reimburse(equipment(4_000, 4_500, 15_000, "AAB"), amo_paid={"right": 100, "left": 100},
                  guarantees={"a": Guarantee(equipment_cents=12_000)}, lens_classes=(S, S),
                  plv={"right": 4_000, "left": 4_000})
    right, left, frame = d.payments
    assert (right.insurer_cents, right.patient_cents) == (3_900, 0)
    assert (left.insurer_cents, left.patient_cents) == (3_900, 500)  # 5 € above its PLV
    assert frame.insurer_cents == 12_000 - 8_000  # limit less the classe A cost
    assert any("less classe A cost" in r for r in d.reasons)


def test_classe_a_frame_with_classe_b_lenses():
    d = reimburse(equipment(30_000, 30_000, 3_000, "BBA"), amo_paid={}, guarantees=None,
                  lens_classes=(S, S),
                  plv={"frame": 3_000})
    assert d.payment("frame").insurer_cents == 3_000
    assert d.payment("right").insurer_cents + d.payment("left").insurer_cents == 42_000 - 3_000


def test_all_classe_a_is_not_bound_by_ceiling():
    d = reimburse(equipment(40_000, 40_000, 3_000, "AAA"), amo_paid={"right": 10, "left": 10,
                                                                     "frame": 9},
                  guarantees=None, lens_classes=(S, S), plv={"right": 50_000, "left": 50_000,
                                                             "frame": 3_000})
    assert d.limit_cents is None and d.patient_remainder_cents == 0
    assert d.insurer_total_cents == 83_000 - 29  # above the 420 € ceiling of category a
    assert any("do not bind" in r for r in d.reasons)


def test_reimburse_from_prescription():
    rx = Prescription(right=EyePrescription(sphere="-5.50", cylinder="-1", axis=0),
                      left=EyePrescription(sphere="-1"), issued_on=DAY)
    d = reimburse(equipment(), amo_paid={}, guarantees=None, prescription=rx)
    assert d.lens_classes == (C, S) and d.category.code == "b" and d.rules_version == "2020"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"amo_paid": {"frame": 20_000}}, "amo_paid.frame"),
        ({"amo_paid": {"nose": 1}}, "amo_paid"),
        ({"amo_paid": {"left": 1.5}}, "amo_paid.left"),
        ({"classes": "ABB"}, "plv.right"),
        ({"lens_classes": None}, "lens_classes"),
        ({"guarantees": {"b": Guarantee(equipment_cents=1)}}, "guarantees"),
    ],
)
def test_reimburse_bad_input_names_field(kwargs, field):
    eq = equipment(classes=kwargs.get("classes", "BBB"))
    with pytest.raises(InvalidInputError) as info:
        reimburse(eq, amo_paid=kwargs.get("amo_paid", {}), guarantees=kwargs.get("guarantees"),
                  lens_classes=kwargs.get("lens_classes", (S, S)))
    assert info.value.field == field


# --- reimburse: properties -----------------------------------------------------------------
money = st.integers(0, 200_000)


@settings(max_examples=300, deadline=None)
@example(prices=(100, 100, 20_000), classes="BBB", amo=(0, 0, 0), plv=(0, 0, 0), pair=(S, S),
         guarantee=Guarantee(equipment_cents=50_000, frame_cents=15_000))
@example(prices=(30_000, 30_000, 20_000), classes="AAB", amo=(5, 5, 3),
         plv=(10_000, 12_000, 0), pair=(C, V), guarantee=None)
@given(
    prices=st.tuples(money, money, money),
    classes=st.text("AB", min_size=3, max_size=3),
    amo=st.tuples(st.integers(0, 2_000), st.integers(0, 2_000), st.integers(0, 2_000)),
    plv=st.tuples(money, money, money),
    pair=st.tuples(st.sampled_from(list(LensClass)), st.sampled_from(list(LensClass))),
    guarantee=st.one_of(st.none(), st.builds(
        Guarantee, equipment_cents=st.integers(0, 100_000),
        frame_cents=st.integers(0, 15_000) | st.sampled_from([9_999, 10_000, 10_001, 15_000]))),
)
def test_reimburse_never_exceeds_price_ceiling_or_frame_cap(prices, classes, amo, plv, pair,
                                                            guarantee):
    names = ("right", "left", "frame")
    amo = {n: min(a, p) for n, a, p in zip(names, amo, prices, strict=True)}
    eq = equipment(*prices, classes=classes)
    d = reimburse(eq, amo_paid=amo, guarantees=guarantee, lens_classes=pair,
                  plv=dict(zip(names, plv, strict=True)))
    cat = d.category
    assert cat.lenses in (pair, pair[::-1])
    total = {}
    for p, price, classe, cap in zip(d.payments, prices, classes, plv, strict=True):
        assert p.price_cents == price and p.amo_cents == amo[p.element]
        assert 0 <= p.insurer_cents <= price - p.amo_cents  # never more than price - AMO
        assert p.insurer_cents + p.amo_cents + p.patient_cents == price
        total[p.element] = p.insurer_cents + p.amo_cents
        if classe == "A":  # spec §4: paid in full within its PLV
            assert p.patient_cents == max(0, price - max(cap, p.amo_cents))
    assert d.insurer_total_cents == sum(p.insurer_cents for p in d.payments)
    assert d.patient_remainder_cents == sum(p.patient_cents for p in d.payments)
    if "B" not in classes:
        assert d.limit_cents is None
        return
    cost_a = sum(min(price, cap) for price, c, cap in zip(prices, classes, plv, strict=True)
                 if c == "A")
    amo_b = sum(amo[n] for n, c in zip(names, classes, strict=True) if c == "B")
    b_total = sum(total[n] for n, c in zip(names, classes, strict=True) if c == "B")
    assert d.limit_cents <= cat.ceiling_cents
    if guarantee is not None:
        assert d.limit_cents <= guarantee.equipment_cents
    budget = max(0, d.limit_cents - cost_a)
    assert b_total <= max(budget, amo_b)  # within the ceiling less the classe A cost
    frame_cap = min(10_000, guarantee.frame_cents if guarantee else 10_000)
    if classes[2] == "B":
        assert total["frame"] <= max(frame_cap, amo["frame"])  # frame share capped at 100 €
    if amo_b <= budget and (classes[2] == "A" or amo["frame"] <= frame_cap):  # pays all it may
        want = sum(min(prices[i], frame_cap) if n == "frame" else prices[i]
                   for i, n in enumerate(names) if classes[i] == "B")
        assert b_total == min(budget, want)


# --- reimburse_elements: the insurer's path, no lens usage ----------------------------------
@dataclass(frozen=True)
class Priced:
    """A usage-free element: what an invoice line tells the insurer (price and classe)."""

    price_cents: int
    classe: str


@settings(max_examples=150, deadline=None)
@given(
    prices=st.tuples(money, money, money),
    classes=st.text("AB", min_size=3, max_size=3),
    amo=st.tuples(st.integers(0, 2_000), st.integers(0, 2_000), st.integers(0, 2_000)),
    plv=st.tuples(money, money, money),
    pair=st.tuples(st.sampled_from(list(LensClass)), st.sampled_from(list(LensClass))),
    usages=st.tuples(st.sampled_from(["far", "near", "progressive"]),
                     st.sampled_from(["far", "near", "progressive"])),
    guarantee=st.one_of(st.none(), st.builds(
        Guarantee, equipment_cents=st.integers(0, 100_000), frame_cents=st.integers(0, 15_000))),
)
def test_reimburse_elements_equals_reimburse_whatever_the_usage(prices, classes, amo, plv,
                                                                 pair, usages, guarantee):
    names = ("right", "left", "frame")
    amo = {n: min(a, p) for n, a, p in zip(names, amo, prices, strict=True)}
    plv = dict(zip(names, plv, strict=True))
    eq = Equipment(
        right=Lens(usage=usages[0], price_cents=prices[0], classe=classes[0]),
        left=Lens(usage=usages[1], price_cents=prices[1], classe=classes[1]),
        frame=Frame(price_cents=prices[2], classe=classes[2]),
        delivered_on=DAY,
    )
    elements = {n: Priced(p, c) for n, p, c in zip(names, prices, classes, strict=True)}
    d = reimburse_elements(elements, lens_classes=pair, amo_paid=amo, guarantees=guarantee, plv=plv)
    assert d == reimburse(eq, amo_paid=amo, guarantees=guarantee, lens_classes=pair, plv=plv)
    assert [p.classe for p in d.payments] == [Classe(c) for c in classes]


@pytest.mark.parametrize(
    "elements, pair, field",
    [
        ({"right": Priced(1, "B"), "left": Priced(1, "B")}, (S, S), "elements"),
        ({"right": Priced(-1, "B"), "left": Priced(1, "B"), "frame": Priced(1, "B")}, (S, S),
         "elements.right.price_cents"),
        ({"right": Priced(1, "B"), "left": Priced(True, "B"), "frame": Priced(1, "B")}, (S, S),
         "elements.left.price_cents"),
        ({"right": Priced(1, "B"), "left": Priced(1, "B"), "frame": Priced(1, "C")}, (S, S),
         "elements.frame.classe"),
        ({"right": Priced(1, "B"), "left": Priced(1, "B"), "frame": Priced(1, "B")}, (S,),
         "lens_classes"),
        ({"right": Priced(1, "B"), "left": Priced(1, "B"), "frame": Priced(1, "B")},
         (S, "ultra"), "lens_classes[1]"),
    ],
)
def test_reimburse_elements_bad_input_names_field(elements, pair, field):
    with pytest.raises(InvalidInputError) as info:
        reimburse_elements(elements, lens_classes=pair, amo_paid={})
    assert info.value.field == field
