"""The circuit frontend: write a statement once, get its R1CS and its witness.

Quick tour::

    from zkclaims.circuit import Circuit, public, private, gadgets as g

    class LessThan300(Circuit):
        flag = public()          # 1 if x < 300
        x = private()

        def define(self, api):
            with api.scope("check"):
                lt = g.less_than(api, self.x, 300, bits=9)
            api.assert_equal(lt, self.flag)
            api.output("lt", lt)

    r1cs = LessThan300().compile()                  # R1CS (zkclaims.circuit.r1cs)
    w = LessThan300().witness({"flag": 1, "x": 5})  # [1, 1, 5, ...]
    sol = LessThan300().solve({"flag": 1, "x": np.array([1, 2, 3])})   # batch mode
    sol.output("lt")                                # array([1, 1, 1], dtype=object)

See :mod:`zkclaims.circuit.builder` for the modes and costs, :mod:`zkclaims.circuit.gadgets`
for the gadgets (each states its constraint cost), :mod:`zkclaims.circuit.iden3` for the
``.r1cs`` / ``.wtns`` export.
"""

from zkclaims.circuit import gadgets
from zkclaims.circuit.builder import (
    LC,
    Builder,
    Circuit,
    Input,
    LinearCombination,
    Operand,
    Solution,
    batch_inverse,
    gadget,
    private,
    public,
)
from zkclaims.circuit.r1cs import R1CS, Row

__all__ = [
    "LC",
    "R1CS",
    "Builder",
    "Circuit",
    "Input",
    "LinearCombination",
    "Operand",
    "Row",
    "Solution",
    "batch_inverse",
    "gadget",
    "gadgets",
    "private",
    "public",
]
