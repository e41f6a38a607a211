"""Circuit frontend and Poseidon timings (medians of repeated runs, measured side by side).

Run: ``.venv/bin/python -m benchmarks.bench_frontend [--n 150000]``

Measures
- native Poseidon permutation, t = 3 and t = 5 (µs per call);
- compile time of a Poseidon hash2 circuit and of a lens-class-like comparator circuit;
- witness generation for the comparator circuit: scalar mode (per element, in a loop) versus
  batch mode (one run over N elements), and their ratio; Poseidon hash2 in batch mode vs native.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.suite import median_time
from zkclaims.circuit import Builder, Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.poseidon import hash2, permute


class ClassLike(Circuit):
    """Lens-class-like statement: unpack 27 bits, 6 comparisons, boolean logic (90 constraints)."""

    cls = public()
    packed = private()

    def define(self, api: Builder) -> None:
        bits = g.to_bits(api, self.packed, 27)
        sph = g.from_bits(api, bits[0:8])
        cyl = g.from_bits(api, bits[8:14])
        add = g.from_bits(api, bits[22:27])
        sph_le_6 = g.less_or_equal(api, sph, 128 + 24, bits=8)
        sph_ge_m6 = g.less_or_equal(api, 128 - 24, sph, bits=8)
        cyl0 = g.is_zero(api, cyl)
        cyl_le4 = g.less_or_equal(api, cyl, 16, bits=6)
        s_le = g.less_or_equal(api, sph + cyl, 128 + 24, bits=9)
        sph_pos = g.less_than(api, 128, sph, bits=8)
        simple_sph = g.and_(api, sph_le_6, sph_ge_m6)
        a = g.and_(api, simple_sph, cyl_le4)
        b = g.and_(api, sph_pos, s_le)
        c = g.select(api, cyl0, simple_sph, g.select(api, sph_pos, b, a))
        api.output("add", g.not_(api, g.is_zero(api, add)))
        api.assert_equal(c, self.cls)
        api.output("cls", c)


class Hash(Circuit):
    """c = Poseidon hash2(a, b) with domain 1 (241 constraints)."""

    c = public()
    a = private()
    b = private()

    def define(self, api: Builder) -> None:
        api.assert_equal(g.poseidon_hash2(api, self.a, self.b, domain=1), self.c)


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150_000, help="batch size for the comparator circuit")
    ap.add_argument("--scalar", type=int, default=300, help="elements timed in scalar mode")
    ap.add_argument("--hash-n", type=int, default=2_000, help="batch size for Poseidon")
    args = ap.parse_args()
    rng = np.random.default_rng(1)

    rows = []
    rows.append(("poseidon permute t=3 (native)", median_time(lambda: permute([0, 1, 2]), 200)))
    rows.append(
        ("poseidon permute t=5 (native)", median_time(lambda: permute([0, 1, 2, 3, 4]), 100))
    )
    rows.append(("compile ClassLike (90 constraints)", median_time(lambda: ClassLike().compile())))
    rows.append(("compile Hash (241 constraints)", median_time(lambda: Hash().compile())))

    packed = rng.integers(0, 1 << 27, args.n)
    cls = ClassLike().solve({"cls": 0, "packed": packed}, check=False).output("cls")
    batch = median_time(lambda: ClassLike().solve({"cls": cls, "packed": packed}), 3)
    few = [(int(cls[i]), int(packed[i])) for i in range(args.scalar)]

    def scalar_loop() -> None:
        for c, p in few:
            ClassLike().solve({"cls": c, "packed": p})

    scalar = median_time(scalar_loop, 3) / args.scalar
    rows.append((f"ClassLike witness, batch of {args.n} (total)", batch))
    rows.append(("ClassLike witness, batch, per element", batch / args.n))
    rows.append(("ClassLike witness, scalar, per element", scalar))

    a = rng.integers(0, 1 << 62, args.hash_n)
    b = rng.integers(0, 1 << 62, args.hash_n)
    cs = np.array(
        [hash2(int(x), int(y), domain=1) for x, y in zip(a, b, strict=True)], dtype=object
    )
    hb = median_time(lambda: Hash().solve({"c": cs, "a": a, "b": b}), 3) / args.hash_n
    hn = median_time(
        lambda: [hash2(int(x), int(y), domain=1) for x, y in zip(a, b, strict=True)], 3
    )
    rows.append(("Hash witness, batch, per element", hb))
    rows.append(("native hash2, per element", hn / args.hash_n))

    width = max(len(r[0]) for r in rows)
    for name, sec in rows:
        print(f"{name:<{width}}  {sec * 1e6:12.1f} µs")
    print(
        f"{'batch speed-up over scalar (ClassLike)':<{width}}  {scalar / (batch / args.n):12.1f} x"
    )


if __name__ == "__main__":
    main()
