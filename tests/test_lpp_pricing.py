"""Pricing from the law (zkclaims.domain.lpp.pricing): AMO share, classe A caps, refusals.

Every row of the sample table (tests/dbase_writer.py, made-up figures) and every trap is a
test; the property tests check that the insurer never pays more than any consistent row allows.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from dbase_writer import write_download
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.domain import reimburse_elements
from zkclaims.domain.lpp import (
    TariffRow,
    TariffTable,
    amo_share_cents,
    import_lpp,
    price_elements,
    reimbursement_inputs,
    round_half_up_percent,
)
from zkclaims.errors import ClaimRejected, InvalidInputError

DAY = dt.date(2025, 5, 1)
ADULT = dt.date(1980, 3, 15)


@dataclass(frozen=True)
class Line:
    price_cents: int
    classe: str
    grouping_code: str


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return import_lpp(write_download(tmp_path_factory.mktemp("lpp")))


def lines(right=("V01", "A", 4000), left=("V01", "A", 4000), frame=("M01", "A", 3000)):
    return {e: Line(price_cents=p, classe=c, grouping_code=g)
            for e, (g, c, p) in (("right", right), ("left", left), ("frame", frame))}


def price(table=None, *, day=DAY, birth=ADULT, regime="general", **kw):
    return price_elements(lines(**kw), delivered_on=day, birth_date=birth, amo_regime=regime,
                          tariffs=table)


def rejected(reason, *words):
    class Ctx:
        def __enter__(self):
            self.cm = pytest.raises(ClaimRejected)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            out = self.cm.__exit__(*exc)
            assert self.info.value.reason == reason, str(self.info.value)
            for w in words:
                assert w in str(self.info.value), (w, str(self.info.value))
            return out
    return Ctx()


# --- rounding --------------------------------------------------------------------------------
@pytest.mark.parametrize("percent, cents, expected", [
    (60, 3049, 1829),  # 18.294 -> 18.29 (spec: pre-2020 row)
    (60, 2668, 1601),  # 16.008 -> 16.01
    (60, 5, 3),  # classe B: 0.03 EUR
    (90, 5, 5),  # 4.5 cents rounds half UP to 5 (half-even would give 4)
    (90, 15, 14),  # 13.5 -> 14
    (60, 900, 540),  # adult classe A frame: 5.40 EUR
    (60, 0, 0),
])
def test_round_half_up(percent, cents, expected):
    assert round_half_up_percent(percent, cents) == expected


def test_amo_never_above_the_price():
    assert amo_share_cents(900, 60, 300) == 300 and amo_share_cents(900, 60, 3000) == 540


# --- classe A lenses from the table: several rows per code -----------------------------------
def test_price_consistent_with_both_bands_takes_the_higher_tariff(table):
    got = price(table)
    r = got["right"]
    # adult V01 rows on 2025-05-01: band 1 (tariff 30.49, PLV 45), band 2 (26.68, PLV 60)
    assert (r.plv_cents, r.tariff_cents, r.amo_cents) == (6000, 3049, 1829)
    assert set(r.lpp_codes) == {"2200001", "2200002"}
    assert "2200002" in r.source and "LPP download 812" in r.source


def test_price_above_the_lower_cap_leaves_one_row(table):
    r = price(table, right=("V01", "A", 5000))["right"]
    assert (r.plv_cents, r.tariff_cents, r.amo_cents, r.lpp_codes) == (6000, 2668, 1601,
                                                                       ("2200002",))


def test_price_at_the_highest_cap_accepted_one_cent_above_refused(table):
    assert price(table, right=("V01", "A", 6000))["right"].plv_cents == 6000
    with rejected("classe_a_price_above_cap", "right.price_cents", "60.01 EUR", "60.00 EUR",
                  "2200002", "at most 6000 cents"):
        price(table, right=("V01", "A", 6001))


def test_validity_dates(table):
    # 2021: the old row (PLV 90, until 2021-12-31) is in force
    assert price(table, day=dt.date(2021, 12, 31), right=("V01", "A", 9000))["right"] \
        .plv_cents == 9000
    # the day after it ended, it is not
    with rejected("classe_a_price_above_cap", "60.00 EUR"):
        price(table, day=dt.date(2022, 1, 1), right=("V01", "A", 9000))
    # before any row starts: the table knows no row for that day
    with rejected("grouping_code_mismatch", "no row of V01 in force on 2019-12-31"):
        price(table, day=dt.date(2019, 12, 31))


def test_frame_rows_change_on_their_dates(table):
    old = price(table, day=dt.date(2024, 12, 31))["frame"]
    new = price(table, day=dt.date(2025, 1, 1), frame=("M01", "A", 3200))["frame"]
    assert (old.plv_cents, old.amo_cents) == (3000, 540)
    assert (new.plv_cents, new.amo_cents) == (3200, 570)
    with rejected("classe_a_price_above_cap", "frame.price_cents"):
        price(table, day=dt.date(2024, 12, 31), frame=("M01", "A", 3001))


def test_child_adult_split_at_the_boundary_birthday(table):
    birth = dt.date(2009, 5, 1)  # 16 on 2025-05-01; the table's child rows say "under 16"
    child = price(table, day=dt.date(2025, 4, 30), birth=birth,
                  frame=("M02", "A", 3500))
    assert child["right"].lpp_codes == ("2200003",) and child["right"].plv_cents == 4000
    assert child["frame"].plv_cents == 3500 and child["right"].age == 15
    with rejected("classe_a_price_above_cap", "40.00 EUR"):
        price(table, day=dt.date(2025, 4, 30), birth=birth, right=("V01", "A", 4001),
              frame=("M02", "A", 3500))
    adult = price(table, day=dt.date(2025, 5, 1), birth=birth, right=("V01", "A", 6000))
    assert adult["right"].plv_cents == 6000 and adult["right"].age == 16
    # the frame code must match the age group the table sets
    with rejected("grouping_code_mismatch", "M02 is a child frame code", "under 16",
                  "accepted: M01"):
        price(table, day=dt.date(2025, 5, 1), birth=birth, frame=("M02", "A", 3500))
    with rejected("grouping_code_mismatch", "M01 is an adult frame code", "accepted: M02"):
        price(table, day=dt.date(2025, 4, 30), birth=birth)
    with rejected("grouping_code_mismatch", "M03 is an adult frame code"):
        price(table, day=dt.date(2025, 4, 30), birth=birth, frame=("M03", "B", 9000))


def test_29_february_birthday(table):
    birth = dt.date(2008, 2, 29)  # 2024 is a leap year: the 16th birthday is 2024-02-29
    assert price(table, day=dt.date(2024, 2, 28), birth=birth, frame=("M02", "A", 100))[
        "right"].age == 15
    assert price(table, day=dt.date(2024, 2, 29), birth=birth)["right"].age == 16


def test_alsace_moselle_rate(table):
    got = price(table, regime="alsace_moselle", right=("VU1", "B", 20000),
                left=("VM3", "B", 25000), frame=("M01", "A", 3000))
    assert got["right"].amo_cents == 5 and got["right"].amo_rate_percent == 90  # 4.5 -> 5
    assert got["frame"].amo_cents == round_half_up_percent(90, 950) == 855
    general = price(table, right=("VU1", "B", 20000), left=("VM3", "B", 25000))
    assert general["right"].amo_cents == 3 and general["right"].plv_cents is None


def test_classe_b_frame_and_child_classe_b(table):
    got = price(table, birth=dt.date(2015, 1, 1), right=("VU1", "B", 100),
                left=("VU1", "B", 100), frame=("M04", "B", 8000))
    assert [got[e].amo_cents for e in ("right", "left", "frame")] == [3, 3, 3]
    assert got["frame"].lpp_codes == ("2200021",)


# --- refusals: codes, classes, kinds ---------------------------------------------------------
@pytest.mark.parametrize("kw, words", [
    ({"right": ("V01", "B", 4000)}, ["right.classe", "V01 is a classe A", "says classe B"]),
    ({"left": ("VU3", "A", 4000)}, ["left.classe", "VU3 is a classe B"]),
    ({"frame": ("M01", "B", 3000)}, ["frame.classe", "M01 is a classe A"]),
    ({"frame": ("M03", "A", 3000)}, ["frame.classe", "M03 is a classe B"]),
    ({"right": ("M01", "A", 3000)}, ["right.grouping_code", "frame code", "V01-V04"]),
    ({"frame": ("V01", "A", 3000)}, ["frame.grouping_code", "lens code", "M01, M02"]),
    ({"right": ("V05", "A", 4000)}, ["'V05'", "not a grouping code", "myopia-control"]),
    ({"right": ("VX1", "A", 4000)}, ["'VX1'", "refused rather than guessed"]),
    ({"left": ("SV1", "A", 4000)}, ["'SV1'", "service code"]),
    ({"right": ("v01", "A", 4000)}, ["'v01'"]),
])
def test_code_contradictions(table, kw, words):
    for t in (table, None):
        with rejected("grouping_code_mismatch", *words):
            price(t, **kw)


def test_code_the_table_has_no_row_for(table):
    # VU2 is a valid grouping code, but the loaded table has no row for it
    with rejected("grouping_code_mismatch", "no row of VU2", "LPP download 812"):
        price(table, right=("VU2", "B", 9000))


def test_classe_a_rows_without_regulated_price():
    row = TariffRow(lpp_code="2200001", grouping_code="V02", valid_from=dt.date(2020, 1, 1),
                    tariff_cents=1000)
    frame = TariffRow(lpp_code="2200010", grouping_code="M01",
                      valid_from=dt.date(2020, 1, 1), tariff_cents=900, plv_cents=3000)
    t = TariffTable(source="test", rows=(row, frame))
    with rejected("classe_a_price_above_cap", "PUREGLEMEN"):
        price(t, right=("V02", "A", 1), left=("V02", "A", 1))


def test_malformed_arguments(table):
    with pytest.raises(InvalidInputError, match="lines"):
        price_elements({"right": None}, delivered_on=DAY, birth_date=ADULT,
                       amo_regime="general")
    with pytest.raises(InvalidInputError, match="amo_regime"):
        price(table, regime="corsica")
    with pytest.raises(InvalidInputError, match="right.price_cents"):
        price(table, right=("V01", "A", 40.0))
    with pytest.raises(InvalidInputError, match="right.classe"):
        price(table, right=("V01", "C", 4000))
    with pytest.raises(InvalidInputError, match="patient_birth_date"):
        price(table, birth=dt.date(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="tariffs"):
        price({"rows": []})


# --- no table loaded -------------------------------------------------------------------------
def test_no_table_refuses_classe_a_lenses_and_says_what_to_load():
    with rejected("classe_a_price_above_cap", "no LPP table is loaded", "lpp_histo_tot<nnn>.dbf",
                  "zkclaims tariffs import", "0.00 EUR"):
        price()
    ok = price(right=("V01", "A", 0), left=("V02", "A", 0))  # within the bound of 0
    assert ok["right"].amo_cents == 0 and ok["right"].plv_cents == 0


def test_no_table_adult_classe_a_frame_and_classe_b():
    got = price(right=("VU1", "B", 15000), left=("VM7", "B", 30000), frame=("M01", "A", 3000))
    assert (got["frame"].plv_cents, got["frame"].tariff_cents, got["frame"].amo_cents) == (
        3000, 900, 540)
    assert got["right"].amo_cents == 3 and got["left"].tariff_cents == 5
    assert "[sec]" in got["right"].source and "[one]" in got["frame"].source
    with rejected("classe_a_price_above_cap", "30.00 EUR"):
        price(right=("VU1", "B", 15000), left=("VU1", "B", 15000), frame=("M01", "A", 3001))
    with rejected("classe_a_price_above_cap", "no LPP table is loaded"):
        price(right=("VU1", "B", 1), left=("VU1", "B", 1), frame=("M02", "A", 1),
              birth=dt.date(2015, 1, 1))


def test_no_table_frame_age_groups_use_both_readings_of_the_split():
    b = ("VU1", "B", 100)
    for age, ok in ((15, {"M04"}), (16, {"M03", "M04"}), (17, {"M03", "M04"}), (18, {"M03"})):
        birth = dt.date(DAY.year - age, 1, 1)
        for code in ("M03", "M04"):
            if code in ok:
                price(right=b, left=b, frame=(code, "B", 5000), birth=birth)
            else:
                with rejected("grouping_code_mismatch", "16 or 18"):
                    price(right=b, left=b, frame=(code, "B", 5000), birth=birth)


# --- into the money rules, and properties ----------------------------------------------------
def test_reimburse_elements_with_the_law(table):
    got = price(table, right=("V01", "A", 5000), left=("VU1", "B", 20000))
    amo, plv = reimbursement_inputs(got)
    d = reimburse_elements(lines(right=("V01", "A", 5000), left=("VU1", "B", 20000)),
                           lens_classes=("simple", "simple"), amo_paid=amo, plv=plv)
    right = d.payment("right")
    assert (right.amo_cents, right.insurer_cents, right.patient_cents) == (1601, 3399, 0)
    assert d.payment("frame").amo_cents == 570


codes_rows = st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 40_000)), min_size=1,
                      max_size=6)


@settings(max_examples=300, deadline=None)
@given(rows=codes_rows, price_=st.integers(0, 45_000),
       regime=st.sampled_from(["general", "alsace_moselle"]))
def test_insurer_never_pays_more_than_any_consistent_row_allows(rows, price_, regime):
    tr = [TariffRow(lpp_code=f"22{i:05d}", grouping_code="V03", valid_from=dt.date(2020, 1, 1),
                    tariff_cents=t, plv_cents=p) for i, (t, p) in enumerate(rows)]
    frame = TariffRow(lpp_code="2299999", grouping_code="M01", valid_from=dt.date(2020, 1, 1),
                      tariff_cents=900, plv_cents=3000)
    t = TariffTable(source="property", rows=(*tr, frame))
    rate = {"general": 60, "alsace_moselle": 90}[regime]
    top = max(p for _, p in rows)
    try:
        got = price(t, regime=regime, right=("V03", "A", price_), left=("V03", "A", price_))
    except ClaimRejected as exc:
        assert exc.reason == "classe_a_price_above_cap" and price_ > top
        return
    assert price_ <= top
    amo, plv = reimbursement_inputs(got)
    d = reimburse_elements(lines(right=("V03", "A", price_), left=("V03", "A", price_)),
                           lens_classes=("complex", "complex"), amo_paid=amo, plv=plv)
    paid = d.payment("right").insurer_cents
    consistent = [(tar, p) for tar, p in rows if p >= price_]
    assert consistent
    for tar, p in consistent:
        law = min(price_, p) - min(price_, round_half_up_percent(rate, tar))
        assert 0 <= paid <= law
    # and it is what the highest consistent tariff allows: no more is withheld than needed
    assert paid == min(price_ - min(price_, round_half_up_percent(rate, tar))
                       for tar, _ in consistent)


def test_grouping_codes_of_spec_7():
    from zkclaims.domain.lpp import ELEMENT_CODES, SERVICE_CODES, classe_a_lens_code

    assert len(ELEMENT_CODES) == 22 and len(SERVICE_CODES) == 7
    assert [classe_a_lens_code(d, c) for d, c in (
        ("unifocal", "simple"), ("unifocal", "complex"), ("multifocal", "complex"),
        ("multifocal", "very_complex"))] == ["V01", "V02", "V03", "V04"]
    for design, lens_class in (("unifocal", "very_complex"), ("multifocal", "simple")):
        with pytest.raises(InvalidInputError, match="no classe A lens code"):
            classe_a_lens_code(design, lens_class)
    assert {c for c, i in ELEMENT_CODES.items() if i.classe.value == "A"} == {
        "V01", "V02", "V03", "V04", "M01", "M02"}
