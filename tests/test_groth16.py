"""Groth16 over BLS12-381 on both group backends (py_ecc on tiny circuits only)."""

import json
import subprocess
import sys

import pytest

from zkclaims import groth16
from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError, ProofError
from zkclaims.field import R, domain, poly_eval
from zkclaims.groth16 import (
    SETUP_CEREMONY,
    SETUP_DEV,
    SETUP_ONE_PARTY,
    Proof,
    ProvingKey,
    VerifyingKey,
    find_invalid,
    verify,
    verify_batch,
)
from zkclaims.groth16.qap import QAP
from zkclaims.groth16.snarkjs import _f2_rhs, _fp2_sqrt, _fp_sqrt
from zkclaims.groups import get_backend
from zkclaims.groups.encoding import G1_IDENTITY_BYTES, G2_IDENTITY_BYTES, encode_g1, encode_g2
from zkclaims.hazmat import (
    dev_setup,
    dev_trapdoor,
    prove_with_randomness,
    simulate_proof,
    synthetic_r1cs,
)

# x^3 + x + 5 == out and s * s == s2; variables: 1, out, s (public), x, x^2, x^3, s^2.
TINY = R1CS(
    n_public=2,
    n_vars=7,
    constraints=(
        ({3: 1}, {3: 1}, {4: 1}),
        ({4: 1}, {3: 1}, {5: 1}),
        ({5: 1, 3: 1, 0: 5}, {0: 1}, {1: 1}),
        ({2: 1}, {2: 1}, {6: 1}),
    ),
    names=("x2", "x3", "out", "s2"),
    name="tiny",
)


def tiny_witness(x, s):
    return [1, (x**3 + x + 5) % R, s, x, x * x % R, x**3 % R, s * s % R]


W1 = tiny_witness(3, 7)
W2 = tiny_witness(4, 0)  # a zero in the witness


@pytest.fixture(scope="module", params=["arkworks", "py_ecc"])
def be(request):
    return get_backend(request.param)


@pytest.fixture(scope="module")
def keys(be):
    return dev_setup(TINY, "test-groth16", backend=be)


@pytest.fixture(scope="module")
def proof1(be, keys):
    return groth16.prove(keys[0], TINY, W1, backend=be)


def _g1_off_curve():
    x = 1
    while _fp_sqrt(x**3 + 4) is not None:
        x += 1
    return bytes([0x80 | (x >> 376)]) + (x % (1 << 376)).to_bytes(47, "big")


def _g1_not_in_subgroup():
    x = 1
    while (y := _fp_sqrt(x**3 + 4)) is None:
        x += 1
    return encode_g1(x, y)  # a random curve point: in the subgroup with prob. ~1/h


def _g2_off_curve():
    x = (1, 1)
    while _fp2_sqrt(_f2_rhs(x)) is not None:
        x = (x[0] + 1, 1)
    return bytes([0x80]) + x[1].to_bytes(48, "big")[1:] + x[0].to_bytes(48, "big")


def _g2_not_in_subgroup():
    x = (1, 1)
    while (y := _fp2_sqrt(_f2_rhs(x))) is None:
        x = (x[0] + 1, 1)
    return encode_g2(x, y)


def _other_g1(be, raw):
    return be.g1_to_bytes(be.g1_add(be.g1_from_bytes(raw), be.g1_generator()))


def _other_g2(be, raw):
    return be.g2_to_bytes(be.g2_add(be.g2_from_bytes(raw), be.g2_generator()))


# --- QAP --------------------------------------------------------------------------------------


def test_qap_public_rows_and_h():
    qap = QAP.from_r1cs(TINY)
    assert qap.n_rows == 4 + 3 and qap.domain.size == 8
    assert qap.rows_a[4:] == (((0, 1),), ((1, 1),), ((2, 1),))
    h = qap.h_coefficients(qap.check_witness(W1))
    assert len(h) == 7
    # A(X) B(X) - C(X) == H(X) Z(X) at a random point
    tau = 0x1234567890ABCDEF
    lag = qap.domain.lagrange_at(tau)
    a, b, c = qap.polynomials_at(lag)
    dot = [sum(p * w for p, w in zip(poly, W1, strict=True)) % R for poly in (a, b, c)]
    assert (dot[0] * dot[1] - dot[2]) % R == poly_eval(h, tau) * qap.domain.vanishing_at(tau) % R


def test_h_query_scalars_are_snarkjs_s():
    # The prover weights the H query (odd Lagrange points of the doubled domain, as in a
    # snarkjs .zkey) by A B - C at the odd points: the sum is A(tau) B(tau) - C(tau).
    qap = QAP.from_r1cs(TINY)
    w = qap.check_witness(W1)
    q = qap.quotient_evaluations(w)
    n = qap.domain.size
    assert len(q) == n
    tau = 0xFEDCBA9876543210
    odd = domain(2 * n).lagrange_at(tau)[1::2]
    a, b, c = qap.polynomials_at(qap.domain.lagrange_at(tau))
    dot = [sum(p * x for p, x in zip(poly, w, strict=True)) % R for poly in (a, b, c)]
    assert sum(x * y for x, y in zip(q, odd, strict=True)) % R == (dot[0] * dot[1] - dot[2]) % R
    h = qap.h_coefficients(w)
    assert (dot[0] * dot[1] - dot[2]) % R == poly_eval(h, tau) * qap.domain.vanishing_at(tau) % R


def test_qap_witness_checks():
    qap = QAP.from_r1cs(TINY)
    with pytest.raises(ProofError, match=r"constraint 2 \(out\)"):
        qap.check_witness([1, 36, 7, 3, 9, 27, 49])
    with pytest.raises(MalformedInputError, match="witness: expected 7"):
        qap.check_witness(W1[:-1])
    with pytest.raises(MalformedInputError, match=r"witness\[3\]"):
        qap.check_witness([1, 35, 7, R + 3, 9, 27, 49])
    with pytest.raises(MalformedInputError, match=r"witness\[0\]"):
        qap.check_witness([2, *W1[1:]])


# --- prove / verify ---------------------------------------------------------------------------


def test_valid_proof_verifies(be, keys, proof1):
    pk, vk = keys
    assert vk.setup == SETUP_DEV and pk.circuit_id == TINY.digest() == vk.circuit_id
    assert verify(vk, W1[1:3], proof1, backend=be) is True
    assert len(proof1.to_bytes()) == 192


def test_each_proof_point_altered(be, keys, proof1):
    vk = keys[1]
    for field in ("a", "b", "c"):
        raw = getattr(proof1, field)
        bad = _other_g2(be, raw) if field == "b" else _other_g1(be, raw)
        tampered = Proof(**{"a": proof1.a, "b": proof1.b, "c": proof1.c, field: bad})
        assert verify(vk, W1[1:3], tampered, backend=be) is False, field


def test_each_public_input_changed(be, keys, proof1):
    vk = keys[1]
    for i in range(2):
        inputs = list(W1[1:3])
        inputs[i] = (inputs[i] + 1) % R
        assert verify(vk, inputs, proof1, backend=be) is False


def test_proofs_swapped_between_statements(be, keys, proof1):
    pk, vk = keys
    proof2 = groth16.prove(pk, TINY, W2, backend=be)
    assert verify(vk, W2[1:3], proof2, backend=be)
    assert verify(vk, W2[1:3], proof1, backend=be) is False
    assert verify(vk, W1[1:3], proof2, backend=be) is False


def test_identity_points_are_malformed(be, keys, proof1):
    vk = keys[1]
    for field, ident in (("a", G1_IDENTITY_BYTES), ("b", G2_IDENTITY_BYTES),
                         ("c", G1_IDENTITY_BYTES)):
        p = Proof(**{"a": proof1.a, "b": proof1.b, "c": proof1.c, field: ident})
        with pytest.raises(MalformedInputError, match=f"proof.{field}"):
            verify(vk, W1[1:3], p, backend=be)


@pytest.mark.parametrize("kind", ["off_curve", "not_in_subgroup"])
def test_bad_points_are_malformed(be, keys, proof1, kind):
    vk = keys[1]
    g1 = {"off_curve": _g1_off_curve, "not_in_subgroup": _g1_not_in_subgroup}[kind]()
    g2 = {"off_curve": _g2_off_curve, "not_in_subgroup": _g2_not_in_subgroup}[kind]()
    for field, bad in (("a", g1), ("b", g2), ("c", g1)):
        p = Proof(**{"a": proof1.a, "b": proof1.b, "c": proof1.c, field: bad})
        with pytest.raises(MalformedInputError, match=f"proof.{field}"):
            verify(vk, W1[1:3], p, backend=be)


def test_wrong_lengths_and_counts(be, keys, proof1):
    vk = keys[1]
    raw = proof1.to_bytes()
    for n in (0, 191, 193):
        with pytest.raises(MalformedInputError, match="proof"):
            Proof.from_bytes((raw * 2)[:n])
    with pytest.raises(MalformedInputError, match="proof.b"):
        Proof(proof1.a, proof1.b[:-1], proof1.c)
    with pytest.raises(MalformedInputError, match="expected 2 public inputs"):
        verify(vk, W1[1:2], proof1, backend=be)
    with pytest.raises(MalformedInputError, match="expected 2 public inputs"):
        verify(vk, [*W1[1:3], 0], proof1, backend=be)


@pytest.mark.parametrize("bad", [R, R + 35, -1, 2**256, True, "35", 1.0])
def test_public_input_out_of_range(be, keys, proof1, bad):
    with pytest.raises(MalformedInputError, match=r"public_inputs\[0\]"):
        verify(keys[1], [bad, W1[2]], proof1, backend=be)


def test_circuit_id_mismatch(be, keys, proof1):
    other = Proof(proof1.a, proof1.b, proof1.c, circuit_id="0" * 64)
    with pytest.raises(MalformedInputError, match="proof.circuit_id"):
        verify(keys[1], W1[1:3], other, backend=be)
    unlabeled = Proof.from_bytes(proof1.to_bytes())
    assert verify(keys[1], W1[1:3], unlabeled, backend=be)


def test_two_proofs_differ_and_rerandomize(be, keys, proof1):
    pk, vk = keys
    again = groth16.prove(pk, TINY, W1, backend=be)
    assert again.to_bytes() != proof1.to_bytes()
    rr = groth16.rerandomize(vk, proof1, backend=be)
    assert rr.to_bytes() != proof1.to_bytes()
    assert verify(vk, W1[1:3], rr, backend=be)
    assert verify(vk, W2[1:3], rr, backend=be) is False


def test_simulated_proof_verifies(be, keys):
    vk = keys[1]
    sim = simulate_proof(vk, dev_trapdoor("test-groth16"), [11, 12], backend=be)
    assert verify(vk, [11, 12], sim, backend=be)
    assert verify(vk, [11, 13], sim, backend=be) is False


def test_prover_rejects_bad_inputs(be, keys):
    pk = keys[0]
    with pytest.raises(ProofError, match="constraint"):
        groth16.prove(pk, TINY, [1, 36, 7, 3, 9, 27, 49], backend=be)
    other, w = synthetic_r1cs(4)
    with pytest.raises(MalformedInputError, match="r1cs: circuit id"):
        groth16.prove(pk, other, w, backend=be)


def test_serialisation_round_trips(be, keys, proof1):
    pk, vk = keys
    assert Proof.from_bytes(proof1.to_bytes()) == Proof(proof1.a, proof1.b, proof1.c)
    pj = Proof.from_json(proof1.to_json())
    assert pj == proof1 and pj.circuit_id == TINY.digest() and pj.n_public == 2
    assert VerifyingKey.from_json(vk.to_json()) == vk
    assert VerifyingKey.from_bytes(vk.to_bytes()) == vk
    pk2 = ProvingKey.from_bytes(pk.to_bytes())
    assert pk2 == pk and ProvingKey.from_json(pk.to_json()) == pk
    assert verify(pk2.vk, W1[1:3], groth16.prove(pk2, TINY, W1, backend=be), backend=be)


def test_serialisation_rejects_malformed():
    with pytest.raises(MalformedInputError, match="proof.version"):
        Proof.from_json({"format": "zkclaims-groth16-proof", "version": 2, "protocol": "groth16",
                         "curve": "bls12381"})
    with pytest.raises(MalformedInputError, match="proof.curve"):
        Proof.from_json('{"format": "zkclaims-groth16-proof", "version": 1, '
                        '"protocol": "groth16", "curve": "bn128"}')
    with pytest.raises(MalformedInputError, match="vk: bad magic"):
        VerifyingKey.from_bytes(b"x" * 40)


def test_verifying_key_identity_points_are_malformed(be, keys, proof1):
    vk = keys[1]
    for name, ident in (("alpha_g1", G1_IDENTITY_BYTES), ("beta_g2", G2_IDENTITY_BYTES),
                        ("gamma_g2", G2_IDENTITY_BYTES), ("delta_g2", G2_IDENTITY_BYTES)):
        d = {f: getattr(vk, f) for f in ("alpha_g1", "beta_g2", "gamma_g2", "delta_g2", "ic")}
        d[name] = ident
        bad_vk = VerifyingKey(**d, circuit_id=vk.circuit_id)
        with pytest.raises(MalformedInputError, match=f"vk.{name}"):
            verify(bad_vk, W1[1:3], proof1, backend=be)
    bad_ic = VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2,
                          (vk.ic[0], _g1_off_curve(), vk.ic[2]))
    with pytest.raises(MalformedInputError, match=r"vk.ic\[1\]"):
        verify(bad_ic, W1[1:3], proof1, backend=be)


# --- cross-backend ----------------------------------------------------------------------------


def test_cross_backend_bytes_and_verification():
    ark, pyecc = get_backend("arkworks"), get_backend("py_ecc")
    pk_a, vk_a = dev_setup(TINY, "cross", backend=ark)
    pk_p, vk_p = dev_setup(TINY, "cross", backend=pyecc)
    assert pk_a.to_bytes() == pk_p.to_bytes() and vk_a.to_bytes() == vk_p.to_bytes()
    p_a = prove_with_randomness(pk_a, TINY, W1, 5, 7, backend=ark)
    p_p = prove_with_randomness(pk_p, TINY, W1, 5, 7, backend=pyecc)
    assert p_a.to_bytes() == p_p.to_bytes()
    fresh = groth16.prove(pk_a, TINY, W1, backend=ark)
    assert verify(vk_p, W1[1:3], Proof.from_bytes(fresh.to_bytes()), backend=pyecc)
    fresh_p = groth16.prove(pk_p, TINY, W2, backend=pyecc)
    assert verify(vk_a, W2[1:3], Proof.from_bytes(fresh_p.to_bytes()), backend=ark)


# --- setup ------------------------------------------------------------------------------------


def test_one_party_setup_and_phase2_contribution():
    pk, vk = groth16.setup(TINY)
    assert vk.setup == SETUP_ONE_PARTY and pk.setup == SETUP_ONE_PARTY
    assert groth16.setup(TINY)[1].to_bytes() != vk.to_bytes()  # fresh randomness
    proof = groth16.prove(pk, TINY, W1)
    assert verify(vk, W1[1:3], proof)
    pk2, vk2 = groth16.contribute_delta(pk, 123456789)
    assert vk2.delta_g2 != vk.delta_g2 and vk2.ic == vk.ic and vk2.setup == SETUP_CEREMONY
    proof2 = groth16.prove(pk2, TINY, W1)
    assert verify(vk2, W1[1:3], proof2)
    assert verify(vk, W1[1:3], proof2) is False


def test_medium_circuit_and_batch_finds_bad_proof():
    r1cs, w = synthetic_r1cs(200, n_public=3, seed=5)
    pk, vk = dev_setup(r1cs, "batch")
    qap = QAP.from_r1cs(r1cs)
    public = w[1:4]
    base = groth16.prove(pk, qap, w)
    items = [(public, groth16.rerandomize(vk, base)) for _ in range(32)]
    assert verify_batch(vk, items)
    assert find_invalid(vk, items) == []
    bad_public = list(public)
    bad_public[1] = (bad_public[1] + 1) % R
    items[13] = (bad_public, items[13][1])
    assert verify_batch(vk, items) is False
    assert find_invalid(vk, items) == [13]
    items[30] = (public, Proof(items[30][1].a, items[29][1].b, items[30][1].c))
    assert find_invalid(vk, items) == [13, 30]
    with pytest.raises(MalformedInputError, match=r"items\[2\].public_inputs\[0\]"):
        verify_batch(vk, [items[0], items[1], ([R, 0, 0], items[2][1])])
    assert verify_batch(vk, [])


def test_verify_side_imports_no_prover_code():
    code = (
        "import sys\n"
        "from zkclaims.groth16 import verify, verify_batch, Proof, VerifyingKey\n"
        "from zkclaims.groth16 import prepare_verifying_key, snarkjs\n"
        "bad = [m for m in sys.modules if m.startswith(('zkclaims.groth16.proving',"
        " 'zkclaims.groth16.keygen', 'zkclaims.groth16.qap', 'zkclaims.circuit',"
        " 'zkclaims.hazmat'))]\n"
        "assert not bad, bad\n"
        "from zkclaims.groth16 import prove\n"
        "assert 'zkclaims.groth16.proving' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_phase1_route_matches_direct_keys_and_ceremony_flow():
    from zkclaims.groth16.keygen import build_keys, keys_from_secrets, phase1_from_secrets

    t = dev_trapdoor("phase1")
    qap = QAP.from_r1cs(TINY)
    phase1 = phase1_from_secrets(qap.domain.size, t.tau, t.alpha, t.beta)
    pk1, vk1 = build_keys(qap, phase1, t.delta, SETUP_DEV)
    pk2, vk2 = keys_from_secrets(qap, t.tau, t.alpha, t.beta, t.delta, None, SETUP_DEV)
    assert pk1.to_bytes() == pk2.to_bytes() and vk1 == vk2
    assert pk2.to_bytes() == dev_setup(TINY, "phase1")[0].to_bytes()
    # ceremony: phase 2 starts at delta = 1, two contributions multiply it
    pk0, _ = build_keys(qap, phase1, 1)
    pk_c, vk_c = groth16.contribute_delta(pk0, 11)
    pk_c, vk_c = groth16.contribute_delta(pk_c, t.delta * pow(11, -1, R) % R)
    assert vk_c.setup == SETUP_CEREMONY
    fields = ("beta_g1", "delta_g1", "a_g1", "b_g1", "b_g2", "h_g1", "l_g1")
    assert [getattr(pk_c, f) for f in fields] == [getattr(pk1, f) for f in fields]
    assert vk_c.to_dict() | {"setup": SETUP_DEV} == vk1.to_dict()
    assert verify(vk_c, W1[1:3], groth16.prove(pk_c, TINY, W1))


def test_json_forms_refuse_unknown_fields(keys, proof1):
    """Strict parsing: a field the format does not define is refused, naming it."""
    pk, vk = keys
    for obj, what in ((proof1, "proof"), (vk, "vk"), (pk, "pk")):
        d = json.loads(obj.to_json())
        assert type(obj).from_json(d).to_json() == obj.to_json()
        d["amount_cents"] = 10**6
        with pytest.raises(MalformedInputError, match=rf"{what}\.amount_cents: unknown field"):
            type(obj).from_json(d)
