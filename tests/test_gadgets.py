"""Gadgets against native references at the edges (0, 1, bounds, bound +- 1, r - 1); costs."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.circuit import Builder, Circuit, private
from zkclaims.circuit import gadgets as g
from zkclaims.circuit.counts import COUNTS_FILE, measure
from zkclaims.errors import CircuitError, UnsatisfiedConstraintError
from zkclaims.field import R

HYP = settings(max_examples=80, deadline=None)


@functools.cache
def circuit(fn: Callable[..., Any], k: int) -> Circuit:
    """A circuit with k private inputs x0..x(k-1) whose define calls fn and outputs its result."""
    attrs: dict[str, Any] = {f"x{i}": private() for i in range(k)}

    def define(self: Circuit, api: Builder) -> None:
        out = fn(api, *[getattr(self, f"x{i}") for i in range(k)])
        if isinstance(out, list):
            for j, o in enumerate(out):
                api.output(f"out{j}", o)
        elif out is not None:
            api.output("out", out)

    attrs["define"] = define
    return type(f"G_{getattr(fn, '__name__', 'fn')}", (Circuit,), attrs)()


def run(fn: Callable[..., Any], *xs: int) -> Any:
    """Solve; return the output(s); check the R1CS itself accepts the witness."""
    c = circuit(fn, len(xs))
    sol = c.solve({f"x{i}": x for i, x in enumerate(xs)})
    assert c.compile().is_satisfied(sol.witness)
    outs = sol.outputs
    if "out" in outs:
        return outs["out"]
    return [outs[f"out{j}"] for j in range(len(outs))] if outs else None


def fails(fn: Callable[..., Any], *xs: int) -> bool:
    """True when the builder rejects the assignment AND the R1CS rejects its best witness."""
    c = circuit(fn, len(xs))
    assignment = {f"x{i}": x for i, x in enumerate(xs)}
    try:
        c.solve(assignment)
    except UnsatisfiedConstraintError:
        sol = c.solve(assignment, check=False)
        assert not c.compile().is_satisfied(sol.witness)
        return True
    return False


EDGES = [0, 1, 2, 3, 127, 128, 254, 255, 256, 257, 65535, 65536, R - 2, R - 1]


# -- booleans ------------------------------------------------------------


def _assert_bool(api, x):  # noqa: ANN001, ANN202
    g.assert_bool(api, x)


@pytest.mark.parametrize("x", EDGES)
def test_assert_bool(x: int) -> None:
    assert fails(_assert_bool, x) == (x not in (0, 1))


def _not(api, a):  # noqa: ANN001, ANN202
    return g.not_(api, a)


def _and(api, a, b):  # noqa: ANN001, ANN202
    return g.and_(api, a, b)


def _or(api, a, b):  # noqa: ANN001, ANN202
    return g.or_(api, a, b)


def _xor(api, a, b):  # noqa: ANN001, ANN202
    return g.xor(api, a, b)


@pytest.mark.parametrize("a", [0, 1])
@pytest.mark.parametrize("b", [0, 1])
def test_boolean_logic_truth_tables(a: int, b: int) -> None:
    assert run(_not, a) == 1 - a
    assert run(_and, a, b) == (a & b)
    assert run(_or, a, b) == (a | b)
    assert run(_xor, a, b) == (a ^ b)


@pytest.mark.parametrize("bad", [2, R - 1])
def test_boolean_logic_rejects_non_booleans(bad: int) -> None:
    assert fails(_not, bad)
    assert fails(_and, bad, 1) and fails(_and, 1, bad)
    assert fails(_or, bad, 0) and fails(_xor, 0, bad)


def _select(api, c, a, b):  # noqa: ANN001, ANN202
    return g.select(api, c, a, b)


@pytest.mark.parametrize("a,b", [(0, 1), (5, R - 1), (R - 1, R - 1), (255, 256)])
def test_select(a: int, b: int) -> None:
    assert run(_select, 1, a, b) == a
    assert run(_select, 0, a, b) == b
    assert fails(_select, 2, a, b) and fails(_select, R - 1, a, b)


# -- bits and ranges ------------------------------------------------------------


def _bits_fn(n: int) -> Callable[..., Any]:
    def to_bits_n(api, x):  # noqa: ANN001, ANN202
        return g.to_bits(api, x, n)

    to_bits_n.__name__ = f"to_bits_{n}"
    return _cached(to_bits_n, ("to_bits", n))


_FN_CACHE: dict[tuple, Callable[..., Any]] = {}


def _cached(fn: Callable[..., Any], key: tuple) -> Callable[..., Any]:
    return _FN_CACHE.setdefault(key, fn)


@pytest.mark.parametrize("n", [1, 8, 16, 250])
@pytest.mark.parametrize("x", EDGES + [(1 << 250) - 1, 1 << 250])
def test_to_bits_edges(n: int, x: int) -> None:
    fn = _bits_fn(n)
    if x < 1 << n:
        assert run(fn, x) == [(x >> i) & 1 for i in range(n)]
    else:
        assert fails(fn, x)


@HYP
@given(n=st.integers(1, 64), data=st.data())
def test_to_bits_property(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, (1 << n) - 1))
    bits = run(_bits_fn(n), x)
    assert bits == [(x >> i) & 1 for i in range(n)]
    assert fails(_bits_fn(n), data.draw(st.integers(1 << n, R - 1)))


def test_to_bits_of_a_constant_and_zero_width() -> None:
    api = Builder(compiling=True)
    assert [b.constant_value() for b in g.to_bits(api, api.constant(6), 3)] == [0, 1, 1]
    with pytest.raises(CircuitError, match="does not fit"):
        g.to_bits(api, api.constant(8), 3)
    with pytest.raises(CircuitError, match="bit width"):
        g.to_bits(api, api.constant(8), 251)
    assert api.constraints == []
    assert fails(_bits_fn(0), 1) and not fails(_bits_fn(0), 0)


def _from3(api, a, b, c):  # noqa: ANN001, ANN202
    return g.from_bits(api, [a, b, c])


def test_from_bits() -> None:
    for v in range(8):
        assert run(_from3, v & 1, (v >> 1) & 1, v >> 2) == v
    assert fails(_from3, 2, 0, 0) and fails(_from3, 0, 0, R - 1)


def test_to_bits_witness_is_unique() -> None:
    # Changing any single hinted bit (or the output of any variable) breaks a constraint.
    c = circuit(_bits_fn(16), 1)
    r1cs = c.compile()
    w = c.witness({"x0": 0xBEEF})
    for i in range(2, len(w)):
        for delta in (1, R - 1):
            bad = list(w)
            bad[i] = (bad[i] + delta) % R
            assert not r1cs.is_satisfied(bad), i


RANGES = [(0, 255), (10, 20), (7, 7), (100, 1000), (0, 1), (3, 10)]


def _range_fn(lo: int, hi: int) -> Callable[..., Any]:
    def in_range(api, x):  # noqa: ANN001, ANN202
        g.assert_in_range(api, x, lo, hi)

    return _cached(in_range, ("range", lo, hi))


@pytest.mark.parametrize("lo,hi", RANGES)
def test_assert_in_range(lo: int, hi: int) -> None:
    fn = _range_fn(lo, hi)
    for x in {0, 1, lo - 1 if lo else R - 1, lo, lo + 1, hi - 1, hi, hi + 1, R - 1, R - lo - 1}:
        assert fails(fn, x) == (not lo <= x <= hi), x


def test_assert_in_range_rejects_bad_bounds() -> None:
    api = Builder(compiling=True)
    x = api._declare_input("x", None, public=False)
    with pytest.raises(CircuitError, match="lo <= hi"):
        g.assert_in_range(api, x, 5, 4)
    with pytest.raises(CircuitError, match="not in"):
        g.assert_in_range(api, api.constant(9), 0, 8)


# -- zero / equality ------------------------------------------------------------


def _is_zero(api, x):  # noqa: ANN001, ANN202
    return g.is_zero(api, x)


def _is_equal(api, a, b):  # noqa: ANN001, ANN202
    return g.is_equal(api, a, b)


def _nonzero(api, x):  # noqa: ANN001, ANN202
    g.assert_nonzero(api, x)


@pytest.mark.parametrize("x", EDGES)
def test_is_zero(x: int) -> None:
    assert run(_is_zero, x) == int(x == 0)
    assert fails(_nonzero, x) == (x == 0)


@pytest.mark.parametrize("a", [0, 1, 255, R - 1])
@pytest.mark.parametrize("b", [0, 1, 256, R - 1])
def test_is_equal(a: int, b: int) -> None:
    assert run(_is_equal, a, b) == int(a == b)


def test_is_zero_cannot_lie() -> None:
    c = circuit(_is_zero, 1)
    r1cs = c.compile()
    # variables: 1, x0, inv, m ; out = 1 - m
    for x in (0, 7, R - 1):
        w = c.witness({"x0": x})
        lie = list(w)
        lie[3] = 1 - lie[3]  # flip the output
        for inv in (0, 1, lie[2], pow(x, -1, R) if x else 5):
            lie[2] = inv
            assert not r1cs.is_satisfied(lie)


# -- comparators ------------------------------------------------------------


def _cmp(kind: str, bits: int) -> Callable[..., Any]:
    def cmp(api, a, b):  # noqa: ANN001, ANN202
        if kind.endswith("_unchecked"):
            g.to_bits(api, a, bits)
            g.to_bits(api, b, bits)
        return getattr(g, kind)(api, a, b, bits=bits)

    cmp.__name__ = f"{kind}_{bits}"
    return _cached(cmp, (kind, bits))


REF = {
    "less_than": lambda a, b: int(a < b),
    "less_or_equal": lambda a, b: int(a <= b),
    "less_than_unchecked": lambda a, b: int(a < b),
    "less_or_equal_unchecked": lambda a, b: int(a <= b),
}
CMP_EDGES = [0, 1, 2, 127, 128, 254, 255, 256, 257, R - 1]


@pytest.mark.parametrize("kind", sorted(REF))
@pytest.mark.parametrize("a", CMP_EDGES)
def test_comparators_edges(kind: str, a: int) -> None:
    fn = _cmp(kind, 8)
    for b in CMP_EDGES:
        if a < 256 and b < 256:
            assert run(fn, a, b) == REF[kind](a, b), (a, b)
        else:
            assert fails(fn, a, b), (a, b)


@HYP
@given(bits=st.integers(1, 64), data=st.data())
def test_comparator_property(bits: int, data: st.DataObject) -> None:
    a = data.draw(st.integers(0, (1 << bits) - 1))
    b = data.draw(st.one_of(st.integers(0, (1 << bits) - 1), st.just(a), st.just(a + 1)))
    for kind in ("less_than", "less_or_equal"):
        if b < 1 << bits:
            assert run(_cmp(kind, bits), a, b) == REF[kind](a, b)
        else:
            assert fails(_cmp(kind, bits), a, b)


def test_unchecked_comparator_lies_without_its_precondition() -> None:
    # Why the precondition matters: a = r - 1 ("-1") against b = 0 on 8 bits gives
    # y = 2^8 - 1, which fits, so the unchecked gadget says r - 1 < 0.
    def raw(api, a, b):  # noqa: ANN001, ANN202
        return g.less_than_unchecked(api, a, b, bits=8)

    assert run(raw, R - 1, 0) == 1
    assert fails(_cmp("less_than", 8), R - 1, 0)


def _assert_le(api, a, b):  # noqa: ANN001, ANN202
    g.to_bits(api, a, 8)
    g.to_bits(api, b, 8)
    g.assert_less_or_equal_unchecked(api, a, b, bits=8)


@pytest.mark.parametrize("a", [0, 1, 100, 254, 255])
@pytest.mark.parametrize("b", [0, 1, 100, 254, 255])
def test_assert_less_or_equal(a: int, b: int) -> None:
    assert fails(_assert_le, a, b) == (a > b)


def test_comparator_skips_known_range_checks() -> None:
    api = Builder(compiling=True)
    x = api._declare_input("x", None, public=False)
    y = api._declare_input("y", None, public=False)
    g.to_bits(api, x, 6)
    g.assert_in_range(api, y, 3, 200)
    start = len(api.constraints)
    g.less_than(api, x, y, bits=8)
    assert len(api.constraints) - start == 9
    g.less_than(api, x, y, bits=7)  # y may be 200 >= 2^7: range-checked again
    assert len(api.constraints) - start == 9 + 7 + 8


# -- batch ------------------------------------------------------------


def test_gadgets_in_batch_mode_match_the_reference() -> None:
    rng = random.Random(7)
    a = np.array([rng.choice([0, 1, 254, 255, rng.randrange(256)]) for _ in range(200)])
    b = np.array([rng.choice([0, 1, 254, 255, rng.randrange(256)]) for _ in range(200)])
    sol = circuit(_cmp("less_or_equal", 8), 2).solve({"x0": a, "x1": b})
    assert list(sol.output("out")) == [int(x <= y) for x, y in zip(a, b, strict=True)]
    sol = circuit(_is_zero, 1).solve({"x0": np.array([0, 1, R - 1], dtype=object)})
    assert list(sol.output("out")) == [1, 0, 0]
    with pytest.raises(UnsatisfiedConstraintError, match="batch element 2"):
        circuit(_bits_fn(8), 1).solve({"x0": np.array([0, 255, 256])})


# -- exact costs ------------------------------------------------------------


EXPECTED = {
    "assert_bool": 1,
    "assert_bool(known boolean)": 0,
    "to_bits(n=8)": 8,
    "to_bits(n=250)": 250,
    "from_bits(8 known)": 0,
    "is_zero": 2,
    "is_equal": 2,
    "select": 2,
    "select(known boolean)": 1,
    "assert_in_range(0, 255)": 8,
    "assert_in_range(10, 20)": 8,
    "less_than_unchecked(bits=8)": 9,
    "less_or_equal_unchecked(bits=32)": 33,
    "less_than(bits=8)": 25,
    "less_than(bits=8, constant)": 17,
    "poseidon_permute(t=3)": 243,
    "poseidon_permute(t=5)": 300,
    "poseidon_hash2": 240,
    "mul": 1,
    "div": 1,
}


def test_exact_constraint_counts_and_budgets() -> None:
    counts = measure()
    for name, n in EXPECTED.items():
        assert counts[name] == n, name
    assert counts["poseidon_permute(t=3)"] <= 243
    for bits in (8, 16, 32):
        assert counts[f"less_than_unchecked(bits={bits})"] <= bits + 2
        assert counts[f"less_or_equal_unchecked(bits={bits})"] <= bits + 2
        assert counts[f"to_bits(n={bits})"] if f"to_bits(n={bits})" in counts else True


def test_constraint_counts_file_has_not_drifted() -> None:
    committed = json.loads(COUNTS_FILE.read_text())
    now = measure()
    drift = {
        k: (committed.get(k), now.get(k))
        for k in set(committed) | set(now)
        if committed.get(k) != now.get(k)
    }
    assert not drift, (
        f"constraint counts drifted (committed, now): {drift}; if intended, regenerate with "
        "`.venv/bin/python -m zkclaims.circuit.counts` and commit constraint_counts.json"
    )
