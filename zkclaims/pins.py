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
        "a9a1daf5d14f60865a492d2eeb2563939587ec7aa0d053952073b52e1651614e",
    "optique-equipement-renouvellement-2020":
        "163470fbf7599d584f667794b2fb0f6230d80fbf49a8a1697b0c66ec21c442ed",
    "optique-renouvellement-2020":
        "6b600f62364655f7f53ac136fb35b69f2b6126775d8e4adef9f2afc7fc6409e6",
}
