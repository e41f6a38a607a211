"""verify_together: proofs of different statements in one multi-pairing (both backends)."""

import pytest

from zkclaims import groth16
from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16 import Proof, verify
from zkclaims.groth16.joint import verify_together
from zkclaims.groups import get_backend
from zkclaims.hazmat import dev_setup, dev_trapdoor, simulate_proof

# x^3 + x + 5 == out (public out)
CUBE = R1CS(
    n_public=1, n_vars=5,
    constraints=(({2: 1}, {2: 1}, {3: 1}), ({3: 1}, {2: 1}, {4: 1}),
                 ({4: 1, 2: 1, 0: 5}, {0: 1}, {1: 1})),
    names=("x2", "x3", "out"), name="cube",
)
# a * b == c (public a, c)
PRODUCT = R1CS(
    n_public=2, n_vars=4, constraints=(({1: 1}, {3: 1}, {2: 1}),), names=("ab",),
    name="product",
)


def cube_witness(x):
    return [1, (x**3 + x + 5) % R, x, x * x % R, x**3 % R]


_SETUPS: dict = {}


def _setup(be):
    if be.name in _SETUPS:
        return _SETUPS[be.name]
    k1 = dev_setup(CUBE, "joint-cube", backend=be)
    k2 = dev_setup(PRODUCT, "joint-product", backend=be)
    w1, w2 = cube_witness(3), [1, 6, 42, 7]
    p1 = groth16.prove(k1[0], CUBE, w1, backend=be)
    p2 = groth16.prove(k2[0], PRODUCT, w2, backend=be)
    _SETUPS[be.name] = (k1[1], w1[1:2], p1), (k2[1], w2[1:3], p2)
    return _SETUPS[be.name]


@pytest.fixture(scope="module", params=["arkworks", "py_ecc"])
def both(request):
    """Both backends (py_ecc is slow: only the main checks run on it)."""
    be = get_backend(request.param)
    return be, _setup(be)


@pytest.fixture(scope="module")
def be():
    return get_backend("arkworks")


@pytest.fixture(scope="module")
def setup(be):
    return _setup(be)


def test_valid_proofs_of_two_statements_verify_together(both):
    be, (one, two) = both
    assert verify_together([one, two], backend=be)
    bad = (two[0], [two[1][0], (two[1][1] + 1) % R], two[2])
    assert not verify_together([one, bad], backend=be)


def test_orders_and_sizes(be, setup):
    one, two = setup
    assert verify(one[0], one[1], one[2], backend=be) and verify(*two[:3], backend=be)
    assert verify_together([two, one], backend=be)
    assert verify_together([one], backend=be)
    assert verify_together([], backend=be)
    assert verify_together([one, two, one], backend=be)


@pytest.mark.parametrize("which", [0, 1])
def test_a_wrong_public_input_on_either_side_fails(be, setup, which):
    items = [list(x) for x in setup]
    items[which][1] = [(items[which][1][0] + 1) % R, *items[which][1][1:]]
    assert not verify_together([tuple(x) for x in items], backend=be)


def test_one_bad_proof_is_not_compensated_by_the_other(be, setup):
    """Without the random powers, errors on both sides could cancel: shift proof 1's public
    input by one (its equation gains e(IC_1, -gamma)) and add -IC_1 / delta_2 to proof 2's C
    (its equation gains e(IC_1, gamma)): the plain product of the two equations still holds.
    Each proof is invalid alone, and verify_together refuses them."""
    (vk1, pub1, p1), (vk2, pub2, p2) = setup
    ic1 = be.g1_from_bytes(vk1.ic[1])
    delta2 = dev_trapdoor("joint-product").delta
    z = be.g1_mul(ic1, (-pow(delta2, -1, R)) % R)
    c2 = be.g1_to_bytes(be.g1_add(be.g1_from_bytes(p2.c), z))
    forged2 = Proof(p2.a, p2.b, c2, circuit_id=p2.circuit_id, n_public=p2.n_public)
    shifted = [(pub1[0] + 1) % R]
    assert not verify(vk1, shifted, p1, backend=be) and not verify(vk2, pub2, forged2, backend=be)
    # the plain (unweighted) product of the two equations holds: the attack is real
    pvk1, pvk2 = (groth16.prepare_verifying_key(v, be) for v in (vk1, vk2))
    a1, b1, cc1 = p1.points(be)
    a2, b2, cc2 = forged2.points(be)
    plain = be.pairing_check([
        (a1, b1), (pvk1.vk_x(shifted), pvk1.neg_gamma_g2), (cc1, pvk1.neg_delta_g2),
        (pvk1.alpha_g1, pvk1.neg_beta_g2), (a2, b2), (pvk2.vk_x(pub2), pvk2.neg_gamma_g2),
        (cc2, pvk2.neg_delta_g2), (pvk2.alpha_g1, pvk2.neg_beta_g2),
    ])
    assert plain
    assert not verify_together([(vk1, shifted, p1), (vk2, pub2, forged2)], backend=be)


def test_simulated_proof_under_a_known_trapdoor_passes_only_its_own_statement(be, setup):
    (vk1, _, _), (vk2, pub2, p2) = setup
    fake = simulate_proof(vk1, dev_trapdoor("joint-cube"), [12345], backend=be)
    assert verify(vk1, [12345], fake, backend=be)  # dev key: toxic waste known (hazmat)
    assert verify_together([(vk1, [12345], fake), (vk2, pub2, p2)], backend=be)
    assert not verify_together([(vk1, [12346], fake), (vk2, pub2, p2)], backend=be)


def test_malformed_items_are_named(be, setup):
    one, two = setup
    with pytest.raises(MalformedInputError, match=r"items\[1\]"):
        verify_together([one, (two[0], two[1])], backend=be)
    with pytest.raises(MalformedInputError, match=r"items\[1\].public_inputs"):
        verify_together([one, (two[0], [1], two[2])], backend=be)
    with pytest.raises(MalformedInputError, match=r"items\[0\].public_inputs\[0\]"):
        verify_together([(one[0], [R], one[2]), two], backend=be)
    with pytest.raises(MalformedInputError, match="items"):
        verify_together("nope", backend=be)
