"""Interop with real snarkjs 0.7.6: its transcripts verify here, ours verify there.

The fixtures of tests/fixtures/ceremony/ were made by snarkjs (make_fixtures.sh); the live
tests run snarkjs from npm (installed into .cache/peers by `make test`, or here when Node is
present). Only a machine without Node skips the live tests, saying so.
"""

import json
from pathlib import Path

import pytest
from ceremony_support import FIX, phase1, phase2, run_snarkjs, snarkjs, tiny_circuit

from zkclaims import groth16
from zkclaims.ceremony import (
    export_keys,
    load_circuit,
    load_ptau,
    load_zkey,
    new_zkey,
    ptau_bytes,
    verify_ptau,
    verify_zkey,
    zkey_bytes,
)
from zkclaims.ceremony.binfile import read_binfile
from zkclaims.circuit.iden3 import write_r1cs, write_wtns
from zkclaims.groth16 import snarkjs as sj

CER = FIX / "ceremony"
R1CS_FILE = FIX / "snarkjs" / "circuit.r1cs"


def _live():
    cmd, why = snarkjs()
    if cmd is None:
        pytest.skip(why)


# --- fixtures made by snarkjs -----------------------------------------------------------------


def test_snarkjs_phase1_fixture_verifies():
    report = verify_ptau(load_ptau(CER / "snarkjs_pot3.ptau"))
    assert [(c.name, c.beacon) for c in report.contributions] == [
        ("snarkjs one", False), ("snarkjs two", False), ("snarkjs beacon", True)]
    assert report.prepared and report.power == 3


def test_snarkjs_phase2_fixture_verifies_and_its_keys_prove():
    ptau = load_ptau(CER / "snarkjs_pot3.ptau")
    z = load_zkey(CER / "snarkjs_circuit.zkey")
    shape = load_circuit(R1CS_FILE.read_bytes())
    report = verify_zkey(z, shape, ptau)
    assert [(c.name, c.beacon) for c in report.contributions] == [
        ("zkey one", False), ("zkey two", False), ("zkey beacon", True)]
    r1cs, w = tiny_circuit()
    pk, vk = export_keys(z, r1cs.digest())
    proof = groth16.prove(pk, r1cs, w)
    assert groth16.verify(vk, w[1:3], proof)
    assert not groth16.verify(vk, [w[1], w[2] + 1], proof)


def test_our_initial_key_is_snarkjs_s_byte_for_byte():
    # zkey new here and in snarkjs give the same sections 3-7 and the same circuit hash.
    ptau = load_ptau(CER / "snarkjs_pot3.ptau")
    ours = read_binfile(zkey_bytes(new_zkey(R1CS_FILE.read_bytes(), ptau)), b"zkey", "ours")
    theirs = read_binfile((CER / "snarkjs_circuit.zkey").read_bytes(), b"zkey", "theirs")
    for sid in (3, 4, 5, 6, 7):
        assert bytes(ours.sections[sid]) == bytes(theirs.sections[sid]), sid
    assert bytes(ours.sections[10][:64]) == bytes(theirs.sections[10][:64])  # circuit hash


# --- live snarkjs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    """Our small transcript, the circuit, a witness and our exported keys, as files."""
    _live()
    d = tmp_path_factory.mktemp("ours")
    (d / "pot.ptau").write_bytes(ptau_bytes(phase1()))
    (d / "final.zkey").write_bytes(zkey_bytes(phase2()))
    r1cs, w = tiny_circuit()
    write_r1cs(d / "circuit.r1cs", r1cs)
    write_wtns(d / "witness.wtns", w)
    pk, vk = export_keys(phase2(), r1cs.digest())
    (d / "vk.json").write_text(json.dumps(sj.dump_verification_key(vk)))
    return d, pk, vk


def test_snarkjs_verifies_our_transcript(ours):
    d, _, _ = ours
    p1 = run_snarkjs("powersoftau", "verify", "pot.ptau", cwd=d)
    assert p1.returncode == 0 and "Powers of Tau Ok!" in p1.stdout, p1.stdout[-2000:]
    assert "Contribution #3: beacon" in p1.stdout
    p2 = run_snarkjs("zkey", "verify", "circuit.r1cs", "pot.ptau", "final.zkey", cwd=d)
    assert p2.returncode == 0 and "ZKey Ok!" in p2.stdout, p2.stdout[-2000:]
    for c in phase2().contributions:  # the contribution hashes it prints are ours
        assert c.contribution_hash().hex()[:8] in p2.stdout


def test_snarkjs_refuses_what_we_refuse(ours, tmp_path):
    from dataclasses import replace

    from zkclaims.ceremony.keys import scalar

    z = phase2()
    c1, c2, c3 = z.contributions
    forged = replace(z, contributions=(c1, replace(c2, delta_after=c2.delta_after * scalar(2)),
                                       c3))
    (tmp_path / "forged.zkey").write_bytes(zkey_bytes(forged))
    d = ours[0]
    p = run_snarkjs("zkey", "verify", str(d / "circuit.r1cs"), str(d / "pot.ptau"),
                    str(tmp_path / "forged.zkey"))
    assert "ZKey Ok!" not in p.stdout and "INVALID(1)" in p.stdout


def test_proofs_cross_both_ways(ours):
    d, pk, vk = ours
    r1cs, w = tiny_circuit()
    # snarkjs proves with our .zkey; our verifier (with the exported key) accepts its proof
    p = run_snarkjs("groth16", "prove", "final.zkey", "witness.wtns", "proof.json",
                    "public.json", cwd=d)
    assert p.returncode == 0, p.stderr[-2000:]
    proof = sj.load_proof(json.loads((d / "proof.json").read_text()))
    public = sj.load_public(json.loads((d / "public.json").read_text()))
    assert public == w[1:3] and groth16.verify(vk, public, proof)
    # our proof with the exported key verifies in snarkjs
    ours_proof = groth16.prove(pk, r1cs, w)
    (d / "our_proof.json").write_text(json.dumps(sj.dump_proof(ours_proof)))
    (d / "our_public.json").write_text(json.dumps(sj.dump_public(w[1:3])))
    v = run_snarkjs("groth16", "verify", "vk.json", "our_public.json", "our_proof.json", cwd=d)
    assert v.returncode == 0 and "OK!" in v.stdout, v.stdout[-2000:]


def test_transcript_made_by_snarkjs_verifies_here_and_proves(tmp_path):
    _live()
    beacon = "0a1b2c3d4e5f"
    steps = [
        ("powersoftau", "new", "bls12381", "3", "p0.ptau"),
        ("powersoftau", "contribute", "p0.ptau", "p1.ptau", "--name=live one", "-e=e1"),
        ("powersoftau", "contribute", "p1.ptau", "p2.ptau", "--name=live two", "-e=e2"),
        ("powersoftau", "beacon", "p2.ptau", "p3.ptau", beacon, "10", "-n=live beacon"),
        ("powersoftau", "prepare", "phase2", "p3.ptau", "pot.ptau"),
        ("zkey", "new", str(R1CS_FILE), "pot.ptau", "z0.zkey"),
        ("zkey", "contribute", "z0.zkey", "z1.zkey", "--name=z one", "-e=e3"),
        ("zkey", "contribute", "z1.zkey", "z2.zkey", "--name=z two", "-e=e4"),
        ("zkey", "beacon", "z2.zkey", "final.zkey", beacon, "10", "-n=z beacon"),
    ]
    for args in steps:
        p = run_snarkjs(*args, cwd=tmp_path)
        assert p.returncode == 0, (args, p.stderr[-1000:])
    ptau = load_ptau(tmp_path / "pot.ptau")
    assert len(verify_ptau(ptau).contributions) == 3
    z = load_zkey(tmp_path / "final.zkey")
    report = verify_zkey(z, load_circuit(R1CS_FILE.read_bytes()), ptau)
    assert [c.name for c in report.contributions] == ["z one", "z two", "z beacon"]
    r1cs, w = tiny_circuit()
    pk, vk = export_keys(z, r1cs.digest())
    assert groth16.verify(vk, w[1:3], groth16.prove(pk, r1cs, w))


def test_cli_runs_on_snarkjs_files(tmp_path):
    from zkclaims.cli import main

    assert main(["ceremony", "phase1", "verify", str(CER / "snarkjs_pot3.ptau"), "--quiet"]) == 0
    assert main(["ceremony", "phase2", "verify", str(R1CS_FILE), str(CER / "snarkjs_pot3.ptau"),
                 str(CER / "snarkjs_circuit.zkey"), "--quiet"]) == 0
    out = tmp_path / "keys"
    assert main(["ceremony", "phase2", "export", str(R1CS_FILE), str(CER / "snarkjs_pot3.ptau"),
                 str(CER / "snarkjs_circuit.zkey"), "--out-dir", str(out), "--quiet"]) == 0
    theirs = sj.load_verification_key(json.loads((out / "verification_key.json").read_text()))
    vk = groth16.VerifyingKey.from_json((out / "verifying_key.json").read_text())
    assert vk.setup == "mpc" and vk.circuit_id == tiny_circuit()[0].digest()
    fields = ("alpha_g1", "beta_g2", "gamma_g2", "delta_g2", "ic")
    assert [getattr(theirs, f) for f in fields] == [getattr(vk, f) for f in fields]
    assert Path(out / "proving_key.bin").stat().st_size > 0
