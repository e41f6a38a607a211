"""Audit: Groth16 (QAP binding, randomness, zero knowledge, verify contract, batch, encodings).

Runs on a hand-made R1CS with two witnesses for one statement (``w * w == x``: ``w`` and
``-w``) and a public input that appears in no constraint. Native backend for the pairing
checks (fast); the py_ecc backend only where a check needs no pairing.
"""

from __future__ import annotations

import json
import secrets

import pytest

from zkclaims import groth16
from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16 import Proof, VerifyingKey, find_invalid, verify, verify_batch
from zkclaims.groth16 import verification as verification_module
from zkclaims.groth16.keygen import keys_from_secrets
from zkclaims.groth16.qap import QAP
from zkclaims.groups import G1_IDENTITY_BYTES, G2_IDENTITY_BYTES, get_backend
from zkclaims.groups.encoding import P
from zkclaims.hazmat import dev_setup, dev_trapdoor, prove_with_randomness

# variables: 0 one, 1 x (public), 2 u (public, in NO constraint), 3 w (private); w * w == x.
SQUARE = R1CS(n_public=2, n_vars=4, constraints=(({3: 1}, {3: 1}, {1: 1}),),
              names=("square",), name="square-with-unused-public")
# another statement with the same shape: w * w * w == x (different circuit id)
CUBE = R1CS(n_public=2, n_vars=5, constraints=(({3: 1}, {3: 1}, {4: 1}), ({4: 1}, {3: 1}, {1: 1})),
            names=("sq", "cube"), name="cube")
W = 3
WIT = [1, W * W, 5, W]
WIT_NEG = [1, W * W, 5, R - W]  # the other square root: a second witness of one statement
SEED = "audit-groth16"

ark = get_backend("arkworks")
pyecc = get_backend("py_ecc")


@pytest.fixture(scope="module")
def keys():
    return dev_setup(SQUARE, SEED, backend=ark)


@pytest.fixture(scope="module")
def proof(keys):
    return groth16.prove(keys[0], SQUARE, WIT, backend=ark)


# ---------------------------------------------------------------------------------------------
# binding of public inputs
# ---------------------------------------------------------------------------------------------


def test_public_input_in_no_constraint_is_still_bound(keys, proof):
    """u appears in no constraint; the QAP's public-input rows still make IC_u independent."""
    qap = QAP.from_r1cs(SQUARE)
    assert not any(2 in a or 2 in b or 2 in c for a, b, c in SQUARE.constraints)
    assert ((2, 1),) in qap.rows_a[SQUARE.n_constraints :]
    vk = keys[1]
    assert len(set(vk.ic)) == 3 and G1_IDENTITY_BYTES not in vk.ic
    assert verify(vk, [9, 5], proof)
    for u in (0, 4, 6, R - 1):
        assert verify(vk, [9, u], proof) is False
    assert verify(vk, [4, 5], proof) is False


@pytest.mark.parametrize("k", [0, 1, 9, 5])
def test_public_input_aliases_raise(keys, proof, k):
    """x + k*r for k >= 1 (same value mod r) must raise, never verify."""
    vk = keys[1]
    for bad in ([9 + R, 5], [9, 5 + R], [9 + 2 * R, 5], [9 - R, 5], [R + k, 5], [9, -5 % R - R]):
        with pytest.raises(MalformedInputError, match=r"public_inputs\[\d\]"):
            verify(vk, bad, proof)
        with pytest.raises(MalformedInputError, match=r"items\[0\]\.public_inputs\[\d\]"):
            verify_batch(vk, [(bad, proof), ([9, 5], proof)])


# ---------------------------------------------------------------------------------------------
# randomness and zero knowledge
# ---------------------------------------------------------------------------------------------


def test_prover_randomness_comes_from_secrets(keys, monkeypatch):
    calls = []
    real = secrets.randbelow

    def spy(n):
        calls.append(n)
        return real(n)

    monkeypatch.setattr(secrets, "randbelow", spy)
    p1 = groth16.prove(keys[0], SQUARE, WIT, backend=ark)
    p2 = groth16.prove(keys[0], SQUARE, WIT, backend=ark)
    assert calls == [R - 1] * 4  # r and s, twice
    assert p1.a != p2.a and p1.b != p2.b and p1.c != p2.c
    assert verify(keys[1], [9, 5], p1) and verify(keys[1], [9, 5], p2)


def test_no_witness_bytes_in_the_proof(keys, proof):
    raw = proof.to_bytes()
    for v in (W, R - W):
        for enc in (v.to_bytes(32, "big"), v.to_bytes(32, "little")):
            assert enc not in raw
    assert str(R - W) not in proof.to_json()


def test_perfect_zero_knowledge_two_witnesses_give_the_same_proofs(keys):
    """For every (r, s) used with witness w there is (r', s') with which witness -w gives the
    *byte-identical* proof: the two witnesses' proof distributions are equal. The map uses the
    trapdoor (test-only dev setup): r' = r + sum((w_i - w'_i) A_i(tau)) / delta, same for s."""
    pk, vk = keys
    t = dev_trapdoor(SEED)
    qap = QAP.from_r1cs(SQUARE)
    a_tau, b_tau, _ = qap.polynomials_at(qap.domain.lagrange_at(t.tau))
    d_inv = pow(t.delta, -1, R)
    da = sum((x - y) * a for x, y, a in zip(WIT, WIT_NEG, a_tau, strict=True)) * d_inv % R
    db = sum((x - y) * b for x, y, b in zip(WIT, WIT_NEG, b_tau, strict=True)) * d_inv % R
    assert da or db  # the two witnesses really differ inside the QAP
    for r, s in ((1, 2), (secrets.randbelow(R), secrets.randbelow(R))):
        p = prove_with_randomness(pk, qap, WIT, r, s, backend=ark)
        q = prove_with_randomness(pk, qap, WIT_NEG, (r + da) % R, (s + db) % R, backend=ark)
        assert p.to_bytes() == q.to_bytes()
        # and the same (r, s) reused across the two witnesses does leak (why r, s are fresh)
        assert prove_with_randomness(pk, qap, WIT_NEG, r, s, backend=ark) != p
    assert verify(vk, [9, 5], p)


# ---------------------------------------------------------------------------------------------
# malformed proofs, keys and encodings
# ---------------------------------------------------------------------------------------------


def test_identity_proof_points_raise_on_both_backends(keys, proof):
    vk = keys[1]
    for be in (ark, pyecc):
        for field, ident in (("a", G1_IDENTITY_BYTES), ("b", G2_IDENTITY_BYTES),
                             ("c", G1_IDENTITY_BYTES)):
            parts = {"a": proof.a, "b": proof.b, "c": proof.c, field: ident}
            bad = Proof(**parts)
            with pytest.raises(MalformedInputError, match=f"proof.{field}: the identity"):
                verify(vk, [9, 5], bad, backend=be)


def _with_first_byte(raw: bytes, first: int) -> bytes:
    return bytes([first]) + raw[1:]


def test_non_canonical_proof_encodings_raise(proof):
    a = proof.a
    bad_as = {
        "x >= p": bytes([0x80 | (P >> 376)]) + (P % (1 << 376)).to_bytes(47, "big"),
        "x = 2**381 - 1": bytes([0x9F]) + b"\xff" * 47,
        "uncompressed flag": _with_first_byte(a, a[0] & 0x7F),
        "infinity with x": _with_first_byte(a, a[0] | 0x40),
        "infinity with sign": bytes([0xE0]) + bytes(47),
        "infinity with junk": bytes([0xC0]) + bytes(46) + b"\x01",
        "short": a[:47],
        "long": a + b"\x00",
    }
    for raw in bad_as.values():
        with pytest.raises(MalformedInputError, match="proof.a"):
            Proof(raw, proof.b, proof.c).points(ark)
        with pytest.raises(MalformedInputError):
            Proof.from_bytes(raw + proof.b + proof.c).points(ark)
        d = json.loads(proof.to_json())
        d["a"] = raw.hex()
        with pytest.raises(MalformedInputError, match="proof.a"):
            Proof.from_json(d).points(ark)


def test_proof_json_missing_or_mistyped_fields_raise(proof):
    good = json.loads(proof.to_json())
    for key in ("a", "b", "c", "format", "version", "protocol", "curve"):
        d = dict(good)
        del d[key]
        with pytest.raises(MalformedInputError, match=key if key in "abc" else "proof"):
            Proof.from_json(d)
    for key, value in (("a", 5), ("b", None), ("c", "zz"), ("version", 2), ("n_public", -1),
                       ("n_public", True), ("circuit_id", "AB" * 32), ("curve", "bn254")):
        with pytest.raises(MalformedInputError):
            Proof.from_json(dict(good, **{key: value}))
    with pytest.raises(MalformedInputError):
        Proof.from_json("{not json")
    with pytest.raises(MalformedInputError):
        Proof.from_json("[]")


def test_vk_ic_length_must_match_n_public(keys, proof):
    vk = keys[1]
    d = json.loads(vk.to_json())
    for n in (1, 3):
        with pytest.raises(MalformedInputError, match="vk.ic"):
            VerifyingKey.from_json(dict(d, n_public=n))
    with pytest.raises(MalformedInputError, match="vk.ic"):
        VerifyingKey.from_json(dict(d, ic=d["ic"][:2]))
    raw = vk.to_bytes()
    with pytest.raises(MalformedInputError):
        VerifyingKey.from_bytes(raw[:-48])  # one IC point missing
    with pytest.raises(MalformedInputError):
        VerifyingKey.from_bytes(raw + raw[-48:])  # one IC point too many
    # a key with fewer IC points than the inputs given: counted, not truncated
    short = VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, vk.ic[:2])
    with pytest.raises(MalformedInputError, match="expected 1 public inputs, got 2"):
        verify(short, [9, 5], proof)


def test_proof_of_one_circuit_rejected_under_the_key_of_another(keys, proof):
    pk_c, vk_c = dev_setup(CUBE, SEED, backend=ark)
    # labelled proof: the circuit ids differ -> malformed
    with pytest.raises(MalformedInputError, match="circuit_id"):
        verify(vk_c, [9, 5], proof)
    # unlabelled (binary form): just invalid
    bare = Proof.from_bytes(proof.to_bytes())
    assert verify(vk_c, [9, 5], bare) is False
    assert verify(keys[1], [9, 5], bare) is True
    cube = groth16.prove(pk_c, CUBE, [1, 27, 5, 3, 9], backend=ark)
    assert verify(vk_c, [27, 5], cube)
    assert verify(keys[1], [27, 5], Proof.from_bytes(cube.to_bytes())) is False


def test_proof_malleability_is_known_and_harmless(keys, proof):
    """(-A, -B, C) is another valid proof of the same statement (Groth16 is malleable, and
    rerandomisable): proof bytes are no claim identifier — replays are stopped by the claim
    context public input and must be deduplicated by claim id, never by proof bytes."""
    a, b, c = proof.points(ark)
    twin = Proof(ark.g1_to_bytes(ark.g1_neg(a)), ark.g2_to_bytes(ark.g2_neg(b)), proof.c)
    assert twin.to_bytes() != proof.to_bytes()
    assert verify(keys[1], [9, 5], twin)
    # the mauled proof is still bound to its public inputs
    assert verify(keys[1], [9, 6], twin) is False


def test_degenerate_verifying_keys_are_malformed(proof):
    """A key with delta_g2 == gamma_g2 lets anyone move a proof to other public inputs
    (C' = C + vk_x - vk_x'); a ceremony whose phase 2 got no contribution has exactly that
    (delta = gamma = 1). An IC point equal to the identity leaves its input unbound. Both are
    refused when the key is prepared."""
    t = dev_trapdoor(SEED)
    qap = QAP.from_r1cs(SQUARE)
    pk1, vk1 = keys_from_secrets(qap, t.tau, t.alpha, t.beta, 1, ark)
    assert vk1.delta_g2 == vk1.gamma_g2
    honest = groth16.prove(pk1, qap, WIT, backend=ark)
    ic = [ark.g1_from_bytes(p) for p in vk1.ic]

    def vk_x(inputs):
        return ark.g1_msm(ic, [1, *inputs])

    a, b, c = honest.points(ark)
    forged_c = ark.g1_add(c, ark.g1_add(vk_x([9, 5]), ark.g1_neg(vk_x([4, 77]))))
    forged = Proof(honest.a, honest.b, ark.g1_to_bytes(forged_c))
    # control: the forgery satisfies the pairing equation of that key (the attack is real)
    alpha = ark.g1_from_bytes(vk1.alpha_g1)
    beta, gamma, delta = (ark.g2_from_bytes(x) for x in (vk1.beta_g2, vk1.gamma_g2, vk1.delta_g2))
    assert ark.pairing_check([(a, b), (alpha, ark.g2_neg(beta)), (vk_x([4, 77]), ark.g2_neg(gamma)),
                              (forged_c, ark.g2_neg(delta))])
    for be in (ark, pyecc):
        with pytest.raises(MalformedInputError, match="vk.delta_g2"):
            verify(vk1, [4, 77], forged, backend=be)
    # IC identity
    _, vk = dev_setup(SQUARE, SEED, backend=ark)
    for i in range(3):
        ics = list(vk.ic)
        ics[i] = G1_IDENTITY_BYTES
        bad = VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, tuple(ics))
        with pytest.raises(MalformedInputError, match=rf"vk.ic\[{i}\]"):
            verify(bad, [9, 5], proof)


# ---------------------------------------------------------------------------------------------
# batch verification
# ---------------------------------------------------------------------------------------------


def _shifted(p: Proof, k: int) -> Proof:
    """p with C + k*G1 (k may be negative)."""
    c = ark.g1_add(ark.g1_from_bytes(p.c), ark.g1_mul(ark.g1_generator(), k % R))
    return Proof(p.a, p.b, ark.g1_to_bytes(c))


def test_batch_cannot_be_fooled_by_two_bad_proofs_that_cancel(keys, monkeypatch):
    """Proof 1 has C + D, proof 2 has C - D: with equal batch coefficients the errors cancel.
    Control: with the coefficients forced to 1 the batch accepts them; with the real 128-bit
    coefficients from ``secrets`` it does not, and find_invalid names both."""
    pk, vk = keys
    good1 = groth16.prove(pk, SQUARE, WIT, backend=ark)
    good2 = groth16.prove(pk, SQUARE, WIT_NEG, backend=ark)
    bad1, bad2 = _shifted(good1, 12345), _shifted(good2, -12345)
    items = [([9, 5], bad1), ([9, 5], bad2)]
    assert not verify(vk, [9, 5], bad1) and not verify(vk, [9, 5], bad2)
    draws = []
    real = secrets.randbits

    def spy(n):
        draws.append(n)
        return real(n)

    monkeypatch.setattr(verification_module.secrets, "randbits", spy)
    assert verify_batch(vk, items) is False
    assert draws == [128, 128]
    assert verification_module.BATCH_COEFFICIENT_BITS == 128
    assert find_invalid(vk, items) == [0, 1]
    assert find_invalid(vk, [([9, 5], good1), *items, ([9, 5], good2)]) == [1, 2]
    monkeypatch.setattr(verification_module.secrets, "randbits", lambda n: 1)
    assert verify_batch(vk, items) is True  # the attack works against fixed coefficients


def test_find_invalid_with_several_bad_proofs(keys):
    pk, vk = keys
    base = groth16.prove(pk, SQUARE, WIT, backend=ark)
    goods = [groth16.rerandomize(vk, base, backend=ark) for _ in range(4)]
    n = 11
    items = [([9, 5], goods[i % 4]) for i in range(n)]
    assert find_invalid(vk, items) == []
    bad_at = {0, 3, 4, 9, 10}
    for i in bad_at:
        if i % 2:
            items[i] = ([9, 6], items[i][1])  # wrong public input
        else:
            items[i] = ([9, 5], _shifted(items[i][1], i + 1))  # wrong C
    assert find_invalid(vk, items) == sorted(bad_at)
    all_bad = [([9, 6], goods[0])] * 5
    assert find_invalid(vk, all_bad) == [0, 1, 2, 3, 4]
    assert find_invalid(vk, [items[0]]) == [0]
    assert find_invalid(vk, []) == []


# ---------------------------------------------------------------------------------------------
# the windowed vk_x of the prepared key covers all 255 bits (no input aliasing)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("be", [ark, pyecc], ids=["arkworks", "py_ecc"])
def test_prepared_vk_x_equals_the_msm_for_full_width_inputs(keys, be):
    """The fixed-base tables (8-bit windows native, 4-bit py_ecc) must use every bit of an
    input: a table that stopped at bit 248 would map x and x + 2**248 to one vk_x (aliasing;
    the claim context is a full-width input)."""
    vk = keys[1]
    pvk = groth16.prepare_verifying_key(vk, be)
    ic = [be.g1_from_bytes(p) for p in vk.ic]
    cases = [[0, 0], [1, R - 1], [R - 1, 2**254], [2**248, 2**248 + 1],
             [secrets.randbelow(R), secrets.randbelow(R)]]
    for inputs in cases:
        expected = be.g1_msm(ic, [1, *inputs])
        assert be.g1_to_bytes(pvk.vk_x(inputs)) == be.g1_to_bytes(expected), inputs
    assert be.g1_to_bytes(pvk.vk_x([2**248, 0])) != be.g1_to_bytes(pvk.vk_x([0, 0]))


def test_shipped_equipment_key_is_not_a_dev_key_and_is_not_degenerate():
    """The artifacts the verifier trusts: not the INSECURE dev setup (known toxic waste), delta
    != gamma, no identity IC point, IC count = the statement's public inputs."""
    from zkclaims.circuits import circuit_info, load_verifying_key

    from zkclaims.groth16 import SETUP_CEREMONY, SETUP_DEV, SETUP_ONE_PARTY

    name = "optique-equipement-2020"
    vk = load_verifying_key(name)
    assert vk.setup in (SETUP_ONE_PARTY, SETUP_CEREMONY) and vk.setup != SETUP_DEV
    assert vk.delta_g2 != vk.gamma_g2 and G1_IDENTITY_BYTES not in vk.ic
    assert len(set(vk.ic)) == len(vk.ic) == circuit_info(name)["n_public"] + 1 == 9
    groth16.prepare_verifying_key(vk, ark)  # every point decodes (curve + subgroup)
