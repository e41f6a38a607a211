"""CLI of the early renewal: the README's renewal commands, the options and their errors."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from zkclaims.cli import EXIT_INVALID, EXIT_MALFORMED, EXIT_OK, main
from zkclaims.cli.renewal import DEMO_PREVIOUS_PRESCRIPTION, parse_criteria
from zkclaims.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- zkclaims:renewal-commands -->"


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(MARKER, 1)[1]
    body = re.search(r"```console\n(.*?)```", block, re.S).group(1)
    joined = body.replace("\\\n", " ")
    cmds = [shlex.split(line[2:]) for line in joined.splitlines() if line.startswith("$ ")]
    assert cmds and all(c[0] == "zkclaims" for c in cmds)
    return [c[1:] for c in cmds]


def run(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    return code, buf.getvalue()


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    d = tmp_path_factory.mktemp("renewal")
    shutil.copytree(ROOT / "examples", d / "examples")
    old = os.getcwd()
    os.chdir(d)
    try:
        outputs = [(argv, *run(argv)) for argv in readme_commands()]
    finally:
        os.chdir(old)
    return d, outputs


def verify_args(d: Path) -> list[str]:
    return ["verify", str(d / "renewal-bundle.json"), "--trusted", str(d / "prescribers.json"),
            "--insurer", "AMC-75000123", "--beneficiary", str(d / "examples/beneficiary.json")]


def test_the_readme_renewal_commands_succeed(walkthrough):
    d, outputs = walkthrough
    for argv, code, out in outputs:
        assert code == EXIT_OK, (argv, out)
    by_cmd = {argv[0]: out for argv, _, out in outputs}
    assert "early renewal proven under mask 15" in by_cmd["prove"]
    assert "VALID" in by_cmd["verify"] and "early renewal" in by_cmd["verify"]
    bundle = json.loads((d / "renewal-bundle.json").read_text())
    assert bundle["renewal"]["format"] == "zkclaims-renewal/v2"
    assert bundle["renewal"]["criteria"] == 15
    text = json.dumps(bundle)
    for word in ("sphere", "addition", "+1.50", "+2.00", "168067512345649"):
        assert word not in text


def test_the_example_is_the_demos_previous_prescription():
    doc = json.loads((ROOT / "examples" / "previous-prescription.json").read_text())
    assert doc == DEMO_PREVIOUS_PRESCRIPTION


def test_verify_needs_the_ledger_and_the_justification(walkthrough, capsys):
    d, _ = walkthrough
    # the last delivery alone (no previous commitment): the change cannot be checked
    code, out = run([*verify_args(d), "--last-delivery", "2024-02-01", "--json"])
    assert code == EXIT_INVALID and json.loads(out)["reason"] == "renewal_not_justified"
    # the commitment as a number works like the file
    c = json.loads((d / "previous-attestation.json").read_text())["commitment"]
    code, out = run([*verify_args(d), "--last-delivery", "2024-02-01",
                     "--previous-commitment", c])
    assert code == EXIT_OK, out
    # another previous commitment (this claim's own): not the equipment the insurer paid for
    code, out = run([*verify_args(d), "--last-delivery", "2024-02-01",
                     "--previous-commitment", str(d / "attestation.json")])
    assert code == EXIT_INVALID and "renewal_not_justified" in out
    # an insurer accepting the axis criterion only
    code, out = run([*verify_args(d), "--last-delivery", "2024-02-01",
                     "--previous-commitment", c, "--renewal-criteria", "axis"])
    assert code == EXIT_INVALID and "renewal_not_justified" in out and "criteria 4" in out
    # the same bundle without its renewal member: its proof cannot be checked without it
    bundle = json.loads((d / "renewal-bundle.json").read_text())
    bundle["renewal"] = None
    (d / "bare.json").write_text(json.dumps(bundle))
    args = verify_args(d)
    args[1] = str(d / "bare.json")
    code, out = run([*args, "--last-delivery", "2024-02-01", "--previous-commitment", c])
    assert code == EXIT_INVALID and "renewal_not_justified" in out
    assert "no renewal member" in out
    # the equipment claim alone (no justification) inside the period: too early
    code, out = run(["prove", "--opening", str(d / "opening.json"), "--attestation",
                     str(d / "attestation.json"), "--equipment",
                     str(d / "examples/equipment.json"), "--claim",
                     str(d / "examples/claim.json"), "--out", str(d / "plain.json")])
    assert code == EXIT_OK
    args[1] = str(d / "plain.json")
    code, out = run([*args, "--last-delivery", "2024-02-01", "--previous-commitment", c])
    assert code == EXIT_INVALID and "renewal_too_early" in out


@pytest.mark.parametrize("extra, field", [
    (["--previous-commitment", "12"], "--previous-commitment"),  # without --last-delivery
    (["--last-delivery", "2024-02-01", "--previous-commitment", "nofile.json"],
     "--previous-commitment"),
    (["--last-delivery", "2024-02-01", "--previous-commitment", "examples/claim.json"],
     "--previous-commitment"),
    (["--renewal-criteria", "bogus"], "--renewal-criteria"),
    (["--renewal-criteria", "0"], "--renewal-criteria"),
])
def test_verify_option_errors_name_the_option(walkthrough, capsys, extra, field):
    d, _ = walkthrough
    old = os.getcwd()
    os.chdir(d)
    try:
        assert main([*verify_args(d), *extra]) == EXIT_MALFORMED
    finally:
        os.chdir(old)
    assert field in capsys.readouterr().err


def test_prove_needs_both_previous_files(walkthrough, capsys):
    d, _ = walkthrough
    base = ["prove", "--opening", str(d / "opening.json"), "--attestation",
            str(d / "attestation.json"), "--equipment", str(d / "examples/equipment.json"),
            "--claim", str(d / "examples/claim.json"), "--out", str(d / "x.json")]
    assert main([*base, "--previous-opening", str(d / "previous-opening.json")]) == (
        EXIT_MALFORMED)
    assert "--previous-attestation" in capsys.readouterr().err
    assert main([*base, "--renewal-criteria", "15"]) == EXIT_MALFORMED
    assert "--renewal-criteria" in capsys.readouterr().err
    # the previous prescription given as the new one and the reverse: refused, nothing proved
    swapped = ["prove", "--opening", str(d / "previous-opening.json"), "--attestation",
               str(d / "previous-attestation.json"), "--equipment",
               str(d / "examples/equipment.json"), "--claim", str(d / "examples/claim.json"),
               "--out", str(d / "y.json"), "--previous-opening", str(d / "opening.json"),
               "--previous-attestation", str(d / "attestation.json")]
    code, out = run(swapped)
    assert code == EXIT_INVALID and "renewal_not_justified" in out
    assert not (d / "y.json").exists()


def test_parse_criteria():
    assert parse_criteria(None, "x") is None
    assert int(parse_criteria("15", "x")) == 15
    assert int(parse_criteria("axis, sphere-cylinder", "x")) == 9
    assert int(parse_criteria("far-addition-sum", "x")) == 16
    for bad in ("", "0", "32", "axes", "1,2"):
        with pytest.raises(InvalidInputError):
            parse_criteria(bad, "--renewal-criteria")


def test_inspect_lists_the_renewal_member(walkthrough):
    d, _ = walkthrough
    code, out = run(["inspect", str(d / "renewal-bundle.json")])
    assert code == EXIT_OK
    assert "renewal.criteria" in out and "criteria 1, 2, 3, 4" in out
    assert "optique-equipement-renouvellement-2020" in out
