"""The verifying keys zkclaims trusts, pinned by digest (written by `zkclaims circuits build`).

Do not edit by hand: `zkclaims circuits build` rewrites this file from the shipped
artifacts, and a test checks it against them. Each value is the SHA-256 of the whole
verifying key of a statement in its canonical bytes (``VerifyingKey.to_bytes()``: the
points alpha_g1, beta_g2, gamma_g2, delta_g2, IC and the header naming the circuit id
and the setup). The verifier refuses any other key (``unknown_circuit``), whatever its
label says. This module lives outside the artifacts folder on purpose.
"""

VERIFYING_KEY_SHA256: dict[str, str] = {
    "optique-equipement-2020":
        "76c8134ecb007c8be24f9bbad2aefe0c4fc286694a09001af5b2f34361e018ac",
    "optique-renouvellement-2020":
        "32028eca5fbcca286d69901412bf73dcdd1487595f84c647e524c5e0d6c288b8",
}
