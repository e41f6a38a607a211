"""The LPP download loader (zkclaims.domain.lpp.dbase): the format, and every untrusted-input trap.

The tables are written by tests/dbase_writer.py, a dBase III writer independent of the reader.
"""

import datetime as dt
import zipfile

import pytest
from dbase_writer import (
    FICHE_FIELDS,
    HISTO_FIELDS,
    SAMPLE_FICHE,
    SAMPLE_HISTO,
    dbf_bytes,
    fiche_row,
    histo_row,
    write_download,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkclaims.domain.lpp import dbase, import_lpp, read_lpp_download
from zkclaims.errors import InputFileError, InvalidInputError


def rows_by_code(table):
    out = {}
    for r in table.rows:
        out.setdefault(r.lpp_code, []).append(r)
    return out


# --- the format ------------------------------------------------------------------------------
def test_zip_and_folder_give_the_same_table(tmp_path):
    from_zip = import_lpp(write_download(tmp_path / "z"))
    from_dir = import_lpp(write_download(tmp_path / "d", as_zip=False))
    assert from_zip == from_dir
    assert from_zip.source == "LPP download 812"
    assert set(from_zip.files) == {"lpp_fiche_tot812.dbf", "lpp_histo_tot812.dbf"}
    assert all(len(h) == 64 for h in from_zip.files.values())


def test_rows_are_read_exactly(tmp_path):
    table = import_lpp(write_download(tmp_path))
    rows = rows_by_code(table)
    (band1,) = rows["2200001"]
    assert (band1.grouping_code, band1.tariff_cents, band1.plv_cents) == ("V01", 3049, 4500)
    assert band1.valid_from == dt.date(2020, 1, 1) and band1.valid_to is None
    assert band1.label == "VERRE CLASSE A UNIFOCAL SPHERIQUE BANDE 1 ADULTE"
    (child,) = rows["2200003"]
    assert child.age_max == 16
    # two dated rows of one code, FINHISTO is the last day of the first
    m01 = sorted(rows["2200010"], key=lambda r: r.valid_from)
    assert [(r.valid_from, r.valid_to, r.tariff_cents, r.plv_cents) for r in m01] == [
        (dt.date(2020, 1, 1), dt.date(2024, 12, 31), 900, 3000),
        (dt.date(2025, 1, 1), None, 950, 3200),
    ]
    # classe B: tariff 0.05, PUREGLEMEN 0 means no regulated price
    assert [(r.tariff_cents, r.plv_cents) for r in rows["2200030"]] == [(5, None)]


def test_code_end_date_cuts_the_row(tmp_path):
    (old,) = rows_by_code(import_lpp(write_download(tmp_path)))["2200004"]
    assert old.valid_to == dt.date(2021, 12, 31)  # DATE_FIN of the fiche, FINHISTO blank


def test_row_ending_before_it_starts_is_dropped(tmp_path):
    histo = [histo_row("2200001", "V01", "30.49", "45.00", start=dt.date(2022, 1, 1)),
             histo_row("2200004", "V01", "50.00", "90.00", start=dt.date(2022, 6, 1))]
    table = import_lpp(write_download(tmp_path, histo=histo))
    assert [r.lpp_code for r in table.rows] == ["2200001"]  # 2200004 ended 2021-12-31


def test_non_optical_and_service_rows(tmp_path):
    table = import_lpp(write_download(tmp_path))
    assert "1189270" not in rows_by_code(table)  # another chapter: not kept, not counted
    assert table.other_optical_codes == {"SV1": 1, "VX1": 1}


def test_deleted_rows_are_skipped(tmp_path):
    data = dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO, deleted={0})
    table = import_lpp(write_download(tmp_path, histo_bytes=data))
    assert "2200001" not in rows_by_code(table) and "2200002" in rows_by_code(table)


def test_labels_in_the_tables_code_page(tmp_path):
    fiche = [fiche_row("2200001", "VERRE ÉTÉ ADULTE")] + SAMPLE_FICHE[1:]
    histo = SAMPLE_HISTO[:1]
    for driver, enc in ((0x02, "cp850"), (0x03, "cp1252")):
        path = write_download(tmp_path / enc, fiche=fiche, histo=histo, language_driver=driver,
                              encoding=enc)
        (row,) = import_lpp(path).rows
        assert row.label == "VERRE ÉTÉ ADULTE"
    # no code page byte: cp1252 by default, or what --encoding says
    path = write_download(tmp_path / "none", fiche=fiche, histo=histo, language_driver=0,
                          encoding="cp850")
    assert import_lpp(path, encoding="cp850").rows[0].label == "VERRE ÉTÉ ADULTE"
    assert import_lpp(path).rows[0].label != "VERRE ÉTÉ ADULTE"
    with pytest.raises(InvalidInputError, match="encoding"):
        import_lpp(path, encoding="klingon")


def test_control_characters_in_labels_become_spaces(tmp_path):
    fiche = [fiche_row("2200001", "VERRE\nBANDE\x1b[31m 1")] + SAMPLE_FICHE[1:]
    (row,) = import_lpp(write_download(tmp_path, fiche=fiche, histo=SAMPLE_HISTO[:1])).rows
    assert row.label == "VERRE BANDE [31m 1"


def test_subfolder_in_the_zip_and_case_of_names(tmp_path):
    path = tmp_path / "LPP.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("LPP/LPP_FICHE_TOT900.DBF", dbf_bytes(FICHE_FIELDS, SAMPLE_FICHE))
        zf.writestr("LPP/lpp_histo_tot900.dbf", dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO))
        zf.writestr("LPP/lisez_moi.pdf", b"%PDF")
    assert import_lpp(path).source == "LPP download 900"


# --- untrusted input: each trap gives one InputFileError line --------------------------------
def one_line(exc_info, *words):
    text = str(exc_info.value)
    assert "\n" not in text and "Traceback" not in text
    for w in words:
        assert w in text, (w, text)
    return text


def test_truncated_table(tmp_path):
    data = dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO)
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo_bytes=data[:-40]))
    one_line(e, "lpp_histo_tot812.dbf", "truncated", "14 rows")


def test_truncated_header(tmp_path):
    data = dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO)
    for cut in (10, 40, 200):
        with pytest.raises(InputFileError) as e:
            import_lpp(write_download(tmp_path / str(cut), histo_bytes=data[:cut]))
        one_line(e, "lpp_histo_tot812.dbf")


def test_trailing_bytes_and_bad_deletion_flag(tmp_path):
    data = dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO)
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "a", histo_bytes=data + b"garbage"))
    one_line(e, "unexpected bytes")
    headerlen = 32 + 32 * len(HISTO_FIELDS) + 1
    bad = bytearray(data)
    bad[headerlen] = ord("#")  # neither ' ' (live) nor '*' (deleted)
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "b", histo_bytes=bytes(bad)))
    one_line(e, "13 live and 0 deleted")


def test_header_without_end_of_descriptors(tmp_path):
    data = bytearray(dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO))
    headerlen = 32 + 32 * len(HISTO_FIELDS) + 1
    data[headerlen - 1] = ord("X")  # the 0x0D terminator is gone
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo_bytes=bytes(data)))
    one_line(e, "no end of the field descriptors")


def test_too_many_zip_members(tmp_path, monkeypatch):
    monkeypatch.setattr(dbase, "MAX_ZIP_MEMBERS", 3)
    path = write_download(tmp_path, extra={"a.txt": b"", "b.txt": b""})
    with pytest.raises(InputFileError) as e:
        import_lpp(path)
    one_line(e, "4 members, more than 3")


def test_corrupt_record_length(tmp_path):
    bad = bytearray(dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO))
    bad[10] += 1  # record length no longer the sum of the fields
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo_bytes=bytes(bad)))
    one_line(e, "corrupt header")


def test_unknown_field_type(tmp_path):
    fields = [(n, "Q" if n == "ENTENTE" else t, ln, d) for n, t, ln, d in HISTO_FIELDS]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo_bytes=dbf_bytes(fields, SAMPLE_HISTO)))
    one_line(e, "lpp_histo_tot812.dbf", "not a dBase table")


@pytest.mark.parametrize("column", ["TARIF", "PUREGLEMEN", "NAT_PREST", "DEBUTVALID"])
def test_missing_column(tmp_path, column):
    fields = [f for f in HISTO_FIELDS if f[0] != column]
    rows = [{k: v for k, v in r.items() if k != column} for r in SAMPLE_HISTO]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo_bytes=dbf_bytes(fields, rows)))
    one_line(e, "lpp_histo_tot812.dbf", f"column {column} is missing")


def test_wrong_column_type(tmp_path):
    fields = [(n, "L", 1, 0) if n == "TARIF" else (n, t, ln, d) for n, t, ln, d in HISTO_FIELDS]
    rows = [r | {"TARIF": b"T"} for r in SAMPLE_HISTO]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo_bytes=dbf_bytes(fields, rows)))
    one_line(e, "column TARIF has dBase type 'L'")


@pytest.mark.parametrize("column, raw, words", [
    ("TARIF", b"12,30", ["TARIF", "not a decimal number", "'12,30'", "CODE_TIPS 2200001"]),
    ("TARIF", b"1e3", ["TARIF", "not a decimal number", "'1e3'"]),
    ("TARIF", b"-9.00", ["TARIF", "'-9.00'"]),
    ("TARIF", b"**********", ["TARIF", "'**********'"]),
    ("TARIF", b"", ["TARIF", "needs a tariff"]),
    ("TARIF", b"12.345", ["TARIF", "whole number of cents"]),
    ("TARIF", b"9999999.99", ["TARIF", "above 1000000 EUR"]),
    ("PUREGLEMEN", b"abc", ["PUREGLEMEN", "'abc'"]),
    ("DEBUTVALID", b"20201340", ["DEBUTVALID", "not a calendar date", "'20201340'"]),
    ("DEBUTVALID", b"2020-1-1", ["DEBUTVALID", "not a date YYYYMMDD"]),
    ("DEBUTVALID", b"", ["DEBUTVALID", "first day"]),
    ("FINHISTO", b"2O2OO1O1", ["FINHISTO", "not a date"]),
    ("CODE_TIPS", b"22A0001", ["CODE_TIPS", "7 digits", "'22A0001'"]),
])
def test_bad_values_name_file_row_column_and_value(tmp_path, column, raw, words):
    histo = [SAMPLE_HISTO[0] | {column: raw}] + SAMPLE_HISTO[1:]
    if column == "CODE_TIPS":
        histo[0]["CODE_TIPS"] = raw
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path, histo=histo))
    one_line(e, "lpp_histo_tot812.dbf", "row 1", *words)


def test_bad_fiche_values(tmp_path):
    fiche = [SAMPLE_FICHE[0] | {"AGE_MAX": b"1x"}] + SAMPLE_FICHE[1:]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "a", fiche=fiche))
    one_line(e, "lpp_fiche_tot812.dbf", "AGE_MAX", "'1x'", "CODE_TIPS 2200001")
    fiche = [SAMPLE_FICHE[0] | {"DATE_FIN": b"20219999"}] + SAMPLE_FICHE[1:]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "b", fiche=fiche))
    one_line(e, "DATE_FIN", "not a calendar date")


def test_bad_values_in_unused_rows_do_not_matter(tmp_path):
    histo = SAMPLE_HISTO[:-1] + [SAMPLE_HISTO[-1] | {"TARIF": b"n/a"}]  # chapter 2.1 row
    assert import_lpp(write_download(tmp_path, histo=histo)).rows


def test_orphan_and_duplicated_codes(tmp_path):
    histo = SAMPLE_HISTO + [histo_row("2299999", "V02", "10.00", "20.00")]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "a", histo=histo))
    one_line(e, "lpp_histo_tot812.dbf", "2299999", "no row in lpp_fiche_tot812.dbf")
    fiche = SAMPLE_FICHE + [fiche_row("2200001", "DOUBLON", age_max=16)]
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "b", fiche=fiche))
    one_line(e, "lpp_fiche_tot812.dbf", "2200001", "several rows")


def test_unknown_optical_code_listed_or_refused_in_strict_mode(tmp_path):
    path = write_download(tmp_path)
    assert import_lpp(path).other_optical_codes["VX1"] == 1
    with pytest.raises(InputFileError) as e:
        import_lpp(path, strict=True)
    one_line(e, "VX1", "not grouping codes of spec §7")


def test_not_a_zip_missing_and_mixed_downloads(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(InputFileError) as e:
        import_lpp(junk)
    one_line(e, "neither a zip archive nor a folder")
    with pytest.raises(InputFileError) as e:
        import_lpp(tmp_path / "absent.zip")
    one_line(e, "no such file or folder")
    path = write_download(tmp_path / "a", extra={"lpp_fiche_tot811.dbf": b"x"})
    with pytest.raises(InputFileError) as e:
        import_lpp(path)
    one_line(e, "several lpp_fiche_tot tables")
    only = tmp_path / "only.zip"
    with zipfile.ZipFile(only, "w") as zf:
        zf.writestr("lpp_fiche_tot812.dbf", dbf_bytes(FICHE_FIELDS, SAMPLE_FICHE))
        zf.writestr("lpp_histo_tot813.dbf", dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO))
    with pytest.raises(InputFileError) as e:
        import_lpp(only)
    one_line(e, "different downloads")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError) as e:
        import_lpp(tmp_path / "empty")
    one_line(e, "no lpp_fiche_tot<nnn>.dbf")


@pytest.mark.parametrize("name", ["../lpp_fiche_tot812.dbf", "/etc/lpp_fiche_tot812.dbf",
                                  "a/../../x.dbf", "C:\\x\\lpp_fiche_tot812.dbf"])
def test_path_traversal_member_refused(tmp_path, name):
    path = write_download(tmp_path, extra={name: b"x"})
    with pytest.raises(InputFileError) as e:
        import_lpp(path)
    one_line(e, "unsafe member name")
    assert not (tmp_path.parent / "lpp_fiche_tot812.dbf").exists()


def test_zip_bomb_refused(tmp_path):
    bomb = b" " * (3 << 20)  # 3 MiB of spaces: deflates about a thousandfold
    path = write_download(tmp_path, histo_bytes=bomb)
    with pytest.raises(InputFileError) as e:
        import_lpp(path)
    one_line(e, "lpp_histo_tot812.dbf", "zip bomb")


def test_member_larger_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(dbase, "MAX_TABLE_BYTES", 1000)
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "z"))
    one_line(e, "more than 1000")
    with pytest.raises(InputFileError) as e:
        import_lpp(write_download(tmp_path / "d", as_zip=False))
    one_line(e, "more than 1000")


def test_corrupt_zip_member(tmp_path):
    path = write_download(tmp_path)
    data = bytearray(path.read_bytes())
    i = data.index(b"lpp_histo_tot812.dbf") + 40  # inside the compressed data of the member
    data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError) as e:
        import_lpp(path)
    one_line(e, "LPP download")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_table_never_crashes(tmp_path, data):
    raw = bytearray(dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO))
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.just(len(raw)), st.integers(0, len(raw))))
    folder = tmp_path / "fuzz"
    write_download(folder, histo_bytes=bytes(raw[:cut]), as_zip=False)
    try:
        read_lpp_download(folder)
    except InputFileError as exc:
        assert "\n" not in str(exc)



def test_control_characters_in_a_column_name_stay_on_one_line(tmp_path):
    """A fuzzed column name with a newline once broke the one-line message."""
    raw = bytearray(dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO))
    name_at = 32 + raw[32:].index(b"CODE_TIPS")
    raw[name_at + 1] = ord("\n")  # CODE_TIPS -> C\nDE_TIPS: the column is now missing
    folder = tmp_path / "nl"
    write_download(folder, histo_bytes=bytes(raw), as_zip=False)
    with pytest.raises(InputFileError) as info:
        read_lpp_download(folder)
    assert "\n" not in str(info.value) and "C\\nDE_TIPS" in str(info.value)
