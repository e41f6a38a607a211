"""``zkclaims verify`` for batch work (issue 13): several files, a folder or ``-`` (one bundle
or JSON Lines), one result per bundle (claim id, bundle digest, decision or reason), ``--jsonl``,
and the batch's exit code."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from zkclaims.cli import main
from zkclaims.cli._batch import batch_exit_code, expand_inputs
from zkclaims.errors import InputFileError, InvalidInputError

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2025-04-10"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two valid bundles of two members, their records, the trusted keys, in a folder."""
    from zkclaims.domain import (
        Beneficiary,
        Equipment,
        EyePrescription,
        Frame,
        Lens,
        Patient,
        Prescription,
    )
    from zkclaims.domain.invoice import Claim
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim

    d = tmp_path_factory.mktemp("batch")
    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add("RPPS-1", key)
    trusted.save(d / "trusted.json")
    records = []
    for n, (ins, sphere) in enumerate([("1 68 06 75 123 456 49", "-2.00"),
                                       ("2 75 03 13 055 002 90", "-7.00")], 1):
        patient = Patient(ins=ins, birth_date=dt.date(1968 + n, 6, 1))
        records.append(Beneficiary(member_id=f"MBR-{n}", ins=ins, birth_date=patient.birth_date))
        rx = Prescription(right=EyePrescription(sphere=sphere), left=EyePrescription(sphere="-1"),
                          issued_on=dt.date(2025, 3, 10))
        opening, att = prescribe(rx, patient=patient, key=key, prescriber_id="RPPS-1")
        eq = Equipment(right=Lens(usage="far", price_cents=15_000, grouping_code="VU1"),
                       left=Lens(usage="far", price_cents=12_000, grouping_code="VU1"),
                       frame=Frame(price_cents=9_000), delivered_on=dt.date(2025, 4, 2))
        claim = Claim(insurer="AMC-1", claim_id=f"C-{n}", optician="FINESS-1",
                      beneficiary=f"MBR-{n}", delivered_on=dt.date(2025, 4, 2))
        bundle = prove_claim(opening, attestation=att, equipment=eq, claim=claim,
                             today=dt.date.fromisoformat(TODAY))
        (d / "inbox").mkdir(exist_ok=True)
        (d / "inbox" / f"{n}.json").write_text(bundle.model_dump_json())
    (d / "members.json").write_text(json.dumps([r.model_dump(mode="json") for r in records]))
    (d / "member1.json").write_text(records[0].model_dump_json())
    return d


def _argv(d, *inputs, extra=()):
    return ["verify", *map(str, inputs), "--trusted", str(d / "trusted.json"), "--insurer",
            "AMC-1", "--beneficiary", str(d / "members.json"), "--today", TODAY, *extra]


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_verify_a_json_b_json(files, capsys):
    a, b = files / "inbox" / "1.json", files / "inbox" / "2.json"
    assert main(_argv(files, a, b, extra=["--jsonl"])) == 0
    results = _lines(capsys.readouterr().out)
    assert [r["claim_id"] for r in results] == ["C-1", "C-2"]
    assert [r["source"] for r in results] == [str(a), str(b)]
    assert results[0]["bundle_sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert all(r["valid"] and r["decision"]["category"]["code"] for r in results)


def test_verify_a_folder_in_text(files, capsys):
    assert main(_argv(files, files / "inbox")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{files / 'inbox' / '1.json'} (C-1): VALID category")
    assert out[-1] == "2 bundles: 2 valid, 0 invalid, 0 malformed"


def test_the_same_bundle_twice_in_a_batch_is_paid_once(files, capsys):
    a = files / "inbox" / "1.json"
    assert main(_argv(files, a, a, extra=["--jsonl"])) == 1
    first, second = _lines(capsys.readouterr().out)
    assert first["valid"] and not second["valid"]
    assert second["reason"] == "duplicate_claim" and second["claim_id"] == "C-1"


def test_one_bad_file_does_not_stop_the_batch(files, tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    code = main(_argv(files, files / "inbox" / "1.json", deep, tmp_path / "absent.json",
                      extra=["--jsonl"]))
    assert code == 2
    good, bad, missing = _lines(capsys.readouterr().out)
    assert good["valid"]
    assert bad["reason"] == "malformed" and "nested deeper" in bad["message"]
    assert bad["bundle_sha256"] == hashlib.sha256(deep.read_bytes()).hexdigest()
    assert missing["reason"] == "malformed" and "cannot read" in missing["message"]
    assert missing["bundle_sha256"] is None


def test_a_member_without_a_record_is_rejected(files, capsys):
    argv = _argv(files, files / "inbox", extra=["--jsonl"])
    argv[argv.index("--beneficiary") + 1] = str(files / "member1.json")
    assert main(argv) == 1
    one, two = _lines(capsys.readouterr().out)
    assert one["valid"] and two["reason"] == "wrong_beneficiary"


def test_json_summary(files, capsys):
    assert main(_argv(files, files / "inbox", extra=["--json"])) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["valid"], doc["invalid"], doc["malformed"]) == (2, 0, 0)
    assert [r["claim_id"] for r in doc["results"]] == ["C-1", "C-2"]


def _run(files, stdin: bytes, *extra):
    return subprocess.run([sys.executable, "-m", "zkclaims.cli", *_argv(files, "-", extra=extra)],
                          input=stdin, capture_output=True, timeout=300, cwd=ROOT)


def test_verify_stdin_one_bundle_and_json_lines(files):
    one = (files / "inbox" / "1.json").read_bytes()
    run = _run(files, one, "--jsonl")
    assert run.returncode == 0, run.stderr[-500:]
    (res,) = _lines(run.stdout.decode())
    assert res["source"] == "-" and res["claim_id"] == "C-1"
    lines = b"\n".join(json.dumps(json.loads((files / "inbox" / f"{n}.json").read_text()))
                       .encode() for n in (1, 2)) + b"\n"
    run = _run(files, lines, "--jsonl")
    assert run.returncode == 0, run.stderr[-500:]
    assert [r["source"] for r in _lines(run.stdout.decode())] == ["-:1", "-:2"]
    assert [r["claim_id"] for r in _lines(run.stdout.decode())] == ["C-1", "C-2"]


def test_expand_inputs_rules(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="without any"):
        expand_inputs([str(tmp_path / "empty")])
    with pytest.raises(InvalidInputError, match="may be given once"):
        expand_inputs(["-", "-"])


def test_batch_exit_code():
    ok, bad, broken = {"valid": True}, {"valid": False, "reason": "x"}, {
        "valid": False, "reason": "malformed"}
    assert batch_exit_code([ok, ok]) == 0
    assert batch_exit_code([ok, bad]) == 1
    assert batch_exit_code([ok, bad, broken]) == 2
