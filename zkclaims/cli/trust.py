"""``trust``: the insurer's trusted-prescribers file (keys, windows, revocation, X.509)."""

from __future__ import annotations

import argparse
import datetime as _dt
import os

from zkclaims.cli._common import EXIT_INVALID, EXIT_OK, Sub, emit, iso_date

KINDS = ["physician", "orthoptist", "optician"]
REASONS = ["key_compromise", "superseded", "cessation_of_operation"]


def _file_arg(p: argparse.ArgumentParser, *, create: bool = False) -> None:
    p.add_argument("trusted", metavar="TRUST.json",
                   help="the insurer's trusted-prescribers file"
                   + (" (created if absent)" if create else ""))


def _add_trust(sub: Sub) -> None:
    p = sub.add_parser(
        "trust",
        help="the insurer's trusted prescribers: keys, windows, revocation, PKI roots, CRLs",
        description="Edit and read the insurer's trusted-prescribers file "
        "(zkclaims-trusted-prescribers/v2; v1 files are read and upgraded when written). "
        "docs/prescribers.md describes the trust model.",
    )
    tsub = p.add_subparsers(dest="trust_command", required=True, metavar="ACTION")

    a = tsub.add_parser("add", help="trust a prescriber's public key (received from them)",
                        description="Add a public key for a prescriber: keys are never "
                        "replaced, a rotation adds one. The key is refused if weak.")
    _file_arg(a, create=True)
    a.add_argument("--prescriber-id", required=True, help="e.g. RPPS-10001234567")
    a.add_argument("--public-key", required=True, metavar="PEM|HEX",
                   help="a public key PEM file (from keygen --public-out), or the key in hex "
                   "(64 digits Ed25519, 66 or 130 P-256)")
    a.add_argument("--algorithm", choices=["ed25519", "ecdsa-p256"],
                   help="the algorithm of a hex key when its length does not tell")
    a.add_argument("--kind", required=True, choices=KINDS, help="the prescriber's kind")
    a.add_argument("--not-before", required=True, metavar="YYYY-MM-DD",
                   help="first prescription day the key may sign")
    a.add_argument("--not-after", metavar="YYYY-MM-DD",
                   help="last prescription day the key may sign (default: open)")
    a.set_defaults(func=_cmd_add)

    r = tsub.add_parser(
        "revoke", help="revoke a prescriber's key (or all of them)",
        description="Revoke a key. key_compromise (default): nothing the key signed is "
        "accepted any more, whatever its date (a thief back-dates). superseded / "
        "cessation_of_operation: prescriptions dated before --on stay accepted.")
    _file_arg(r)
    r.add_argument("--prescriber-id", required=True, help="the prescriber")
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", metavar="KEY_ID", help="the key id (8+ hex digits, from "
                       "`trust list`) or the public key in hex")
    which.add_argument("--all", action="store_true", help="every key of the prescriber")
    r.add_argument("--on", metavar="YYYY-MM-DD", help="revocation day (default today)")
    r.add_argument("--reason", default="key_compromise", choices=REASONS,
                   help="why (default key_compromise)")
    r.set_defaults(func=_cmd_revoke)

    lst = tsub.add_parser("list", help="list prescribers, keys, roots and CRLs",
                          description="Show the file: each prescriber's keys with id, "
                          "algorithm, window and revocation; the PKI roots and CRLs.")
    _file_arg(lst)
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=_cmd_list)

    root = tsub.add_parser("add-root", help="trust a root certificate of a health PKI",
                           description="Add root (or trust-anchor CA) certificates, PEM or "
                           "DER: attestations may then carry their signer's chain.")
    _file_arg(root, create=True)
    root.add_argument("certificate", metavar="CERT", help="certificate file (PEM, may hold "
                      "several, or DER)")
    root.set_defaults(func=_cmd_add_root)

    crl = tsub.add_parser("add-crl", help="keep a CRL of a trusted PKI",
                          description="Add a certificate revocation list (PEM or DER). CRLs "
                          "are kept, never replaced: a revocation once seen stays.")
    _file_arg(crl, create=True)
    crl.add_argument("crl", metavar="CRL", help="CRL file (PEM or DER)")
    crl.add_argument("--no-require-crl", action="store_true",
                     help="do not require a current CRL for every chain (not recommended)")
    crl.set_defaults(func=_cmd_add_crl)

    c = tsub.add_parser("check", help="check an attestation against the file",
                        description="Exit 0 when a trusted prescriber signed the attestation; "
                        "1 with the reason (untrusted_prescriber, revoked_key, bad_signature).")
    _file_arg(c)
    c.add_argument("attestation", metavar="ATTESTATION.json", help="the attestation")
    c.add_argument("--on", metavar="YYYY-MM-DD", help="day of the check (default today)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=_cmd_check)


def _load(path: str, *, create: bool = False):  # noqa: ANN202
    from zkclaims.prescriber import TrustedPrescribers

    if create and not os.path.exists(path):
        return TrustedPrescribers()
    return TrustedPrescribers.load(path)


def _save(trusted, path: str) -> None:  # noqa: ANN001
    from zkclaims.errors import InputFileError

    try:
        trusted.save(path)
    except OSError as exc:
        raise InputFileError("TRUST.json", path, f"cannot write: {exc.strerror}") from None


def _read(path: str, what: str) -> bytes:
    from zkclaims.errors import InputFileError

    try:
        with open(path, "rb") as f:
            data = f.read(64 << 20 | 1)
    except OSError as exc:
        raise InputFileError(what, path, f"cannot read: {exc.strerror}") from None
    if len(data) > 64 << 20:
        raise InputFileError(what, path, "larger than 64 MB")
    return data


def _cmd_add(args: argparse.Namespace) -> int:
    from zkclaims.errors import InputFileError, InvalidInputError
    from zkclaims.prescriber import load_public_key_text

    not_before = iso_date(args.not_before, "--not-before")
    not_after = iso_date(args.not_after, "--not-after") if args.not_after else None
    trusted = _load(args.trusted, create=True)
    text = args.public_key
    if os.path.isfile(text):
        try:
            key = load_public_key_text(_read(text, "--public-key"), args.algorithm, "--public-key")
        except InvalidInputError as exc:
            raise InputFileError("--public-key", text, str(exc)) from None
    else:
        key = load_public_key_text(text, args.algorithm, "--public-key")
    added = trusted.add(args.prescriber_id, key, args.kind, not_before=not_before,
                        not_after=not_after)
    _save(trusted, args.trusted)
    print(f"{args.prescriber_id} ({args.kind}): key {added.key_id} ({added.algorithm.value})"
          f" trusted for prescriptions of {added.window()} in {args.trusted}")
    return EXIT_OK


def _cmd_revoke(args: argparse.Namespace) -> int:
    trusted = _load(args.trusted)
    on = iso_date(args.on, "--on") if args.on else _dt.datetime.now(_dt.UTC).date()
    revoked = trusted.revoke(args.prescriber_id, None if args.all else args.key, on=on,
                             reason=args.reason)
    _save(trusted, args.trusted)
    if not revoked:
        print(f"{args.prescriber_id}: nothing to change (already revoked)")
    for k in revoked:
        print(f"{args.prescriber_id}: key {k.key_id} revoked on {k.revoked_on} "
              f"({k.revocation_reason.value})")
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import hashes

    trusted = _load(args.trusted)
    data: dict = {"prescribers": {}, "roots": [], "crls": []}
    lines = []
    for pid, entry in sorted(trusted.prescribers.items()):
        keys = []
        lines.append(f"{pid} ({entry.kind.value})")
        for k in entry.keys:
            revoked = (f", revoked on {k.revoked_on} ({k.revocation_reason.value})"
                       if k.revoked_on else "")
            keys.append({"key_id": k.key_id, **k.model_dump(mode="json")})
            lines.append(f"  key {k.key_id} {k.algorithm.value:10} {k.window()}{revoked}")
        data["prescribers"][pid] = {"kind": entry.kind.value, "keys": keys}
    if trusted.pki is not None:
        for cert in trusted.pki.root_certificates():
            sha = cert.fingerprint(hashes.SHA256()).hex()
            data["roots"].append({"subject": cert.subject.rfc4514_string(), "sha256": sha,
                                  "not_after": cert.not_valid_after_utc.date().isoformat()})
            lines.append(f"root {cert.subject.rfc4514_string()} (SHA-256 {sha[:16]}..., "
                         f"until {cert.not_valid_after_utc.date()})")
        for crl in trusted.pki.revocation_lists():
            nxt = crl.next_update_utc.date().isoformat() if crl.next_update_utc else None
            data["crls"].append({"issuer": crl.issuer.rfc4514_string(), "revoked": len(crl),
                                 "last_update": crl.last_update_utc.date().isoformat(),
                                 "next_update": nxt})
            lines.append(f"crl  {crl.issuer.rfc4514_string()}: {len(crl)} revoked, "
                         f"{crl.last_update_utc.date()} .. {nxt}")
        data["require_crl"] = trusted.pki.require_crl
    if not lines:
        lines.append("(no trusted prescriber, no root)")
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def _cmd_add_root(args: argparse.Namespace) -> int:
    from zkclaims.errors import InputFileError, InvalidInputError
    from zkclaims.prescriber.pki import der_text, load_certificates

    trusted = _load(args.trusted, create=True)
    try:
        certs = load_certificates(_read(args.certificate, "CERT"), "CERT")
        for cert in certs:
            trusted.add_root(der_text(cert))
    except InvalidInputError as exc:
        raise InputFileError("CERT", args.certificate, str(exc)) from None
    _save(trusted, args.trusted)
    for cert in certs:
        print(f"root {cert.subject.rfc4514_string()} trusted in {args.trusted}")
    return EXIT_OK


def _cmd_add_crl(args: argparse.Namespace) -> int:
    from zkclaims.errors import InputFileError, InvalidInputError
    from zkclaims.prescriber import PkiTrust
    from zkclaims.prescriber.pki import der_text, load_crl

    trusted = _load(args.trusted, create=True)
    try:
        crl = load_crl(_read(args.crl, "CRL"), "CRL")
        trusted.add_crl(der_text(crl))
    except InvalidInputError as exc:
        raise InputFileError("CRL", args.crl, str(exc)) from None
    if args.no_require_crl:
        trusted.pki = PkiTrust(**{**trusted.pki.model_dump(), "require_crl": False})
    _save(trusted, args.trusted)
    print(f"CRL of {crl.issuer.rfc4514_string()} ({len(crl)} revoked, next update "
          f"{crl.next_update_utc.date() if crl.next_update_utc else 'none'}) kept in "
          f"{args.trusted}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from zkclaims.cli._common import load_model
    from zkclaims.domain.attestation import Attestation
    from zkclaims.errors import AttestationError
    from zkclaims.prescriber import verify_attestation

    trusted = _load(args.trusted)
    att = load_model(Attestation, args.attestation, "ATTESTATION.json")
    on = iso_date(args.on, "--on") if args.on else None
    try:
        signer = verify_attestation(att, trusted, on_day=on)
    except AttestationError as exc:
        reason = getattr(exc, "reason", "bad_signature")
        emit(args, {"trusted": False, "reason": reason, "message": str(exc)},
             f"UNTRUSTED: {exc}")
        return EXIT_INVALID
    who = signer.certificate_subject or f"key {signer.key_id}"
    emit(args, {"trusted": True, "prescriber_id": att.prescriber_id, "key_id": signer.key_id,
                "certificate_subject": signer.certificate_subject},
         f"TRUSTED: {att.prescriber_id} ({att.prescriber_kind.value}) signed it, {who}")
    return EXIT_OK


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_trust(sub)

