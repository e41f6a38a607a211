"""Measure the constraint count of every gadget; pinned in ``constraint_counts.json``.

``python -m zkclaims.circuit.counts`` rewrites ``zkclaims/circuit/constraint_counts.json``;
``python -m zkclaims.circuit.counts --check`` exits 1 when a count drifted.
``tests/test_gadgets.py`` fails on drift and prints that command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkclaims.circuit import gadgets as g
from zkclaims.circuit.builder import Builder

COUNTS_FILE = Path(__file__).with_name("constraint_counts.json")


def count(fn: Callable[..., Any], n_inputs: int) -> int:
    """Return the constraints added by ``fn(api, *inputs)`` on ``n_inputs`` fresh variables."""
    api = Builder(compiling=True)
    xs = [api._declare_input(f"x{i}", None, public=False) for i in range(n_inputs)]
    api._inputs_done = True
    fn(api, *xs)
    return len(api.constraints)


def _bits_then(fn: Callable[..., Any], bits: int) -> Callable[..., Any]:
    """Wrap ``fn`` so that its two operands are range-checked first (their cost is removed)."""

    def run(api: Builder, a: Any, b: Any) -> None:
        start = len(api.constraints)
        g.to_bits(api, a, bits)
        g.to_bits(api, b, bits)
        del api.constraints[start:], api.names[start:]
        fn(api, a, b)

    return run


def _known_bools(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(api: Builder, *xs: Any) -> None:
        for x in xs:
            api.mark_boolean(x)
        fn(api, *xs)

    return run


def measure() -> dict[str, int]:
    """Return the constraint count of each gadget configuration, by name."""
    cases: dict[str, tuple[Callable[..., Any], int]] = {
        "mul": (lambda api, a, b: api.mul(a, b), 2),
        "div": (lambda api, a, b: api.div(a, b), 2),
        "inverse": (lambda api, a: api.inverse(a), 1),
        "assert_equal": (lambda api, a, b: api.assert_equal(a, b), 2),
        "assert_bool": (lambda api, a: g.assert_bool(api, a), 1),
        "assert_bool(known boolean)": (_known_bools(lambda api, a: g.assert_bool(api, a)), 1),
        "not_(known boolean)": (_known_bools(lambda api, a: g.not_(api, a)), 1),
        "and_(known booleans)": (_known_bools(lambda api, a, b: g.and_(api, a, b)), 2),
        "or_(known booleans)": (_known_bools(lambda api, a, b: g.or_(api, a, b)), 2),
        "xor(known booleans)": (_known_bools(lambda api, a, b: g.xor(api, a, b)), 2),
        "and_": (lambda api, a, b: g.and_(api, a, b), 2),
        "select": (lambda api, c, a, b: g.select(api, c, a, b), 3),
        "select(known boolean)": (
            lambda api, c, a, b: (api.mark_boolean(c), g.select(api, c, a, b)),
            3,
        ),
        "is_zero": (lambda api, a: g.is_zero(api, a), 1),
        "is_equal": (lambda api, a, b: g.is_equal(api, a, b), 2),
        "assert_nonzero": (lambda api, a: g.assert_nonzero(api, a), 1),
        "from_bits(8 fresh)": (lambda api, *b: g.from_bits(api, b), 8),
        "from_bits(8 known)": (_known_bools(lambda api, *b: g.from_bits(api, b)), 8),
        "assert_in_range(0, 255)": (lambda api, a: g.assert_in_range(api, a, 0, 255), 1),
        "assert_in_range(10, 20)": (lambda api, a: g.assert_in_range(api, a, 10, 20), 1),
        "assert_in_range(7, 7)": (lambda api, a: g.assert_in_range(api, a, 7, 7), 1),
        "poseidon_permute(t=3)": (lambda api, *s: g.poseidon_permute(api, s), 3),
        "poseidon_permute(t=5)": (lambda api, *s: g.poseidon_permute(api, s), 5),
        "poseidon_hash2": (lambda api, a, b: g.poseidon_hash2(api, a, b, domain=1), 2),
        "poseidon_hash3": (lambda api, a, b, c: g.poseidon_hash3(api, a, b, c, domain=1), 3),
    }
    for n in (1, 8, 16, 64, 250):
        cases[f"to_bits(n={n})"] = (lambda api, a, n=n: g.to_bits(api, a, n), 1)
    for n in (8, 16, 32):
        cases[f"less_than_unchecked(bits={n})"] = (
            _bits_then(lambda api, a, b, n=n: g.less_than_unchecked(api, a, b, bits=n), n),
            2,
        )
        cases[f"less_or_equal_unchecked(bits={n})"] = (
            _bits_then(lambda api, a, b, n=n: g.less_or_equal_unchecked(api, a, b, bits=n), n),
            2,
        )
        cases[f"less_than(bits={n})"] = (lambda api, a, b, n=n: g.less_than(api, a, b, bits=n), 2)
        cases[f"less_or_equal(bits={n})"] = (
            lambda api, a, b, n=n: g.less_or_equal(api, a, b, bits=n),
            2,
        )
        cases[f"less_than(bits={n}, constant)"] = (
            lambda api, a, n=n: g.less_than(api, a, 5, bits=n),
            1,
        )
        cases[f"less_than(bits={n}, range-checked)"] = (
            lambda api, a, b, n=n: (
                g.to_bits(api, a, n // 2),
                g.to_bits(api, b, n),
                g.less_than(api, a, b, bits=n),
            ),
            2,
        )
        cases[f"assert_less_or_equal_unchecked(bits={n})"] = (
            lambda api, a, b, n=n: g.assert_less_or_equal_unchecked(api, a, b, bits=n),
            2,
        )
    return {name: count(fn, k) for name, (fn, k) in sorted(cases.items())}


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``constraint_counts.json``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    counts = measure()
    text = json.dumps(counts, indent=2) + "\n"
    if "--check" in argv:
        same = COUNTS_FILE.exists() and json.loads(COUNTS_FILE.read_text()) == counts
        print(f"{COUNTS_FILE}: {'up to date' if same else 'DRIFTED'}")
        return 0 if same else 1
    COUNTS_FILE.write_text(text)
    print(f"wrote {COUNTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
