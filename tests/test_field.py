"""Scalar field helpers, evaluation domains and NTTs (zkclaims.field)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.field import (
    GENERATOR,
    ROOT_OF_UNITY,
    TWO_ADICITY,
    EvaluationDomain,
    R,
    batch_inverse,
    domain,
    inv,
    poly_eval,
)

felts = st.integers(min_value=0, max_value=R - 1)


def test_constants():
    assert (R - 1) % (1 << TWO_ADICITY) == 0 and ((R - 1) >> TWO_ADICITY) % 2 == 1
    assert pow(ROOT_OF_UNITY, 1 << TWO_ADICITY, R) == 1
    assert pow(ROOT_OF_UNITY, 1 << (TWO_ADICITY - 1), R) == R - 1  # principal
    assert pow(GENERATOR, (R - 1) // 2, R) == R - 1  # 7 is a non-residue
    # snarkjs's roots (ffjavascript Fr.w): powers of the smallest non-residue, 5, so that a
    # domain's Lagrange basis (and every key point of a .zkey) is the same in both tools.
    assert [k for k in range(2, 6) if pow(k, (R - 1) // 2, R) == R - 1] == [5]
    assert ROOT_OF_UNITY == pow(5, (R - 1) >> TWO_ADICITY, R)


def test_odd_coset_is_the_odd_points_of_the_doubled_domain():
    d, d2 = domain(8), domain(16)
    coeffs = [3, 1, 4, 1, 5, 9, 2, 6]
    assert d.odd_coset_ntt(coeffs) == [poly_eval(coeffs, w) for w in d2.elements()[1::2]]


@given(st.lists(felts, min_size=1, max_size=20))
@settings(max_examples=40, deadline=None)
def test_batch_inverse(xs):
    xs = [x or 1 for x in xs]
    assert batch_inverse(xs) == [pow(x, -1, R) for x in xs]


def test_inverse_of_zero_names_index():
    assert batch_inverse([]) == []
    with pytest.raises(ZeroDivisionError, match=r"xs\[1\]"):
        batch_inverse([3, 0, 5])
    with pytest.raises(ZeroDivisionError):
        inv(R)
    assert inv(2) * 2 % R == 1


@pytest.mark.parametrize("n, size", [(1, 1), (2, 2), (3, 4), (4, 4), (5, 8), (1000, 1024),
                                     (1024, 1024), (1025, 2048)])
def test_domain_size(n, size):
    d = domain(n)
    assert d.size == size
    assert pow(d.omega, d.size, R) == 1
    assert d.size == 1 or pow(d.omega, d.size // 2, R) == R - 1
    assert domain(n) is d  # cached


def test_domain_errors():
    with pytest.raises(ValueError, match="n"):
        domain(0)
    with pytest.raises(ValueError, match="log_size"):
        EvaluationDomain(33)
    with pytest.raises(ValueError, match="coeffs"):
        domain(4).ntt([1] * 5)


@given(st.integers(min_value=0, max_value=5), st.data())
@settings(max_examples=40, deadline=None)
def test_ntt_matches_naive_evaluation(log_n, data):
    d = domain(1 << log_n)
    coeffs = data.draw(st.lists(felts, min_size=0, max_size=d.size))
    evals = d.ntt(coeffs)
    assert evals == [poly_eval(coeffs, w) for w in d.elements()]
    padded = coeffs + [0] * (d.size - len(coeffs))
    assert d.intt(evals) == padded
    coset = d.coset_ntt(coeffs)
    assert coset == [poly_eval(coeffs, d.coset_shift * w % R) for w in d.elements()]
    assert d.coset_intt(coset) == padded


def test_ntt_multiplies_polynomials():
    rng = random.Random(1)
    a = [rng.randrange(R) for _ in range(8)]
    b = [rng.randrange(R) for _ in range(8)]
    d = domain(16)
    prod = d.intt([x * y % R for x, y in zip(d.ntt(a), d.ntt(b), strict=True)])
    naive = [0] * 16
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            naive[i + j] = (naive[i + j] + x * y) % R
    assert prod == naive


def test_large_ntt_round_trip():
    rng = random.Random(2)
    d = domain(1 << 11)
    c = [rng.randrange(R) for _ in range(d.size)]
    e = d.ntt(c)
    assert d.intt(e) == c
    x = d.elements()[123]
    assert e[123] == poly_eval(c, x)


@given(felts)
@settings(max_examples=20, deadline=None)
def test_lagrange_at_interpolates(tau):
    d = domain(8)
    rng = random.Random(tau)
    evals = [rng.randrange(R) for _ in range(8)]
    coeffs = d.intt(evals)
    lag = d.lagrange_at(tau)
    assert sum(e * li for e, li in zip(evals, lag, strict=True)) % R == poly_eval(coeffs, tau)


def test_lagrange_at_domain_point_and_vanishing():
    d = domain(4)
    w = d.elements()
    assert d.lagrange_at(w[2]) == [0, 0, 1, 0]
    assert all(d.vanishing_at(x) == 0 for x in w)
    assert d.vanishing_on_coset() == (pow(GENERATOR, 4, R) - 1) % R != 0
