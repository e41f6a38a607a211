"""The insurer's trusted prescribers v2: several keys, validity windows, revocation (and what
a thief holding a stolen key can do), the file format, and a fuzzed loader."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkclaims.domain import PrescriberKind
from zkclaims.errors import AttestationError, InvalidInputError, ZkClaimsError
from zkclaims.prescriber import (
    RevocationReason,
    TrustedKey,
    TrustedPrescribers,
    generate_key,
    key_id,
    public_key_hex,
    sign_attestation,
    verify_attestation,
)

PID = "RPPS-10001234567"
TODAY = dt.date(2025, 6, 2)


def attest(key, day, pid=PID, kind="physician", c=42):
    return sign_attestation(key, commitment=c, prescriber_id=pid, prescriber_kind=kind,
                            prescription_day=day)


def reason(att, trust, on_day=TODAY):
    with pytest.raises(AttestationError) as info:
        verify_attestation(att, trust, on_day=on_day)
    return info.value.reason, str(info.value)


def test_rotation_keeps_old_prescriptions_valid():
    old, new = generate_key(), generate_key("ecdsa-p256")
    t = TrustedPrescribers()
    t.add(PID, old, not_before=dt.date(2022, 1, 1), not_after=dt.date(2024, 12, 31))
    t.add(PID, new, not_before=dt.date(2025, 1, 1))
    assert len(t.prescribers[PID].keys) == 2  # add never replaces
    verify_attestation(attest(old, dt.date(2024, 6, 1)), t, on_day=TODAY)
    verify_attestation(attest(new, dt.date(2025, 3, 1)), t, on_day=TODAY)
    # each key only inside its window
    r, msg = reason(attest(old, dt.date(2025, 1, 1)), t)
    assert r == "untrusted_prescriber" and "2022-01-01 .. 2024-12-31" in msg
    r, _ = reason(attest(new, dt.date(2024, 12, 31)), t)
    assert r == "untrusted_prescriber"
    # the window bounds are inclusive
    verify_attestation(attest(old, dt.date(2022, 1, 1)), t, on_day=TODAY)
    verify_attestation(attest(old, dt.date(2024, 12, 31)), t, on_day=TODAY)


def test_a_stolen_key_revoked_for_compromise_signs_nothing_any_more():
    """The thief back-dates: a revocation date would not stop them, so a compromise voids
    every attestation of the key, the prescriber re-signs the still-valid ones."""
    stolen, fresh = generate_key(), generate_key()
    t = TrustedPrescribers()
    k = t.add(PID, stolen, not_before=dt.date(2023, 1, 1))
    honest = attest(stolen, dt.date(2025, 2, 1))
    verify_attestation(honest, t, on_day=TODAY)
    t.revoke(PID, k.key_id, on=dt.date(2025, 5, 1))  # default reason: key_compromise
    backdated = attest(stolen, dt.date(2024, 1, 1), c=666)  # made by the thief after the theft
    for att in (honest, backdated):
        r, msg = reason(att, t)
        assert r == "revoked_key" and "key_compromise" in msg
    # the prescriber re-signs the same commitment and day with a new key
    t.add(PID, fresh, not_before=dt.date(2023, 1, 1))
    resigned = attest(fresh, honest.prescription_day, c=honest.commitment_int)
    verify_attestation(resigned, t, on_day=TODAY)


def test_a_key_retired_as_superseded_keeps_its_earlier_prescriptions():
    k = generate_key()
    t = TrustedPrescribers()
    t.add(PID, k)
    t.revoke(PID, None, on=dt.date(2025, 5, 1), reason="superseded")
    verify_attestation(attest(k, dt.date(2025, 4, 30)), t, on_day=TODAY)
    for day in (dt.date(2025, 5, 1), dt.date(2025, 5, 2)):  # on or after: refused
        assert reason(attest(k, day), t)[0] == "revoked_key"
    # a later compromise of the retired key voids the earlier ones too
    t.revoke(PID, None, on=dt.date(2025, 6, 1))
    assert reason(attest(k, dt.date(2025, 4, 30)), t)[0] == "revoked_key"
    # and a later "superseded" does not soften a compromise
    t.revoke(PID, None, on=dt.date(2025, 6, 2), reason="cessation_of_operation")
    key = t.prescribers[PID].keys[0]
    assert key.revocation_reason is RevocationReason.KEY_COMPROMISE
    assert key.revoked_on == dt.date(2025, 6, 1)


def test_unknown_prescriber_kind_algorithm_and_key():
    k = generate_key()
    t = TrustedPrescribers()
    t.add(PID, k)
    assert reason(attest(k, dt.date(2025, 1, 1), pid="RPPS-2"), t)[0] == "untrusted_prescriber"
    assert reason(attest(k, dt.date(2025, 1, 1), kind="orthoptist"), t)[0] == \
        "untrusted_prescriber"
    r, msg = reason(attest(generate_key("ecdsa-p256"), dt.date(2025, 1, 1)), t)
    assert r == "untrusted_prescriber" and "no trusted ecdsa-p256 key" in msg
    r, msg = reason(attest(generate_key(), dt.date(2025, 1, 1)), t)  # a key we do not know
    assert r == "bad_signature" and "1 trusted ed25519 key" in msg


def test_add_and_revoke_refuse_what_does_not_fit():
    k = generate_key()
    t = TrustedPrescribers()
    t.add(PID, k)
    with pytest.raises(InvalidInputError, match="already trusted"):
        t.add(PID, k)
    with pytest.raises(InvalidInputError, match="trusted as physician"):
        t.add(PID, generate_key(), "orthoptist")
    with pytest.raises(InvalidInputError, match="not_after"):
        t.add(PID, generate_key(), not_before=dt.date(2025, 2, 1), not_after=dt.date(2025, 1, 1))
    for bad in ("", " RPPS-1", "x" * 256):
        with pytest.raises(InvalidInputError) as info:
            t.add(bad, generate_key())
        assert info.value.field == "prescriber_id"
    with pytest.raises(InvalidInputError, match="not a trusted prescriber"):
        t.revoke("RPPS-9", None, on=TODAY)
    with pytest.raises(InvalidInputError, match="at least 8"):
        t.revoke(PID, "abc", on=TODAY)
    with pytest.raises(InvalidInputError, match="names none"):
        t.revoke(PID, "00000000", on=TODAY)
    # by key id, by a prefix, by the full public key
    kid = key_id(k.public_key())
    assert [x.key_id for x in t.revoke(PID, kid[:8], on=TODAY)] == [kid]
    k2 = generate_key()
    t.add(PID, k2)
    assert len(t.revoke(PID, public_key_hex(k2), on=TODAY, reason="superseded")) == 1


def test_the_file_round_trips_and_names_bad_fields(tmp_path):
    t = TrustedPrescribers()
    t.add(PID, generate_key(), not_before=dt.date(2024, 1, 1))
    t.add(PID, generate_key("ecdsa-p256"), not_after=dt.date(2026, 1, 1))
    t.add("RPPS-7", generate_key(), PrescriberKind.OPTICIAN)
    t.revoke("RPPS-7", None, on=dt.date(2025, 1, 1), reason="superseded")
    t.save(tmp_path / "t.json")
    back = TrustedPrescribers.load(tmp_path / "t.json")
    assert back == t
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["format"] == "zkclaims-trusted-prescribers/v2"
    key = data["prescribers"][PID]["keys"][1]
    assert key["algorithm"] == "ecdsa-p256" and len(key["public_key"]) == 66
    bad = {**data, "prescribers": {PID: {"kind": "physician", "keys": []}}}
    with pytest.raises(InvalidInputError, match="at least one key"):
        TrustedPrescribers.model_validate(bad)
    with pytest.raises(InvalidInputError, match="revocation_reason"):
        TrustedKey(public_key=key["public_key"], algorithm="ecdsa-p256",
                   revocation_reason="superseded")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        TrustedPrescribers.load(tmp_path / "bin.json")
    with pytest.raises(InvalidInputError) as info:
        TrustedPrescribers.load(tmp_path / "missing.json")
    assert "missing.json" in str(info.value) and "cannot read" in str(info.value)


def test_a_revocation_without_reason_in_a_file_is_a_compromise():
    k = generate_key()
    key = TrustedKey(public_key=public_key_hex(k), revoked_on=dt.date(2025, 1, 1))
    assert key.revocation_reason is RevocationReason.KEY_COMPROMISE
    assert key.revoked_for(dt.date(2020, 1, 1))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["format", "prescribers", "pki", "kind", "keys", "public_key",
                         "algorithm", "not_before", "not_after", "revoked_on", "roots", "crls",
                         "revocation_reason", "profile", "require_crl", "RPPS-1", "x"]),
        children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_the_loader_only_ever_raises_invalid_input(doc):
    try:
        TrustedPrescribers.model_validate(doc)
    except InvalidInputError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_the_file_loader_never_crashes_on_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "t.json"
    path.write_bytes(data)
    try:
        TrustedPrescribers.load(path)
    except ZkClaimsError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["ed25519", "ecdsa-p256"]), st.text(max_size=140),
       st.dates(), st.dates())
def test_keys_from_outside_are_refused_cleanly(algorithm, text, a, b):
    try:
        TrustedKey(algorithm=algorithm, public_key=text, not_before=a, not_after=b)
    except InvalidInputError:
        pass


def _valid_doc() -> dict:
    from zkclaims.hazmat.pki import DemoPki

    pki = DemoPki()
    t = TrustedPrescribers()
    t.add(PID, generate_key(), not_before=dt.date(2024, 1, 1))
    t.add(PID, generate_key("ecdsa-p256"))
    t.revoke(PID, None, on=dt.date(2025, 1, 1), reason="superseded")
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding

    t.add_root(base64.b64encode(pki.root.public_bytes(Encoding.DER)).decode())
    crl = pki.crl(last_update=dt.date(2025, 1, 1), next_update=dt.date(2025, 2, 1))
    t.add_crl(base64.b64encode(crl.public_bytes(Encoding.DER)).decode())
    return t.model_dump(mode="json")


VALID_DOC = _valid_doc()


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(VALID_DOC) if p]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON)
def test_a_valid_file_with_one_value_replaced_loads_or_is_refused_cleanly(path, value):
    import copy

    doc = copy.deepcopy(VALID_DOC)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    try:
        TrustedPrescribers.model_validate(doc)
    except InvalidInputError:
        pass
