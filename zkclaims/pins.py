"""The verifying keys zkclaims trusts, pinned by digest (written by `zkclaims circuits build`).

Do not edit by hand: `zkclaims circuits build` rewrites this file from the shipped
artifacts, and a test checks it against them. Each value is the SHA-256 of the whole
verifying key of a statement in its canonical bytes (``VerifyingKey.to_bytes()``: the
points alpha_g1, beta_g2, gamma_g2, delta_g2, IC and the header naming the circuit id
and the setup). The verifier refuses any other key (``unknown_circuit``), whatever its
label says. This module lives outside the artifacts folder on purpose.
"""

VERIFYING_KEY_SHA256: dict[str, str] = {
    "optique-equipement-2020": "3194e8155f8ddd415727e2e0108336b4972023a54d27d5870df555a808e910da",
}
