"""The rules table (zkclaims.domain.lpp.table): age groups, dates, the JSON document."""

import datetime as dt
import json

import pytest
from dbase_writer import write_download

from zkclaims.domain.lpp import (
    TARIFFS_FORMAT,
    TariffRow,
    TariffTable,
    import_lpp,
    load_tariffs,
    save_tariffs,
)
from zkclaims.domain.lpp import table as table_mod
from zkclaims.errors import InputFileError, InvalidInputError

D2020 = dt.date(2020, 1, 1)


def row(code, lpp, *, age_max=0, start=D2020, end=None, tariff=100, plv=None):
    return TariffRow(lpp_code=lpp, grouping_code=code, age_max=age_max, valid_from=start,
                     valid_to=end, tariff_cents=tariff, plv_cents=plv)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return import_lpp(write_download(tmp_path_factory.mktemp("lpp")))


def test_rows_for_age_groups():
    t = TariffTable(source="t", rows=(
        row("V01", "2200001"), row("V01", "2200002", age_max=16), row("V01", "2200003",
                                                                       age_max=6),
        row("VU1", "2200004"),
    ))
    day = dt.date(2025, 1, 1)
    assert [r.lpp_code for r in t.rows_for("V01", day, 5)] == ["2200002", "2200003"]
    assert [r.lpp_code for r in t.rows_for("V01", day, 6)] == ["2200002"]
    assert [r.lpp_code for r in t.rows_for("V01", day, 15)] == ["2200002"]
    assert [r.lpp_code for r in t.rows_for("V01", day, 16)] == ["2200001"]
    # a code without any age-limited row covers every age with its rows
    assert [r.lpp_code for r in t.rows_for("VU1", day, 3)] == ["2200004"]
    assert t.child_age_limit(day) == 16
    assert t.rows_for("V02", day, 30) == []


def test_age_limit_only_counts_rows_in_force():
    t = TariffTable(source="t", rows=(
        row("V01", "2200001"), row("V01", "2200002", age_max=18, end=dt.date(2019, 12, 31),
                                   start=dt.date(2015, 1, 1)),
    ))
    assert t.child_age_limit(dt.date(2019, 6, 1)) == 18
    assert t.child_age_limit(dt.date(2020, 6, 1)) is None
    assert [r.lpp_code for r in t.rows_for("V01", dt.date(2020, 6, 1), 10)] == ["2200001"]


def test_validity_first_and_last_day_included():
    r = row("V01", "2200001", start=dt.date(2021, 3, 1), end=dt.date(2021, 3, 31))
    assert not r.valid_on(dt.date(2021, 2, 28))
    assert r.valid_on(dt.date(2021, 3, 1)) and r.valid_on(dt.date(2021, 3, 31))
    assert not r.valid_on(dt.date(2021, 4, 1))


def test_sample_split_is_the_tables(sample):
    assert sample.child_age_limit(dt.date(2025, 5, 1)) == 16
    assert sample.codes() == ["M01", "M02", "M03", "M04", "V01", "VM3", "VU1"]


def test_json_round_trip_is_compact_and_exact(sample, tmp_path):
    path = tmp_path / "tariffs.json"
    save_tariffs(sample, path)
    text = path.read_text()
    assert text.count("\n") == 1 and "." not in json.dumps(json.loads(text)["rows"][0][
        "tariff_cents"])
    doc = json.loads(text)
    assert doc["format"] == TARIFFS_FORMAT and doc["rows"][0]["valid_from"] == "2020-01-01"
    loaded = load_tariffs(path)
    assert loaded == sample
    assert loaded.rows_for("V01", dt.date(2025, 5, 1), 40) == sample.rows_for(
        "V01", dt.date(2025, 5, 1), 40)


def write(tmp_path, doc):
    p = tmp_path / "t.json"
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return p


def good_doc(sample):
    return json.loads(sample.to_json())


@pytest.mark.parametrize("change, words", [
    (lambda d: d["rows"][0].update(grouping_code="VX1"), ["rows.0.grouping_code", "'VX1'"]),
    (lambda d: d["rows"][0].update(tariff_cents=9.5), ["rows.0.tariff_cents", "9.5"]),
    (lambda d: d["rows"][0].update(tariff_cents="950"), ["rows.0.tariff_cents"]),
    (lambda d: d["rows"][0].update(plv_cents=-1), ["rows.0.plv_cents"]),
    (lambda d: d["rows"][0].update(lpp_code="22"), ["rows.0.lpp_code"]),
    (lambda d: d["rows"][0].update(valid_from=0), ["rows.0.valid_from"]),
    (lambda d: d["rows"][0].update(valid_from="2030-01-01", valid_to="2029-01-01"),
     ["valid_to", "before valid_from"]),
    (lambda d: d["rows"][0].update(age_max=True), ["rows.0.age_max"]),
    (lambda d: d.update(extra=1), ["extra"]),
    (lambda d: d["rows"][0].update(label="A\nB"), ["rows.0.label", "control characters"]),
    (lambda d: d.pop("rows"), ["rows"]),
])
def test_load_refuses_a_bad_document(sample, tmp_path, change, words):
    doc = good_doc(sample)
    change(doc)
    with pytest.raises(InputFileError) as e:
        load_tariffs(write(tmp_path, doc))
    assert isinstance(e.value, InvalidInputError) and "\n" not in str(e.value)
    for w in words:
        assert w in str(e.value)


def test_load_refuses_other_files(tmp_path, monkeypatch):
    with pytest.raises(InputFileError, match="not JSON"):
        load_tariffs(write(tmp_path, "{nope"))
    with pytest.raises(InputFileError, match="not a zkclaims LPP tariffs document"):
        load_tariffs(write(tmp_path, {"format": "zkclaims-contract/v1"}))
    with pytest.raises(InputFileError, match="not a zkclaims LPP tariffs document"):
        load_tariffs(write(tmp_path, "[1, 2]"))
    with pytest.raises(InputFileError, match="cannot read: No such file"):
        load_tariffs(tmp_path / "absent.json")
    with pytest.raises(InputFileError, match="nested deeper than 32 levels"):
        load_tariffs(write(tmp_path, "[" * 100_000))
    monkeypatch.setattr(table_mod, "MAX_TARIFFS_BYTES", 10)
    with pytest.raises(InputFileError, match="larger than 10 bytes"):
        load_tariffs(write(tmp_path, {"format": TARIFFS_FORMAT}))
