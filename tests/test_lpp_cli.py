"""``zkclaims tariffs import|show``: the insurer converts the LPP download once."""

import json

from dbase_writer import write_download

from zkclaims.cli import main
from zkclaims.domain.lpp import load_tariffs


def test_import_then_show(tmp_path, capsys):
    src = write_download(tmp_path / "dl")
    out = tmp_path / "tariffs.json"
    assert main(["tariffs", "import", str(src), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "LPP download 812: 11 optical rows written" in text
    assert "V01: 4 row(s)" in text and "VX1 (1 rows)" in text and "under 16" in text
    assert len(load_tariffs(out).rows) == 11
    assert main(["tariffs", "show", str(out), "--code", "V01", "--on", "2022-01-01"]) == 0
    text = capsys.readouterr().out
    assert "3 of 11 rows of V01 in force on 2022-01-01" in text and "2200002" in text
    assert "2200004" not in text  # ended 2021-12-31
    assert main(["tariffs", "show", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["shown"]) == 11 and doc["rows_by_code"]["M01"] == 2


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    src = write_download(tmp_path / "dl")
    assert main(["tariffs", "import", str(src), "--out", str(tmp_path / "t.json"),
                 "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "VX1" in err and "zkclaims tariffs" in err
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    assert main(["tariffs", "show", str(junk)]) == 2
    assert "not a zkclaims LPP tariffs document" in capsys.readouterr().err
    out = tmp_path / "t.json"
    assert main(["tariffs", "import", str(src), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["tariffs", "show", str(out), "--on", "tomorrow"]) == 2
    assert "--on" in capsys.readouterr().err
