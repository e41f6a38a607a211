"""The command-line interface: answers, JSON output and exit codes (0 ok, 2 malformed)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zkclaims.cli import EXIT_MALFORMED, EXIT_OK, main
from zkclaims.cli.rules import _demo_rules


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_classify_text(capsys):
    code, out, err = run(capsys, "classify", "--sphere", "-2.00", "--cylinder", "-1.00",
                         "--axis", "180", "--usage", "far")
    assert code == EXIT_OK and err == ""
    assert "-3.00 (+1.00) 90°" in out and "simple" in out and "row 3" in out


def test_classify_json_trap(capsys):
    code, out, _ = run(capsys, "classify", "--sphere", "-5,50", "--cylinder", "-1,00",
                       "--axis", "0", "--json")
    data = json.loads(out)
    assert code == 0 and data["lens_class"] == "complex" and data["row"] == 5
    assert data["canonical_q"] == {"sphere": -26, "cylinder": 4, "axis": 90, "addition": 0}
    assert data["lens_class_code"] == 1


def test_classify_near_and_progressive(capsys):
    _, out, _ = run(capsys, "classify", "--sphere", "+4.25", "--addition", "2", "--usage",
                    "near", "--json")
    assert json.loads(out)["lens_class"] == "complex"  # +6.25 unifocal
    _, out, _ = run(capsys, "classify", "--sphere", "-6", "--addition", "2", "--usage",
                    "progressive", "--json")
    assert json.loads(out)["lens_class"] == "very_complex" and json.loads(out)["row"] == 9


@pytest.mark.parametrize(
    "argv, field",
    [
        (["classify", "--sphere", "-2.10"], "sphere"),
        (["classify", "--sphere", "-2", "--cylinder", "-1"], "axis"),
        (["classify", "--sphere", "-2", "--cylinder", "-1", "--axis", "200"], "axis"),
        (["classify", "--sphere", "40"], "sphere"),
        (["classify", "--sphere", "-2", "--usage", "near"], "addition"),
        (["classify", "--sphere", "-2", "--addition", "9"], "addition"),
    ],
)
def test_bad_input_exit_2_one_line_naming_field(capsys, argv, field):
    code, out, err = run(capsys, *argv)
    assert code == EXIT_MALFORMED and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{field}:" in lines[0]


@pytest.mark.parametrize(
    "argv",
    [[], ["nope"], ["classify"], ["classify", "--sphere", "1", "--usage", "reading"],
     ["category", "simple"], ["category", "simple", "bad"]],
)
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == EXIT_MALFORMED and "usage" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "classify" in out and "category" in out


@pytest.mark.parametrize(
    "right, left, code, floor, ceiling",
    [("simple", "simple", "a", "50.00", "420.00"), ("complex", "simple", "b", "125.00", "560.00"),
     ("very_complex", "very_complex", "f", "200.00", "800.00")],
)
def test_category(capsys, right, left, code, floor, ceiling):
    rc, out, _ = run(capsys, "category", right, left)
    assert rc == 0 and f"category {code}" in out and floor in out and ceiling in out


def test_category_json_employer(capsys):
    rc, out, _ = run(capsys, "category", "simple", "simple", "--employer-mandatory", "--json")
    data = json.loads(out)
    assert rc == 0 and data["category"] == "a" and data["floor_cents"] == 10_000
    assert data["ceiling_cents"] == 42_000


def test_rules_demo(capsys):
    # the rules worked example: ``zkclaims demo --rules`` prints it
    lines = []
    _demo_rules(out=lines.append)
    out = "\n".join(lines)
    for needle in ("canonical -6.50 (+1.00) 90°", "category c", "700.00", "decision",
                   "patient remainder 210.00", "spec §3"):
        assert needle in out
    code, printed, err = run(capsys, "demo", "--rules")
    assert code == EXIT_OK and err == "" and printed == out + "\n"


def test_console_script_subprocess():
    exe = Path(sys.executable).with_name("zkclaims")
    proc = subprocess.run([str(exe), "category", "simple", "very_complex", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["category"] == "d"
    bad = subprocess.run([str(exe), "classify", "--sphere", "1.1"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "sphere:" in bad.stderr
