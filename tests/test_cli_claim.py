"""CLI of the equipment claim: keygen, prescribe, prove, verify, export-snarkjs, inspect, circuits
build, demo; exit codes; --help; the README commands; the examples."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zkclaims.cli import EXIT_INVALID, EXIT_MALFORMED, EXIT_OK, build_parser, main
from zkclaims.cli import demo as cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: The README's claim walkthrough is the ```console block after this marker.
MARKER = "<!-- zkclaims:claim-commands -->"
#: The same commands, run directly until the README section is merged.
FALLBACK_COMMANDS = """\
$ zkclaims keygen --out prescriber.pem --prescriber-id RPPS-10001234567 --trusted prescribers.json
$ zkclaims prescribe examples/prescription.json --patient examples/patient.json \\
    --key prescriber.pem --prescriber-id RPPS-10001234567 \\
    --out-opening opening.json --out-attestation attestation.json
$ zkclaims prove --opening opening.json --attestation attestation.json \\
    --equipment examples/equipment.json --claim examples/claim.json --out bundle.json
$ zkclaims inspect bundle.json
$ zkclaims verify bundle.json --trusted prescribers.json --insurer AMC-75000123 \\
    --beneficiary examples/beneficiary.json --contract examples/contract.json
$ zkclaims export-snarkjs bundle.json --out-dir snarkjs
$ zkclaims demo
"""
SUBCOMMANDS = ["keygen", "prescribe", "prove", "verify", "export-snarkjs", "inspect", "demo"]


def readme_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    if MARKER in text:
        block = text.split(MARKER, 1)[1]
        m = re.search(r"```console\n(.*?)```", block, re.S)
        assert m, f"README: no ```console block after {MARKER}"
        body = m.group(1)
    else:
        body = FALLBACK_COMMANDS
    joined = body.replace("\\\n", " ")  # shell line continuations
    cmds = [shlex.split(line[2:]) for line in joined.splitlines() if line.startswith("$ ")]
    assert all(c[0] == "zkclaims" for c in cmds)
    return [c[1:] for c in cmds]


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """Run the README commands once in a fresh folder; return (folder, outputs)."""
    import contextlib
    import io
    import os

    d = tmp_path_factory.mktemp("walk")
    shutil.copytree(ROOT / "examples", d / "examples")
    old = os.getcwd()
    os.chdir(d)
    outputs = []
    try:
        for argv in readme_commands():
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                code = main(argv)
            outputs.append((argv, code, buf.getvalue()))
    finally:
        os.chdir(old)
    return d, outputs


def test_every_readme_command_succeeds(walkthrough):
    d, outputs = walkthrough
    assert sorted(argv[0] for argv, _, _ in outputs) == sorted(SUBCOMMANDS)
    for argv, code, out in outputs:
        assert code == EXIT_OK, (argv, out)
    for f in ("prescriber.pem", "prescribers.json", "opening.json", "attestation.json",
              "bundle.json", "snarkjs/verification_key.json", "snarkjs/proof.json",
              "snarkjs/public.json"):
        assert (d / f).is_file(), f
    import stat

    for secret in ("prescriber.pem", "opening.json"):  # owner-only, whatever the umask
        assert stat.S_IMODE((d / secret).stat().st_mode) == 0o600, secret
    by_cmd = {argv[0]: out for argv, _, out in outputs}
    assert "VALID: category c" in by_cmd["verify"]
    assert "not in the bundle" in by_cmd["inspect"]


def test_bundle_from_cli_discloses_no_prescription(walkthrough):
    d, _ = walkthrough
    bundle = (d / "bundle.json").read_text()
    opening = json.loads((d / "opening.json").read_text())
    assert opening["blinding"] not in bundle
    for word in ("sphere", "cylinder", "axis", "addition", "usage", "progressive"):
        assert word not in bundle


def test_verify_exit_codes(walkthrough, capsys):
    d, _ = walkthrough
    args = ["--trusted", str(d / "prescribers.json"), "--insurer", "AMC-75000123",
            "--beneficiary", str(d / "examples/beneficiary.json")]
    assert main(["verify", str(d / "bundle.json"), *args, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["valid"] is True
    data = json.loads((d / "bundle.json").read_text())
    data["claim"]["claim_id"] = "another"
    (d / "tampered.json").write_text(json.dumps(data))
    assert main(["verify", str(d / "tampered.json"), *args]) == EXIT_INVALID
    assert "context_mismatch" in capsys.readouterr().out
    assert main(["verify", str(d / "tampered.json"), *args, "--json"]) == EXIT_INVALID
    assert json.loads(capsys.readouterr().out)["reason"] == "context_mismatch"
    # malformed: not JSON, missing file, bad bundle, bad point, missing option
    (d / "garbage.json").write_text("{not json")
    assert main(["verify", str(d / "garbage.json"), *args]) == EXIT_MALFORMED
    assert "bundle.json" in capsys.readouterr().err
    assert main(["verify", str(d / "nope.json"), *args]) == EXIT_MALFORMED
    data = json.loads((d / "bundle.json").read_text())
    del data["proof"]
    (d / "noproof.json").write_text(json.dumps(data))
    assert main(["verify", str(d / "noproof.json"), *args]) == EXIT_MALFORMED
    assert "proof" in capsys.readouterr().err
    data = json.loads((d / "bundle.json").read_text())
    data["proof"] = "ff" * 192
    (d / "badpoint.json").write_text(json.dumps(data))
    assert main(["verify", str(d / "badpoint.json"), *args]) == EXIT_MALFORMED
    assert "proof.a" in capsys.readouterr().err
    assert main(["verify", str(d / "bundle.json")]) == EXIT_MALFORMED
    # the insurer and the beneficiary record are required
    assert main(["verify", str(d / "bundle.json"), *args[:2], *args[4:]]) == EXIT_MALFORMED
    assert "--insurer" in capsys.readouterr().err
    assert main(["verify", str(d / "bundle.json"), *args[:4]]) == EXIT_MALFORMED
    assert "--beneficiary" in capsys.readouterr().err


def test_prove_on_one_thread_or_several_gives_a_valid_bundle(walkthrough, monkeypatch):
    d, _ = walkthrough
    monkeypatch.chdir(d)
    for n in ("1", "3"):
        assert main([*PROVE, "--out", f"threads{n}.json", "--threads", n]) == EXIT_OK
        assert main(["verify", f"threads{n}.json", *T]) == EXIT_OK


def test_untrusted_prescriber_exit_1(walkthrough, capsys):
    d, _ = walkthrough
    (d / "empty.json").write_text('{"prescribers": {}}')
    assert main(["verify", str(d / "bundle.json"), "--trusted", str(d / "empty.json"),
                 "--insurer", "AMC-75000123", "--beneficiary",
                 str(d / "examples/beneficiary.json")]) == 1
    assert "untrusted_prescriber" in capsys.readouterr().out


def test_export_snarkjs_files_verify(walkthrough):
    from zkclaims.groth16 import snarkjs, verify

    d, _ = walkthrough
    vk_json = json.loads((d / "snarkjs/verification_key.json").read_text())
    vk = snarkjs.load_verification_key(vk_json)
    proof = snarkjs.load_proof(json.loads((d / "snarkjs/proof.json").read_text()))
    public = snarkjs.load_public(json.loads((d / "snarkjs/public.json").read_text()))
    assert len(public) == 8
    assert verify(vk, public, proof)
    assert not verify(vk, [public[0] + 1, *public[1:]], proof)


def test_keygen_refuses_to_overwrite_and_extends_trusted(workdir, capsys):
    args = ["keygen", "--out", "k.pem", "--prescriber-id", "A", "--trusted", "t.json"]
    assert main(args) == EXIT_OK
    assert main(args) == EXIT_MALFORMED
    assert "--out" in capsys.readouterr().err
    assert main(["keygen", "--out", "k2.pem", "--prescriber-id", "B", "--trusted", "t.json",
                 "--kind", "orthoptist"]) == EXIT_OK
    t = json.loads(Path("t.json").read_text())
    assert set(t["prescribers"]) == {"A", "B"}
    assert t["prescribers"]["B"]["kind"] == "orthoptist"


def test_prescribe_and_prove_bad_input_exit_2(workdir, capsys):
    assert main(["keygen", "--out", "k.pem", "--prescriber-id", "A", "--trusted", "t.json"]) == 0
    Path("rx.json").write_text('{"right": {"sphere": -2.3}, "left": {"sphere": "1"},'
                               ' "issued_on": "2025-01-01"}')
    pat = ["--patient", "examples/patient.json"]
    assert main(["prescribe", "rx.json", *pat, "--key", "k.pem", "--prescriber-id", "A",
                 "--out-opening", "o.json", "--out-attestation", "a.json"]) == EXIT_MALFORMED
    assert "right.sphere" in capsys.readouterr().err
    assert main(["prescribe", "examples/prescription.json", "--key", "k.pem", "--prescriber-id",
                 "A", "--out-opening", "o.json", "--out-attestation", "a.json"]) == EXIT_MALFORMED
    assert "--patient" in capsys.readouterr().err  # the patient is required
    Path("p.json").write_text('{"ins": "1 68 06 75 123 456 48", "birth_date": "1968-06-01"}')
    assert main(["prescribe", "examples/prescription.json", "--patient", "p.json", "--key",
                 "k.pem", "--prescriber-id", "A", "--out-opening", "o.json",
                 "--out-attestation", "a.json"]) == EXIT_MALFORMED
    err = capsys.readouterr().err
    assert "--patient" in err and "ins" in err and "key" in err
    assert main(["prescribe", "examples/prescription.json", *pat, "--key", "k.pem",
                 "--prescriber-id", "A", "--out-opening", "o.json", "--out-attestation",
                 "a.json"]) == EXIT_OK
    prove = ["prove", "--opening", "o.json", "--attestation", "a.json", "--equipment",
             "examples/equipment.json", "--claim", "examples/claim.json", "--out", "b.json"]
    assert main([*prove, "--amo", "right=3"]) == EXIT_MALFORMED  # no AMO share any more
    assert "--amo" in capsys.readouterr().err
    # the pre-check: refused before any proving, exit 1 with the insurer's reason
    assert main([*prove, "--today", "2025-04-01"]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert "REFUSED before proving (delivery_in_future)" in out and not Path("b.json").exists()


@pytest.mark.parametrize("command", [*SUBCOMMANDS, "circuits", "circuits build"])
def test_help_documents_every_flag(command, capsys):
    assert main([*command.split(), "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command.split()[0]]
    if command == "circuits build":
        sub = next(a for a in sub._actions if a.dest == "circuits_command").choices["build"]
    for action in sub._actions:
        for flag in action.option_strings:
            assert flag in out
        if action.option_strings and action.dest != "help":
            assert action.help, f"{command} {action.option_strings}: no help text"


def test_examples_equal_the_demo_data():
    for name, data in (("prescription", cli.DEMO_PRESCRIPTION), ("equipment", cli.DEMO_EQUIPMENT),
                       ("claim", cli.DEMO_CLAIM), ("contract", cli.DEMO_CONTRACT),
                       ("patient", cli.DEMO_PATIENT), ("beneficiary", cli.DEMO_BENEFICIARY)):
        assert json.loads((ROOT / "examples" / f"{name}.json").read_text()) == data, name


def test_demo_round_trip(capsys):
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ACCEPTED, category c" in out
    assert "WHAT IT NEVER SAW" in out and "-6.50 (+1.00) 90°" in out
    assert "168067512345649" in out.split("WHAT IT NEVER SAW", 1)[1]  # the INS: never sent
    claim_part = out.split("5. early renewal", 1)[0]  # the renewal part: test_renewal_cli
    assert claim_part.count("REJECTED") == 5 and "unexpected" not in out
    assert "another patient's prescription" in out and "REJECTED (wrong_patient)" in out
    assert "REJECTED (retired_circuit)" in out
    renewal = out.split("5. early renewal", 1)[1]  # docs/renewal.md
    assert "the equipment claim alone, without the change: REJECTED (renewal_too_early)" in (
        renewal)
    assert "one proof of both" in renewal
    assert "with it: ACCEPTED" in renewal and "WHAT IT NEVER SAW" in renewal
    assert "REFUSED before proving (renewal_not_justified)" in renewal


def test_circuits_build_into_another_folder(tmp_path, capsys):
    from zkclaims.circuits import circuit_info

    assert main(["circuits", "build", "--out-dir", str(tmp_path)]) == EXIT_OK
    info = json.loads((tmp_path / "optique-equipement-2020" / "circuit.json").read_text())
    shipped = circuit_info("optique-equipement-2020")
    assert info["circuit_id"] == shipped["circuit_id"]
    assert info["setup"] == "one-party-setup" and info["statement_version"] == 2
    vk_new = json.loads((tmp_path / "optique-equipement-2020" / "verifying_key.json").read_text())
    assert vk_new["delta_g2"] != json.loads(
        (ROOT / "circuits/artifacts/optique-equipement-2020/verifying_key.json").read_text()
    )["delta_g2"]  # fresh randomness
    assert json.loads((tmp_path / "constraint_counts.json").read_text())[
        "optique-equipement-2020"] == info["n_constraints"]
    # the pins of a build elsewhere go next to it, never over the package's
    from zkclaims import pins

    pinned = (tmp_path / "pins.py").read_text()
    assert pins.VERIFYING_KEY_SHA256["optique-equipement-2020"] not in pinned
    assert (ROOT / "zkclaims" / "pins.py").read_text().count(
        pins.VERIFYING_KEY_SHA256["optique-equipement-2020"]) == 1


def test_console_script_entry_point():
    exe = Path(sys.executable).with_name("zkclaims")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for name in SUBCOMMANDS:
        assert name in out.stdout


# ---------------------------------------------------------------------------------------------
# bad input on every subcommand: exit 2, one line on stderr naming the file and the field
# ---------------------------------------------------------------------------------------------


def _bad_files(d: Path) -> None:
    """Write the bad inputs of the table below into the walkthrough folder ``d``."""
    (d / "garbage.json").write_text("{not json")
    (d / "list.json").write_text("[]")
    (d / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (d / "adir").mkdir(exist_ok=True)
    contract = json.loads((d / "examples/contract.json").read_text())
    del contract["guarantees"]["c"]
    (d / "partial.json").write_text(json.dumps(contract))
    bundle = json.loads((d / "bundle.json").read_text())
    for name, path, value in (
        ("othercircuit", "circuit_id", "0" * 64),
        ("negprice", "invoice.right.price_cents", -1),
        ("floatprice", "invoice.right.price_cents", 1.5),
        ("oldday", "attestation.prescription_day", "1960-01-01"),
        ("badpoint", "proof", "00" * 192),
    ):
        data = json.loads(json.dumps(bundle))
        node = data
        *parents, leaf = path.split(".")
        for k in parents:
            node = node[k]
        node[leaf] = value
        (d / f"{name}.json").write_text(json.dumps(data))


T = ["--trusted", "prescribers.json", "--insurer", "AMC-75000123", "--beneficiary",
     "examples/beneficiary.json"]
PROVE = ["prove", "--opening", "opening.json", "--attestation", "attestation.json",
         "--equipment", "examples/equipment.json", "--claim", "examples/claim.json"]
PRESCRIBE = ["prescribe", "examples/prescription.json", "--key", "prescriber.pem",
             "--prescriber-id", "X", "--out-opening", "o.json", "--out-attestation", "a.json",
             "--patient", "examples/patient.json"]
BAD_INPUT = [
    # (argv, words the one stderr line must hold)
    (["verify", "missing.json", *T], ["bundle.json", "missing.json", "cannot read"]),
    (["verify", "garbage.json", *T], ["bundle.json", "garbage.json", "not JSON", "line 1"]),
    (["verify", "binary.json", *T], ["binary.json", "not UTF-8"]),
    (["verify", "adir", *T], ["adir", "a folder without any *.json file"]),
    (["verify", "list.json", *T], ["list.json", "ClaimBundle"]),
    (["verify", "examples/claim.json", *T], ["claim.json", "ClaimBundle", "circuit_id"]),
    (["verify", "negprice.json", *T], ["negprice.json", "invoice.right.price_cents", "-1"]),
    (["verify", "floatprice.json", *T], ["invoice.right.price_cents", "1.5"]),
    (["verify", "oldday.json", *T], ["attestation.prescription_day", "1960-01-01"]),
    (["verify", "badpoint.json", *T], ["proof.a"]),
    (["verify", "bundle.json", "--trusted", "bundle.json", *T[2:]],
     ["--trusted", "bundle.json", "format", "zkclaims-claim-bundle/v2"]),
    (["verify", "bundle.json", "--trusted", "missing.json", *T[2:]],
     ["--trusted", "missing.json"]),
    (["verify", "bundle.json", *T[:4], "--beneficiary", "examples/patient.json"],
     ["--beneficiary", "patient.json", "member_id"]),
    (["verify", "bundle.json", *T, "--history", "examples/claim.json"],
     ["--history", "claim.json", "ClaimHistory"]),
    (["verify", "bundle.json", *T, "--last-delivery", "2024-02-30"],
     ["--last-delivery", "2024-02-30"]),
    (["verify", "bundle.json", *T, "--last-delivery", "2024-01-01", "--history", "h.json"],
     ["--last-delivery", "--history"]),
    (["verify", "bundle.json", *T, "--today", "today"], ["--today", "YYYY-MM-DD"]),
    (["verify", "bundle.json", *T, "--tariffs", "missing.json"], ["--tariffs", "missing.json"]),
    (["verify", "bundle.json", *T, "--tariffs", "examples/claim.json"],
     ["--tariffs", "claim.json", "tariffs"]),
    (["verify", "bundle.json", *T, "--claim-deadline-days", "-3"], ["claim_deadline_days"]),
    (["verify", "bundle.json", *T[:2], "--insurer", " AMC", *T[4:]], ["insurer", "' AMC'"]),
    (["verify", "bundle.json", *T, "--contract", "bundle.json"], ["--contract", "format"]),
    (["verify", "bundle.json", *T, "--contract", "garbage.json"], ["--contract", "not JSON"]),
    (["verify", "bundle.json", *T, "--contract", "partial.json"],
     ["--contract", "partial.json", "guarantees", "category c"]),
    (["verify", "bundle.json", *T, "--backend", "nope"], ["--backend", "nope"]),
    (["inspect", "garbage.json"], ["garbage.json", "not JSON"]),
    (["inspect", "examples/equipment.json"], ["equipment.json", "ClaimBundle"]),
    (["export-snarkjs", "othercircuit.json", "--out-dir", "s"], ["circuit_id", "0000"]),
    (["export-snarkjs", "missing.json", "--out-dir", "s"], ["missing.json", "cannot read"]),
    (["export-snarkjs", "bundle.json", "--out-dir", "bundle.json"], ["--out-dir", "bundle.json"]),
    (["prescribe", "bundle.json", *PRESCRIBE[2:]], ["RX.json", "bundle.json", "right"]),
    ([*PRESCRIBE[:3], "missing.pem", *PRESCRIBE[4:]], ["key", "missing.pem", "cannot read"]),
    ([*PRESCRIBE[:3], "garbage.json", *PRESCRIBE[4:]], ["key", "garbage.json", "PEM"]),
    ([*PRESCRIBE[:3], "adir", *PRESCRIBE[4:]], ["key", "adir"]),
    ([*PRESCRIBE[:7], "nodir/o.json", *PRESCRIBE[8:]], ["--out-opening", "nodir/o.json"]),
    (["keygen", "--out", "nodir/k.pem", "--prescriber-id", "A", "--trusted", "t.json"],
     ["--out", "nodir/k.pem"]),
    (["keygen", "--out", "k9.pem", "--prescriber-id", "A", "--trusted", "nodir/t.json"],
     ["--trusted", "nodir/t.json"]),
    (["keygen", "--out", "k9.pem", "--prescriber-id", "A", "--trusted", "garbage.json"],
     ["--trusted", "garbage.json", "not JSON"]),
    (["keygen", "--out", "k9.pem", "--prescriber-id", " A", "--trusted", "t9.json"],
     ["prescriber_id", "' A'"]),
    ([*PROVE[:2], "attestation.json", *PROVE[3:], "--out", "b.json"],
     ["--opening", "attestation.json", "zkclaims-opening/v2"]),
    ([*PROVE, "--out", "b.json", "--today", "2025-13-01"], ["--today", "2025-13-01"]),
    ([*PROVE[:6], "examples/claim.json", *PROVE[7:], "--out", "b.json"],
     ["--equipment", "claim.json", "right"]),
    ([*PROVE, "--out", "nodir/b.json"], ["--out", "nodir/b.json", "cannot write"]),
    ([*PROVE, "--out", "b.json", "--backend", "nope"], ["--backend", "nope"]),
    ([*PROVE, "--out", "b.json", "--tariffs", "missing.json"], ["--tariffs", "missing.json"]),
    ([*PROVE, "--out", "b.json", "--threads", "0"], ["--threads", "0", "1 to 256"]),
    ([*PROVE, "--out", "b.json", "--threads", "two"], ["--threads", "two", "1 to 256"]),
    (["circuits", "build", "--out-dir", "bundle.json"], ["bundle.json"]),
]


@pytest.mark.parametrize("argv, words", BAD_INPUT, ids=[" ".join(a)[:60] for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line_naming_file_and_field(walkthrough, capsys, monkeypatch,
                                                               argv, words):
    d, _ = walkthrough
    _bad_files(d)
    monkeypatch.chdir(d)
    assert main(argv) == EXIT_MALFORMED
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"zkclaims {argv[0]}: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])
    for leftover in ("nodir", "k9.pem", "t9.json"):
        assert not (d / leftover).exists()  # nothing half-written


def test_verify_rejections_exit_1_with_the_reason_once(walkthrough, capsys, monkeypatch):
    d, _ = walkthrough
    _bad_files(d)
    monkeypatch.chdir(d)
    (d / "nobody.json").write_text('{"prescribers": {}}')
    record = json.loads((d / "examples/beneficiary.json").read_text())
    for name, update in (("born_after", {"birth_date": "2025-03-11"}),
                         ("other_member", {"member_id": "MBR-9"}),
                         ("other_ins", {"ins": "2 85 02 75 012 345 21"})):
        (d / f"{name}.json").write_text(json.dumps({**record, **update}))
    bundle = json.loads((d / "bundle.json").read_text())
    bundle["format"] = "zkclaims-claim-bundle/v1"
    (d / "v1.json").write_text(json.dumps(bundle))
    (d / "history.json").write_text('{"last_delivery": "2024-01-15"}')
    for argv, reason, words in (
        (["othercircuit.json", *T], "unknown_circuit", ["circuit_id", "0000"]),
        (["v1.json", *T], "retired_circuit", ["bundle.format", "binds no patient"]),
        (["bundle.json", *T[:2], "--insurer", "AMC-99", *T[4:]], "wrong_insurer",
         ["claim.insurer", "AMC-75000123", "AMC-99"]),
        (["bundle.json", *T[:4], "--beneficiary", "other_member.json"], "wrong_beneficiary",
         ["claim.beneficiary", "MBR-0042-7781", "MBR-9"]),
        (["bundle.json", "--trusted", "nobody.json", *T[2:]], "untrusted_prescriber",
         ["prescriber_id", "RPPS-10001234567"]),
        (["bundle.json", *T, "--today", "2025-04-01"], "delivery_in_future",
         ["claim.delivered_on", "2025-04-02"]),
        (["bundle.json", *T, "--today", "2025-06-01", "--claim-deadline-days", "30"],
         "claim_too_late", ["30 days"]),
        (["bundle.json", *T[:4], "--beneficiary", "born_after.json"], "prescription_not_valid",
         ["birth_date", "2025-03-11"]),
        (["bundle.json", *T[:4], "--beneficiary", "other_ins.json"], "wrong_patient",
         ["patient_tag", "MBR-0042-7781"]),
        (["bundle.json", *T, "--last-delivery", "2024-01-15"], "renewal_too_early",
         ["2024-01-15", "2026-01-15"]),
        (["bundle.json", *T, "--history", "history.json"], "renewal_too_early",
         ["2024-01-15"]),
    ):
        assert main(["verify", *argv]) == EXIT_INVALID
        out = capsys.readouterr().out.strip()
        assert out.startswith(f"INVALID ({reason}): ") and out.count(reason) == 1, out
        assert all(w in out for w in words), out
        assert main(["verify", *argv, "--json"]) == EXIT_INVALID
        data = json.loads(capsys.readouterr().out)
        assert data["reason"] == reason and not data["message"].startswith(reason)


def test_verify_accepts_a_renewal_after_the_period(walkthrough, capsys, monkeypatch):
    d, _ = walkthrough
    monkeypatch.chdir(d)
    assert main(["verify", "bundle.json", *T, "--last-delivery", "2023-04-02"]) == EXIT_OK
    assert "VALID: category c" in capsys.readouterr().out


def test_verify_prices_from_the_lpp_table(walkthrough, capsys, monkeypatch):
    """--tariffs: the AMO share comes from the table's tariffs (60 %, rounded half up)."""
    import datetime as dt

    from zkclaims.domain.lpp import TariffRow, TariffTable, save_tariffs

    d, _ = walkthrough
    monkeypatch.chdir(d)
    rows = tuple(TariffRow(lpp_code=f"220000{i}", grouping_code=code,
                           valid_from=dt.date(2020, 1, 1), tariff_cents=tariff)
                 for i, (code, tariff) in enumerate((("VM2", 15), ("M03", 5))))
    save_tariffs(TariffTable(source="test", rows=rows), d / "tariffs.json")
    assert main(["verify", "bundle.json", *T, "--tariffs", "tariffs.json", "--json"]) == EXIT_OK
    decision = json.loads(capsys.readouterr().out)["decision"]
    assert [p["amo_cents"] for p in decision["payments"]] == [9, 9, 3]
    assert any("test" in r for r in decision["reasons"])
    # a code the table has no row for is refused, saying so
    save_tariffs(TariffTable(source="test", rows=rows[1:]), d / "tariffs.json")
    assert main(["verify", "bundle.json", *T, "--tariffs", "tariffs.json"]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert "INVALID (grouping_code_mismatch)" in out and "VM2" in out


def test_prove_with_the_lpp_table_refuses_a_price_above_the_cap_before_proving(
        walkthrough, capsys, monkeypatch):
    """prove --tariffs: a classe A lens above its code's cap is refused (exit 1), nothing
    written; the same equipment at the cap is proven."""
    import datetime as dt

    from zkclaims.domain.lpp import TariffRow, TariffTable, save_tariffs

    d, _ = walkthrough
    monkeypatch.chdir(d)
    rows = tuple(TariffRow(lpp_code=f"22000{i:02d}", grouping_code=code,
                           valid_from=dt.date(2020, 1, 1), tariff_cents=3000, plv_cents=plv)
                 for i, (code, plv) in enumerate((("V01", 4500), ("V02", 6000), ("V03", 10000),
                                                   ("V04", 10000), ("M01", 3000))))
    save_tariffs(TariffTable(source="test", rows=rows), d / "tariffs.json")
    equipment = json.loads((d / "examples/equipment.json").read_text())
    for side in ("right", "left"):
        equipment[side].update(classe="A", grouping_code=None, price_cents=25000)
    equipment["frame"].update(classe="A", price_cents=3000)
    (d / "greedy.json").write_text(json.dumps(equipment))
    argv = [*PROVE[:6], "greedy.json", *PROVE[7:], "--tariffs", "tariffs.json"]
    assert main([*argv, "--out", "greedy-bundle.json"]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert "REFUSED before proving (classe_a_price_above_cap)" in out
    assert "invoice.right" in out and "100.00 EUR" in out
    assert not (d / "greedy-bundle.json").exists()
    for side in ("right", "left"):
        equipment[side]["price_cents"] = 10000
    (d / "fair.json").write_text(json.dumps(equipment))
    argv[6] = "fair.json"
    assert main([*argv, "--out", "fair-bundle.json"]) == EXIT_OK
    assert json.loads((d / "fair-bundle.json").read_text())["invoice"]["right"]["classe"] == "A"


def test_inspect_lists_every_field_v2_discloses(walkthrough, capsys, monkeypatch):
    d, _ = walkthrough
    monkeypatch.chdir(d)
    assert main(["inspect", "bundle.json", "--json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    disclosed = doc["disclosed"]
    for field in ("claim.beneficiary", "public_inputs.patient_tag", "invoice.right",
                  "attestation.commitment", "claim.delivered_on"):
        assert field in disclosed, field
    assert "multifocal complex" in disclosed["invoice.right"]
    assert "VM2" in disclosed["invoice.right"]
    assert "INS" in doc["not_disclosed"] and "far or near" in doc["not_disclosed"]


def test_inspect_flags_an_unknown_circuit(walkthrough, capsys, monkeypatch):
    d, _ = walkthrough
    _bad_files(d)
    monkeypatch.chdir(d)
    assert main(["inspect", "othercircuit.json"]) == EXIT_OK
    assert "UNKNOWN circuit" in capsys.readouterr().out
    assert main(["inspect", "bundle.json"]) == EXIT_OK
    assert "optique-equipement-2020" in capsys.readouterr().out
