"""The early-renewal claim against the equipment claim alone, side by side in one process.

Run: ``python -m benchmarks.renewal [--repeat N] [--json FILE]``. Targets (issue 11): proving
the renewal claim (both proofs) under 2x the equipment claim alone; verifying it under 2x one
claim verification. Measured, interleaved A B A B ... so that both see the same machine load:

* ``prove``   A = :func:`zkclaims.prover.prove_claim` (the equipment claim alone);
              B = :func:`zkclaims.prover_renewal.prove_claim_with_renewal` (equipment proof +
              renewal proof, with the renewal's clear-text checks); both with the prover's
              default worker threads (one per core: :mod:`zkclaims.groth16.workers`);
* ``prove_1_thread`` the same two, each under ``prover_threads(1)``: all work on one thread;
* ``verify``  A = :meth:`Verifier.verify` of the equipment bundle's JSON (no renewal due);
              B = the same for the renewal bundle inside the renewal period (both
              attestations, the ledger-bound public inputs, both proofs in one multi-pairing);
* ``pairing`` the two proofs' Groth16 checks alone: two :func:`zkclaims.groth16.verify` calls
              against one :func:`zkclaims.groth16.joint.verify_together` (the share of work).

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
    from zkclaims.prover_renewal import prove_claim_with_renewal
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

    record = Beneficiary.model_validate(DEMO_BENEFICIARY)
    history = ClaimHistory(last_delivery=dt.date.fromisoformat(DEMO_LAST_DELIVERY),
                           previous_commitment=prev[0].commitment)
    return {"prove_a": prove_a, "prove_b": prove_b, "bundle_a": prove_a(),
            "bundle_b": prove_b(), "verifier": Verifier(trusted, insurer=claim.insurer),
            "record": record, "history": history}


def run(repeat: int) -> dict[str, Any]:
    """Measure the three comparisons; return the results document."""
    from zkclaims.groth16 import Proof, verify
    from zkclaims.groth16.joint import verify_together

    s = setup()
    v, record, history = s["verifier"], s["record"], s["history"]
    json_a = s["bundle_a"].model_dump_json()
    json_b = s["bundle_b"].model_dump_json()
    d_a = v.verify(json_a, beneficiary=record, today=TODAY)
    d_b = v.verify(json_b, beneficiary=record, history=history, today=TODAY)
    assert not any("early renewal" in r for r in d_a.reasons)
    assert any("early renewal" in r for r in d_b.reasons)
    b = s["bundle_b"]
    eq = (v.verifying_key(b.circuit_id), b.public_inputs.as_list(),
          Proof.from_bytes(bytes.fromhex(b.proof), circuit_id=b.circuit_id))
    ren = (v.verifying_key(b.renewal.circuit_id), b.renewal.public_inputs.as_list(),
           Proof.from_bytes(bytes.fromhex(b.renewal.proof), circuit_id=b.renewal.circuit_id))
    assert verify(*eq) and verify(*ren) and verify_together([eq, ren])
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
        "verify": side_by_side(
            lambda: v.verify(json_a, beneficiary=record, today=TODAY),
            lambda: v.verify(json_b, beneficiary=record, history=history, today=TODAY),
            4 * repeat),
        "pairing": side_by_side(lambda: (verify(*eq), verify(*ren)),
                                lambda: verify_together([eq, ren]), 4 * repeat),
    }
    return {"format": "zkclaims-bench-renewal/v1", "results": results,
            "targets": {"prove": 2.0, "verify": 2.0}, "prover_threads": thread_count(),
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
        "prove": ("equipment claim", "renewal claim (2 proofs)"),
        "prove_1_thread": ("equipment claim", "renewal claim (2 proofs)"),
        "verify": ("one claim", "renewal claim (joint)"),
        "pairing": ("2 separate checks", "1 joint check"),
    }
    lines = [f"{'':8} {'A':32} {'B':34} {'B/A wall':>9} {'B/A cpu':>8}  target"]
    for name, r in doc["results"].items():
        a, b = labels[name]
        target = doc["targets"].get(name)
        verdict = "" if target is None else (
            f"< {target:g}: {'met' if r['ratio_cpu'] < target else 'NOT met'} (cpu)")
        col_a = f"{a} {r['a_wall_s'] * 1000:.1f} ms"
        col_b = f"{b} {r['b_wall_s'] * 1000:.1f} ms"
        lines.append(f"{name:8} {col_a:32} {col_b:34} {r['ratio_wall']:9.2f} "
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
