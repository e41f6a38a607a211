"""What one joint statement would cost for a renewal claim: a measured prototype, not shipped.

Run: ``python -m benchmarks.joint_renewal [--repeat N] [--json FILE]``. A renewal claim today
carries two proofs (the equipment statement and ``optique-renouvellement-2020``), and proving
it costs about twice the equipment claim (``python -m benchmarks.renewal``, issue 11's target
is under 2x). This prototype measures the alternative: **one** statement proving both the
equipment relation and the renewal relation over a single opening of the new commitment
(:class:`JointRenewalPrototype`: the equipment statement plus the previous commitment's opening,
both unpackings, the change-of-vision rule and the accepted mask). Its keys come from
:func:`zkclaims.hazmat.dev_setup` (known toxic waste: timing only; a real one needs a
ceremony with a phase 1 of 2^11). Measured side by side, interleaved, the core of each claim
(witness and Groth16 proof, the part that differs):

* ``A``  the equipment claim's witness and proof (shipped keys);
* ``B``  A plus the renewal statement's witness and proof (today's renewal claim);
* ``J``  the joint statement's witness and proof (the prototype).

Each with the prover's default worker threads and on one thread; medians of wall-clock and
process CPU time. Timings live here, never in the tests.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from typing import Any

from zkclaims.circuits.equipment import EquipmentClaimCircuit
from zkclaims.circuits.renewal import _rule, assert_accepted, unpack

from benchmarks.renewal import _timed, cli, machine
from zkclaims.circuit import Builder, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.commitment import COMMITMENT_TAG_V2


class JointRenewalPrototype(EquipmentClaimCircuit):
    """The equipment statement and the renewal statement over one opening of the new commitment.

    Public inputs: the equipment statement's, then the previous commitment and the accepted
    criteria (the new commitment and the claim context are the equipment statement's own).
    """

    name = "prototype-joint-renewal"

    previous_commitment = public(doc="commitment of the previous reimbursed equipment")
    criteria = public(doc="mask of the criteria the insurer accepts")
    previous_packed = private(doc="previous packed canonical prescription")
    previous_blinding = private(doc="blinding of the previous commitment")

    def define(self, api: Builder) -> None:
        """The equipment relation, then the renewal relation against the same new opening."""
        super().define(api)
        with api.scope("commitment.previous"):
            c = g.poseidon_hash3(api, self.previous_packed, self.patient,
                                 self.previous_blinding, domain=COMMITMENT_TAG_V2)
            api.assert_equal(c, self.previous_commitment)
        with api.scope("unpack.previous"):
            previous = unpack(api, self.previous_packed)
        with api.scope("unpack.new"):
            new = unpack(api, self.packed)
        flags = _rule(api, previous, new)
        with api.scope("accepted"):
            assert_accepted(api, self.criteria, flags)


def assignments() -> dict[str, Any]:
    """The demo renewal: both openings, the equipment and the joint statements' assignments."""
    from benchmarks.renewal import TODAY
    from zkclaims.cli.demo import DEMO_CLAIM, DEMO_EQUIPMENT, DEMO_PATIENT, DEMO_PRESCRIPTION
    from zkclaims.cli.renewal import DEMO_PREVIOUS_PRESCRIPTION
    from zkclaims.domain import Equipment, Patient, Prescription
    from zkclaims.domain.invoice import Claim
    from zkclaims.domain.rules import RULES_2020
    from zkclaims.prescriber import generate_key, prescribe
    from zkclaims.prover import start_claim

    key = generate_key()
    patient = Patient.model_validate(DEMO_PATIENT)
    new, new_att = prescribe(Prescription.model_validate(DEMO_PRESCRIPTION), patient=patient,
                             key=key, prescriber_id="RPPS-1")
    prev, _ = prescribe(Prescription.model_validate(DEMO_PREVIOUS_PRESCRIPTION),
                        patient=patient, key=key, prescriber_id="RPPS-1")
    claim = Claim.model_validate(DEMO_CLAIM)
    # the equipment statement's assignment, exactly as the prover builds it
    seen: dict[str, Any] = {}
    witness_of = EquipmentClaimCircuit.witness

    def capture(circuit: EquipmentClaimCircuit, assignment: Any) -> list[int]:
        seen.update(assignment)
        return witness_of(circuit, assignment)

    EquipmentClaimCircuit.witness = capture  # type: ignore[method-assign]
    try:
        bundle = start_claim(new, attestation=new_att, claim=claim, today=TODAY,
                             equipment=Equipment.model_validate(DEMO_EQUIPMENT)).finish()
    finally:
        EquipmentClaimCircuit.witness = witness_of  # type: ignore[method-assign]
    eq_assignment = dict(seen)
    context, criteria = bundle.context(), int(RULES_2020.renewal_criteria)
    joint_assignment = {**eq_assignment, "previous_commitment": prev.commitment_int,
                        "criteria": criteria, "previous_packed": prev.packed,
                        "previous_blinding": prev.blinding_int}
    return {"equipment": eq_assignment, "joint": joint_assignment, "previous": prev,
            "new": new, "context": context, "criteria": criteria}


def setup() -> dict[str, Any]:
    """Keys of the three statements (the joint one from a dev setup); the three runs."""
    from zkclaims.groth16 import QAP, prove, verify
    from zkclaims.hazmat import dev_setup
    from zkclaims.prover import statement
    from zkclaims.prover_renewal import renewal_statement, renewal_witness

    a = assignments()
    eq_assignment, joint_assignment = a["equipment"], a["joint"]
    prev, new, context, criteria = a["previous"], a["new"], a["context"], a["criteria"]
    joint = JointRenewalPrototype()
    r1cs_j = joint.compile()
    qap_j = QAP.from_r1cs(r1cs_j)
    pk_j, vk_j = dev_setup(r1cs_j, "prototype-joint-renewal")
    _, qap_e, pk_e = statement()
    _, qap_r, pk_r = renewal_statement()
    w_j = joint.witness(joint_assignment)
    assert verify(vk_j, w_j[1 : 1 + r1cs_j.n_public], prove(pk_j, qap_j, w_j))

    def run_a() -> Any:
        return prove(pk_e, qap_e, EquipmentClaimCircuit().witness(eq_assignment))

    def run_b() -> Any:
        from zkclaims.groth16.proving import start_proof

        first = start_proof(pk_e, qap_e, EquipmentClaimCircuit().witness(eq_assignment))
        w_r = renewal_witness(prev, new, criteria=criteria, claim_context=context)
        second = start_proof(pk_r, qap_r, w_r)
        return first.result(), second.result()

    def run_j() -> Any:
        return prove(pk_j, qap_j, joint.witness(joint_assignment))

    return {"A": run_a, "B": run_b, "J": run_j, "shape": {
        "constraints": r1cs_j.n_constraints, "domain": qap_j.domain.size,
        "variables": r1cs_j.n_vars, "equipment_domain": qap_e.domain.size}}


def interleaved(runs: dict[str, Callable[[], Any]], repeat: int) -> dict[str, dict[str, float]]:
    """Run each of ``runs`` once to warm up, then ``repeat`` rounds of all; medians."""
    for fn in runs.values():
        fn()
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for k, fn in runs.items():
            w, c = _timed(fn)
            wall[k].append(w)
            cpu[k].append(c)
    med = statistics.median
    return {k: {"wall_s": med(wall[k]), "cpu_s": med(cpu[k])} for k in runs}


def run(repeat: int) -> dict[str, Any]:
    """Measure A, B and J with worker threads and on one thread; return the results document."""
    from zkclaims.groth16.workers import prover_threads, thread_count

    s = setup()
    runs = {k: s[k] for k in ("A", "B", "J")}
    results = {"threads": interleaved(runs, repeat)}
    with prover_threads(1):
        results["one_thread"] = interleaved(runs, repeat)
    for r in results.values():
        for k in ("B", "J"):
            r[k]["wall_ratio_to_A"] = r[k]["wall_s"] / r["A"]["wall_s"]
            r[k]["cpu_ratio_to_A"] = r[k]["cpu_s"] / r["A"]["cpu_s"]
    return {"format": "zkclaims-bench-joint-renewal/v1", "shape": s["shape"],
            "results": results, "repeat": repeat, "prover_threads": thread_count(),
            "machine": machine()}


def report(doc: dict[str, Any]) -> str:
    """Format the results as a small table."""
    sh = doc["shape"]
    lines = [f"joint prototype: {sh['constraints']} constraints, domain {sh['domain']} "
             f"(equipment statement: domain {sh['equipment_domain']})",
             f"{'':11} {'A equipment':>12} {'B two proofs':>13} {'J joint':>10}  "
             f"{'B/A wall':>8} {'J/A wall':>8} {'B/A cpu':>8} {'J/A cpu':>8}"]
    for mode, r in doc["results"].items():
        lines.append(
            f"{mode:11} {r['A']['wall_s'] * 1e3:9.1f} ms {r['B']['wall_s'] * 1e3:10.1f} ms "
            f"{r['J']['wall_s'] * 1e3:7.1f} ms  {r['B']['wall_ratio_to_A']:8.2f} "
            f"{r['J']['wall_ratio_to_A']:8.2f} {r['B']['cpu_ratio_to_A']:8.2f} "
            f"{r['J']['cpu_ratio_to_A']:8.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.joint_renewal``."""
    return cli("joint_renewal", __doc__ or "", run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
