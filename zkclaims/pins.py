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
        "475adb86d9bcb5b494deec71cad3efb659f946035ea528e382bd444a1845f413",
    "optique-renouvellement-2020":
        "c76ae9406d5a10e09afd22f763932c6b34ea904ed0170c9a66b3e1e43aaa0c72",
}
