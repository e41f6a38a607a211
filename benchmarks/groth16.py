"""Groth16 timings: setup, prove, verify, batch verify, against the raw pairing-check floor.

Run: ``.venv/bin/python -m benchmarks.groth16 [--quick] [--json out.json]``

Synthetic R1CS (:func:`zkclaims.hazmat.synthetic_r1cs`, 2 public inputs) fill QAP domains of
2^8 .. 2^14 rows (``2^k - 3`` constraints plus the public-input rows) on the arkworks backend;
py_ecc runs the smallest size only. In the same run, for each backend, the raw 4-pair
``pairing_check`` on already-decoded points is measured: it is the floor of ``verify``.

* ``verify`` is timed from bytes (``Proof.from_bytes`` + ``verify`` with a prepared key: the
  proof's three points are decoded with the on-curve and subgroup checks, as in production) and
  on an already-decoded proof (what the floor measures).
* ``verify_batch`` is timed on 64 distinct proofs (re-randomised), from bytes, per proof.
* ``pk_load`` is ``ProvingKey.from_bytes`` plus decoding every point with the full checks
  (done once per key, at the first ``prove``).

:func:`run` returns a dict of medians (seconds); :func:`print_table` prints it with ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.groups import pairs4
from benchmarks.suite import median_time
from zkclaims import groth16
from zkclaims.groth16.proving import prover_points
from zkclaims.groth16.qap import QAP
from zkclaims.groups import get_backend
from zkclaims.hazmat import dev_setup, synthetic_r1cs

N_PUBLIC = 2
BATCH = 64


def _floor_fn(be: Any, rng: random.Random) -> Callable[[], Any]:
    pairs = pairs4(be, rng)
    return lambda: be.pairing_check(pairs)


def interleaved_medians(
    fns: dict[str, Callable[[], Any]], repeat: int, inner: int = 1
) -> dict[str, float]:
    """Median time per call of each function, run round-robin so they share the machine's load.

    On a shared machine, timings drift by tens of percent within a minute; ratios are only
    meaningful between functions measured in the same rounds.
    """
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[k].append((time.perf_counter() - t0) / inner)
    return {k: statistics.median(v) for k, v in samples.items()}


def _one_size(
    be: Any, log_n: int, quick: bool, res: dict[str, Any], floor: Callable[[], Any]
) -> None:
    name = be.name
    key = f"{name}.2^{log_n}"
    r1cs, w = synthetic_r1cs((1 << log_n) - N_PUBLIC - 1, n_public=N_PUBLIC, seed=log_n)
    qap = QAP.from_r1cs(r1cs)
    assert qap.domain.size == 1 << log_n
    public = w[1 : N_PUBLIC + 1]
    big = log_n >= 12 or name == "py_ecc"
    reps = 1 if (big or quick) else 3
    res[f"constraints.2^{log_n}"] = r1cs.n_constraints
    res[f"setup.{key}"] = median_time(lambda: groth16.setup(qap, backend=be), reps)
    pk, vk = dev_setup(qap, "bench", backend=be)
    pk_bytes = pk.to_bytes()
    res[f"pk_bytes.2^{log_n}"] = len(pk_bytes)

    def load() -> None:
        prover_points(groth16.ProvingKey.from_bytes(pk_bytes), be)

    if name == "arkworks":  # py_ecc: ~30 s at 2^8 (pure-Python subgroup checks), skipped
        res[f"pk_load.{key}"] = median_time(load, reps)
    groth16.prove(pk, qap, w, backend=be)  # warm: decode cache, domain twiddles
    res[f"prove.{key}"] = median_time(lambda: groth16.prove(pk, qap, w, backend=be),
                                      1 if big and quick else (2 if big else 5))
    proof = groth16.prove(pk, qap, w, backend=be)
    raw = proof.to_bytes()
    pvk = groth16.prepare_verifying_key(vk, be)
    assert groth16.verify(pvk, public, proof, backend=be)
    v_reps, v_inner = (3, 1) if name == "py_ecc" else ((9, 5) if quick else (21, 10))
    m = interleaved_medians({
        "floor": floor,
        "verify": lambda: groth16.verify(pvk, public, groth16.Proof.from_bytes(raw), backend=be),
        "verify_decoded": lambda: groth16.verify(pvk, public, proof, backend=be),
    }, v_reps, v_inner)
    res[f"floor.{key}"] = m["floor"]
    res[f"verify.{key}"] = m["verify"]
    res[f"verify_decoded.{key}"] = m["verify_decoded"]
    if name == "arkworks":
        raws = [groth16.rerandomize(vk, proof, backend=be).to_bytes() for _ in range(BATCH)]

        def batch() -> bool:
            items = [(public, groth16.Proof.from_bytes(b)) for b in raws]
            ok = groth16.verify_batch(pvk, items, backend=be)
            assert ok
            return ok

        # 64 floors (= 64 separate raw 4-pair checks) in the same rounds, for the ratio
        m = interleaved_medians({"batch": batch, "floor": floor}, 3 if quick else 7, 1)
        res[f"verify_batch{BATCH}.per_proof.{key}"] = m["batch"] / BATCH
        res[f"floor_batch.{key}"] = m["floor"]


def run(quick: bool = False, seed: int = 1) -> dict[str, Any]:
    """Measure Groth16 on both backends; return ``{metric: seconds}`` plus ``"config"``.

    Keys: ``pairing_check4.<backend>`` (the floor), and for each ``<backend>.2^k``:
    ``setup``, ``pk_load``, ``prove``, ``verify`` (from bytes), ``verify_decoded``,
    ``verify_batch64.per_proof`` (arkworks); ``constraints.2^k``, ``pk_bytes.2^k``.
    """
    rng = random.Random(seed)
    ark, pye = get_backend("arkworks"), get_backend("py_ecc")
    log_sizes = [8, 10] if quick else [8, 9, 10, 11, 12, 13, 14]
    res: dict[str, Any] = {"config": {"quick": quick, "log_sizes": log_sizes,
                                      "n_public": N_PUBLIC, "batch": BATCH}}
    floors = {be.name: _floor_fn(be, rng) for be in (ark, pye)}
    for lg in log_sizes:
        _one_size(ark, lg, quick, res, floors["arkworks"])
    _one_size(pye, log_sizes[0], quick, res, floors["py_ecc"])
    for b in ("arkworks", "py_ecc"):
        res[f"pairing_check4.{b}"] = statistics.median(
            [v for k, v in res.items() if k.startswith(f"floor.{b}.")]
        )
    return res


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:9.2f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds * 1e6:9.1f} µs"


def print_table(res: dict[str, Any]) -> None:
    """Print the results of :func:`run` as a table of medians with the useful ratios."""
    cfg = res["config"]
    floor = {b: res[f"pairing_check4.{b}"] for b in ("arkworks", "py_ecc")}
    print(f"raw 4-pair pairing_check (floor), median over sizes: arkworks "
          f"{_fmt(floor['arkworks'])}, py_ecc {_fmt(floor['py_ecc'])}")
    print("floor, verify (from bytes) and verify (decoded proof) are measured round-robin;")
    print("batch64/proof is divided by a floor measured in the same rounds (ratio column).")
    head = (f"{'backend':9} {'domain':>7} {'constr.':>7} {'setup':>12} {'pk load':>12} "
            f"{'prove':>12} {'floor':>12} {'verify':>12} {'/floor':>6} {'decoded':>12} "
            f"{'/floor':>6} {'batch64/proof /floor':>19}")
    print(head)
    print("-" * len(head))
    for be in ("arkworks", "py_ecc"):
        sizes = cfg["log_sizes"] if be == "arkworks" else cfg["log_sizes"][:1]
        for lg in sizes:
            k = f"{be}.2^{lg}"
            v, vd, fl = res[f"verify.{k}"], res[f"verify_decoded.{k}"], res[f"floor.{k}"]
            b = res.get(f"verify_batch{BATCH}.per_proof.{k}")
            load = _fmt(res[f"pk_load.{k}"]) if be == "arkworks" else ""
            bcol = f"{_fmt(b)} {b / res[f'floor_batch.{k}']:5.2f}" if b else ""
            print(f"{be:9} {'2^' + str(lg):>7} {res[f'constraints.2^{lg}']:7d} "
                  f"{_fmt(res[f'setup.{k}'])} {load:>12} {_fmt(res[f'prove.{k}'])} "
                  f"{_fmt(fl)} {_fmt(v)} {v / fl:6.2f} {_fmt(vd)} {vd / fl:6.2f} {bcol:>19}")
    print(f"targets (arkworks): verify <= 1.2x floor; batch verify <= 1.5 ms/proof at {BATCH}; "
          "py_ecc verify <= 1 s")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2^8 and 2^10 only, few repeats")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args(argv)
    res = run(quick=args.quick)
    print_table(res)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)


if __name__ == "__main__":
    main()
