"""Setup provenance: what made each statement's keys; insurers pin the transcript; one-party
keys refused unless opted in through zkclaims.hazmat."""

import dataclasses

import pytest
import zkclaims.circuits as circuits
from zkclaims.circuits import UntrustedSetupError, check_setup, provenance
from zkclaims.circuits.build import STATEMENTS

from zkclaims.errors import InvalidInputError
from zkclaims.hazmat import allow_one_party_setup
from zkclaims.prescriber import TrustedPrescribers
from zkclaims.verifier import Verifier

NAME = next(iter(STATEMENTS))
INSURER = "AMC-75000123"


def test_shipped_keys_come_from_the_ceremony():
    prov = provenance(NAME)
    assert prov.multi_party and prov.setup == "mpc"
    assert prov.contributions >= 4 and prov.phase1_contributions >= 4
    assert len(prov.transcript_sha256) == 64 and "multi-party" in prov.note
    assert Verifier(TrustedPrescribers(), insurer=INSURER).provenance(NAME) == prov


def test_insurer_pins_the_transcript():
    digest = provenance(NAME).transcript_sha256
    v = Verifier(TrustedPrescribers(), insurer=INSURER, pinned_transcripts={NAME: digest})
    assert v.provenance(NAME).transcript_sha256 == digest
    with pytest.raises(UntrustedSetupError, match="pinned"):
        Verifier(TrustedPrescribers(), insurer=INSURER, pinned_transcripts={NAME: "ab" * 32})
    with pytest.raises(InvalidInputError, match="pinned_transcripts"):
        Verifier(TrustedPrescribers(), insurer=INSURER, pinned_transcripts={NAME: "xyz"})


@pytest.fixture()
def one_party(monkeypatch):
    """The shipped statement, as if its keys came from `circuits build` without --ceremony."""
    real = circuits.circuit_info(NAME)
    fake = dict(real, setup="one-party-setup", setup_note="one machine")
    for key in ("contributions", "phase1_contributions", "transcript_sha256", "transcript"):
        fake.pop(key, None)
    monkeypatch.setattr(circuits, "circuit_info", lambda name: fake if name == NAME else real)


def test_one_party_keys_are_refused_unless_opted_in(one_party):
    with pytest.raises(UntrustedSetupError, match="one-party-setup.*forge"):
        check_setup(NAME)
    verifier = Verifier(TrustedPrescribers(), insurer=INSURER)
    with pytest.raises(UntrustedSetupError):
        verifier.provenance(NAME)
    with allow_one_party_setup():
        prov = verifier.provenance(NAME)
        assert not prov.multi_party and prov.transcript_sha256 is None
    with pytest.raises(UntrustedSetupError):  # the opt-in ends with its block
        check_setup(NAME)


def test_a_pin_is_not_waived_by_the_opt_in(one_party):
    with allow_one_party_setup(), pytest.raises(UntrustedSetupError, match="pinned"):
        check_setup(NAME, pinned_transcript="cd" * 32)


def test_provenance_is_a_frozen_record():
    prov = provenance(NAME)
    with pytest.raises(dataclasses.FrozenInstanceError):
        prov.setup = "one-party-setup"
