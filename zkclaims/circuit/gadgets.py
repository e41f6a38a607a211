"""Gadgets: plain functions taking the builder (``api``) first.

Conventions (gnark style): ``assert_*`` adds constraints that fail on a bad witness; ``is_*``
and the comparators return a 0/1 :class:`LinearCombination`. Every docstring states the exact
constraint cost; ``tests/test_gadgets.py`` asserts it and ``constraint_counts.json`` pins it.

Integers: a field element ``x`` is read as the integer in ``[0, r)``. Range checks and
comparators work on that integer; to handle signed quantities, add an offset first (e.g. sphere
in quarter-dioptres + 128).

A variable is *known boolean* when a constraint already forces it to {0, 1} (the outputs of
``to_bits``, ``is_zero``, the comparators, ``assert_bool``...): ``assert_bool`` on it is then
free and gadgets that need a boolean operand do not re-check it.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkclaims.circuit.builder import (
    Builder,
    LinearCombination,
    Operand,
    Value,
    batch_inverse,
    gadget,
)
from zkclaims.circuit.native import poseidon_permute_native
from zkclaims.errors import CircuitError
from zkclaims.field import R
from zkclaims.poseidon_constants import MDS, ROUND_CONSTANTS, ROUNDS

LC = LinearCombination

#: Largest bit width accepted by to_bits and the comparators (2**MAX_BITS < r, no wrap-around).
MAX_BITS = 250


def _check_bits(n: int, what: str) -> None:
    if not isinstance(n, int) or not 0 <= n <= MAX_BITS:
        raise CircuitError(f"{what}: bit width must be an int in [0, {MAX_BITS}], got {n!r}")


def _lc(api: Builder, x: Operand) -> LC:
    return api._lc(x)


# -- booleans ---------------------------------------------------------------------------------


def assert_bool(api: Builder, x: Operand) -> None:
    """Constrain ``x`` to {0, 1}.

    Cost: 1 constraint ``x * (x - 1) == 0``; 0 if already known boolean (marks ``x`` boolean).
    """
    x = _lc(api, x)
    if api.is_known_boolean(x):
        return
    if x.is_constant():
        raise CircuitError(f"assert_bool on the constant {x.constant_value()}")
    api.add_constraint(x, x - 1, 0)
    api.mark_boolean(x)


def not_(api: Builder, a: Operand) -> LC:
    """Return ``1 - a`` for a boolean ``a``. Cost: 0, plus 1 if ``a`` is not known boolean."""
    assert_bool(api, a)
    out = 1 - _lc(api, a)
    api.mark_boolean(out)
    return out


@gadget
def and_(api: Builder, a: Operand, b: Operand) -> LC:
    """Return ``a AND b`` for booleans. Cost: 1 constraint, plus 1 per operand not known boolean."""
    assert_bool(api, a)
    assert_bool(api, b)
    out = api.mul(a, b)
    api.mark_boolean(out)
    return out


@gadget
def or_(api: Builder, a: Operand, b: Operand) -> LC:
    """Return ``a OR b = a + b - a*b`` for booleans.

    Cost: 1 constraint, plus 1 per operand not known boolean.
    """
    assert_bool(api, a)
    assert_bool(api, b)
    out = _lc(api, a) + b - api.mul(a, b)
    api.mark_boolean(out)
    return out


@gadget
def xor(api: Builder, a: Operand, b: Operand) -> LC:
    """Return ``a XOR b = a + b - 2ab`` for booleans.

    Cost: 1 constraint, plus 1 per operand not known boolean.
    """
    assert_bool(api, a)
    assert_bool(api, b)
    out = _lc(api, a) + b - 2 * api.mul(a, b)
    api.mark_boolean(out)
    return out


@gadget
def select(api: Builder, cond: Operand, if_true: Operand, if_false: Operand) -> LC:
    """Return ``if_true if cond else if_false``: ``if_false + cond * (if_true - if_false)``.

    ``cond`` is constrained boolean. Cost: 1 constraint (0 when ``if_true - if_false`` is a
    constant), plus 1 if ``cond`` is not known boolean. The result is known boolean when both
    branches are.
    """
    assert_bool(api, cond)
    t, f = _lc(api, if_true), _lc(api, if_false)
    out = f + api.mul(cond, t - f)
    if api.is_known_boolean(t) and api.is_known_boolean(f):
        api.mark_boolean(out)
    return out


# -- bits ---------------------------------------------------------------------------------------


def _bits_hint(n: int):  # noqa: ANN202 - hint factory
    def bits(x: Value) -> list[Value]:
        return [(x >> i) & 1 for i in range(n)]

    bits.__name__ = f"bits{n}"
    bits.accepts_int64 = True  # type: ignore[attr-defined]  # shifts and masks cannot overflow
    return bits


@gadget
def to_bits(api: Builder, x: Operand, n: int) -> list[LC]:
    """Return the ``n`` bits of ``x``, least significant first; constrain ``x < 2**n``.

    Cost: ``n`` constraints (``n - 1`` hinted bits and the top bit as the linear combination
    ``(x - sum(b_i 2^i)) / 2^(n-1)``, each constrained boolean — the recomposition is then
    implied, no extra constraint); 0 for a constant ``x`` (checked when building). ``n = 0``
    costs 1 (``x == 0``). ``n <= MAX_BITS``. The bits are known boolean and ``x`` is known
    ``< 2**n`` (later comparators on ``x`` skip their range check).
    """
    _check_bits(n, "to_bits")
    x = _lc(api, x)
    if x.is_constant():
        v = x.constant_value()
        if v >= 1 << n:
            raise CircuitError(f"to_bits: constant {v} does not fit in {n} bits")
        return [api.constant((v >> i) & 1) for i in range(n)]
    if n == 0:
        api.assert_equal(x, 0)
        return []
    low = api.hint(_bits_hint(n - 1), x, n_out=n - 1, name="bits")
    acc = x
    for i, b in enumerate(low):
        assert_bool(api, b)
        acc = acc - b.scale(1 << i)
    top = acc / (1 << (n - 1))
    assert_bool(api, top)
    api.mark_range(x, n)
    return [*low, top]


@gadget
def from_bits(api: Builder, bits: Sequence[Operand]) -> LC:
    """Return ``sum(bits[i] * 2**i)``. Cost: 0, plus 1 per bit not known boolean (constrained)."""
    out = api.constant(0)
    for i, b in enumerate(bits):
        assert_bool(api, b)
        out = out + _lc(api, b).scale(1 << i)
    if not out.is_constant() and bits:
        api.mark_range(out, len(bits))
    return out


@gadget
def assert_in_range(api: Builder, x: Operand, lo: int, hi: int) -> None:
    """Constrain ``lo <= x <= hi`` (constants, ``0 <= lo <= hi``, ``hi - lo < 2**MAX_BITS``).

    Let ``k = (hi - lo).bit_length()``. Cost: ``k`` constraints when ``hi - lo + 1`` is a power
    of two (``to_bits(x - lo, k)``), else ``2k`` (``x - lo`` and ``hi - x`` both on ``k`` bits);
    1 when ``lo == hi``; 0 for a constant ``x`` (checked when building).
    """
    if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi < R):
        raise CircuitError(f"assert_in_range: need integer constants 0 <= lo <= hi, got {lo}, {hi}")
    x = _lc(api, x)
    if x.is_constant():
        if not lo <= x.constant_value() <= hi:
            raise CircuitError(
                f"assert_in_range: constant {x.constant_value()} not in [{lo}, {hi}]"
            )
        return
    if lo == hi:
        api.assert_equal(x, lo)
        return
    k = (hi - lo).bit_length()
    _check_bits(k, "assert_in_range")
    to_bits(api, x - lo, k)
    if hi - lo + 1 != 1 << k:
        to_bits(api, hi - x, k)
    api.mark_range(x, hi.bit_length())  # lo <= x <= hi now holds


# -- zero / equality -----------------------------------------------------------------------------


@gadget
def is_zero(api: Builder, x: Operand) -> LC:
    """Return 1 if ``x == 0`` else 0.

    Cost: 2 constraints (``x * inv == m``, ``x * (1 - m) == 0`` with a hinted ``inv``; result
    ``1 - m``); 0 for a constant. The result is known boolean.
    """
    x = _lc(api, x)
    if x.is_constant():
        return api.constant(1 if x.constant_value() == 0 else 0)
    (inv,) = api.hint(batch_inverse, x, name="inverse")
    m = api.mul(x, inv)
    out = 1 - m
    api.add_constraint(x, out, 0)
    api.mark_boolean(out)
    return out


@gadget
def is_equal(api: Builder, a: Operand, b: Operand) -> LC:
    """Return 1 if ``a == b`` else 0. Cost: 2 constraints (``is_zero(a - b)``); 0 for constants."""
    return is_zero(api, _lc(api, a) - b)


@gadget
def assert_nonzero(api: Builder, x: Operand) -> None:
    """Constrain ``x != 0``. Cost: 1 constraint (``x * inv == 1`` with a hinted ``inv``)."""
    api.inverse(x)


# -- comparators ---------------------------------------------------------------------------------


@gadget
def less_than_unchecked(api: Builder, a: Operand, b: Operand, *, bits: int) -> LC:
    """Return 1 if ``a < b`` else 0 — PRECONDITION: ``a``, ``b`` ALREADY in ``[0, 2**bits)``.

    The caller must have range-checked both operands to ``bits`` bits.

    WITHOUT THAT PRECONDITION THE RESULT IS NOT SOUND: a prover can pick out-of-range operands
    that make it lie. Use :func:`less_than` unless both operands come from ``to_bits`` /
    ``assert_in_range`` with at most ``bits`` bits (or are such constants).

    How: ``y = a - b + 2**bits`` lies in ``[1, 2**(bits+1))``; its top bit is ``a >= b``.
    Cost: ``bits + 1`` constraints (``to_bits(y, bits + 1)``); 0 for constants. Known boolean.
    """
    _check_bits(bits + 1, "less_than")
    y = _lc(api, a) - b + (1 << bits)
    if y.is_constant():
        return api.constant(1 if y.constant_value() < 1 << bits else 0)
    top = to_bits(api, y, bits + 1)[bits]
    out = 1 - top
    api.mark_boolean(out)
    return out


@gadget
def less_or_equal_unchecked(api: Builder, a: Operand, b: Operand, *, bits: int) -> LC:
    """Return 1 if ``a <= b`` else 0 — PRECONDITION: ``a``, ``b`` ALREADY in ``[0, 2**bits)``.

    The caller must have range-checked both operands to ``bits`` bits.

    WITHOUT THAT PRECONDITION THE RESULT IS NOT SOUND (see :func:`less_than_unchecked`).

    How: ``y = b - a + 2**bits`` lies in ``[1, 2**(bits+1))``; its top bit is ``a <= b``.
    Cost: ``bits + 1`` constraints; 0 for constants. Known boolean.
    """
    _check_bits(bits + 1, "less_or_equal")
    y = _lc(api, b) - a + (1 << bits)
    if y.is_constant():
        return api.constant(1 if y.constant_value() >= 1 << bits else 0)
    top = to_bits(api, y, bits + 1)[bits]
    api.mark_boolean(top)
    return top


def _range_check_operand(api: Builder, x: Operand, bits: int) -> None:
    known = api.known_bits(x)
    if known is not None and known <= bits:
        return
    to_bits(api, x, bits)


@gadget
def less_than(api: Builder, a: Operand, b: Operand, *, bits: int) -> LC:
    """Return 1 if ``a < b`` else 0, range-checking both to ``[0, 2**bits)`` (fails otherwise).

    Cost: ``bits + 1``, plus ``bits`` (a ``to_bits`` range check) per operand not already known
    to be below ``2**bits`` — constants, booleans, and values that went through ``to_bits`` /
    ``from_bits`` / ``assert_in_range(x, 0, 2**k - 1)`` with ``k <= bits`` are known: so
    ``3*bits + 1`` for two fresh variables, ``2*bits + 1`` against a constant, ``bits + 1`` on
    range-checked operands. Known boolean result.
    """
    _range_check_operand(api, a, bits)
    _range_check_operand(api, b, bits)
    return less_than_unchecked(api, a, b, bits=bits)


@gadget
def less_or_equal(api: Builder, a: Operand, b: Operand, *, bits: int) -> LC:
    """Return 1 if ``a <= b`` else 0, range-checking both to ``[0, 2**bits)`` (fails otherwise).

    Cost: as :func:`less_than`: ``bits + 1`` plus ``bits`` per operand not already known to be
    below ``2**bits``.
    """
    _range_check_operand(api, a, bits)
    _range_check_operand(api, b, bits)
    return less_or_equal_unchecked(api, a, b, bits=bits)


@gadget
def assert_less_or_equal_unchecked(api: Builder, a: Operand, b: Operand, *, bits: int) -> None:
    """Constrain ``a <= b`` — PRECONDITION: ``a``, ``b`` ALREADY in ``[0, 2**bits)``.

    Otherwise unsound, as :func:`less_than_unchecked`.

    How: ``b - a`` must fit in ``bits`` bits (if ``a > b`` it wraps to about ``r``).
    Cost: ``bits`` constraints; 0 for constants (checked when building).
    """
    _check_bits(bits, "assert_less_or_equal")
    d = _lc(api, b) - a
    if d.is_constant() and d.constant_value() >= 1 << bits:
        raise CircuitError(f"assert_less_or_equal: constants violate a <= b ({d.constant_value()})")
    to_bits(api, d, bits)


# -- Poseidon ------------------------------------------------------------------------------------


def _sbox(api: Builder, x: LC) -> LC:
    """x^5 as ``x2 = x*x, x4 = x2*x2, x5 = x4*x``: 3 constraints (0 for a constant)."""
    if x.is_constant():
        return api.constant(pow(x.constant_value(), 5, R))
    x2 = api.mul(x, x)
    x4 = api.mul(x2, x2)
    return api.mul(x4, x)


@gadget
def poseidon_permute(api: Builder, state: Sequence[Operand]) -> list[LC]:
    """Apply the Poseidon permutation (same parameters as :func:`zkclaims.poseidon.permute`).

    Cost: 3 constraints per S-box on a non-constant input: t = 3: ``8*3*3 + 57*3 = 243``;
    t = 5: ``8*5*3 + 60*3 = 300``; minus 3 per S-box whose input is a constant (the first
    full round on a constant capacity element). Round constants and the MDS layer are free
    (linear combinations).
    """
    s = [_lc(api, x) for x in state]
    t = len(s)
    if t not in ROUNDS:
        raise CircuitError(f"poseidon_permute: width must be one of {sorted(ROUNDS)}, got {t}")
    if api.witness_only:
        return poseidon_permute_native(api, s)  # values only; never records structure
    r_f, r_p = ROUNDS[t]
    rc = ROUND_CONSTANTS[t]
    mds = MDS[t]
    half = r_f // 2
    k = 0
    for rnd in range(r_f + r_p):
        full = rnd < half or rnd >= half + r_p
        s = [x + rc[k + i] for i, x in enumerate(s)]
        if full:
            s = [_sbox(api, x) for x in s]
        else:
            s = [_sbox(api, s[0]), *s[1:]]
        k += t
        s = [api.linear_combination(list(zip(row, s, strict=True))) for row in mds]
    return s


@gadget
def poseidon_hash2(api: Builder, a: Operand, b: Operand, *, domain: int) -> LC:
    """Return ``poseidon_permute([domain, a, b])[1]``, as :func:`zkclaims.poseidon.hash2`.

    ``domain`` is a constant (the capacity element), so the first S-box is free.
    Cost: 240 constraints (243 - 3).
    """
    if not isinstance(domain, int) or not 0 <= domain < R:
        raise CircuitError(f"poseidon_hash2: domain must be an int in [0, r), got {domain!r}")
    return poseidon_permute(api, [api.constant(domain), a, b])[1]


@gadget
def poseidon_hash3(api: Builder, a: Operand, b: Operand, c: Operand, *, domain: int) -> LC:
    """Return ``poseidon_permute([domain, a, b, c, 0])[1]``, as :func:`zkclaims.poseidon.hash3`.

    ``domain`` and the last rate element are constants, so two first-round S-boxes are free.
    Cost: 294 constraints (300 - 2 * 3).
    """
    if not isinstance(domain, int) or not 0 <= domain < R:
        raise CircuitError(f"poseidon_hash3: domain must be an int in [0, r), got {domain!r}")
    return poseidon_permute(api, [api.constant(domain), a, b, c, api.constant(0)])[1]
