"""The early-renewal claim against the equipment claim alone, side by side in one process.

Run: ``python -m benchmarks.renewal [--repeat N] [--json FILE]``. Targets (issue 11): proving
the renewal claim under 2x the equipment claim alone; verifying it under 2x one claim
verification. Measured, interleaved A B A B ... so that both see the same machine load:

* ``prove``   A = :func:`zkclaims.prover.prove_claim` (the equipment claim alone);
              B = :func:`zkclaims.prover_renewal.prove_claim_with_renewal` (the renewal's
              clear-text checks, then one proof of the renewal claim statement); both with the
              prover's default worker threads (one per core: :mod:`zkclaims.groth16.workers`);
* ``prove_1_thread`` the same two, each under ``prover_threads(1)``: all work on one thread;
* ``prove_two_proofs`` A against the older two-proof form (``zkclaims-renewal/v1``): the
              equipment claim then :func:`zkclaims.prover_renewal.prove_renewal`, what a
              renewal claim cost before the joint statement (for comparison, no target);
* ``verify``  A = :meth:`Verifier.verify` of the equipment bundle's JSON (no renewal due);
              B = the same for the renewal bundle inside the renewal period (both
              attestations, the ledger-bound public inputs, the one proof);
* ``verify_two_proofs`` A against the two-proof form's bundle (both proofs in one
              multi-pairing).

Each line gives the median wall-clock time and the median process CPU time of A and B over the
repeats and the ratio B / A of the medians (CPU time is less sensitive to other processes on a
shared machine). Timings live here, never in the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

TODAY = dt.date(2025, 4, 10)


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def side_by_side(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Run ``a`` and ``b`` alternately ``repeat`` times each (after one warm-up of each)."""
    a()
    b()
    wa, ca, wb, cb = [], [], [], []
    for _ in range(repeat):
        w, c = _timed(a)
        wa.append(w)
        ca.append(c)
        w, c = _timed(b)
        wb.append(w)
        cb.append(c)
    med = statistics.median
    return {
        "a_wall_s": med(wa), "b_wall_s": med(wb), "ratio_wall": med(wb) / med(wa),
        "a_cpu_s": med(ca), "b_cpu_s": med(cb), "ratio_cpu": med(cb) / med(ca),
        "repeat": repeat,
    }


def setup() -> dict[str, Any]:
    """Sign two prescriptions, build both bundles once, return what the runs need."""
    from zkclaims.cli.demo import (
        DEMO_BENEFICIARY,
        DEMO_CLAIM,
        DEMO_EQUIPMENT,
        DEMO_PATIENT,
        DEMO_PRESCRIPTION,
    )
    from zkclaims.cli.renewal import DEMO_LAST_DELIVERY, DEMO_PREVIOUS_PRESCRIPTION
    from zkclaims.domain import Beneficiary, ClaimHistory, Equipment, Patient, Prescription
    from zkclaims.domain.invoice import Claim
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim
    from zkclaims.prover_renewal import prove_claim_with_renewal, prove_renewal
    from zkclaims.verifier import Verifier

    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add("RPPS-1", key)
    patient = Patient.model_validate(DEMO_PATIENT)
    new = prescribe(Prescription.model_validate(DEMO_PRESCRIPTION), patient=patient, key=key,
                    prescriber_id="RPPS-1")
    prev = prescribe(Prescription.model_validate(DEMO_PREVIOUS_PRESCRIPTION), patient=patient,
                     key=key, prescriber_id="RPPS-1")
    equipment = Equipment.model_validate(DEMO_EQUIPMENT)
    claim = Claim.model_validate(DEMO_CLAIM)

    def prove_a() -> Any:
        return prove_claim(new[0], attestation=new[1], equipment=equipment, claim=claim,
                           today=TODAY)

    def prove_b() -> Any:
        return prove_claim_with_renewal(
            new[0], attestation=new[1], equipment=equipment, claim=claim,
            previous_opening=prev[0], previous_attestation=prev[1], today=TODAY)

    def prove_c() -> Any:
        bundle = prove_a()
        evidence = prove_renewal(prev[0], previous_attestation=prev[1], new_opening=new[0],
                                 claim_context=bundle.context(), criteria=15,
                                 new_attestation=new[1], delivered_on=claim.delivered_on)
        return bundle.model_copy(update={"renewal": evidence})

    record = Beneficiary.model_validate(DEMO_BENEFICIARY)
    history = ClaimHistory(last_delivery=dt.date.fromisoformat(DEMO_LAST_DELIVERY),
                           previous_commitment=prev[0].commitment)
    return {"prove_a": prove_a, "prove_b": prove_b, "prove_c": prove_c, "bundle_a": prove_a(),
            "bundle_b": prove_b(), "bundle_c": prove_c(),
            "verifier": Verifier(trusted, insurer=claim.insurer),
            "record": record, "history": history}


def run(repeat: int) -> dict[str, Any]:
    """Measure the five comparisons; return the results document."""
    s = setup()
    v, record, history = s["verifier"], s["record"], s["history"]
    json_a, json_b, json_c = (s[f"bundle_{k}"].model_dump_json() for k in "abc")
    d_a = v.verify(json_a, beneficiary=record, today=TODAY)
    assert not any("early renewal" in r for r in d_a.reasons)
    for j in (json_b, json_c):
        d = v.verify(j, beneficiary=record, history=history, today=TODAY)
        assert any("early renewal" in r for r in d.reasons)
    assert s["bundle_b"].renewal.format == "zkclaims-renewal/v2"
    assert s["bundle_c"].renewal.format == "zkclaims-renewal/v1"
    from zkclaims.groth16.workers import prover_threads, thread_count

    def one_thread(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run_serial() -> Any:
            with prover_threads(1):
                return fn()
        return run_serial

    results = {
        "prove": side_by_side(s["prove_a"], s["prove_b"], repeat),
        "prove_1_thread": side_by_side(one_thread(s["prove_a"]), one_thread(s["prove_b"]),
                                       repeat),
        "prove_two_proofs": side_by_side(s["prove_a"], s["prove_c"], repeat),
        "verify": side_by_side(
            lambda: v.verify(json_a, beneficiary=record, today=TODAY),
            lambda: v.verify(json_b, beneficiary=record, history=history, today=TODAY),
            4 * repeat),
        "verify_two_proofs": side_by_side(
            lambda: v.verify(json_a, beneficiary=record, today=TODAY),
            lambda: v.verify(json_c, beneficiary=record, history=history, today=TODAY),
            4 * repeat),
    }
    return {"format": "zkclaims-bench-renewal/v1", "results": results,
            "targets": {"prove": 2.0, "prove_1_thread": 2.0, "verify": 2.0},
            "prover_threads": thread_count(),
            "machine": machine()}


def machine() -> dict[str, Any]:
    """Where and when: date, host, Python, cores, the load average at the end of the run."""
    import os
    import platform

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"date": dt.date.today().isoformat(), "host": platform.node(),
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "load_average_1_5_15": None if load is None else [round(x, 2) for x in load]}


def report(doc: dict[str, Any]) -> str:
    """Format the results as a small table."""
    labels = {
        "prove": ("equipment claim", "renewal claim (1 proof)"),
        "prove_1_thread": ("equipment claim", "renewal claim (1 proof)"),
        "prove_two_proofs": ("equipment claim", "two-proof form"),
        "verify": ("one claim", "renewal claim (1 proof)"),
        "verify_two_proofs": ("one claim", "two-proof form"),
    }
    lines = [f"{'':17} {'A':32} {'B':34} {'B/A wall':>9} {'B/A cpu':>8}  target"]
    for name, r in doc["results"].items():
        a, b = labels[name]
        target = doc["targets"].get(name)
        verdict = "" if target is None else (
            f"< {target:g}: {'met' if r['ratio_cpu'] < target else 'NOT met'} (cpu)")
        col_a = f"{a} {r['a_wall_s'] * 1000:.1f} ms"
        col_b = f"{b} {r['b_wall_s'] * 1000:.1f} ms"
        lines.append(f"{name:17} {col_a:32} {col_b:34} {r['ratio_wall']:9.2f} "
                     f"{r['ratio_cpu']:8.2f}  {verdict}")
    return "\n".join(lines)


def cli(
    module: str,
    doc: str,
    measure: Callable[[int], dict[str, Any]],
    table: Callable[[dict[str, Any]], str],
    argv: list[str] | None,
) -> int:
    """``python -m benchmarks.<module> [--repeat N] [--json FILE]``: measure, print, save."""
    p = argparse.ArgumentParser(prog=f"python -m benchmarks.{module}", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=7, help="measured runs of each (default 7)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the results here")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be >= 1")
    results = measure(args.repeat)
    print(table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, sort_keys=True)
            f.write("\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.renewal``."""
    return cli("renewal", __doc__ or "", run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
