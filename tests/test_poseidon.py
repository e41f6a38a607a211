"""Poseidon: published known answers, regenerated constants, gadget == native == vectors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from zkclaims import poseidon, poseidon_params
from zkclaims.circuit import Builder, Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.errors import InvalidInputError, UnsatisfiedConstraintError
from zkclaims.field import R

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "vectors" / "poseidon_bls12_381.json"
# Byte-for-byte copy of the shared file (copied, never retyped), for clones without ../shared.
COPY = ROOT / "tests" / "vectors" / "poseidon_bls12_381.json"


@pytest.fixture(scope="module")
def vectors() -> dict:
    if SHARED.exists():
        assert COPY.read_bytes() == SHARED.read_bytes(), "tests/vectors copy differs from ../shared"
        data = json.loads(SHARED.read_text())
    else:
        data = json.loads(COPY.read_text())
    assert int(data["modulus"], 16) == R and data["alpha"] == 5
    assert len(data["vectors"]) == 2
    return data


def test_native_permutation_matches_published_vectors(vectors: dict) -> None:
    for v in vectors["vectors"]:
        assert poseidon.ROUNDS[v["t"]] == (v["full_rounds"], v["partial_rounds"])
        state = [int(x, 16) for x in v["input"]]
        assert poseidon.permute(state) == [int(x, 16) for x in v["output"]], v["name"]


def test_committed_constants_are_the_generator_output() -> None:
    text = poseidon_params.render()
    assert poseidon_params.OUTPUT.read_text() == text, (
        "zkclaims/poseidon_constants.py differs from the generator; regenerate with "
        "`.venv/bin/python -m zkclaims.poseidon_params`"
    )
    assert text.startswith("# DO NOT EDIT")


def _independent_grain_bits(t: int, r_f: int, r_p: int, count: int) -> list[int]:
    """The LFSR as an 80-bit integer (bit 79 = b[0]), written from the procedure text."""
    state = 0
    for value, width in ((1, 2), (0, 4), (255, 12), (t, 12), (r_f, 10), (r_p, 10), (2**30 - 1, 30)):
        state = (state << width) | value

    def clock() -> int:
        nonlocal state
        b = [(state >> (79 - i)) & 1 for i in (62, 51, 38, 23, 13, 0)]
        new = b[0] ^ b[1] ^ b[2] ^ b[3] ^ b[4] ^ b[5]
        state = ((state << 1) & (2**80 - 1)) | new
        return new

    for _ in range(160):
        clock()
    out = []
    while len(out) < count:
        first, second = clock(), clock()
        if first:
            out.append(second)
    return out


def test_grain_stream_and_parameter_shapes() -> None:
    gr = poseidon_params.Grain(1, 0, 255, 3, 8, 57)
    assert [gr.bit() for _ in range(300)] == _independent_grain_bits(3, 8, 57, 300)
    first = int("".join(map(str, _independent_grain_bits(3, 8, 57, 255))), 2)
    constants, mds = poseidon_params.generate(3, 8, 57)
    assert first < R  # so not redrawn: the first round constant is the first 255 output bits
    assert constants[0] == first
    assert len(constants) == 65 * 3 and all(0 <= c < R for c in constants)
    assert len(mds) == 3 and all(len(row) == 3 for row in mds)
    # The Cauchy matrix is invertible (non-zero determinant mod r).
    (a, b, c), (d, e, f), (gg, h, i) = mds
    det = (a * (e * i - f * h) - b * (d * i - f * gg) + c * (d * h - e * gg)) % R
    assert det != 0


def test_hash2_is_state1_of_the_permutation() -> None:
    assert poseidon.hash2(1, 2, domain=0) == poseidon.permute([0, 1, 2])[1]
    assert poseidon.hash2(1, 2, domain=0) != poseidon.hash2(1, 2, domain=1)
    assert poseidon.hash2(1, 2, domain=5) != poseidon.hash2(2, 1, domain=5)


@pytest.mark.parametrize(
    "state, field",
    [
        ([1, 2], "state"),
        ([0, 1, R], "state[2]"),
        ([-1, 0, 0], "state[0]"),
        ([0, 1.0, 2], "state[1]"),
    ],
)
def test_permute_rejects_bad_input(state: list, field: str) -> None:
    with pytest.raises(InvalidInputError, match=field.replace("[", r"\[")):
        poseidon.permute(state)


class Perm3(Circuit):
    s = private(n=3)

    def define(self, api: Builder) -> None:
        for i, o in enumerate(g.poseidon_permute(api, self.s)):
            api.output(f"o{i}", o)


class Perm5(Circuit):
    s = private(n=5)

    def define(self, api: Builder) -> None:
        for i, o in enumerate(g.poseidon_permute(api, self.s)):
            api.output(f"o{i}", o)


class Commit(Circuit):
    c = public()
    a = private()
    b = private()

    def define(self, api: Builder) -> None:
        with api.scope("commitment"):
            api.assert_equal(g.poseidon_hash2(api, self.a, self.b, domain=42), self.c)


def test_gadget_equals_native_equals_vectors(vectors: dict) -> None:
    for v, circ in zip(vectors["vectors"], (Perm3(), Perm5()), strict=True):
        t = v["t"]
        state = [int(x, 16) for x in v["input"]]
        sol = circ.solve({"s": state})
        outs = [sol.output(f"o{i}") for i in range(t)]
        assert outs == [int(x, 16) for x in v["output"]] == poseidon.permute(state)
        assert circ.compile(check_unused=True).is_satisfied(sol.witness)


def test_hash2_gadget_equals_native_scalar_and_batch() -> None:
    rng = random.Random(99)
    pairs = [(0, 0), (R - 1, R - 1), (1, 0)] + [
        (rng.randrange(R), rng.randrange(R)) for _ in range(3)
    ]
    r1cs = Commit().compile(check_unused=True)
    assert r1cs.n_constraints == 241
    for a, b in pairs:
        w = Commit().witness({"c": poseidon.hash2(a, b, domain=42), "a": a, "b": b})
        assert r1cs.is_satisfied(w)
    a = np.array([p[0] for p in pairs], dtype=object)
    b = np.array([p[1] for p in pairs], dtype=object)
    c = np.array([poseidon.hash2(x, y, domain=42) for x, y in pairs], dtype=object)
    sol = Commit().solve({"c": c, "a": a, "b": b})
    assert sol.r1cs.digest() == r1cs.digest()
    c[4] = (c[4] + 1) % R
    with pytest.raises(UnsatisfiedConstraintError, match=r"commitment\[240\].*batch element 4"):
        Commit().solve({"c": c, "a": a, "b": b})


def test_wrong_domain_does_not_open_the_commitment() -> None:
    with pytest.raises(UnsatisfiedConstraintError, match="commitment"):
        Commit().witness({"c": poseidon.hash2(3, 4, domain=41), "a": 3, "b": 4})


class Commit3(Circuit):
    c = public()
    a = private()
    b = private()
    d = private()

    def define(self, api: Builder) -> None:
        with api.scope("commitment"):
            api.assert_equal(g.poseidon_hash3(api, self.a, self.b, self.d, domain=7), self.c)


def test_hash3_is_state1_of_the_width5_permutation() -> None:
    assert poseidon.hash3(1, 2, 3, domain=0) == poseidon.permute([0, 1, 2, 3, 0])[1]
    assert poseidon.hash3(1, 2, 3, domain=0) != poseidon.hash3(1, 2, 3, domain=1)
    assert poseidon.hash3(1, 2, 3, domain=5) != poseidon.hash3(1, 3, 2, domain=5)


def test_hash3_gadget_equals_native_scalar_and_batch() -> None:
    rng = random.Random(7)
    triples = [(0, 0, 0), (R - 1, R - 1, R - 1)] + [
        (rng.randrange(R), rng.randrange(R), rng.randrange(R)) for _ in range(3)
    ]
    r1cs = Commit3().compile(check_unused=True)
    assert r1cs.n_constraints == 295  # 294 for the hash, 1 for the equality
    for a, b, d in triples:
        w = Commit3().witness({"c": poseidon.hash3(a, b, d, domain=7), "a": a, "b": b, "d": d})
        assert r1cs.is_satisfied(w)
    cols = [np.array([t[i] for t in triples], dtype=object) for i in range(3)]
    c = np.array([poseidon.hash3(*t, domain=7) for t in triples], dtype=object)
    Commit3().solve({"c": c, "a": cols[0], "b": cols[1], "d": cols[2]})
    c[2] = (c[2] + 1) % R
    with pytest.raises(UnsatisfiedConstraintError, match=r"commitment.*batch element 2"):
        Commit3().solve({"c": c, "a": cols[0], "b": cols[1], "d": cols[2]})


# -- witness-only mode (the prover's path): native values, the same variables -------------------


class PermConst(Circuit):
    """Constants only (every S-box free), then a mix of constant and variable lanes."""

    x = private()

    def define(self, api: Builder) -> None:
        for i, o in enumerate(g.poseidon_permute(api, [1, 2, 3])):
            api.output(f"c{i}", o)
        mixed = g.poseidon_permute(api, [api.constant(5), self.x, 0, api.constant(9), self.x])
        api.assert_equal(mixed[1] * 1, mixed[1])
        api.output("m1", mixed[1])


@pytest.mark.parametrize("circuit, inputs", [
    (Perm3(), {"s": [0, 1, R - 1]}),
    (Perm5(), {"s": [7, 0, 0, R - 2, 123456789]}),
    (Commit(), {"c": poseidon.hash2(11, 12, domain=42), "a": 11, "b": 12}),
    (Commit3(), {"c": poseidon.hash3(1, 2, 3, domain=7), "a": 1, "b": 2, "d": 3}),
    (PermConst(), {"x": 77}),
])
def test_witness_only_mode_gives_the_symbolic_witness(circuit, inputs) -> None:
    full = circuit.solve(inputs)
    fast = circuit.witness(inputs)
    assert fast == [v % R for v in full.witness]
    assert circuit.compile(check_unused=True).is_satisfied(fast)


def test_witness_only_mode_fails_where_the_symbolic_mode_fails() -> None:
    bad = {"c": poseidon.hash2(11, 12, domain=42) + 1, "a": 11, "b": 12}
    with pytest.raises(UnsatisfiedConstraintError) as symbolic:
        Commit().solve(bad)
    with pytest.raises(UnsatisfiedConstraintError) as native:
        Commit().witness(bad)
    assert str(native.value).split(" (A = ")[0] == str(symbolic.value).split(" (A = ")[0]
    assert "commitment[240]" in str(native.value)


def test_mds_entries_are_all_nonzero() -> None:
    # the witness-only path relies on it: one non-constant lane makes every lane non-constant
    from zkclaims.poseidon_constants import MDS

    for t, rows in MDS.items():
        assert len(rows) == t and all(len(row) == t and all(m % R for m in row) for row in rows)


def test_native_mul_only_in_witness_only_mode() -> None:
    from zkclaims.errors import CircuitError

    for builder in (Builder(compiling=True), Builder(compiling=False)):
        with pytest.raises(CircuitError, match="native_mul"):
            builder.native_mul(4)
    for kwargs in ({"compiling": True}, {"compiling": False, "batch_size": 3}):
        with pytest.raises(CircuitError, match="witness_only"):
            Builder(witness_only=True, **kwargs)
