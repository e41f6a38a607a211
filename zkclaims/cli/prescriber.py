"""``keygen`` and ``prescribe``: the prescriber's key and signed commitments."""

from __future__ import annotations

import argparse

from zkclaims.cli._common import (
    EXIT_OK,
    Sub,
    load_model,
    write_json,
)


def _add_keygen(sub: Sub) -> None:
    p = sub.add_parser(
        "keygen",
        help="create a prescriber's Ed25519 key and trust it",
        description="Write a new Ed25519 private key (PEM, mode 0600), print its public key, "
        "and add it to the trusted-prescribers file (created if absent).",
    )
    p.add_argument("--out", required=True, help="private key file to create (PEM; not overwritten)")
    p.add_argument("--prescriber-id", required=True, help="prescriber identifier, e.g. RPPS-...")
    p.add_argument("--trusted", required=True, help="trusted-prescribers JSON file to update")
    p.add_argument("--kind", default="physician", choices=["physician", "orthoptist"],
                   help="prescriber kind the key may attest (default physician)")
    p.set_defaults(func=_cmd_keygen)


def _cmd_keygen(args: argparse.Namespace) -> int:
    import os

    from zkclaims.domain import PrescriberKind
    from zkclaims.errors import InputFileError
    from zkclaims.prescriber import (
        TrustedPrescribers,
        generate_key,
        public_key_hex,
        save_private_key,
    )

    trusted = (
        load_model(TrustedPrescribers, args.trusted, "--trusted") if os.path.exists(args.trusted)
        else TrustedPrescribers()
    )
    if os.path.exists(args.out):
        raise InputFileError("--out", args.out, "exists already; refusing to overwrite a key")
    for what, path in (("--out", args.out), ("--trusted", args.trusted)):
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):  # before writing anything
            raise InputFileError(what, path, "cannot write: no such directory")
    key = generate_key()
    trusted.add(args.prescriber_id, key, PrescriberKind(args.kind))  # checks the id first
    try:
        save_private_key(key, args.out)
    except OSError as exc:
        raise InputFileError("--out", args.out, f"cannot write: {exc.strerror}") from None
    try:
        trusted.save(args.trusted)
    except OSError as exc:
        raise InputFileError("--trusted", args.trusted, f"cannot write: {exc.strerror}") from None
    print(f"public key {public_key_hex(key)}")
    print(f"private key written to {args.out}; {args.prescriber_id} ({args.kind}) trusted in "
          f"{args.trusted}")
    return EXIT_OK


def _add_prescribe(sub: Sub) -> None:
    p = sub.add_parser(
        "prescribe",
        help="commit to a prescription and sign the commitment",
        description="Canonicalise and pack RX.json (a Prescription), commit to it and to the "
        "patient (INS and birth date, read from the patient's card) with a fresh 248-bit "
        "blinding, sign the attestation. The opening is secret (patient/optician); the "
        "attestation goes to the insurer.",
    )
    p.add_argument("prescription", metavar="RX.json", help="the prescription (Prescription JSON)")
    p.add_argument("--patient", required=True, metavar="FILE",
                   help="the patient (Patient JSON: ins, birth_date)")
    p.add_argument("--key", required=True, help="prescriber private key (PEM, from keygen)")
    p.add_argument("--prescriber-id", required=True, help="prescriber identifier")
    p.add_argument("--out-opening", required=True,
                   help="where to write the opening (secret: written with mode 0600)")
    p.add_argument("--out-attestation", required=True, help="where to write the attestation")
    p.set_defaults(func=_cmd_prescribe)


def _cmd_prescribe(args: argparse.Namespace) -> int:
    from zkclaims.domain import Patient, Prescription
    from zkclaims.prescriber import load_private_key, prescribe

    rx = load_model(Prescription, args.prescription, "RX.json")
    patient = load_model(Patient, args.patient, "--patient")
    opening, attestation = prescribe(rx, patient=patient, key=load_private_key(args.key),
                                     prescriber_id=args.prescriber_id)
    # the opening is the prescription in clear plus the blinding: owner-only, as the key
    write_json(args.out_opening, opening.model_dump(mode="json"), "--out-opening", private=True)
    write_json(args.out_attestation, attestation.model_dump(mode="json"), "--out-attestation")
    print(f"commitment {attestation.commitment}")
    print(f"opening -> {args.out_opening} (secret: give it to the patient), "
          f"attestation -> {args.out_attestation}")
    return EXIT_OK


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_keygen(sub)
    _add_prescribe(sub)
