"""snarkjs interop: fixtures made by real snarkjs (tests/fixtures/snarkjs/make_fixtures.sh)."""

import copy
import json
from pathlib import Path

import pytest

from zkclaims.circuit.iden3 import read_r1cs, read_wtns
from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16 import snarkjs as sj
from zkclaims.groth16 import verify
from zkclaims.groth16.snarkjs import _fp_sqrt
from zkclaims.groups import get_backend
from zkclaims.groups.encoding import P
from zkclaims.hazmat import dev_setup, prove_with_randomness

FIX = Path(__file__).parent / "fixtures" / "snarkjs"


def load(name):
    return json.loads((FIX / name).read_text())


@pytest.fixture(scope="module", params=["arkworks", "py_ecc"])
def be(request):
    return get_backend(request.param)


def test_fixture_circuit_is_the_documented_one():
    r1cs, header = read_r1cs(FIX / "circuit.r1cs")
    assert (r1cs.n_public, r1cs.n_vars, r1cs.n_constraints) == (2, 7, 4)
    assert r1cs.is_satisfied(read_wtns(FIX / "witness.wtns"))


@pytest.mark.parametrize("prefix", ["", "ours_"])
def test_fixture_proofs_verify(be, prefix):
    vk = sj.load_verification_key(load(f"{prefix}verification_key.json"), backend=be)
    proof = sj.load_proof(load(f"{prefix}proof.json"), backend=be)
    public = sj.load_public(load(f"{prefix}public.json"))
    assert public == [35, 7] and vk.n_public == 2
    assert verify(vk, public, proof, backend=be) is True
    assert verify(vk, [36, 7], proof, backend=be) is False
    assert verify(vk, [35, 8], proof, backend=be) is False


def test_snarkjs_accepted_our_proof():
    # Recorded by make_fixtures.sh when it ran `snarkjs groth16 verify` on ours_*.json.
    assert "snarkJS: OK!" in (FIX / "snarkjs_verify_ours.txt").read_text()
    assert "Invalid proof" in (FIX / "snarkjs_verify_ours_tampered.txt").read_text()


def test_tampered_snarkjs_proof_fails(be):
    vk = sj.load_verification_key(load("verification_key.json"), backend=be)
    obj = load("proof.json")
    obj["pi_a"], obj["pi_c"] = obj["pi_c"], obj["pi_a"]
    assert verify(vk, [35, 7], sj.load_proof(obj, backend=be), backend=be) is False


def test_dump_round_trips():
    vk_obj, proof_obj = load("verification_key.json"), load("proof.json")
    vk, proof = sj.load_verification_key(vk_obj), sj.load_proof(proof_obj)
    dumped = sj.dump_verification_key(vk)
    assert dumped == vk_obj  # vk_alphabeta_12 included: our GT export matches snarkjs's
    assert list(dumped) == list(vk_obj)  # and the key order too
    assert "vk_alphabeta_12" not in sj.dump_verification_key(vk, with_alphabeta=False)
    assert sj.dump_proof(proof) == proof_obj
    assert sj.dump_public([35, 7]) == load("public.json")
    assert sj.load_verification_key(dumped) == vk
    assert sj.load_proof(sj.dump_proof(proof)) == proof


def test_our_proof_exports_and_reloads():
    tiny, _ = read_r1cs(FIX / "circuit.r1cs")
    w = read_wtns(FIX / "witness.wtns")
    pk, vk = dev_setup(tiny, "snarkjs-export")
    proof = prove_with_randomness(pk, tiny, w, 3, 4)
    vk2 = sj.load_verification_key(json.loads(json.dumps(sj.dump_verification_key(vk))))
    p2 = sj.load_proof(json.loads(json.dumps(sj.dump_proof(proof))))
    assert vk2.to_bytes() != vk.to_bytes()  # metadata differs (imported, no circuit id) ...
    assert (vk2.alpha_g1, vk2.beta_g2, vk2.gamma_g2, vk2.delta_g2, vk2.ic) == (
        vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, vk.ic)  # ... the points do not
    assert p2.to_bytes() == proof.to_bytes()
    assert verify(vk2, w[1:3], p2)


def _mutated(obj, path, value):
    out = copy.deepcopy(obj)
    node = out
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return out


def test_malformed_snarkjs_inputs():
    vk_obj, proof_obj = load("verification_key.json"), load("proof.json")
    x = int(proof_obj["pi_a"][0])
    cases = [
        (sj.load_proof, _mutated(proof_obj, ["pi_a", 1], str(int(proof_obj["pi_a"][1]) + 1)),
         "proof.pi_a: .* not on the G1 curve"),
        (sj.load_proof, _mutated(proof_obj, ["pi_b", 1, 0], "5"), "proof.pi_b: .* not on the G2"),
        (sj.load_proof, _mutated(proof_obj, ["pi_a", 0], str(x + P)), r"proof.pi_a\[0\]"),
        (sj.load_proof, _mutated(proof_obj, ["pi_a", 2], "2"), r"proof.pi_a\[2\]: only z = 1"),
        (sj.load_proof, _mutated(proof_obj, ["pi_c"], ["0", "1", "0"]), "proof.c: the identity"),
        (sj.load_proof, _mutated(proof_obj, ["pi_a", 0], "0x12"), r"proof.pi_a\[0\]"),
        (sj.load_proof, _mutated(proof_obj, ["curve"], "bn128"), "proof.curve"),
        (sj.load_verification_key, _mutated(vk_obj, ["nPublic"], 3), "vk.IC"),
        (sj.load_verification_key, _mutated(vk_obj, ["protocol"], "plonk"), "vk.protocol"),
        (sj.load_verification_key, _mutated(vk_obj, ["vk_gamma_2", 0, 0], "1"), "vk.vk_gamma_2"),
    ]
    for fn, obj, pattern in cases:
        with pytest.raises(MalformedInputError, match=pattern):
            fn(obj)
    with pytest.raises(MalformedInputError, match=r"public\[1\]"):
        sj.load_public(["35", str(R)])
    with pytest.raises(MalformedInputError, match=r"public\[0\]"):
        sj.load_public(["-1", "7"])


def test_point_outside_subgroup_is_rejected():
    x = 1
    while (y := _fp_sqrt(x**3 + 4)) is None:
        x += 1
    obj = _mutated(load("proof.json"), ["pi_a"], [str(x), str(y), "1"])
    with pytest.raises(MalformedInputError, match="proof.pi_a|proof.a"):
        sj.load_proof(obj)


def test_wrong_public_count_for_snarkjs_vk():
    vk = sj.load_verification_key(load("verification_key.json"))
    proof = sj.load_proof(load("proof.json"))
    with pytest.raises(MalformedInputError, match="public_inputs"):
        verify(vk, [35], proof)
