"""The equipment claim, end to end: what one claim costs the optician and the insurer.

Run alone: ``python -m benchmarks.claim [--quick|--tiny]`` (the suite runs it as its ``claim``
phase). Measured, as medians with min/max over repeated runs in one process:

* ``claim.witness``         the witness of ``optique-equipement-2020`` (frontend, scalar mode);
* ``claim.prove_circuit``   Groth16 prove on that witness (floor: G1 + G2 MSM of the domain);
                            snarkjs proves the same exported circuit in the ``peers`` phase;
* ``claim.prove``           :func:`zkclaims.prover.prove_claim`: opening check, classes, invoice,
                            context, witness and proof;
* ``claim.verify_circuit``  Groth16 verify of that proof (floor: the raw 4-pair pairing check);
* ``claim.verify``          :meth:`zkclaims.verifier.Verifier.verify` on the bundle's JSON:
                            parse, attestation signature, calendar and price rules, proof,
                            decision (floor: 4-pair pairing check + one Ed25519 check);
* ``claim.verify.parse`` / ``.precheck`` / ``.decide``  the parts of ``Verifier.verify`` that
                            are not the pairing check (JSON parsing, signature and clear-text
                            checks, the reimbursement decision), to show where time goes;
* ``claim.verify_many``     :meth:`Verifier.verify_many` on 1, 8, 64, 256 bundles, per bundle
                            (floor per bundle: the (N + 3)-pair check / N + one Ed25519 check);
                            each bundle a distinct claim of a distinct prescription (a batch
                            refuses a second bundle with the same claim id or commitment);
* ``claim.bundle_bytes``    the size of one bundle as JSON, and of its proof.

The prescription, patient, equipment, claim and beneficiary record come from ``examples/``
when present (else the demo's built-in copies).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.suite import (
    MODES,
    ROOT,
    Context,
    Recorder,
    ensure_msm_floor,
    measurement_key,
)

EXAMPLES = ROOT / "examples"
PRESCRIBER_ID = "RPPS-10000000001"


def sample_inputs() -> tuple[Any, Any, Any, Any, Any]:
    """``(prescription, equipment, claim, patient, beneficiary)``: the README's example files."""
    from zkclaims.domain import Beneficiary, Equipment, Patient, Prescription
    from zkclaims.domain.invoice import Claim

    names = ("prescription", "equipment", "claim", "patient", "beneficiary")
    files = [EXAMPLES / f"{n}.json" for n in names]
    if all(f.exists() for f in files):
        raw = [json.loads(f.read_text()) for f in files]
    else:
        from zkclaims.cli import demo

        raw = [demo.DEMO_PRESCRIPTION, demo.DEMO_EQUIPMENT, demo.DEMO_CLAIM, demo.DEMO_PATIENT,
               demo.DEMO_BENEFICIARY]
    return (Prescription.model_validate(raw[0]), Equipment.model_validate(raw[1]),
            Claim.model_validate(raw[2]), Patient.model_validate(raw[3]),
            Beneficiary.model_validate(raw[4]))


def _missing_pipeline() -> str | None:
    """Why the claim pipeline cannot run here, or None."""
    try:
        import zkclaims.prescriber  # noqa: F401
        import zkclaims.prover  # noqa: F401
        import zkclaims.verifier  # noqa: F401
        from zkclaims.prover import statement

        statement()
    except Exception as exc:  # report any failure to load as "not run", with its reason
        return f"claim pipeline unavailable: {type(exc).__name__}: {exc}"
    return None


def export_circuit() -> tuple[Any, list[int]] | None:
    """The claim circuit's R1CS and a satisfying witness (sample inputs), or None if missing."""
    if _missing_pipeline():
        return None
    from zkclaims.prescriber import generate_key, prescribe
    from zkclaims.prover import statement

    rx, equipment, claim, patient, _ = sample_inputs()
    opening, _ = prescribe(rx, patient=patient, key=generate_key(), prescriber_id=PRESCRIBER_ID)
    r1cs, _, _ = statement()
    return r1cs, _witness(opening, equipment, claim, r1cs.digest())


def _witness(opening: Any, equipment: Any, claim: Any, circuit_id: str) -> list[int]:
    """The equipment statement's witness, exactly as prove_claim computes it."""
    from zkclaims.circuits.equipment import lens_inputs

    from zkclaims.domain.bundle import claim_context
    from zkclaims.domain.invoice import invoice_for
    from zkclaims.domain.rules import RULES_2020
    from zkclaims.prover import equipment_witness

    usages = (equipment.right.usage, equipment.left.usage)
    classes = (RULES_2020.classify_lens(opening.prescription.right, usage=usages[0]),
               RULES_2020.classify_lens(opening.prescription.left, usage=usages[1]))
    invoice = invoice_for(equipment, classes=classes, birth_date=opening.patient.birth_date)
    context = claim_context(claim, invoice, circuit_id)
    lenses = [lens_inputs(u) for u in usages]
    designs = ["multifocal" if d else "unifocal" for d, _ in lenses]
    return equipment_witness(opening, designs=designs, nears=[n for _, n in lenses],
                             classes=classes, context=context)


def run(rec: Recorder, ctx: Context) -> None:
    """Measure the claim; record its exported circuit in ``ctx`` for the snarkjs comparison."""
    reason = _missing_pipeline()
    if reason:
        rec.skip("claim", reason)
        return
    from zkclaims.circuits import load_verifying_key

    from zkclaims.domain.packing import day_number
    from zkclaims.groth16 import Proof, prepare_verifying_key, prove, verify
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim, statement
    from zkclaims.verifier import Verifier, load_bundle

    mode = rec.mode
    rx, equipment, claim, patient, record = sample_inputs()
    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add(PRESCRIBER_ID, key, rx.prescriber_kind)
    opening, attestation = prescribe(rx, patient=patient, key=key, prescriber_id=PRESCRIBER_ID)
    r1cs, qap, pk = statement()
    rows = {"constraints": r1cs.n_constraints}
    rec.value("claim.constraints", r1cs.n_constraints, "constraints",
              note=f"{r1cs.name}, {r1cs.n_public} public inputs, QAP domain {qap.domain.size}")

    # the witness, exactly as prove_claim computes it
    witness_box: dict[str, list[int]] = {}

    def make_witness() -> list[int]:
        witness_box["w"] = _witness(opening, equipment, claim, r1cs.digest())
        return witness_box["w"]

    rec.time("claim.witness", "python", make_witness, params=rows,
             check=lambda w: r1cs.is_satisfied(w), note="EquipmentClaimCircuit().witness")
    w = witness_box["w"]
    if w[7] != day_number(rx.issued_on):
        raise RuntimeError("claim: the witness's prescription day is not the public one")
    ctx.claim_export = (r1cs, w)
    ctx.claim_rows = r1cs.n_constraints

    msm_floor = ensure_msm_floor(rec, qap.domain.size)
    pair4 = measurement_key("floor.pairing_check", "arkworks", {"pairs": 4})
    sig = measurement_key("floor.ed25519_verify", "cryptography")
    rec.time("claim.prove_circuit", "arkworks", lambda: prove(pk, qap, w, "arkworks"),
             params=rows, floor=msm_floor, note="zkclaims.groth16.prove on the claim witness")
    vk = load_verifying_key("optique-equipement-2020")
    pvk = prepare_verifying_key(vk, "arkworks")
    public = w[1 : 1 + r1cs.n_public]
    raw = prove(pk, qap, w, "arkworks").to_bytes()
    rec.time_beside_floor("claim.verify_circuit", "arkworks",
                          lambda: verify(pvk, public, Proof.from_bytes(raw)), pair4,
                          ctx.floor_check4, params=rows, check=bool, floor=[pair4],
                          note="from the proof's 192 bytes (decode + checks)")
    from zkclaims.groups import get_backend

    ark = get_backend("arkworks")
    rec.time("claim.verify.decode_proof", "arkworks",
             lambda: Proof.from_bytes(raw).points(ark), params=rows,
             note="decode A, B, C with on-curve and subgroup checks")
    decoded = Proof.from_bytes(raw)
    decoded.points(ark)  # cached on the proof: what is timed next is the pairing equation
    rec.time("claim.verify.pairing", "arkworks", lambda: verify(pvk, public, decoded),
             params=rows, check=bool, floor=[pair4],
             note="the pairing equation on already decoded points: vk_x, three Miller loops "
                  "and one final exponentiation against the prepared e(alpha, beta)")

    # the whole pipeline
    bundles_box: dict[str, Any] = {}

    def do_prove_claim() -> Any:
        bundles_box["b"] = prove_claim(opening, attestation=attestation, equipment=equipment,
                                       claim=claim, backend="arkworks")
        return bundles_box["b"]

    rec.time("claim.prove", "arkworks", do_prove_claim, params=rows, floor=msm_floor,
             note="zkclaims.prover.prove_claim (checks, classes, invoice, context, witness, proof)")
    bundle = bundles_box["b"]
    text = bundle.model_dump_json()
    rec.value("claim.bundle_bytes", len(text.encode()), "bytes",
              note="one ClaimBundle as compact JSON (proof: 192 bytes, hex-encoded in it)")
    rec.value("claim.proof_bytes", len(bytes.fromhex(bundle.proof)), "bytes",
              note="Groth16 proof, compressed points A|B|C")
    verifier = Verifier(trusted, insurer=claim.insurer, backend="arkworks")
    rec.time_beside_floor("claim.verify", "arkworks",
                          lambda: verifier.verify(text, beneficiary=record), pair4,
                          ctx.floor_check4, params=rows, check=lambda d: d is not None,
                          floor=[pair4, sig], note="Verifier.verify on the bundle's JSON text")
    # where verification time goes beyond the floor: parsing, the clear-text checks, the rules
    parsed = load_bundle(text)
    rec.time("claim.verify.parse", "python", lambda: load_bundle(text), params=rows,
             note="load_bundle: JSON text -> validated ClaimBundle (pydantic)")
    rec.time("claim.verify.precheck", "arkworks",
             lambda: verifier.precheck(parsed, beneficiary=record),
             params=rows, floor=[sig],
             note="Verifier.precheck: pinned key, insurer and beneficiary, invoice and codes, "
                  "attestation signature, calendar rules, the law's amounts, claim context "
                  "(SHA-256), public inputs and patient tag (Poseidon)")
    checked = verifier.precheck(parsed, beneficiary=record)
    rec.time("claim.verify.decide", "python", lambda: verifier.decide(checked), params=rows,
             note="Verifier.decide: category, limits and amount payable (clear-text rules)")
    if mode.claim_pyecc:
        slow = Verifier(trusted, insurer=claim.insurer, backend="py_ecc")
        rec.time("claim.verify", "py_ecc", lambda: slow.verify(text, beneficiary=record),
                 params=rows,
                 repeats=mode.pyecc_repeats, warmup=0, check=lambda d: d is not None,
                 floor=[measurement_key("floor.pairing_check", "py_ecc", {"pairs": 4}), sig],
                 note="proof made with arkworks")

    # batches: distinct claims and prescriptions (a batch refuses a second bundle with the same
    # claim id or the same commitment, whatever its proof bytes)
    top = max(mode.claim_batch_sizes)
    texts = []
    for i in rec.bar(range(top), "claim: distinct bundles for batch verify"):
        c = claim.model_copy(update={"claim_id": f"{claim.claim_id}-{i:03d}"})
        o, a = prescribe(rx, patient=patient, key=key, prescriber_id=PRESCRIBER_ID)
        texts.append(prove_claim(o, attestation=a, equipment=equipment, claim=c,
                                 backend="arkworks").model_dump_json())
    members = {record.member_id: record}
    for n in mode.claim_batch_sizes:
        batch = texts[:n]
        floor = [(pair4 if n == 1 else measurement_key("floor.pairing_check", "arkworks",
                                                       {"pairs": n + 3}), 1.0 / n), sig]
        rec.time("claim.verify_many", "arkworks",
                 lambda batch=batch: verifier.verify_many(batch, beneficiaries=members),
                 params={**rows, "batch": n}, per=n, per_label="bundle", floor=floor,
                 check=lambda res, n=n: len(res) == n and all(r.accepted for r in res),
                 note=f"{n} distinct claims and prescriptions")


def main(argv: list[str] | None = None) -> int:
    """Run the claim phase alone (with the floors it needs) and print the Markdown report."""
    from benchmarks import report, suite

    ap = argparse.ArgumentParser(prog="python -m benchmarks.claim", description=__doc__.split(
        "\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true")
    g.add_argument("--tiny", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="also write a results file here")
    args = ap.parse_args(argv)
    mode = MODES["quick" if args.quick else "tiny" if args.tiny else "full"]
    doc = suite.run(mode, ("floors", "claim"), progress=True)
    if args.out:
        suite.write_results(doc, args.out, suite.results_stem(mode.name) + "-claim")
    print(report.markdown(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
