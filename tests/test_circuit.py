"""The circuit builder: modes, variable order, costs, scopes, digests, batch mode."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.circuit import R1CS, Builder, Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.errors import (
    AssignmentMissingError,
    CircuitError,
    InvalidInputError,
    UnsatisfiedConstraintError,
    ZkClaimsError,
)
from zkclaims.field import R


class Square(Circuit):
    """y = x^2 (one constraint)."""

    y = public()
    x = private()

    def define(self, api: Builder) -> None:
        api.assert_equal(api.mul(self.x, self.x), self.y)


class Ordered(Circuit):
    """Privates declared before publics in the body: publics still come first."""

    p1 = private()
    a = public()
    v = private(n=3)
    b = public()

    def define(self, api: Builder) -> None:
        api.assert_equal(self.a + self.b, self.p1 + self.v[0] + self.v[1] + self.v[2])


class Derived(Ordered):
    c = public()

    def define(self, api: Builder) -> None:
        super().define(api)
        api.assert_equal(self.c, 1)


class Lens(Circuit):
    """Nested scopes around a comparator, to check the error report."""

    limit = public()
    sphere = private()

    def define(self, api: Builder) -> None:
        with api.scope("lens"), api.scope("right"), api.scope("class"):
            lt = g.less_than(api, self.sphere, self.limit, bits=8)
        api.assert_equal(lt, 1)
        api.output("lt", lt)


class Mixed(Circuit):
    """Several gadgets, for batch == scalar."""

    a = public()
    b = private()
    c = private()

    def define(self, api: Builder) -> None:
        with api.scope("cmp"):
            lt = g.less_than(api, self.a, self.b, bits=16)
            le = g.less_or_equal(api, self.b, self.c, bits=16)
        eq = g.is_equal(api, self.a, self.c)
        z = g.is_zero(api, self.b)
        s = g.select(api, lt, self.b * self.c, self.a + 7)
        bits = g.to_bits(api, self.c, 16)
        back = g.from_bits(api, bits[:8])
        inv = api.div(self.a + 1, self.c + 1)
        for name, x in [
            ("lt", lt),
            ("le", le),
            ("eq", eq),
            ("z", z),
            ("s", s),
            ("low", back),
            ("inv", inv),
            ("or", g.or_(api, lt, eq)),
            ("xor", g.xor(api, le, z)),
        ]:
            api.output(name, x)


def mixed_reference(a: int, b: int, c: int) -> dict[str, int]:
    return {
        "lt": int(a < b),
        "le": int(b <= c),
        "eq": int(a == c),
        "z": int(b == 0),
        "s": (b * c) % R if a < b else a + 7,
        "low": c & 0xFF,
        "inv": (a + 1) * pow(c + 1, -1, R) % R,
        "or": int(a < b or a == c),
        "xor": int(b <= c) ^ int(b == 0),
    }


# -- modes ------------------------------------------------------------


def test_compile_and_witness_of_a_square() -> None:
    r1cs = Square().compile(check_unused=True)
    assert isinstance(r1cs, R1CS)
    assert (r1cs.n_public, r1cs.n_vars, r1cs.n_constraints) == (1, 4, 2)
    w = Square().witness({"y": 9, "x": 3})
    assert w == [1, 9, 3, 9]
    assert r1cs.is_satisfied(w)
    assert not r1cs.is_satisfied([1, 10, 3, 9])


def test_reading_a_value_while_compiling_raises() -> None:
    class Peek(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            api.value(self.x)

    with pytest.raises(AssignmentMissingError, match="compile mode"):
        Peek().compile()
    assert issubclass(AssignmentMissingError, ZkClaimsError)


def test_branching_on_a_value_raises() -> None:
    class Branch(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            if self.x:  # noqa: SIM108 - the point of the test
                api.assert_equal(self.x, 1)

    with pytest.raises(CircuitError, match="truth value"):
        Branch().compile()


def test_hint_is_not_called_while_compiling() -> None:
    calls = []

    class Hinted(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            (y,) = api.hint(lambda v: calls.append(v) or v + 1, self.x)
            api.assert_equal(y, self.x + 1)

    Hinted().compile()
    assert calls == []
    assert Hinted().witness({"x": 4})[2] == 5
    assert calls == [4]


def test_variable_order_publics_first_in_declaration_order() -> None:
    assert [i.name for i in Ordered.inputs()] == ["a", "b", "p1", "v"]
    w = Ordered().witness({"a": 10, "b": 5, "p1": 3, "v": [4, 6, 2]})
    assert w[:7] == [1, 10, 5, 3, 4, 6, 2]
    assert Ordered().compile().n_public == 2
    assert Ordered.n_private_inputs() == 4
    assert [i.name for i in Derived.inputs()] == ["a", "b", "c", "p1", "v"]
    wd = Derived().witness({"a": 10, "b": 5, "c": 1, "p1": 3, "v": [4, 6, 2]})
    assert wd == [1, 10, 5, 1, 3, 4, 6, 2]


def test_inputs_only_inside_define() -> None:
    with pytest.raises(CircuitError, match="only available while define"):
        _ = Square().x


# -- costs ------------------------------------------------------------


def test_linear_combinations_are_free_and_mul_costs_one() -> None:
    api = Builder(compiling=True)
    x = api._declare_input("x", None, public=False)
    y = api._declare_input("y", None, public=False)
    lc = 3 * x + y - 5 - (x / 2) + (-y) * 7
    assert len(api.constraints) == 0 and api.n_vars == 3
    assert lc.terms == {1: (3 - pow(2, -1, R)) % R, 2: R - 6, 0: R - 5}
    assert (x - x).terms == {}
    five = api.constant(5)
    assert (five * x).terms == {1: 5} and len(api.constraints) == 0
    _ = api.mul(x + 1, y)
    assert len(api.constraints) == 1 and api.n_vars == 4
    _ = x * y
    assert len(api.constraints) == 2
    _ = api.div(x, y)
    assert len(api.constraints) == 3
    _ = api.div(x, 4)
    assert len(api.constraints) == 3
    a, b, c = api.constraints[0]
    assert a == {1: 1, 0: 1} and b == {2: 1} and c == {3: 1}


def test_assert_equal_on_constants() -> None:
    api = Builder(compiling=True)
    api.assert_equal(api.constant(3), 3)
    assert api.constraints == []
    with pytest.raises(CircuitError, match="different constants"):
        api.assert_equal(api.constant(3), 4)


def test_unused_variable_is_flagged() -> None:
    class Forgot(Circuit):
        x = public()
        unused = private()

        def define(self, api: Builder) -> None:
            api.hint(lambda v: v, self.x, name="dangling")
            g.assert_bool(api, self.x)

    with pytest.raises(CircuitError, match=r"unused.*dangling"):
        Forgot().compile(check_unused=True)
    assert Forgot().builder().unused_variables() == ["unused", "root:hint:dangling[0]"]
    Forgot().compile()  # without the debug flag it compiles


# -- errors ------------------------------------------------------------


def test_unsatisfied_report_names_scope_index_and_values() -> None:
    with pytest.raises(UnsatisfiedConstraintError) as e:
        Lens().witness({"limit": 100, "sphere": 300})  # 300 does not fit in 8 bits
    msg = str(e.value)
    assert "lens.right.class/less_than/to_bits[7]" in msg
    assert "constraint 7 " in msg and "<A,w> = 2" in msg
    with pytest.raises(UnsatisfiedConstraintError) as e:
        Lens().witness({"limit": 100, "sphere": 150})  # in range but not less
    assert "constraint 25 (root[25])" in str(e.value) and "<A,w> = -1" in str(e.value)


def test_batch_report_names_the_failing_element() -> None:
    spheres = np.array([1, 2, 99, 100, 3])
    with pytest.raises(UnsatisfiedConstraintError, match=r"batch element 3 \(1 of 5"):
        Lens().solve({"limit": 100, "sphere": spheres})
    sol = Lens().solve({"limit": 100, "sphere": spheres}, check=False)
    assert list(sol.output("lt")) == [1, 1, 1, 0, 1]
    assert not sol.r1cs.is_satisfied(sol.witness_at(3))
    assert sol.r1cs.is_satisfied(sol.witness_at(2))


def test_input_validation() -> None:
    sq = Square()
    with pytest.raises(InvalidInputError, match="x: must be an integer"):
        sq.witness({"y": 1, "x": R})
    with pytest.raises(InvalidInputError, match="x: must be an integer"):
        sq.witness({"y": 1, "x": -1})
    with pytest.raises(InvalidInputError, match="x: must be an integer"):
        sq.witness({"y": 1, "x": True})
    with pytest.raises(AssignmentMissingError, match="input x"):
        sq.witness({"y": 1})
    with pytest.raises(InvalidInputError, match="unknown input"):
        sq.witness({"y": 1, "x": 1, "z": 2})
    with pytest.raises(InvalidInputError, match="v: expected a sequence of 3"):
        Ordered().witness({"a": 1, "b": 1, "p1": 1, "v": [1, 2]})
    with pytest.raises(InvalidInputError, match="different lengths"):
        sq.solve({"y": np.array([1, 4]), "x": np.array([1, 2, 3])})
    with pytest.raises(InvalidInputError, match=r"x: must be an integer"):
        sq.solve({"y": np.array([1, 4]), "x": np.array([1, R], dtype=object)})
    with pytest.raises(InvalidInputError, match="integer arrays"):
        sq.solve({"y": np.array([1.0, 4.0]), "x": np.array([1, 2])})
    with pytest.raises(UnsatisfiedConstraintError):
        sq.witness({"y": 10, "x": 3})


# -- digests ------------------------------------------------------------


def test_digest_is_stable_across_runs_and_modes() -> None:
    d = Mixed().compile().digest()
    assert Mixed().compile().digest() == d
    assert Mixed().solve({"a": 3, "b": 5, "c": 9}).r1cs.digest() == d
    assert Mixed().solve({"a": 9, "b": 0, "c": 9}).r1cs.digest() == d
    batch = Mixed().solve({"a": np.array([3, 9]), "b": np.array([5, 0]), "c": 9})
    assert batch.r1cs.digest() == d
    assert Square().compile().digest() != d
    assert Mixed().compile().names == batch.r1cs.names


# -- batch mode ------------------------------------------------------------


def test_batch_equals_scalar_on_random_inputs() -> None:
    rng = random.Random(1234)
    n = 60
    a = [rng.choice([0, 1, 65535, rng.randrange(1 << 16)]) for _ in range(n)]
    b = [rng.choice([0, 1, 65535, rng.randrange(1 << 16), a[i]]) for i in range(n)]
    c = [rng.choice([0, 65535, rng.randrange(1 << 16), a[i], b[i]]) for i in range(n)]
    sol = Mixed().solve(
        {"a": np.array(a), "b": np.array(b, dtype=np.int64), "c": np.array(c, dtype=object)}
    )
    assert sol.batch_size == n
    r1cs = Mixed().compile()
    for i in range(n):
        scalar = Mixed().solve({"a": a[i], "b": b[i], "c": c[i]})
        assert sol.witness_at(i) == scalar.witness
        assert r1cs.is_satisfied(scalar.witness)
        ref = mixed_reference(a[i], b[i], c[i])
        for name, v in ref.items():
            assert int(sol.output(name)[i]) == v == scalar.output(name), (name, i)
    assert sol.output("lt").dtype == object


def test_batch_with_scalar_broadcast_and_outputs() -> None:
    sol = Square().solve({"y": 9, "x": np.array([3, R - 3])})
    assert sol.batch_size == 2 and sol.public_inputs == [9]
    assert sol.witness_at(1) == [1, 9, R - 3, 9]
    with pytest.raises(CircuitError, match="no such output"):
        sol.output("nope")


def test_hint_output_arity_is_checked() -> None:
    class Bad(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            api.hint(lambda v: [v, v], self.x, n_out=3)

    with pytest.raises(CircuitError, match="returned 2 values, expected 3"):
        Bad().witness({"x": 1})


def test_inverse_of_zero_is_unsatisfiable() -> None:
    class Inv(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            api.output("inv", api.inverse(self.x))

    assert Inv().solve({"x": 2}).output("inv") == pow(2, -1, R)
    with pytest.raises(UnsatisfiedConstraintError, match="root"):
        Inv().witness({"x": 0})
    sol = Inv().solve({"x": np.array([2, 3])})
    assert list(sol.output("inv")) == [pow(2, -1, R), pow(3, -1, R)]


class Arith(Circuit):
    """Products, sums, big and power-of-two coefficients: exercises the int64 fast path edges."""

    a = public()
    b = private()
    c = private()

    def define(self, api: Builder) -> None:
        a, b, c = self.a, self.b, self.c
        ab = api.mul(a, b)
        outs = {
            "ab": ab,
            "sum": a + b - c,
            "lin": 3 * a - 7 * b + (1 << 40) * c,
            "quarter": (a - b) / 4,
            "abc": api.mul(ab, c),
            "big": api.linear_combination([(R - 2, a), (1 << 61, b), (5, c)], constant=-9),
            "sq": api.square(a - c + 1),
            "eq": g.is_equal(api, a, b),
        }
        api.assert_equal(outs["sum"] + c, a + b)
        api.assert_mul(a, b, ab)
        for name, x in outs.items():
            api.output(name, x)


EDGE_VALUES = [
    0,
    1,
    3,
    4,
    2**31 - 1,
    2**31,
    2**61,
    2**62 - 1,
    2**62,
    2**63 - 1,
    2**63,
    R - 1,
    R - 4,
]


def test_batch_fast_path_matches_scalar_at_int64_edges() -> None:
    rng = random.Random(5)
    n = 40
    cols = [[rng.choice(EDGE_VALUES + [rng.randrange(R)]) for _ in range(n)] for _ in range(3)]
    cols[1][: len(EDGE_VALUES)] = EDGE_VALUES
    small = [[v % 1000 for v in col] for col in cols]
    for data in (cols, small):
        arrays = {k: np.array(v, dtype=object) for k, v in zip("abc", data, strict=True)}
        if data is small:
            arrays = {k: np.array(v, dtype=np.int64) for k, v in zip("abc", data, strict=True)}
        sol = Arith().solve(arrays)
        int64_vars = sum(isinstance(v, np.ndarray) and v.dtype == np.int64 for v in sol.witness)
        assert (int64_vars > 5) if data is small else (int64_vars < len(sol.witness))
        for i in range(n):
            scalar = Arith().solve({k: data[j][i] for j, k in enumerate("abc")})
            assert sol.witness_at(i) == scalar.witness
            for name, v in scalar.outputs.items():
                assert int(sol.output(name)[i]) == v, (name, i)
        a, b, c = (np.array(v, dtype=object) for v in data)
        assert list(sol.output("abc")) == list(a * b * c % R)
        assert list(sol.output("quarter")) == list((a - b) * pow(4, -1, R) % R)


def test_hints_receive_python_ints_in_batch_mode() -> None:
    seen = []

    class Probe(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            def double(v):  # noqa: ANN001, ANN202
                seen.append(v.dtype)
                return v * (R - 2)  # would overflow in int64

            (y,) = api.hint(double, self.x)
            api.assert_equal(y, -2 * self.x)

    Probe().solve({"x": np.array([1, 2, 3], dtype=np.int64)})
    assert seen == [object]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            *[
                st.one_of(
                    st.integers(0, 1000),
                    st.sampled_from(EDGE_VALUES),
                    st.integers(0, R - 1),
                )
            ]
            * 3
        ),
        min_size=1,
        max_size=8,
    )
)
def test_batch_equals_scalar_property(rows: list[tuple[int, int, int]]) -> None:
    cols = list(zip(*rows, strict=True))
    small = all(v < 2**62 for col in cols for v in col)
    dtype = np.int64 if small else object
    sol = Arith().solve({k: np.array(c, dtype=dtype) for k, c in zip("abc", cols, strict=True)})
    for i, row in enumerate(rows):
        assert sol.witness_at(i) == Arith().solve(dict(zip("abc", row, strict=True))).witness


def test_batch_of_zeros_with_huge_coefficients() -> None:
    # Regression: a zero bound used to let int64 * (huge coefficient) through and overflow.
    zeros = {k: np.zeros(3, dtype=np.int64) for k in "abc"}
    sol = Arith().solve(zeros)
    assert sol.witness_at(2) == Arith().solve(dict.fromkeys("abc", 0)).witness


def test_hint_returning_an_array_in_scalar_mode_is_rejected() -> None:
    class ArrayHint(Circuit):
        x = private()

        def define(self, api: Builder) -> None:
            (y,) = api.hint(lambda v: np.array([v, v]), self.x)
            api.assert_equal(y, self.x)

    with pytest.raises(CircuitError, match="batch size None"):
        ArrayHint().witness({"x": 1})
