"""Group-backend timings: the floor under the Groth16 benchmarks (medians, measured side by side).

Run: ``.venv/bin/python -m benchmarks.groups [--quick] [--json out.json]``

Measures, for each backend where it makes sense:

- ``pairing_check`` with 4 pairs (the shape of a Groth16 verification);
- G1 MSM of 2^8 .. 2^14 points (arkworks; py_ecc only 2^8), with scalars given as ints
  (conversion included) and as :meth:`prepare_scalars` output, plus the conversion alone
  (``Scalar(int)`` vs ``Scalar.from_le_bytes``, the path the adapter uses);
- G2 MSM (arkworks) of 2^8 .. 2^14 points (the prover's B in G2);
- fixed-base batch multiplication (``g1_batch_mul``), per scalar;
- decoding G1 / G2 with the full checks (on-curve and subgroup), and arkworks' unchecked decode
  to show the price of the subgroup check.

:func:`run` returns everything as a dict (seconds, medians) for other benchmarks to reuse.
"""

from __future__ import annotations

import argparse
import json
import random
from typing import Any

from benchmarks.suite import median_time, true_pairs
from zkclaims.field import R
from zkclaims.groups import get_backend


def chain_points(be: Any, grp: str, n: int, rng: random.Random) -> list[Any]:
    """N distinct points P, P + S, P + 2S, ... in ``grp`` ("g1" or "g2"): one addition each."""
    gen = getattr(be, f"{grp}_generator")()
    add = getattr(be, f"{grp}_add")
    start = getattr(be, f"{grp}_mul")(gen, rng.randrange(1, R))
    step = getattr(be, f"{grp}_mul")(gen, rng.randrange(1, R))
    out = [start]
    for _ in range(n - 1):
        out.append(add(out[-1], step))
    return out


def pairs4(be: Any, rng: random.Random) -> list[tuple[Any, Any]]:
    """Four random pairs whose pairing product is 1 (the shape of a Groth16 check), checked."""
    pairs = true_pairs(be, 4, rng)
    assert be.pairing_check(pairs), "benchmark input must be a true statement"
    return pairs


def run(quick: bool = False, seed: int = 1) -> dict[str, Any]:
    """Measure the group backends; return ``{metric: seconds}`` plus a ``"config"`` entry.

    Keys: ``pairing_check4.<backend>``, ``pairing_check{1,2,8,16}.arkworks``,
    ``single_pairing.arkworks``, ``g1_msm.<backend>.<n>.{ints,prepared}``,
    ``g2_msm.arkworks.<n>``, ``scalar_convert.<n>.{Scalar_int,from_le_bytes,prepare}``,
    ``{g1,g2}_batch_mul.arkworks.per_scalar`` and ``{g1,g2}_mul.arkworks.per_scalar``,
    ``g1_batch_mul.py_ecc.per_scalar``, ``decode_{g1,g2}.<backend>`` and
    ``decode_{g1,g2}.arkworks_unchecked``. All values are medians in seconds.
    """
    rng = random.Random(seed)
    ark = get_backend("arkworks")
    pye = get_backend("py_ecc")
    rep = 3 if quick else 7
    log_sizes = [8, 10] if quick else [8, 9, 10, 11, 12, 13, 14]
    res: dict[str, Any] = {"config": {"quick": quick, "repeat": rep, "log_sizes": log_sizes}}

    # pairing check, 4 pairs
    pairs = pairs4(ark, rng)
    res["pairing_check4.arkworks"] = median_time(lambda: ark.pairing_check(pairs), rep, 10)
    # multi-pairing scaling: a + b * n means Miller loops per pair and ONE final exponentiation
    import py_arkworks_bls12381 as native

    g, h = ark.g1_generator(), ark.g2_generator()
    for n in (1, 2, 8, 16):
        ps = [(ark.g1_mul(g, rng.randrange(R)), ark.g2_mul(h, rng.randrange(R))) for _ in range(n)]
        res[f"pairing_check{n}.arkworks"] = median_time(lambda ps=ps: ark.pairing_check(ps), rep, 5)
    res["single_pairing.arkworks"] = median_time(
        lambda: native.GT.pairing(pairs[0][0], pairs[0][1]), rep, 10
    )
    ppairs = pairs4(pye, rng)
    res["pairing_check4.py_ecc"] = median_time(lambda: pye.pairing_check(ppairs), 1 if quick else 3)

    # scalar conversion (the prover converts its witness once per proof)
    n_conv = 1 << max(log_sizes)
    ks = [rng.randrange(R) for _ in range(n_conv)]
    res[f"scalar_convert.{n_conv}.Scalar_int"] = median_time(
        lambda: [native.Scalar(k) for k in ks], rep
    )
    res[f"scalar_convert.{n_conv}.from_le_bytes"] = median_time(
        lambda: [native.Scalar.from_le_bytes(k.to_bytes(32, "little")) for k in ks], rep
    )
    res[f"scalar_convert.{n_conv}.prepare"] = median_time(lambda: ark.prepare_scalars(ks), rep)

    # MSM
    g1_points = chain_points(ark, "g1", 1 << max(log_sizes), rng)
    g2_points = chain_points(ark, "g2", 1 << max(log_sizes), rng)
    for lg in log_sizes:
        n = 1 << lg
        pts, sc = g1_points[:n], ks[:n]
        prepared = ark.prepare_scalars(sc)
        q = g2_points[:n]
        res[f"g1_msm.arkworks.{n}.ints"] = median_time(
            lambda pts=pts, sc=sc: ark.g1_msm(pts, sc), rep
        )
        res[f"g1_msm.arkworks.{n}.prepared"] = median_time(
            lambda pts=pts, prepared=prepared: ark.g1_msm(pts, prepared), rep
        )
        res[f"g2_msm.arkworks.{n}"] = median_time(
            lambda q=q, prepared=prepared: ark.g2_msm(q, prepared), rep
        )
    n_py = 1 << 4 if quick else 1 << 8
    ppts = chain_points(pye, "g1", n_py, rng)
    psc = ks[:n_py]
    res[f"g1_msm.py_ecc.{n_py}.ints"] = median_time(lambda: pye.g1_msm(ppts, psc), 1)

    # fixed-base batch (comb table built inside each call), vs one-by-one g1_mul
    nb = 256 if quick else 4096
    gen = ark.g1_generator()
    res["g1_batch_mul.arkworks.per_scalar"] = (
        median_time(lambda: ark.g1_batch_mul(gen, ks[:nb]), rep) / nb
    )
    res["g1_mul.arkworks.per_scalar"] = (
        median_time(lambda: [ark.g1_mul(gen, k) for k in ks[:nb]], rep) / nb
    )
    h = ark.g2_generator()
    res["g2_batch_mul.arkworks.per_scalar"] = (
        median_time(lambda: ark.g2_batch_mul(h, ks[:nb]), rep) / nb
    )
    res["g2_mul.arkworks.per_scalar"] = (
        median_time(lambda: [ark.g2_mul(h, k) for k in ks[:nb]], rep) / nb
    )
    nbp = 16 if quick else 64
    pgen = pye.g1_generator()
    res["g1_batch_mul.py_ecc.per_scalar"] = (
        median_time(lambda: pye.g1_batch_mul(pgen, ks[:nbp]), 1) / nbp
    )

    # decode with every check
    d1 = ark.g1_to_bytes(g1_points[7])
    d2 = ark.g2_to_bytes(g2_points[7])
    res["decode_g1.arkworks"] = median_time(lambda: ark.g1_from_bytes(d1), rep, 200)
    res["decode_g2.arkworks"] = median_time(lambda: ark.g2_from_bytes(d2), rep, 200)
    res["decode_g1.arkworks_unchecked"] = median_time(
        lambda: native.G1Point.from_compressed_bytes_unchecked(d1), rep, 200
    )
    res["decode_g2.arkworks_unchecked"] = median_time(
        lambda: native.G2Point.from_compressed_bytes_unchecked(d2), rep, 200
    )
    res["decode_g1.py_ecc"] = median_time(lambda: pye.g1_from_bytes(d1), rep, 3)
    res["decode_g2.py_ecc"] = median_time(lambda: pye.g2_from_bytes(d2), rep, 1)
    return res


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:8.3f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.3f} ms"
    return f"{seconds * 1e6:8.2f} µs"


def print_table(res: dict[str, Any]) -> None:
    """Print the results of :func:`run` as a table with the useful ratios."""
    cfg = res["config"]
    print(f"# group backends (medians of {cfg['repeat']} runs; quick={cfg['quick']})")
    print(f"{'metric':44} {'median':>11}  note")
    pa, pp = res["pairing_check4.arkworks"], res["pairing_check4.py_ecc"]
    print(f"{'pairing_check 4 pairs, arkworks':44} {_fmt(pa)}")
    print(f"{'pairing_check 4 pairs, py_ecc':44} {_fmt(pp)}  {pp / pa:,.0f}x arkworks")
    single = res["single_pairing.arkworks"]
    print(f"{'one GT.pairing (Miller loop + final exp)':44} {_fmt(single)}")
    for n in (1, 2, 4, 8, 16):
        t = res[f"pairing_check{n}.arkworks"]
        print(f"{'pairing_check ' + str(n) + ' pairs, arkworks':44} {_fmt(t)}  "
              f"{t / single:.2f}x one pairing ({n}x if no multi-Miller loop)")
    for key in (k for k in res if k.startswith("scalar_convert.")):
        n = key.split(".")[1]
        base = res[f"scalar_convert.{n}.from_le_bytes"]
        print(f"{'ints -> Scalar, n=' + n + ', ' + key.split('.')[2]:44} {_fmt(res[key])}  "
              f"{res[key] / base:.2f}x from_le_bytes")
    for lg in cfg["log_sizes"]:
        n = 1 << lg
        ints, prep = res[f"g1_msm.arkworks.{n}.ints"], res[f"g1_msm.arkworks.{n}.prepared"]
        print(f"{'G1 MSM 2^' + str(lg) + ' arkworks, prepared scalars':44} {_fmt(prep)}  "
              f"{prep / n * 1e6:.2f} µs/point")
        print(f"{'G1 MSM 2^' + str(lg) + ' arkworks, int scalars':44} {_fmt(ints)}  "
              f"{ints / prep:.2f}x prepared")
        g2 = res[f"g2_msm.arkworks.{n}"]
        print(f"{'G2 MSM 2^' + str(lg) + ' arkworks, prepared scalars':44} {_fmt(g2)}  "
              f"{g2 / prep:.2f}x G1")
    for key in (k for k in res if k.startswith("g1_msm.py_ecc.")):
        n = int(key.split(".")[2])
        ark_key = f"g1_msm.arkworks.{n}.ints"
        note = f"{res[key] / res[ark_key]:,.0f}x arkworks" if ark_key in res else ""
        print(f"{'G1 MSM n=' + str(n) + ' py_ecc (Pippenger)':44} {_fmt(res[key])}  {note}")
    for grp in ("g1", "g2"):
        bm, one = res[f"{grp}_batch_mul.arkworks.per_scalar"], res[f"{grp}_mul.arkworks.per_scalar"]
        print(f"{grp + '_batch_mul per scalar, arkworks':44} {_fmt(bm)}  "
              f"{one / bm:.1f}x faster than {grp}_mul ({_fmt(one).strip()})")
    pyb = res["g1_batch_mul.py_ecc.per_scalar"]
    print(f"{'g1_batch_mul per scalar, py_ecc':44} {_fmt(pyb)}")
    for grp in ("g1", "g2"):
        full, raw = res[f"decode_{grp}.arkworks"], res[f"decode_{grp}.arkworks_unchecked"]
        print(f"{'decode ' + grp.upper() + ' checked, arkworks':44} {_fmt(full)}  "
              f"{full / raw:.2f}x unchecked; {full / pa:.3f}x pairing4")
        print(f"{'decode ' + grp.upper() + ' unchecked (native only), arkworks':44} {_fmt(raw)}")
        pyd = res[f"decode_{grp}.py_ecc"]
        print(f"{'decode ' + grp.upper() + ' checked, py_ecc':44} {_fmt(pyd)}")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats (~15 s)")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args(argv)
    res = run(quick=args.quick)
    print_table(res)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)


if __name__ == "__main__":
    main()
