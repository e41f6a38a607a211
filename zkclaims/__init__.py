"""zkclaims: prove that a pair of glasses falls into the right "contrat responsable" bracket.

The optician proves it in zero knowledge (Groth16 over BLS12-381) against a Poseidon
commitment that the prescriber signed; the insurer verifies and gets a reimbursement decision
without ever seeing the prescription. See ``README.md`` and ``docs/design.md``.
"""

__version__ = "0.1.0"
