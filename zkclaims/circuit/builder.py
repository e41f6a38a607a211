"""The circuit builder: linear combinations, one ``define`` run in three modes, hints, scopes.

A circuit is a :class:`Circuit` subclass that declares its inputs with :func:`public` and
:func:`private` and writes its statement once, in ``define(self, api)``. The same ``define`` runs

* to **compile** (:meth:`Circuit.compile`): no values exist, reading one raises
  :class:`~zkclaims.errors.AssignmentMissingError`; the result is an :class:`R1CS`;
* to compute a **witness** (:meth:`Circuit.solve` with ints): every variable gets a value and
  every constraint is checked as soon as it is added;
* in **batch** (:meth:`Circuit.solve` with numpy arrays): every value is a 1-D numpy array of N
  field elements and every constraint is checked elementwise (the error names the first failing
  element). Inputs may be any integer arrays (or ``dtype=object`` arrays of Python ints) with
  values in ``[0, r)``. Internally a value is an ``int64`` array while its magnitude is provably
  below 2**62 (bounds are tracked through every operation, so int64 never overflows) and an
  object array of Python ints otherwise; hints receive object arrays unless they declare
  ``accepts_int64``; recorded outputs are object arrays; ``Solution.witness_at(i)`` gives ints.

The constraint system is recorded in every mode, so the three give the same digest as long as
``define`` never branches on a value (it cannot: values are only reachable through
:meth:`Builder.value`, which fails while compiling, and through :meth:`Builder.hint`).

Costs: a linear combination (``+``, ``-``, ``*`` or ``/`` by a constant) is free; the product
of two non-constant linear combinations (``api.mul(a, b)`` or ``a * b``) allocates one variable
and one constraint. Advice that is not computed by constraints (bits, inverses) comes only from
:meth:`Builder.hint`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from zkclaims.circuit.r1cs import R1CS, Row
from zkclaims.errors import (
    AssignmentMissingError,
    CircuitError,
    InvalidInputError,
    UnsatisfiedConstraintError,
)
from zkclaims.field import R

#: A value in witness mode: a Python int in ``[0, r)``, or (batch mode) a 1-D numpy array of them.
Value = Any

_HALF_R = R // 2


def _signed(c: int) -> int:
    """Return the representative of ``c mod r`` closest to zero (keeps batch ints small)."""
    return c - R if c > _HALF_R else c


# Batch values are numpy arrays: int64 when the magnitudes are known to be small (the fast
# path), object arrays of Python ints otherwise. Every int64 value travels with a bound on its
# absolute value; an operation stays in int64 only when the bound of its result is < 2**62, so
# int64 arithmetic never overflows. Scalar mode uses Python ints through the same functions.
_LIMIT = 1 << 62
# 1 / 2**j mod r -> j: scaling an int64 value divisible by 2**j by it is an exact shift.
_INV_POW2 = {pow(1 << j, -1, R): j for j in range(1, 62)}


def _is_i64(v: Value) -> bool:
    return isinstance(v, np.ndarray) and v.dtype == np.int64


def _bound(v: Value, b: int | None) -> int | None:
    """Bound on ``|v|`` usable by the int64 fast path, or None (object array / large int)."""
    if isinstance(v, int):
        a = abs(v)
        return a if a < _LIMIT else None
    return b if _is_i64(v) else None


def _obj(v: Value) -> Value:
    return v.astype(object) if _is_i64(v) else v


def _canon(v: Value) -> Value:
    """Reduce a value into ``[0, r)`` (int, int64 array when non-negative, else object array)."""
    if _is_i64(v):
        return v if v.size == 0 or v.min() >= 0 else v.astype(object) % R
    return v % R


def _compact(v: np.ndarray) -> np.ndarray:
    """Turn a canonical object array into int64 when every value is below 2**62."""
    if v.dtype == object and (v.size == 0 or v.max() < _LIMIT):
        return v.astype(np.int64)
    return v


def _bound_of(v: Value) -> int | None:
    if _is_i64(v):
        return int(np.abs(v).max()) if v.size else 0
    return None


# ---------------------------------------------------------------------------------------------
# Linear combinations
# ---------------------------------------------------------------------------------------------


class LinearCombination:
    """A linear combination ``sum(coeff * w[var])`` of circuit variables; variable 0 is one.

    Build them with ``+``, ``-``, unary ``-``, and ``*`` or ``/`` by an int: all free (no
    constraint). ``a * b`` with both sides non-constant calls :meth:`Builder.mul` (one variable,
    one constraint). Python ints mix freely with linear combinations. A linear combination has
    no truth value: ``if lc:`` raises, use :func:`~zkclaims.circuit.gadgets.select` instead.

    In witness mode it also carries its value (``val``: an int or array congruent to the value
    mod r, not necessarily reduced; read it reduced with :meth:`Builder.value`).
    """

    __slots__ = ("terms", "api", "val", "bnd")

    def __init__(
        self, api: Builder, terms: dict[int, int], val: Value = None, bnd: int | None = None
    ) -> None:
        self.api = api
        #: variable index -> coefficient in ``[1, r)`` (never zero).
        self.terms = terms
        self.val = val
        self.bnd = bnd  # bound on |val| when val is an int64 array

    # -- inspection ---------------------------------------------------------------------------
    def is_constant(self) -> bool:
        """Return True when only the constant-one variable appears (value known when compiling)."""
        return all(v == 0 for v in self.terms)

    def constant_value(self) -> int:
        """Return the value of a constant linear combination; raise ``CircuitError`` otherwise."""
        if not self.is_constant():
            raise CircuitError(f"linear combination {self!r} is not a constant")
        return self.terms.get(0, 0)

    def key(self) -> tuple[tuple[int, int], ...]:
        """Return a hashable canonical form (sorted terms)."""
        return tuple(sorted(self.terms.items()))

    def __repr__(self) -> str:
        parts = []
        for v, c in sorted(self.terms.items())[:8]:
            name = "1" if v == 0 else self.api.var_names[v]
            parts.append(name if c == 1 else f"{_fmt(c)}*{name}")
        if len(self.terms) > 8:
            parts.append(f"... ({len(self.terms)} terms)")
        return "LC(" + (" + ".join(parts) or "0") + ")"

    def __bool__(self) -> bool:
        raise CircuitError(
            "a circuit value has no truth value while building: the structure must not depend on"
            " values; use select()/is_zero() gadgets instead of if/else"
        )

    # -- arithmetic ---------------------------------------------------------------------------
    def _coerce(self, other: object) -> LinearCombination:
        if isinstance(other, LinearCombination):
            if other.api is not self.api:
                raise CircuitError("linear combinations from two different builders were mixed")
            return other
        if isinstance(other, int) and not isinstance(other, bool):
            return self.api.constant(other)
        return NotImplemented  # type: ignore[return-value]

    def _combine(self, other: LinearCombination, sign: int) -> LinearCombination:
        terms = dict(self.terms)
        for v, c in other.terms.items():
            n = (terms.get(v, 0) + sign * c) % R
            if n:
                terms[v] = n
            else:
                terms.pop(v, None)
        val = bnd = None
        if self.val is not None:
            a, b = self.val, other.val
            ba, bb = _bound(a, self.bnd), _bound(b, other.bnd)
            if ba is not None and bb is not None and ba + bb < _LIMIT:
                bnd = ba + bb
            else:
                a, b = _obj(a), _obj(b)
            val = a + b if sign == 1 else a - b
        return LinearCombination(self.api, terms, val, bnd)

    def scale(self, k: int) -> LinearCombination:
        """``k * self`` for an int ``k`` (free)."""
        k %= R
        if k == 0:
            return LinearCombination(self.api, {}, None if self.val is None else 0)
        if k == 1:
            return self
        val = bnd = None
        if self.val is not None:
            s = _signed(k)
            b = _bound(self.val, self.bnd)
            j = _INV_POW2.get(k)
            if b is not None and abs(s) < _LIMIT and b * abs(s) < _LIMIT:
                val, bnd = self.val * s, b * abs(s)
            elif j is not None and _is_i64(self.val) and not (self.val & ((1 << j) - 1)).any():
                val, bnd = self.val >> j, b >> j  # exact division by 2**j
            else:
                val = _obj(self.val) * s
                if not -(1 << 64) < s < 1 << 64:
                    val = val % R
        terms = {v: c * k % R for v, c in self.terms.items()}
        return LinearCombination(self.api, terms, val, bnd)

    def __add__(self, other: object) -> LinearCombination:
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return self._combine(o, 1)

    __radd__ = __add__

    def __sub__(self, other: object) -> LinearCombination:
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return self._combine(o, -1)

    def __rsub__(self, other: object) -> LinearCombination:
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return o._combine(self, -1)

    def __neg__(self) -> LinearCombination:
        return self.scale(-1)

    def __mul__(self, other: object) -> LinearCombination:
        if isinstance(other, int) and not isinstance(other, bool):
            return self.scale(other)
        if isinstance(other, LinearCombination):
            return self.api.mul(self, other)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> LinearCombination:
        if isinstance(other, int) and not isinstance(other, bool):
            if other % R == 0:
                raise CircuitError("division of a linear combination by the constant 0")
            return self.scale(pow(other, -1, R))
        if isinstance(other, LinearCombination):
            return self.api.div(self, other)
        return NotImplemented


#: Short alias used in signatures.
LC = LinearCombination
#: What gadgets accept: a linear combination or a Python int constant.
Operand = LinearCombination | int


# ---------------------------------------------------------------------------------------------
# Value helpers (scalar ints or batch arrays)
# ---------------------------------------------------------------------------------------------


def batch_inverse(x: Value) -> Value:
    """Field inverse of an int or elementwise of an object array; 0 maps to 0 (hint helper)."""
    if not isinstance(x, np.ndarray):
        x %= R
        return pow(x, R - 2, R) if x else 0
    if x.dtype == object and x.size > 64:
        # Small negative values (x - r) arrive as huge canonical ints: go through int64.
        signed = x % R
        signed = np.where(signed > _HALF_R, signed - R, signed)
        if np.abs(signed).max() < _LIMIT:
            x = signed.astype(np.int64)
    if x.dtype != object and x.size > 64:
        # Few distinct small values (typical of batch runs): invert each distinct value once.
        uniq, where = np.unique(x, return_inverse=True)
        if uniq.size * 4 < x.size:
            return batch_inverse(uniq.astype(object) % R)[where.reshape(-1)]
    vals = [int(v) % R for v in x]
    # Montgomery's trick over the non-zero entries: one modular exponentiation in all.
    prefix = []
    acc = 1
    for v in vals:
        prefix.append(acc)
        if v:
            acc = acc * v % R
    inv = pow(acc, R - 2, R)
    out = [0] * len(vals)
    for i in range(len(vals) - 1, -1, -1):
        v = vals[i]
        if v:
            out[i] = inv * prefix[i] % R
            inv = inv * v % R
    arr = np.empty(len(vals), dtype=object)
    arr[:] = out
    return arr


batch_inverse.accepts_int64 = True  # type: ignore[attr-defined]  # converts to object itself


def _first_bad(diff: Value) -> tuple[bool, str]:
    """(ok, where) for a difference that must be zero (int or array)."""
    if isinstance(diff, np.ndarray):
        bad = np.flatnonzero(diff != 0)
        if bad.size == 0:
            return True, ""
        return False, f" at batch element {int(bad[0])} ({bad.size} of {diff.size} elements fail)"
    return diff == 0, ""


def _fmt(v: int) -> str:
    """Format a field element for humans: small negatives as ``-k``, huge values abbreviated."""
    s = _signed(v % R)
    if abs(s) < 10**12:
        return str(s)
    h = f"{v % R:#x}"
    return f"{h[:8]}...{h[-4:]}"


def _at(v: Value, where: int | None) -> int:
    if isinstance(v, np.ndarray):
        return int(v[where or 0])
    return int(v)


# ---------------------------------------------------------------------------------------------
# Builder
# ---------------------------------------------------------------------------------------------


@dataclass
class _Frame:
    name: str
    kind: str  # "scope" or "gadget"
    start: int = 0  # index of the first constraint added inside this frame


@dataclass
class Solution:
    """The result of a witness run (:meth:`Circuit.solve`).

    ``witness`` is the full assignment (``w[0] = 1``, then the public inputs in declaration
    order, then the private variables). In scalar mode it is a ``list[int]``; in batch mode
    each entry is an int (same value for every element, e.g. ``w[0]``) or a 1-D array (int64
    or object) of ``batch_size`` values — use :meth:`witness_at` for one element's witness.
    ``outputs`` holds the values recorded with :meth:`Builder.output`, by name (ints, or
    object arrays in batch mode).
    """

    witness: list[Value]
    outputs: dict[str, Value]
    n_public: int
    batch_size: int | None
    r1cs: R1CS = field(repr=False)

    @property
    def public_inputs(self) -> list[Value]:
        """The public inputs ``w[1..n_public]`` (what the verifier sees)."""
        return self.witness[1 : 1 + self.n_public]

    def witness_at(self, i: int) -> list[int]:
        """Return the scalar witness of batch element ``i`` (the witness itself in scalar mode)."""
        if self.batch_size is None:
            return list(self.witness)
        return [int(v[i]) if isinstance(v, np.ndarray) else int(v) for v in self.witness]

    def output(self, name: str) -> Value:
        """Return the value(s) of the output ``name`` (an int, or an array in batch mode)."""
        try:
            return self.outputs[name]
        except KeyError:
            raise CircuitError(
                f"output {name!r}: no such output (known: {sorted(self.outputs)})"
            ) from None


#: Witness-only mode's stand-in for a constraint that holds by construction.
_NOT_RECORDED: tuple[Row, Row, Row] = ({}, {}, {})


class Builder:
    """The ``api`` object handed to ``define``: allocates variables and records constraints.

    Modes: ``compiling`` (no values) or witness mode (``values`` holds one int or array per
    variable and every constraint is checked when added unless ``check=False``).
    ``witness_only`` (scalar witness mode, :meth:`Circuit.witness`): gadgets whose constraints
    hold by construction may allocate their variables from native values without recording
    their constraints' terms (:meth:`native_mul`); the constraint system it leaves is then
    incomplete and never returned.
    """

    def __init__(self, *, compiling: bool, check: bool = True, batch_size: int | None = None,
                 witness_only: bool = False):
        if witness_only and (compiling or batch_size is not None):
            raise CircuitError("witness_only: a scalar witness run only")
        self.compiling = compiling
        self.check = check
        self.batch_size = batch_size
        self.witness_only = witness_only
        self.constraints: list[tuple[Row, Row, Row]] = []
        self.names: list[str] = []
        self.var_names: list[str] = ["one"]
        self.values: list[Value] = [1]
        self.n_public = 0
        self.outputs: dict[str, Value] = {}
        self.output_vars: dict[str, LinearCombination] = {}
        self._frames: list[_Frame] = []
        self._booleans: set[tuple[tuple[int, int], ...]] = set()
        self._ranges: dict[tuple[tuple[int, int], ...], int] = {}
        self._inputs_done = False

    # -- variables ----------------------------------------------------------------------------
    @property
    def n_vars(self) -> int:
        """Number of variables allocated so far (including the constant one)."""
        return len(self.var_names)

    @property
    def one(self) -> LinearCombination:
        """The constant 1."""
        return self.constant(1)

    def constant(self, value: int) -> LinearCombination:
        """Return a constant (free); ``value`` is reduced mod r (so ``-1`` is ``r - 1``)."""
        value %= R
        return LinearCombination(
            self, {0: value} if value else {}, None if self.compiling else _signed(value)
        )

    def _new_var(self, name: str, value: Value) -> LinearCombination:
        idx = len(self.var_names)
        self.var_names.append(name)
        self.values.append(value)
        return LinearCombination(self, {idx: 1}, value, _bound_of(value))

    def _declare_input(self, name: str, value: Value, public: bool) -> LinearCombination:
        if self._inputs_done:
            raise CircuitError(f"input {name}: inputs must be declared before define runs")
        if public:
            if self.n_vars != 1 + self.n_public:
                raise CircuitError(f"input {name}: public inputs must come before private ones")
            self.n_public += 1
        return self._new_var(name, value)

    def _path(self) -> str:
        out = ""
        for f in self._frames:
            if not out:
                out = f.name
            else:
                out += ("." if f.kind == "scope" else "/") + f.name
        return out or "root"

    # -- values -------------------------------------------------------------------------------
    def value(self, x: Operand) -> Value:
        """Return the value of ``x`` in witness mode (int in ``[0, r)``, or array in batch mode).

        Raises :class:`AssignmentMissingError` while compiling. Prefer :meth:`hint` for
        advice: a gadget must not change its structure according to a value.
        """
        if isinstance(x, int):
            return x % R
        if self.compiling:
            raise AssignmentMissingError(
                f"value of {x!r} read while compiling (scope {self._path()}): no assignment"
                " exists in compile mode; compute advice with api.hint(...)"
            )
        return _canon(self._lc(x).val)

    # -- constraints --------------------------------------------------------------------------
    def _local_start(self) -> int:
        # Constraints are numbered from the start of the outermost gadget call (so
        # "lens.right.class/less_than/to_bits[3]" is constraint 3 of that less_than call), or of
        # the innermost named scope when no gadget is running.
        start = 0
        for f in self._frames:
            if f.kind == "gadget":
                return f.start
            start = f.start
        return start

    def add_constraint(self, a: Operand, b: Operand, c: Operand, *, _check: bool = True) -> None:
        """Record the raw constraint ``a * b == c`` (one constraint, checked in witness mode)."""
        a, b, c = (self._lc(a), self._lc(b), self._lc(c))
        index = len(self.constraints)
        name = f"{self._path()}[{index - self._local_start()}]"
        self.constraints.append((dict(a.terms), dict(b.terms), dict(c.terms)))
        self.names.append(name)
        if self.compiling or not self.check or not _check:
            return
        ba, bb, bc = _bound(a.val, a.bnd), _bound(b.val, b.bnd), _bound(c.val, c.bnd)
        if ba is not None and bb is not None and bc is not None and ba * bb + bc < _LIMIT:
            diff = a.val * b.val - c.val  # exact and |diff| < r: zero iff satisfied
        else:
            diff = (_obj(a.val) * _obj(b.val) - _obj(c.val)) % R
        ok, where = _first_bad(diff)
        if not ok:
            elem = int(np.flatnonzero(diff != 0)[0]) if where else None
            va, vb, vc = _canon(a.val), _canon(b.val), _canon(c.val)
            raise UnsatisfiedConstraintError(
                f"constraint {index} ({name}) unsatisfied{where}: <A,w> = {_fmt(_at(va, elem))},"
                f" <B,w> = {_fmt(_at(vb, elem))}, <C,w> = {_fmt(_at(vc, elem))}"
                f" (A = {a!r}, B = {b!r}, C = {c!r})"
            )

    def _lc(self, x: Operand) -> LinearCombination:
        if isinstance(x, LinearCombination):
            if x.api is not self:
                raise CircuitError("a linear combination from another builder was used")
            return x
        if isinstance(x, int) and not isinstance(x, bool):
            return self.constant(x)
        raise CircuitError(f"expected a linear combination or an int, got {type(x).__name__}")

    def mul(self, a: Operand, b: Operand) -> LinearCombination:
        """Return ``a * b``. Cost: 1 constraint and 1 variable, 0 if either side is a constant."""
        a, b = self._lc(a), self._lc(b)
        if a.is_constant():
            return b.scale(a.constant_value())
        if b.is_constant():
            return a.scale(b.constant_value())
        value = None
        if not self.compiling:
            ba, bb = _bound(a.val, a.bnd), _bound(b.val, b.bnd)
            if ba is not None and bb is not None and ba * bb < _LIMIT:
                value = _canon(a.val * b.val)
            else:
                value = _obj(a.val) * _obj(b.val) % R
        out = self._new_var(f"{self._path()}:mul", value)
        # The output's value is the product by construction: no need to check this constraint.
        self.add_constraint(a, b, out, _check=False)
        return out

    def native_mul(self, value: int) -> LinearCombination:
        """Witness-only mode: a :meth:`mul` output whose value the gadget computed natively.

        Allocates the same variable and takes the same constraint slot as :meth:`mul` (so
        later variables and constraint names are unchanged) without building the constraint's
        linear combinations. Only for products that hold by construction (``value`` is the
        product of values the gadget itself computed); the prover checks every constraint of
        the compiled system against the witness anyway.
        """
        if not self.witness_only:
            raise CircuitError("native_mul: only in witness-only mode (Circuit.witness)")
        out = self._new_var(f"{self._path()}:mul", value)
        self.constraints.append(_NOT_RECORDED)
        self.names.append("")
        return out

    def linear_combination(self, pairs: Sequence[tuple[int, Operand]], constant: int = 0) -> LC:
        """``constant + sum(k * x for k, x in pairs)`` (free); one reduction mod r in witness mode.

        Equivalent to chaining ``+`` and ``*`` by constants, faster for wide sums with large
        coefficients (e.g. an MDS matrix row in batch mode).
        """
        acc: dict[int, int] = {0: constant % R} if constant % R else {}
        val: Value = None if self.compiling else _signed(constant % R)
        bnd = None if val is None else _bound(val, None)
        get = acc.get
        for k, x in pairs:
            x = self._lc(x)
            k %= R
            if not k:
                continue
            for v, c in x.terms.items():  # reduced once at the end: fewer big-int divisions
                acc[v] = get(v, 0) + k * c
            if val is not None:
                s = _signed(k)
                bx = _bound(x.val, x.bnd)
                if (
                    bnd is not None
                    and bx is not None
                    and abs(s) < _LIMIT
                    and bnd + bx * abs(s) < _LIMIT
                ):
                    val, bnd = val + x.val * s, bnd + bx * abs(s)
                else:
                    val, bnd = _obj(val) + _obj(x.val) * s, None
        terms = {v: m for v, c in acc.items() if (m := c % R)}
        if val is not None and bnd is None:
            val = val % R
        return LinearCombination(self, terms, val, bnd)

    def square(self, a: Operand) -> LinearCombination:
        """Return ``a * a``. Cost: 1 constraint (0 for a constant)."""
        return self.mul(a, a)

    def div(self, a: Operand, b: Operand) -> LinearCombination:
        """Return ``a / b`` (field division). Cost: 1 constraint (``b * q == a``; fails if b = 0).

        Free when ``b`` is a constant.
        """
        a, b = self._lc(a), self._lc(b)
        if b.is_constant():
            return a / b.constant_value()
        (q,) = self.hint(lambda x, y: x * batch_inverse(y) % R, a, b, n_out=1, name="div")
        self.add_constraint(b, q, a)
        return q

    def inverse(self, a: Operand) -> LinearCombination:
        """``1 / a``. Cost: 1 constraint (``a * inv == 1``; unsatisfiable if a = 0)."""
        return self.div(1, a)

    def assert_equal(self, a: Operand, b: Operand) -> None:
        """Constrain ``a == b``. Cost: 1 constraint (``(a - b) * 1 == 0``), 0 if both are constants.

        Two different constants are a contradiction in the statement: raises ``CircuitError``.
        """
        d = self._lc(a) - self._lc(b)
        if d.is_constant():
            if d.constant_value() != 0:
                raise CircuitError(
                    f"assert_equal between two different constants in scope {self._path()}"
                )
            return
        self.add_constraint(d, self.one, 0)

    def assert_mul(self, a: Operand, b: Operand, c: Operand) -> None:
        """Constrain ``a * b == c``. Cost: 1 constraint."""
        self.add_constraint(a, b, c)

    # -- hints --------------------------------------------------------------------------------
    def hint(
        self,
        fn: Callable[..., Any],
        *inputs: Operand,
        n_out: int = 1,
        name: str | None = None,
    ) -> list[LinearCombination]:
        """Allocate ``n_out`` private variables whose values come from ``fn`` (unconstrained!).

        In witness mode ``fn(*values)`` is called with the values of ``inputs`` (ints in
        ``[0, r)``, or 1-D object arrays of such ints in batch mode, so ``fn`` must work on both:
        use ``>>``, ``&``, ``%``, :func:`batch_inverse`, no ``if`` on a value) and returns one
        value (``n_out == 1``) or a sequence of ``n_out`` values (ints or 1-D integer arrays,
        reduced mod r). A hint whose code cannot overflow on int64 (shifts and masks only) may
        set ``fn.accepts_int64 = True`` to receive int64 arrays when the values are small.
        While compiling ``fn`` is not called. Cost: 0 constraints — the caller MUST constrain
        every output.
        """
        label = f"{self._path()}:hint:{name or getattr(fn, '__name__', 'fn')}"
        if self.compiling:
            return [self._new_var(f"{label}[{i}]", None) for i in range(n_out)]
        vals = [self.value(x) for x in inputs]
        if not getattr(fn, "accepts_int64", False):
            vals = [_obj(v) for v in vals]
        res = fn(*vals)
        if n_out == 1 and not isinstance(res, list | tuple):
            res = [res]
        res = list(res)
        if len(res) != n_out:
            raise CircuitError(f"hint {label}: returned {len(res)} values, expected {n_out}")
        out = []
        for i, v in enumerate(res):
            out.append(self._new_var(f"{label}[{i}]", self._normalise(v, label)))
        return out

    def _normalise(self, v: Any, label: str) -> Value:
        if isinstance(v, np.ndarray):
            if v.ndim != 1 or self.batch_size is None or v.shape[0] != self.batch_size:
                raise CircuitError(
                    f"{label}: array of shape {v.shape}, batch size {self.batch_size}"
                )
            if v.dtype.kind not in "iuO":
                raise CircuitError(f"{label}: hint returned an array of {v.dtype}")
            if _is_i64(v):
                return _canon(v)
            return _compact(v.astype(object) % R)
        if isinstance(v, int | np.integer) and not isinstance(v, bool):
            return int(v) % R
        raise CircuitError(f"{label}: hint returned a {type(v).__name__}, expected int or array")

    # -- booleans -----------------------------------------------------------------------------
    def mark_boolean(self, x: LinearCombination) -> None:
        """Record that ``x`` is already constrained to {0, 1} (so ``assert_bool`` becomes free)."""
        self._booleans.add(x.key())

    def is_known_boolean(self, x: Operand) -> bool:
        """Return True when ``x`` is a 0/1 constant or was marked boolean by a constraint."""
        x = self._lc(x)
        if x.is_constant():
            return x.constant_value() in (0, 1)
        return x.key() in self._booleans

    def mark_range(self, x: LinearCombination, bits: int) -> None:
        """Record that constraints already force ``x < 2**bits`` (lets comparators skip checks)."""
        k = x.key()
        if bits < self._ranges.get(k, bits + 1):
            self._ranges[k] = bits

    def known_bits(self, x: Operand) -> int | None:
        """Return ``b`` when ``x`` is known to be ``< 2**b`` (constant, boolean, range-checked)."""
        x = self._lc(x)
        if x.is_constant():
            return x.constant_value().bit_length()
        if x.key() in self._booleans:
            return 1
        return self._ranges.get(x.key())

    # -- scopes and outputs -------------------------------------------------------------------
    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Name the constraints added inside (joined with ``.``: ``lens.right.class``)."""
        self._frames.append(_Frame(name, "scope", len(self.constraints)))
        try:
            yield
        finally:
            self._frames.pop()

    @contextmanager
    def gadget_scope(self, name: str) -> Iterator[None]:
        """Scope of a gadget call (joined with ``/``: ``lens.right.class/less_than``)."""
        self._frames.append(_Frame(name, "gadget", len(self.constraints)))
        try:
            yield
        finally:
            self._frames.pop()

    def output(self, name: str, x: Operand) -> None:
        """Record ``x`` under ``name`` so its value can be read after a (batch) witness run.

        Free: adds no variable and no constraint. Read it with :meth:`Solution.output`.
        """
        if name in self.output_vars:
            raise CircuitError(f"output {name!r} recorded twice")
        lc = self._lc(x)
        self.output_vars[name] = lc
        if not self.compiling:
            v = self.value(lc)
            self.outputs[name] = _obj(v) if isinstance(v, np.ndarray) else v

    # -- results ------------------------------------------------------------------------------
    def to_r1cs(self, name: str) -> R1CS:
        """Return the recorded constraint system."""
        return R1CS(
            n_public=self.n_public,
            n_vars=self.n_vars,
            constraints=tuple(self.constraints),
            names=tuple(self.names),
            name=name,
        )

    def unused_variables(self) -> list[str]:
        """Names of the variables (other than one) that appear in no constraint."""
        used = {0}
        for a, b, c in self.constraints:
            used.update(a)
            used.update(b)
            used.update(c)
        return [self.var_names[i] for i in range(1, self.n_vars) if i not in used]


F = TypeVar("F", bound=Callable[..., Any])


def gadget(fn: F) -> F:
    """Make ``fn(api, ...)`` a gadget: it runs in a gadget scope named after it."""

    @functools.wraps(fn)
    def wrapper(api: Builder, *args: Any, **kwargs: Any) -> Any:
        with api.gadget_scope(fn.__name__):
            return fn(api, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Circuits
# ---------------------------------------------------------------------------------------------


class Input:
    """A declared circuit input (made by :func:`public` / :func:`private`); a descriptor.

    Inside ``define``, ``self.<name>`` is a :class:`LinearCombination` (or a list of ``n`` of
    them when declared with ``n``).
    """

    def __init__(self, public: bool, n: int | None, doc: str) -> None:
        if n is not None and n < 1:
            raise CircuitError(f"input vector length must be >= 1, got {n}")
        self.public = public
        self.n = n
        self.doc = doc
        self.name = "?"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Circuit | None, owner: type) -> Any:
        if instance is None:
            return self
        bound = instance.__dict__.get("_bound_inputs")
        if bound is None:
            raise CircuitError(f"input {self.name}: only available while define() runs")
        return bound[self.name]


def public(n: int | None = None, doc: str = "") -> Any:
    """Declare a public input (a field element; ``n`` for a vector of ``n`` of them)."""
    return Input(True, n, doc)


def private(n: int | None = None, doc: str = "") -> Any:
    """Declare a private input (a field element; ``n`` for a vector of ``n`` of them)."""
    return Input(False, n, doc)


class Circuit:
    """Base class of a statement. Subclasses declare inputs and implement ``define``.

    Example::

        class Square(Circuit):
            y = public()
            x = private()

            def define(self, api):
                api.assert_equal(api.mul(self.x, self.x), self.y)

        r1cs = Square().compile()
        w = Square().witness({"y": 9, "x": 3})     # [1, 9, 3, 9]

    Variable order: 1, the public inputs in declaration order (class body order, base classes
    first), the private inputs in declaration order, then the variables ``define`` allocates.
    """

    #: The circuit name recorded in the R1CS (defaults to the class name).
    name: str | None = None

    def define(self, api: Builder) -> None:
        """Write the statement with ``api`` (override)."""
        raise NotImplementedError

    @classmethod
    def inputs(cls) -> list[Input]:
        """Return the declared inputs: publics first, each group in declaration order."""
        seen: dict[str, Input] = {}
        for klass in reversed(cls.__mro__):
            for k, v in vars(klass).items():
                if isinstance(v, Input):
                    seen.pop(k, None)
                    seen[k] = v
        items = list(seen.values())
        return [i for i in items if i.public] + [i for i in items if not i.public]

    def _run(self, builder: Builder, assignment: Mapping[str, Any] | None) -> Builder:
        bound: dict[str, Any] = {}
        inputs = self.inputs()
        if assignment is not None:
            known = {i.name for i in inputs}
            extra = sorted(set(assignment) - known)
            if extra:
                raise InvalidInputError("assignment", extra, "unknown input name(s)")
        for inp in inputs:
            if assignment is None:
                vals: list[Value] = [None] * (inp.n or 1)
            else:
                if inp.name not in assignment:
                    raise AssignmentMissingError(f"input {inp.name}: no value in the assignment")
                raw = assignment[inp.name]
                vals = _input_values(inp, raw, builder)
            lcs = [
                builder._declare_input(
                    inp.name if inp.n is None else f"{inp.name}[{j}]", v, inp.public
                )
                for j, v in enumerate(vals)
            ]
            bound[inp.name] = lcs[0] if inp.n is None else lcs
        builder._inputs_done = True
        self.__dict__["_bound_inputs"] = bound
        try:
            self.define(builder)
        finally:
            self.__dict__.pop("_bound_inputs", None)
        return builder

    @classmethod
    def n_private_inputs(cls) -> int:
        """Return the number of private input variables (vector inputs count ``n``)."""
        return sum(i.n or 1 for i in cls.inputs() if not i.public)

    @property
    def circuit_name(self) -> str:
        """The name recorded in the R1CS."""
        return self.name or type(self).__name__

    def compile(self, *, check_unused: bool = False) -> R1CS:
        """Run ``define`` without values and return the constraint system.

        With ``check_unused=True`` (test/debug mode) raise ``CircuitError`` naming every
        variable that appears in no constraint (a hint output nobody constrained, an input the
        statement forgot).
        """
        b = self._run(Builder(compiling=True), None)
        if check_unused:
            unused = b.unused_variables()
            if unused:
                raise CircuitError(f"{self.circuit_name}: variables in no constraint: {unused}")
        return b.to_r1cs(self.circuit_name)

    def builder(self) -> Builder:
        """Compile and return the builder itself (variable names, outputs, unused variables)."""
        return self._run(Builder(compiling=True), None)

    def solve(self, assignment: Mapping[str, Any], *, check: bool = True) -> Solution:
        """Run ``define`` with values and return the :class:`Solution` (witness + outputs).

        ``assignment`` maps every input name to an int in ``[0, r)`` (a sequence of ``n`` for
        a vector input). Batch mode: give 1-D numpy arrays of equal length N instead (ints
        broadcast); every value is then an array and every constraint is checked elementwise.
        With ``check=True`` (default) the first unsatisfied constraint raises
        :class:`UnsatisfiedConstraintError` naming its scope path, index, values and batch
        element.
        """
        n = _batch_size(assignment)
        b = self._run(Builder(compiling=False, check=check, batch_size=n), assignment)
        return Solution(
            witness=b.values,
            outputs=b.outputs,
            n_public=b.n_public,
            batch_size=n,
            r1cs=b.to_r1cs(self.circuit_name),
        )

    def witness(self, assignment: Mapping[str, Any]) -> list[int]:
        """Return the full scalar witness for ``assignment`` (checked); see :meth:`solve`.

        The prover's path: gadgets may compute their values natively (witness-only mode, e.g.
        Poseidon), so it is faster than :meth:`solve` and gives the same witness; the first
        unsatisfied constraint raises as in :meth:`solve`.
        """
        if _batch_size(assignment) is not None:
            raise CircuitError("witness(): batch assignment given, use solve() instead")
        b = self._run(Builder(compiling=False, witness_only=True), assignment)
        return [v if isinstance(v, int) and 0 <= v < R else int(v) % R for v in b.values]


def _batch_size(assignment: Mapping[str, Any]) -> int | None:
    sizes = set()

    def visit(v: Any) -> None:
        if isinstance(v, np.ndarray):
            if v.ndim == 1:
                sizes.add(v.shape[0])
            else:
                for row in v:
                    visit(row)
        elif isinstance(v, list | tuple):
            for x in v:
                visit(x)

    for v in assignment.values():
        visit(v)
    if len(sizes) > 1:
        raise InvalidInputError("assignment", sorted(sizes), "batch arrays of different lengths")
    return sizes.pop() if sizes else None


def _check_value(name: str, v: Any) -> Value:
    if isinstance(v, np.ndarray):
        if v.ndim != 1:
            raise InvalidInputError(name, v.shape, "batch values must be 1-D arrays")
        if v.dtype.kind not in "iuO":
            raise InvalidInputError(name, str(v.dtype), "batch values must be integer arrays")
        if v.dtype.kind == "i" or (v.dtype.kind == "u" and v.dtype.itemsize < 8):
            v = v.astype(np.int64)
            if v.size and v.min() < 0:
                raise InvalidInputError(name, int(v[v < 0][0]), "must be an integer in [0, r)")
            return v
        v = v.astype(object)
        if v.size and (not all(isinstance(x, int) for x in v) or (v < 0).any() or (v >= R).any()):
            bad = next(x for x in v if not isinstance(x, int) or not 0 <= x < R)
            raise InvalidInputError(name, bad, "must be an integer in [0, r)")
        return _compact(v)
    if isinstance(v, np.integer):
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
        raise InvalidInputError(name, v, "must be an integer in [0, r)")
    return v


def _input_values(inp: Input, raw: Any, builder: Builder) -> list[Value]:
    if inp.n is None:
        return [_check_value(inp.name, raw)]
    if not isinstance(raw, Sequence | np.ndarray) or len(raw) != inp.n:
        raise InvalidInputError(inp.name, raw, f"expected a sequence of {inp.n} values")
    return [_check_value(f"{inp.name}[{j}]", v) for j, v in enumerate(raw)]
