"""Audit: group decoding against points with small-order components, on both backends.

The existing suite (tests/test_groups.py) rejects random curve points outside G1/G2. Here the
points are the subtle ones: points of exactly small order (a factor of the cofactor), and
``generator + T`` with ``T`` of small order — on the curve, of order ``r * l``, which a subgroup
test that only looks at part of the structure could let through. They are built with py_ecc
arithmetic and encoded with py_ecc's own compressor (independent of zkclaims' encoder); both
backends must reject every one with the same error, and accept the cleared multiples.
"""

from __future__ import annotations

import pytest
from py_ecc.bls.point_compression import compress_G1, compress_G2, modular_squareroot_in_FQ2
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.optimized_bls12_381 import G1, G2, add, b, b2, is_inf, is_on_curve, multiply

from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groups import get_backend
from zkclaims.groups.encoding import P

BACKENDS = [get_backend("arkworks"), get_backend("py_ecc")]

# Cofactors of E(Fp) and of the twist E'(Fp2) (standard BLS12-381 constants).
H1 = 0x396C8C005555E1568C00AAAB0000AAAB
H2 = int(
    "5d543a95414e7f1091d50792876a202cd91de4547085abaa68a205b2e5a7ddfa628f1cb4d9e82ef21537e293a66"
    "91ae1616ec6e786f0c70cf1c38e31c7238e5",
    16,
)
# Small prime factors: h1 = 3 * 11^2 * 10177^2 * 859267^2 * 52437899^2;
# h2 = 13^2 * 23^2 * 2713 * 11953 * 262069 * (a 136-digit prime).
H1_SMALL = (3, 11, 10177)
H2_SMALL = (13, 23, 2713)


def _g1_bytes(pt) -> bytes:
    return compress_G1(pt).to_bytes(48, "big")


def _g2_bytes(pt) -> bytes:
    z1, z2 = compress_G2(pt)
    return z1.to_bytes(48, "big") + z2.to_bytes(48, "big")


def _g1_curve_points():
    for x in range(1, 10_000):
        rhs = (x**3 + 4) % P
        y = pow(rhs, (P + 1) // 4, P)
        if y * y % P == rhs:
            yield (FQ(x), FQ(y), FQ.one())


def _g2_curve_points():
    for i in range(1, 10_000):
        x = FQ2([i, 1])
        y = modular_squareroot_in_FQ2(x**3 + b2)
        if y is not None:
            yield (x, y, FQ2.one())


def _small_order_point(points, n_total: int, ell: int):
    """A point of order exactly ``ell``: strip ``ell`` from the group order ``n_total``, map a
    curve point into the ``ell``-primary part, then multiply by ``ell`` until the next step
    would give the identity."""
    m = n_total
    while m % ell == 0:
        m //= ell
    for pt in points:
        t = multiply(pt, m)
        if is_inf(t):
            continue
        while not is_inf(nxt := multiply(t, ell)):
            t = nxt
        return t
    raise AssertionError(f"no point of order {ell} found")


def _reject_everywhere(decode_name: str, data: bytes) -> None:
    messages = set()
    for be in BACKENDS:
        with pytest.raises(MalformedInputError, match=r"audit\.pt: .*not in the order-r") as e:
            getattr(be, decode_name)(data, field="audit.pt")
        messages.add(str(e.value).split(" is ")[0])
    assert len(messages) == 1  # same field, same point named by both backends


def test_cofactor_factorisations():
    assert H1 == 3 * 11**2 * 10177**2 * 859267**2 * 52437899**2
    for ell in H2_SMALL:
        assert H2 % ell == 0


@pytest.mark.parametrize("ell", H1_SMALL)
def test_g1_small_order_and_generator_plus_torsion_are_rejected(ell):
    t = _small_order_point(_g1_curve_points(), H1 * R, ell)
    assert is_on_curve(t, b)
    _reject_everywhere("g1_from_bytes", _g1_bytes(t))
    mixed = add(G1, t)  # order r * ell
    assert is_on_curve(mixed, b) and not is_inf(multiply(mixed, R))
    _reject_everywhere("g1_from_bytes", _g1_bytes(mixed))
    # ell * (G + T) = ell * G is in G1: accepted by both, same bytes back
    cleared = _g1_bytes(multiply(mixed, ell))
    for be in BACKENDS:
        assert be.g1_to_bytes(be.g1_from_bytes(cleared)) == cleared


@pytest.mark.parametrize("ell", H2_SMALL)
def test_g2_small_order_and_generator_plus_torsion_are_rejected(ell):
    t = _small_order_point(_g2_curve_points(), H2 * R, ell)
    assert is_on_curve(t, b2)
    _reject_everywhere("g2_from_bytes", _g2_bytes(t))
    mixed = add(G2, t)
    assert is_on_curve(mixed, b2) and not is_inf(multiply(mixed, R))
    _reject_everywhere("g2_from_bytes", _g2_bytes(mixed))
    cleared = _g2_bytes(multiply(mixed, ell))
    for be in BACKENDS:
        assert be.g2_to_bytes(be.g2_from_bytes(cleared)) == cleared


def test_g1_order_three_point_with_x_zero():
    """(0, +-2) has order 3; x = 0 without the infinity flag is that point, not the identity."""
    for sign in (0x80, 0xA0):
        data = bytes([sign]) + bytes(47)
        _reject_everywhere("g1_from_bytes", data)


def test_both_backends_agree_on_a_sweep_of_x_values():
    """For x = 0..59 (G1) and 12 twist x values, with both sign flags: both backends accept
    or reject alike (off-curve vs outside-subgroup vs valid), and agree on the bytes."""
    def outcome(be, name, data):
        try:
            getattr(be, name)(data)
        except MalformedInputError as e:
            return ("err", "subgroup" if "order-r" in str(e) else "curve")
        return ("ok", "")

    for x in range(60):
        for sign in (0x80, 0xA0):
            data = bytes([sign]) + x.to_bytes(47, "big")
            outs = {outcome(be, "g1_from_bytes", data) for be in BACKENDS}
            assert len(outs) == 1, (x, outs)
    for i in range(12):
        for sign in (0x80, 0xA0):
            data = bytes([sign]) + (1).to_bytes(47, "big") + i.to_bytes(48, "big")
            outs = {outcome(be, "g2_from_bytes", data) for be in BACKENDS}
            assert len(outs) == 1, (i, outs)
    # and the G2 generator itself round-trips identically
    g2 = _g2_bytes(G2)
    assert {be.g2_to_bytes(be.g2_from_bytes(g2)) for be in BACKENDS} == {g2}
