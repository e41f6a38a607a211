"""The group backends: one suite, run on each backend (py_ecc style), plus cross-backend checks."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.optimized_bls12_381 import (
    FQ,
    b2,
    is_inf,
    is_on_curve,
    multiply,
    multiply_clear_cofactor_G2,
)

import zkclaims.groups as groups
import zkclaims.groups.arkworks_backend as arkworks_backend
from zkclaims.errors import (
    BackendUnavailableError,
    MalformedInputError,
    UnknownBackendError,
    ZkClaimsError,
)
from zkclaims.field import R
from zkclaims.groups import G1_IDENTITY_BYTES, G2_IDENTITY_BYTES, get_backend
from zkclaims.groups.encoding import P

BACKENDS = ["arkworks", "py_ecc"]

# Standard compressed generators (ZCash spec / IETF pairing-friendly-curves draft).
G1_GEN_HEX = (
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
)
G2_GEN_HEX = (
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
)
G1_COFACTOR = 0x396C8C005555E1568C00AAAB0000AAAB


@pytest.fixture(params=BACKENDS)
def be(request):
    return get_backend(request.param)


@pytest.fixture
def rng():
    return random.Random(20261129)


# --- hand-made bad encodings (built from integers, not with the code under test) -------------
def _flagged(x: int, size: int, flags: int = 0x80) -> bytes:
    out = bytearray(x.to_bytes(size, "big"))
    out[0] |= flags
    return bytes(out)


def _g1_x_values():
    """Yield (x, on_curve) for x = 0, 1, 2, ... (on_curve: x^3 + 4 is a square mod p)."""
    for x in range(50):
        rhs = (x**3 + 4) % P
        yield x, rhs == 0 or pow(rhs, (P - 1) // 2, P) == 1


def _g1_off_curve_x() -> int:
    return next(x for x, ok in _g1_x_values() if not ok)


def _g1_outside_subgroup() -> list[tuple[int, int]]:
    """Points (x, y) on E(Fp) but not in G1, checked with py_ecc by multiplication by r."""
    found = []
    for x, ok in _g1_x_values():
        if ok:
            y = pow((x**3 + 4) % P, (P + 1) // 4, P)
            assert (y * y - x**3 - 4) % P == 0
            if not is_inf(multiply((FQ(x), FQ(y), FQ(1)), R)):
                found.append((x, y))
        if len(found) == 3:
            break
    return found


def _g2_x_values():
    for i in range(1, 40):
        x = FQ2([i, 1])
        yield x, modular_squareroot_in_FQ2(x**3 + b2)


def _g2_off_curve_x() -> tuple[int, int]:
    x, _ = next((x, y) for x, y in _g2_x_values() if y is None)
    return int(x.coeffs[0]), int(x.coeffs[1])


def _g2_outside_subgroup() -> list[tuple[int, int]]:
    """Two x = (c0, c1) of twist points outside G2, checked by multiplication by r."""
    found = []
    for x, y in _g2_x_values():
        if y is not None:
            pt = (x, y, FQ2.one())
            assert is_on_curve(pt, b2)
            if not is_inf(multiply(pt, R)):
                found.append((int(x.coeffs[0]), int(x.coeffs[1])))
                if len(found) == 2:
                    return found
    raise AssertionError("no G2 point outside the subgroup found")


def _g2_bytes(x_c0: int, x_c1: int, flags: int = 0x80) -> bytes:
    return _flagged(x_c1, 48, flags) + x_c0.to_bytes(48, "big")


# --- group laws --------------------------------------------------------------------------------
@pytest.mark.parametrize("grp", ["g1", "g2"])
def test_group_laws(be, grp, rng):
    gen = getattr(be, f"{grp}_generator")()
    zero = getattr(be, f"{grp}_identity")()
    add, neg, mul, eq = (getattr(be, f"{grp}_{op}") for op in ("add", "neg", "mul", "eq"))
    a, b, c = (rng.randrange(1, R) for _ in range(3))
    pa, pb, pc = mul(gen, a), mul(gen, b), mul(gen, c)
    assert eq(add(pa, pb), add(pb, pa))
    assert eq(add(add(pa, pb), pc), add(pa, add(pb, pc)))
    assert eq(add(pa, zero), pa) and eq(add(zero, pa), pa)
    assert eq(add(pa, neg(pa)), zero)
    assert getattr(be, f"{grp}_is_identity")(add(pa, neg(pa)))
    assert not getattr(be, f"{grp}_is_identity")(pa)
    assert eq(mul(gen, a + b), add(pa, pb))
    assert eq(mul(pa, b), mul(gen, a * b % R))
    assert eq(add(gen, gen), mul(gen, 2))
    assert not eq(pa, pb)
    assert eq(mul(pa, 0), zero)
    # scalars are reduced mod r, negatives included
    assert eq(mul(gen, -a), neg(pa))
    assert eq(mul(gen, a + 5 * R), pa)


def test_scalars_must_be_integers(be):
    import numpy as np

    g = be.g1_generator()
    assert be.g1_eq(be.g1_mul(g, np.int64(5)), be.g1_mul(g, 5))
    assert be.g1_eq(be.g1_msm([g, g], np.array([2, 3])), be.g1_mul(g, 5))
    with pytest.raises(TypeError):
        be.g1_mul(g, 1.5)
    with pytest.raises(TypeError):
        be.prepare_scalars([1, 2.0])


@pytest.mark.parametrize("grp", ["g1", "g2"])
def test_generator_has_order_r(be, grp):
    gen = getattr(be, f"{grp}_generator")()
    eq = getattr(be, f"{grp}_eq")
    # (r - 1) G == -G  <=>  r G == 0 (g*_mul reduces mod r, so multiply by r itself is vacuous)
    assert eq(getattr(be, f"{grp}_mul")(gen, R - 1), getattr(be, f"{grp}_neg")(gen))
    assert not getattr(be, f"{grp}_is_identity")(gen)
    # and the order is not a proper divisor: r is prime, so G != 0 suffices


def test_generator_order_r_by_independent_arithmetic():
    # py_ecc's own multiply does not reduce: r * G really is computed.
    from py_ecc.optimized_bls12_381 import G1, G2

    assert is_inf(multiply(G1, R)) and is_inf(multiply(G2, R))
    assert not is_inf(multiply(G1, R - 1))


# --- MSM -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("grp", ["g1", "g2"])
def test_msm_equals_naive_sum(be, grp, rng):
    gen = getattr(be, f"{grp}_generator")()
    add, mul, eq, msm = (getattr(be, f"{grp}_{op}") for op in ("add", "mul", "eq", "msm"))
    n = 9 if be.name == "py_ecc" else 40
    points = [mul(gen, rng.randrange(R)) for _ in range(n)]
    points[3] = getattr(be, f"{grp}_identity")()
    scalars = [rng.randrange(R) for _ in range(n)]
    scalars[1], scalars[2], scalars[4] = 0, 1, -7
    expected = getattr(be, f"{grp}_identity")()
    for p, k in zip(points, scalars, strict=True):
        expected = add(expected, mul(p, k))
    assert eq(msm(points, scalars), expected)
    assert eq(msm(points, be.prepare_scalars(scalars)), expected)
    assert getattr(be, f"{grp}_is_identity")(msm([], []))
    assert eq(msm(points[:1], [5]), mul(points[0], 5))


def test_msm_large_arkworks_matches_py_ecc_pippenger(rng):
    """The pure-Python Pippenger on 70 points against the native MSM (different windows)."""
    ark, pye = get_backend("arkworks"), get_backend("py_ecc")
    ks = [rng.randrange(R) for _ in range(70)]
    base = [rng.randrange(1, R) for _ in range(70)]
    pa = ark.g1_batch_mul(ark.g1_generator(), base)
    pp = pye.g1_batch_mul(pye.g1_generator(), base)
    assert [ark.g1_to_bytes(p) for p in pa] == [pye.g1_to_bytes(p) for p in pp]
    assert ark.g1_to_bytes(ark.g1_msm(pa, ks)) == pye.g1_to_bytes(pye.g1_msm(pp, ks))


@pytest.mark.parametrize("grp", ["g1", "g2"])
def test_msm_length_mismatch_raises(be, grp):
    gen = getattr(be, f"{grp}_generator")()
    msm = getattr(be, f"{grp}_msm")
    for points, scalars in (([gen, gen], [1]), ([gen], [1, 2]), ([], [3])):
        with pytest.raises(MalformedInputError, match=f"{grp}_msm") as info:
            msm(points, scalars)
        assert isinstance(info.value, ValueError)
        with pytest.raises(MalformedInputError):
            msm(points, be.prepare_scalars(scalars))


def test_prepared_scalars_belong_to_their_backend():
    ark, pye = get_backend("arkworks"), get_backend("py_ecc")
    prepared = ark.prepare_scalars([1, 2])
    assert len(prepared) == 2 and prepared.backend == "arkworks"
    with pytest.raises(TypeError, match="arkworks"):
        pye.g1_msm([pye.g1_generator()] * 2, prepared)


@pytest.mark.parametrize("grp", ["g1", "g2"])
def test_batch_mul_equals_single_mul(be, grp, rng):
    gen = getattr(be, f"{grp}_generator")()
    base = getattr(be, f"{grp}_mul")(gen, rng.randrange(1, R))
    ks = [0, 1, -1, R - 1, R + 3] + [rng.randrange(R) for _ in range(6)]  # 11 > 8: table path
    out = getattr(be, f"{grp}_batch_mul")(base, ks)
    assert len(out) == len(ks)
    for k, p in zip(ks, out, strict=True):
        assert getattr(be, f"{grp}_eq")(p, getattr(be, f"{grp}_mul")(base, k))


@pytest.mark.parametrize("grp", ["g1", "g2"])
def test_arkworks_comb_batch_mul_equals_single_mul(grp, rng):
    """70 scalars: past the threshold where the arkworks adapter switches to its comb table."""
    ark = get_backend("arkworks")
    base = getattr(ark, f"{grp}_mul")(getattr(ark, f"{grp}_generator")(), rng.randrange(1, R))
    ks = [0, 1, -1, R - 1, R, 2**255 - 1, 255, 256] + [rng.randrange(R) for _ in range(62)]
    out = getattr(ark, f"{grp}_batch_mul")(base, ks)
    assert len(out) == len(ks)
    for k, p in zip(ks, out, strict=True):
        assert getattr(ark, f"{grp}_eq")(p, getattr(ark, f"{grp}_mul")(base, k))


# --- encoding ------------------------------------------------------------------------------------
def test_generator_encodings(be):
    assert be.g1_to_bytes(be.g1_generator()).hex() == G1_GEN_HEX
    assert be.g2_to_bytes(be.g2_generator()).hex() == G2_GEN_HEX
    assert be.g1_eq(be.g1_from_bytes(bytes.fromhex(G1_GEN_HEX)), be.g1_generator())
    assert be.g2_eq(be.g2_from_bytes(bytes.fromhex(G2_GEN_HEX)), be.g2_generator())


def test_generator_encoding_is_the_standard_x():
    # x of the standard G1 generator, with only the compression flag set (y is the smaller root)
    x = int(
        "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
        16,
    )
    assert _flagged(x, 48).hex() == G1_GEN_HEX


def test_identity_encoding(be):
    assert G1_IDENTITY_BYTES == bytes([0xC0]) + bytes(47)
    assert G2_IDENTITY_BYTES == bytes([0xC0]) + bytes(95)
    g, h = be.g1_generator(), be.g2_generator()
    assert be.g1_to_bytes(be.g1_identity()) == G1_IDENTITY_BYTES
    assert be.g2_to_bytes(be.g2_identity()) == G2_IDENTITY_BYTES
    assert be.g1_to_bytes(be.g1_add(g, be.g1_neg(g))) == G1_IDENTITY_BYTES
    assert be.g2_to_bytes(be.g2_add(h, be.g2_neg(h))) == G2_IDENTITY_BYTES
    assert be.g1_is_identity(be.g1_from_bytes(G1_IDENTITY_BYTES))
    assert be.g2_is_identity(be.g2_from_bytes(G2_IDENTITY_BYTES))


@pytest.mark.parametrize("grp,size", [("g1", 48), ("g2", 96)])
def test_encoding_round_trip(be, grp, size, rng):
    gen = getattr(be, f"{grp}_generator")()
    signs = set()
    for _ in range(3 if be.name == "py_ecc" else 12):
        p = getattr(be, f"{grp}_mul")(gen, rng.randrange(1, R))
        for q in (p, getattr(be, f"{grp}_neg")(p)):
            data = getattr(be, f"{grp}_to_bytes")(q)
            assert isinstance(data, bytes) and len(data) == size and data[0] & 0x80
            signs.add(bool(data[0] & 0x20))
            back = getattr(be, f"{grp}_from_bytes")(data)
            assert getattr(be, f"{grp}_eq")(back, q)
            assert getattr(be, f"{grp}_to_bytes")(back) == data
    # P and -P differ exactly in the sign flag, so both values were exercised
    assert signs == {True, False}


def test_encodings_identical_across_backends(rng):
    ark, pye = get_backend("arkworks"), get_backend("py_ecc")
    for _ in range(4):
        k = rng.randrange(R)
        a1, p1 = ark.g1_mul(ark.g1_generator(), k), pye.g1_mul(pye.g1_generator(), k)
        a2, p2 = ark.g2_mul(ark.g2_generator(), k), pye.g2_mul(pye.g2_generator(), k)
        assert ark.g1_to_bytes(a1) == pye.g1_to_bytes(p1)
        assert ark.g2_to_bytes(a2) == pye.g2_to_bytes(p2)
        assert ark.g1_to_bytes(ark.g1_neg(a1)) == pye.g1_to_bytes(pye.g1_neg(p1))
        assert ark.g2_to_bytes(ark.g2_neg(a2)) == pye.g2_to_bytes(pye.g2_neg(p2))


def test_encoded_by_one_decodes_in_the_other(rng):
    ark, pye = get_backend("arkworks"), get_backend("py_ecc")
    k = rng.randrange(R)
    for src, dst in ((ark, pye), (pye, ark)):
        d1 = src.g1_to_bytes(src.g1_mul(src.g1_generator(), k))
        d2 = src.g2_to_bytes(src.g2_mul(src.g2_generator(), k))
        assert dst.g1_to_bytes(dst.g1_from_bytes(d1)) == d1
        assert dst.g2_to_bytes(dst.g2_from_bytes(d2)) == d2
        assert dst.g1_eq(dst.g1_from_bytes(d1), dst.g1_mul(dst.g1_generator(), k))


def test_py_ecc_equality_ignores_projective_representation():
    pye = get_backend("py_ecc")
    g = pye.g1_generator()
    x, y, z = pye.g1_mul(g, 5)
    scaled = (x * 7, y * 7, z * 7)
    assert scaled != pye.g1_mul(g, 5) or z == 0  # different tuples...
    assert pye.g1_eq(scaled, pye.g1_mul(g, 5))  # ...same point
    assert pye.g1_to_bytes(scaled) == pye.g1_to_bytes(pye.g1_mul(g, 5))


# --- decode rejects ------------------------------------------------------------------------------
@pytest.mark.parametrize("grp,size", [("g1", 48), ("g2", 96)])
def test_decode_rejects_wrong_length_and_type(be, grp, size):
    decode = getattr(be, f"{grp}_from_bytes")
    good = getattr(be, f"{grp}_to_bytes")(getattr(be, f"{grp}_generator")())
    for bad in (b"", good[:-1], good + b"\x00", good * 2, bytes([0xC0]) + bytes(size)):
        with pytest.raises(MalformedInputError, match=r"proof\.a.*bytes"):
            decode(bad, field="proof.a")
    with pytest.raises(MalformedInputError, match="proof.a"):
        decode(good.hex(), field="proof.a")


def test_decode_g1_rejects_x_not_below_p(be):
    for x in (P, P + 1, (1 << 381) - 1):
        with pytest.raises(MalformedInputError, match=r"vk\.alpha_g1: x coordinate .* not < p"):
            be.g1_from_bytes(_flagged(x, 48), field="vk.alpha_g1")


def test_decode_g2_rejects_coordinates_not_below_p(be):
    with pytest.raises(MalformedInputError, match=r"vk\.beta_g2: x\.c1"):
        be.g2_from_bytes(_g2_bytes(1, P), field="vk.beta_g2")
    with pytest.raises(MalformedInputError, match=r"vk\.beta_g2: x\.c0"):
        be.g2_from_bytes(_g2_bytes(P, 1), field="vk.beta_g2")
    # flag bits in the second half are part of x.c0, hence x.c0 >= p
    with pytest.raises(MalformedInputError, match=r"x\.c0"):
        be.g2_from_bytes(_g2_bytes((0xE0 << 376) | 5, 1), field="vk.beta_g2")


def test_decode_rejects_off_curve_x(be):
    x = _g1_off_curve_x()
    for sign in (0x80, 0xA0):
        with pytest.raises(MalformedInputError, match=r"proof\.c: .*not the x coordinate"):
            be.g1_from_bytes(_flagged(x, 48, sign), field="proof.c")
    x_c0, x_c1 = _g2_off_curve_x()
    with pytest.raises(MalformedInputError, match=r"proof\.b: .*not the x coordinate"):
        be.g2_from_bytes(_g2_bytes(x_c0, x_c1), field="proof.b")
    # x = 0 without the infinity flag: 4(1 + u) is not a square in Fp2, so off the twist
    assert modular_squareroot_in_FQ2(b2) is None
    with pytest.raises(MalformedInputError, match=r"proof\.b: .*not the x coordinate"):
        be.g2_from_bytes(_g2_bytes(0, 0), field="proof.b")


def test_decode_rejects_points_outside_the_subgroup(be):
    bad_g1 = _g1_outside_subgroup()
    assert bad_g1 and bad_g1[0][0] == 0  # (0, +-2) has order 3
    for x, _y in bad_g1:
        for sign in (0x80, 0xA0):
            with pytest.raises(MalformedInputError, match=r"proof\.a: .*not in the order-r"):
                be.g1_from_bytes(_flagged(x, 48, sign), field="proof.a")
    for x_c0, x_c1 in _g2_outside_subgroup():
        for sign in (0x80, 0xA0):
            with pytest.raises(MalformedInputError, match=r"proof\.b: .*not in the order-r"):
                be.g2_from_bytes(_g2_bytes(x_c0, x_c1, sign), field="proof.b")


def test_cofactor_cleared_point_is_accepted():
    """The subgroup test is not "reject everything odd": h * P of a bad P decodes fine."""
    x, y = _g1_outside_subgroup()[1]
    cleared = multiply((FQ(x), FQ(y), FQ(1)), G1_COFACTOR)
    assert not is_inf(cleared) and is_inf(multiply(cleared, R))
    data = get_backend("py_ecc").g1_to_bytes(cleared)
    for name in BACKENDS:
        assert get_backend(name).g1_to_bytes(get_backend(name).g1_from_bytes(data)) == data
    # G2: clear the cofactor with py_ecc's h_eff multiplication (independent of our code)
    x_c0, x_c1 = _g2_outside_subgroup()[0]
    x = FQ2([x_c0, x_c1])
    pt2 = multiply_clear_cofactor_G2((x, modular_squareroot_in_FQ2(x**3 + b2), FQ2.one()))
    assert not is_inf(pt2) and is_inf(multiply(pt2, R))
    data2 = get_backend("py_ecc").g2_to_bytes(pt2)
    for name in BACKENDS:
        assert get_backend(name).g2_to_bytes(get_backend(name).g2_from_bytes(data2)) == data2


@pytest.mark.parametrize("grp,size", [("g1", 48), ("g2", 96)])
def test_decode_rejects_bad_flags(be, grp, size):
    decode = getattr(be, f"{grp}_from_bytes")
    good = bytearray(getattr(be, f"{grp}_to_bytes")(getattr(be, f"{grp}_generator")()))
    uncompressed = bytes([good[0] & 0x7F]) + bytes(good[1:])
    with pytest.raises(MalformedInputError, match=r"field_x: compression flag"):
        decode(uncompressed, field="field_x")
    with pytest.raises(MalformedInputError, match="field_x"):
        decode(bytes(size), field="field_x")
    infinity_with_x = bytes([good[0] | 0x40]) + bytes(good[1:])
    infinity_with_sign = bytes([0xE0]) + bytes(size - 1)
    infinity_with_tail = bytes([0xC0]) + bytes(size - 2) + b"\x01"
    infinity_uncompressed = bytes([0x40]) + bytes(size - 1)
    for bad in (infinity_with_x, infinity_with_sign, infinity_with_tail):
        with pytest.raises(MalformedInputError, match=r"field_x: non-canonical identity"):
            decode(bad, field="field_x")
    with pytest.raises(MalformedInputError, match=r"field_x: compression flag"):
        decode(infinity_uncompressed, field="field_x")


def test_decode_with_flipped_sign_gives_the_negation(be):
    data = bytearray(be.g1_to_bytes(be.g1_generator()))
    data[0] ^= 0x20
    assert be.g1_eq(be.g1_from_bytes(bytes(data)), be.g1_neg(be.g1_generator()))
    data2 = bytearray(be.g2_to_bytes(be.g2_generator()))
    data2[0] ^= 0x20
    assert be.g2_eq(be.g2_from_bytes(bytes(data2)), be.g2_neg(be.g2_generator()))


def test_malformed_input_is_in_the_error_tree():
    with pytest.raises(ZkClaimsError):
        get_backend("arkworks").g1_from_bytes(b"\x00")
    with pytest.raises(ValueError):
        get_backend("arkworks").g1_from_bytes(b"\x00")


# --- pairing ------------------------------------------------------------------------------------
def test_pairing_check(be, rng):
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    g, h = be.g1_generator(), be.g2_generator()
    ap, bq = be.g1_mul(g, a), be.g2_mul(h, b)
    minus_ab_p = be.g1_neg(be.g1_mul(g, a * b))
    assert be.pairing_check([(ap, bq), (minus_ab_p, h)]) is True
    assert be.pairing_check([(ap, bq), (be.g1_neg(be.g1_mul(g, a * b + 1)), h)]) is False
    assert be.pairing_check([(ap, bq), (minus_ab_p, be.g2_mul(h, 2))]) is False
    # a single non-degenerate pairing is not 1; identities contribute 1
    assert be.pairing_check([(g, h)]) is False
    assert be.pairing_check([(be.g1_identity(), h), (g, be.g2_identity())]) is True
    assert be.pairing_check([(ap, bq), (minus_ab_p, h), (be.g1_identity(), bq)]) is True
    assert be.pairing_check([]) is True


def test_pairing_product_and_gt_equality(be, rng):
    """pairing_product is bilinear and multiplicative; gt_eq compares GT elements."""
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    g, h = be.g1_generator(), be.g2_generator()
    e_ab = be.pairing_product([(be.g1_mul(g, a), be.g2_mul(h, b))])
    assert be.gt_eq(e_ab, be.pairing_product([(be.g1_mul(g, a * b), h)]))
    assert be.gt_eq(e_ab, be.pairing_product([(g, be.g2_mul(h, a * b))]))
    # a product of pairings: e(aP, Q) e(bP, Q) = e((a + b)P, Q)
    two = be.pairing_product([(be.g1_mul(g, a), h), (be.g1_mul(g, b), h)])
    assert be.gt_eq(two, be.pairing_product([(be.g1_mul(g, a + b), h)]))
    assert not be.gt_eq(e_ab, be.pairing_product([(be.g1_mul(g, a * b + 1), h)]))
    # identities contribute 1; the empty product is 1
    one = be.pairing_product([])
    assert be.gt_eq(be.pairing_product([(be.g1_identity(), h), (g, be.g2_identity())]), one)
    assert not be.gt_eq(be.pairing_product([(g, h)]), one)


def test_pairing_check_four_pairs_groth16_shape(be, rng):
    """e(A,B) = e(alpha,beta) e(L,gamma) e(C,delta) written as a product of four pairings."""
    g, h = be.g1_generator(), be.g2_generator()
    al, be_, ga, de, l_, c = (rng.randrange(1, R) for _ in range(6))
    # choose A, B so that a*b = al*be_ + l_*ga + c*de
    bb = rng.randrange(1, R)
    aa = (al * be_ + l_ * ga + c * de) * pow(bb, -1, R) % R
    pairs = [
        (be.g1_neg(be.g1_mul(g, aa)), be.g2_mul(h, bb)),
        (be.g1_mul(g, al), be.g2_mul(h, be_)),
        (be.g1_mul(g, l_), be.g2_mul(h, ga)),
        (be.g1_mul(g, c), be.g2_mul(h, de)),
    ]
    assert be.pairing_check(pairs)
    pairs[3] = (be.g1_mul(g, c + 1), pairs[3][1])
    assert not be.pairing_check(pairs)


# --- backend selection ----------------------------------------------------------------------------
def test_get_backend_selection(monkeypatch):
    monkeypatch.delenv("ZKCLAIMS_BACKEND", raising=False)
    assert get_backend().name == "arkworks"
    assert get_backend("py_ecc").name == "py_ecc"
    assert get_backend("arkworks") is get_backend("arkworks")
    monkeypatch.setenv("ZKCLAIMS_BACKEND", "py_ecc")
    assert get_backend().name == "py_ecc"
    assert get_backend("arkworks").name == "arkworks"  # the argument wins
    assert get_backend("PY-ECC") is get_backend("py_ecc") is get_backend(" pyecc ")


def test_unknown_backend_names_the_value(monkeypatch):
    monkeypatch.delenv("ZKCLAIMS_BACKEND", raising=False)
    with pytest.raises(UnknownBackendError, match="'blst'") as info:
        get_backend("blst")
    assert isinstance(info.value, ZkClaimsError)
    monkeypatch.setenv("ZKCLAIMS_BACKEND", "gmpy-magic")
    with pytest.raises(UnknownBackendError, match=r"ZKCLAIMS_BACKEND.*'gmpy-magic'"):
        get_backend()


def test_backend_unavailable_when_native_module_missing(monkeypatch):
    monkeypatch.setattr(arkworks_backend, "_ark", None)
    monkeypatch.setattr(arkworks_backend, "_IMPORT_ERROR", ImportError("simulated"))
    monkeypatch.setattr(groups, "_instances", {})
    with pytest.raises(BackendUnavailableError, match="arkworks.*simulated"):
        get_backend("arkworks")
    assert get_backend("py_ecc").name == "py_ecc"  # the fallback still works


def test_backend_unavailable_when_import_fails_in_a_fresh_interpreter():
    code = (
        "import sys; sys.modules['py_arkworks_bls12381'] = None\n"
        "from zkclaims.errors import BackendUnavailableError\n"
        "from zkclaims.groups import get_backend\n"
        "try:\n    get_backend('arkworks')\n"
        "except BackendUnavailableError as e:\n    print('unavailable', e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ZKCLAIMS_BACKEND"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("unavailable") and "py_arkworks_bls12381" in out.stdout


# --- property: random scalars, both backends agree to the byte -----------------------------------
@settings(max_examples=12, deadline=None)
@given(k=st.integers(min_value=-(R * 2), max_value=R * 2), m=st.integers(0, 2**16))
def test_property_g1_cross_backend(k, m):
    ark, pye = get_backend("arkworks"), get_backend("py_ecc")
    pa = ark.g1_add(ark.g1_mul(ark.g1_generator(), k), ark.g1_mul(ark.g1_generator(), m))
    pp = pye.g1_add(pye.g1_mul(pye.g1_generator(), k), pye.g1_mul(pye.g1_generator(), m))
    data = ark.g1_to_bytes(pa)
    assert pye.g1_to_bytes(pp) == data
    assert pye.g1_eq(pye.g1_from_bytes(data), pp)
    assert ark.g1_eq(ark.g1_from_bytes(data), pa)
