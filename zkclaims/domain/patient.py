"""Who the prescription is for: the patient the prescriber commits to, and the insurer's record.

A prescription commitment (v2, :mod:`zkclaims.commitment`) binds the prescription to a patient,
so that one patient's prescription cannot be claimed for another. The prescriber reads the
patient's identity from the patient's card:

* the **INS** (Identifiant National de Santé), which is the patient's own NIR (the national
  health insurance number): 13 characters — sex, year and month of birth, place of birth
  (department ``2A`` / ``2B`` for Corsica), order number — followed by a 2-digit control key
  ``97 - (N mod 97)`` (with ``2A`` read as ``19`` and ``2B`` as ``18`` for the key);
* the **birth date**, which sets the prescription's validity period (spec §6) and the age
  rules of renewal (spec §5).

:class:`Patient` is that pair; :meth:`Patient.field_element` is what the commitment and the
per-claim patient tag hash. :class:`Beneficiary` is the insurer's own record of a member: its
member number (the claim names it), the same INS and birth date, and the AMO regime. The
insurer recomputes the tag from this record; the optician cannot choose it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, field_validator

from zkclaims.domain.base import Model

__all__ = [
    "PATIENT_FIELD_PREFIX",
    "canonical_ins",
    "patient_field_element",
    "Patient",
    "Beneficiary",
]

#: Domain separation of :func:`patient_field_element` (versioned).
PATIENT_FIELD_PREFIX = b"zkclaims/patient/v1\x00"

_INS_BODY = re.compile(r"[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}")


def canonical_ins(value: object, field: str = "ins") -> str:
    """Check an INS/NIR and return its canonical form: 15 characters, no spaces, ``2A``/``2B``.

    Spaces, dots and dashes are ignored; the 2-digit key must match the 13-character body.
    Raises :class:`ValueError` naming ``field`` (models turn it into
    :class:`~zkclaims.errors.InvalidInputError`).
    """
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected the INS (NIR) as a string of 15 characters")
    text = re.sub(r"[\s.\-]", "", value).upper()
    if len(text) != 15 or not _INS_BODY.fullmatch(text[:13]) or not text[13:].isdigit():
        raise ValueError(
            f"{field}: expected the INS (NIR): 13 characters (digits, or 2A/2B for Corsica)"
            f" and a 2-digit key, e.g. '1 68 06 75 123 456 49' (got {value!r:.40})"
        )
    body = text[:13].replace("2A", "19").replace("2B", "18")
    key = 97 - int(body) % 97
    if int(text[13:]) != key:
        raise ValueError(
            f"{field}: the key {text[13:]} does not match the 13-character number"
            f" (its key is {key:02d}) (got {value!r:.40})"
        )
    return text


def patient_field_element(ins: str, birth_date: _dt.date) -> int:
    """Return the patient as one field element: SHA-256(prefix, INS, NUL, birth date) >> 8.

    ``ins`` is canonicalised first; the birth date is written ISO 8601. The result has 248
    bits, so it is below the scalar field order r.
    """
    text = canonical_ins(ins)
    data = PATIENT_FIELD_PREFIX + text.encode("ascii") + b"\x00" + birth_date.isoformat().encode()
    return int.from_bytes(hashlib.sha256(data).digest(), "big") >> 8


def _check_birth_date(v: _dt.date) -> _dt.date:
    if not _dt.date(1900, 1, 1) <= v <= _dt.date(2149, 6, 6):
        raise ValueError(f"birth_date: must lie between 1900-01-01 and 2149-06-06 (got {v})")
    return v


#: An INS (NIR) in canonical form (:func:`canonical_ins`), as a model field.
Ins = Annotated[str, BeforeValidator(canonical_ins)]
#: A birth date between 1900-01-01 and 2149-06-06 (the packed day's range), as a model field.
BirthDate = Annotated[_dt.date, AfterValidator(_check_birth_date)]


class Patient(Model):
    """The patient a prescription is for: INS (NIR) and birth date, as on the patient's card."""

    ins: Ins
    birth_date: BirthDate

    def field_element(self) -> int:
        """Return :func:`patient_field_element` of this patient (hashed into commitments)."""
        return patient_field_element(self.ins, self.birth_date)


class Beneficiary(Model):
    """The insurer's own record of a member (never taken from a claim bundle).

    ``member_id`` is the insurer's member number (the claim's ``beneficiary``); ``ins`` and
    ``birth_date`` identify the person as the prescriber does; ``amo_regime`` is the public
    insurer's regime that sets the AMO rate (general 60 %, Alsace-Moselle 90 %).
    """

    member_id: str
    ins: Ins
    birth_date: BirthDate
    amo_regime: Literal["general", "alsace_moselle"] = "general"

    @field_validator("member_id", mode="before")
    @classmethod
    def _member(cls, v: Any) -> str:
        if (
            not isinstance(v, str) or not v or v != v.strip() or len(v) > 64
            or any(ord(ch) < 32 for ch in v)
        ):
            raise ValueError(
                "member_id: a non-empty string of at most 64 characters, without surrounding"
                f" spaces or control characters (got {v!r:.80})"
            )
        return v

    def patient(self) -> Patient:
        """Return the :class:`Patient` this record identifies."""
        return Patient(ins=self.ins, birth_date=self.birth_date)
