"""The renewal claim statement of the 2020 rules (``optique-equipement-renouvellement-2020``).

A renewal claim proves two relations over the **same** new prescription: the equipment
statement's (``circuits/equipment.py``: the bracket of the lenses claimed now, the patient
tag, the prescription day) and the renewal statement's (``circuits/renewal.py``: a change of
vision from the previous reimbursed prescription, for the same patient, under the criteria
the insurer accepts). Two separate proofs would each open the new commitment; this statement
opens it once and proves both in one Groth16 proof, so a renewal claim costs about 1.7 times
an equipment claim to prove, instead of twice, and one pairing check to verify
(docs/renewal.md#cost).

* public, in this order: the equipment statement's eight (``commitment``, ``patient_tag``,
  ``design_right``, ``class_right``, ``design_left``, ``class_left``, ``prescription_day``,
  ``claim_context``), then ``previous_commitment`` (from the insurer's ledger) and
  ``criteria`` (the mask this insurer accepts);
* private: the equipment statement's (``packed``, ``patient``, ``blinding``, ``near_right``,
  ``near_left``), then ``previous_packed`` and ``previous_blinding``.

It proves everything the equipment statement proves, and:

1. ``previous_commitment == commit_v2(previous_packed, patient, previous_blinding)`` with the
   ``patient`` of the new commitment and of the patient tag: the same person;
2. both packings are well formed and at least one criterion of the public mask holds between
   the previous and the new prescription (:func:`~zkclaims.circuits.renewal.change_of_vision`,
   the renewal statement's own gadget).

As with the renewal statement, nothing tells which criterion holds nor on which lens.
"""

from __future__ import annotations

from zkclaims.circuits.equipment import EquipmentClaimCircuit
from zkclaims.circuits.renewal import change_of_vision, open_commitment

from zkclaims.circuit import Builder, private, public

__all__ = ["CIRCUIT_NAME", "STATEMENT_VERSION", "RenewalClaimCircuit"]

#: Name of the statement (and of its artifacts folder).
CIRCUIT_NAME = "optique-equipement-renouvellement-2020"
#: Version 1 of this statement (it extends version 2 of the equipment statement).
STATEMENT_VERSION = 1


class RenewalClaimCircuit(EquipmentClaimCircuit):
    """The equipment and renewal relations over one opening of the new commitment."""

    name = CIRCUIT_NAME
    statement_version = STATEMENT_VERSION

    previous_commitment = public(doc="commitment of the previous reimbursed equipment")
    criteria = public(doc="mask of the criteria the insurer accepts (RenewalCriterion)")
    previous_packed = private(doc="previous packed canonical prescription (70 bits)")
    previous_blinding = private(doc="blinding of the previous commitment")

    def define(self, api: Builder) -> None:
        """Constrain the equipment relation, then the renewal relation on the same opening."""
        super().define(api)
        with api.scope("commitment.previous"):
            open_commitment(api, self.previous_commitment, self.previous_packed, self.patient,
                            self.previous_blinding)
        change_of_vision(api, self.previous_packed, self.packed, self.criteria)
