"""Witness-only fast paths: gadgets' variables computed from native values.

In witness-only mode (:meth:`zkclaims.circuit.Circuit.witness`, the prover's path) a gadget
whose constraints hold by construction may compute its values natively and allocate the same
variables, in the same order, through :meth:`~zkclaims.circuit.builder.Builder.native_mul`,
instead of building every linear combination. Nothing here records a constraint: the
constraint system always comes from the symbolic path (:meth:`Circuit.compile`), and the
prover checks the witness against every one of its constraints before proving. Which
variables exist may depend on which inputs are constants, as in the symbolic path, never on
values. ``tests/test_poseidon.py`` checks the witnesses equal, gadget by gadget and for both
shipped statements.
"""

from __future__ import annotations

from zkclaims.circuit.builder import Builder, LinearCombination
from zkclaims.field import R
from zkclaims.poseidon_constants import MDS, ROUND_CONSTANTS, ROUNDS

LC = LinearCombination

__all__ = ["poseidon_permute_native"]


def poseidon_permute_native(api: Builder, s: list[LC]) -> list[LC]:
    """``poseidon_permute`` in witness-only mode: the same variables, computed natively.

    The symbolic path carries the partial rounds' state as ever longer linear combinations;
    here the state is plain values and only the S-box outputs become variables (through
    :meth:`Builder.native_mul`, in the symbolic path's order: ``x2, x4, x5`` per S-box). An
    S-box input is a constant exactly when the symbolic path's is: constants stay constant
    through an S-box, and the MDS layer (every entry non-zero) mixes a non-constant element
    into every output.
    """
    t = len(s)
    r_f, r_p = ROUNDS[t]
    rc = ROUND_CONSTANTS[t]
    mds = MDS[t]
    half = r_f // 2
    const = [x.is_constant() for x in s]
    vals = [api.value(x) for x in s]
    lanes: list[LC | None] = [None] * t  # the last S-box outputs, as variables
    k = 0
    for rnd in range(r_f + r_p):
        full = rnd < half or rnd >= half + r_p
        lanes = [None] * t
        for i in range(t) if full else (0,):
            x = (vals[i] + rc[k + i]) % R
            if const[i]:
                vals[i] = pow(x, 5, R)
                continue
            x2 = x * x % R
            x4 = x2 * x2 % R
            x5 = x4 * x % R
            api.native_mul(x2)
            api.native_mul(x4)
            lanes[i] = api.native_mul(x5)
            vals[i] = x5
        if not full:
            for i in range(1, t):
                vals[i] = (vals[i] + rc[k + i]) % R
        k += t
        vals = [sum(m * v for m, v in zip(row, vals, strict=True)) % R for row in mds]
        const = [all(const)] * t
    if all(const):
        return [api.constant(v) for v in vals]
    # the last round is a full round on non-constant inputs: every lane is a variable
    return [api.linear_combination(list(zip(row, lanes, strict=True))) for row in mds]
