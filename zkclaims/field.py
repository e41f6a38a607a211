"""The BLS12-381 scalar field r (2-adicity 32, multiplicative generator 7)."""

from __future__ import annotations

#: The order r of the BLS12-381 prime-order subgroups; the scalar field of the circuits.
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
