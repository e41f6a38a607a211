"""The four doors of issue 9, each written as the attack that opened it, now refused.

1. Nothing tied a prescription to a patient: one patient's very complex prescription claimed
   for another beneficiary (category f, 650 EUR).
2. The lens design was the prover's private choice: a presbyope's single-vision far lenses
   proven "progressive" (category c instead of a).
3. Classe A caps and the AMO share were the optician's numbers: declared caps of 2,500 /
   2,500 / 1,500 EUR with AMO 0 paid 6,500 EUR.
4. The verifying key was trusted by label: a dev-setup key (known trapdoor) swapped into the
   artifacts folder let a simulated proof through as category f.
And: a four-year-old prescription passed with a forged young birth date.

Tampering each bundle field, proof replay on another claim and the malleated proof in one
batch are in tests/test_verifier.py; forged witnesses in tests/test_audit_circuit.py.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import zkclaims.circuits
from zkclaims.circuits import clear_caches, load_verifying_key

from zkclaims import groth16
from zkclaims.commitment import patient_tag
from zkclaims.domain import (
    Beneficiary,
    Claim,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    Patient,
    Prescription,
    classify_lens,
)
from zkclaims.domain.bundle import ClaimBundle
from zkclaims.domain.lpp import TariffRow, TariffTable
from zkclaims.errors import ClaimRejected, InvalidInputError, MalformedInputError, ProofError
from zkclaims.hazmat import dev_setup, dev_trapdoor, simulate_proof
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
from zkclaims.prover import equipment_witness, prove_claim
from zkclaims.verifier import Verifier

NAME = "optique-equipement-2020"
DAY = dt.date(2025, 3, 10)
DELIVERY = dt.date(2025, 4, 2)
TODAY = dt.date(2025, 4, 10)
VICTIM = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
RECORD = Beneficiary(member_id="MBR-1", ins=VICTIM.ins, birth_date=VICTIM.birth_date)
OTHER = Patient(ins="2 85 02 75 012 345 21", birth_date=dt.date(1985, 2, 14))
TWIN = Patient(ins="2 85 02 75 012 345 21", birth_date=VICTIM.birth_date)  # same birth date
VERY_COMPLEX = Prescription(
    right=EyePrescription(sphere="-9.00", cylinder="+1.00", axis=45, addition="2.50"),
    left=EyePrescription(sphere="+9.00", addition="3.00"),
    issued_on=DAY,
)
PRESBYOPE = Prescription(  # simple for far and for near, complex only as multifocal
    right=EyePrescription(sphere="-2.00", addition="2.00"),
    left=EyePrescription(sphere="-1.50", cylinder="+1.00", axis=90, addition="2.00"),
    issued_on=DAY,
)


def lenses(usage: str, code: str, classe: str = "B", prices=(32_500, 32_500, 10_000)):
    return Equipment(
        right=Lens(usage=usage, price_cents=prices[0], classe=classe,
                   grouping_code=code if classe == "B" else None),
        left=Lens(usage=usage, price_cents=prices[1], classe=classe,
                  grouping_code=code if classe == "B" else None),
        frame=Frame(price_cents=prices[2], classe=classe),
        delivered_on=DELIVERY,
    )


def claim(claim_id: str = "C-1") -> Claim:
    return Claim(insurer="AMC-1", claim_id=claim_id, optician="FINESS-1", beneficiary="MBR-1",
                 delivered_on=DELIVERY)


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def verifier(key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    return Verifier(t, insurer="AMC-1")


def verify(v, bundle, record=RECORD):
    return v.verify(bundle, beneficiary=record, today=TODAY)


def reason(v, bundle, record=RECORD) -> str:
    with pytest.raises(ClaimRejected) as e:
        verify(v, bundle, record)
    return e.value.reason


# ---------------------------------------------------------------------------------------------
# door 1: another patient's prescription
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("other", [OTHER, TWIN], ids=["other birth date", "same birth date"])
def test_another_patients_prescription_is_refused(key, verifier, other):
    """The optician holds another patient's very complex prescription (signed for that
    patient) and claims category f for this beneficiary. The proof is honest about the
    prescription — and its patient tag is the other patient's: refused, even when the two
    share a birth date (then the validity period is the same, only the INS differs)."""
    opening, att = prescribe(VERY_COMPLEX, patient=other, key=key, prescriber_id="RPPS-1")
    bundle = prove_claim(opening, attestation=att, equipment=lenses("progressive", "VM7"),
                         claim=claim(), today=TODAY)
    assert (bundle.invoice.right.lens_class, bundle.invoice.left.lens_class) == (
        LensClass.VERY_COMPLEX, LensClass.VERY_COMPLEX)
    assert reason(verifier, bundle) == "wrong_patient"
    # the same bundle is fine for its own patient: the refusal is about the patient only
    own = Beneficiary(member_id="MBR-1", ins=other.ins, birth_date=other.birth_date)
    assert verify(verifier, bundle, own).category.code == "f"


def test_forging_the_tag_or_the_opening_does_not_help(key, verifier):
    opening, att = prescribe(VERY_COMPLEX, patient=OTHER, key=key, prescriber_id="RPPS-1")
    bundle = prove_claim(opening, attestation=att, equipment=lenses("progressive", "VM7"),
                         claim=claim(), today=TODAY)
    # the tag the insurer expects, written into the bundle: the proof does not verify
    data = json.loads(bundle.model_dump_json())
    data["public_inputs"]["patient_tag"] = str(
        patient_tag(VICTIM.field_element(), int(bundle.public_inputs.claim_context)))
    assert reason(verifier, data) == "invalid_proof"
    # the victim written into the opening: it no longer opens the signed commitment
    stolen = opening.model_copy(update={"patient": VICTIM})
    with pytest.raises(Exception, match="opening.commitment"):
        prove_claim(stolen, attestation=att, equipment=lenses("progressive", "VM7"),
                    claim=claim(), today=TODAY)
    # ... and a witness with the victim and the other's commitment is unsatisfiable
    with pytest.raises(ProofError):
        equipment_witness(stolen, designs=("multifocal", "multifocal"), nears=(0, 0),
                          classes=(LensClass.VERY_COMPLEX, LensClass.VERY_COMPLEX), context=5)


# ---------------------------------------------------------------------------------------------
# door 2: a presbyope's single-vision lens claimed one class higher
# ---------------------------------------------------------------------------------------------


def test_a_single_vision_lens_cannot_be_claimed_one_class_higher(key, verifier):
    """Delivered: unifocal lenses for far vision (category a). The optician wants category c.
    Under the design delivered (unifocal, public), no private choice gives complex: the prover
    refuses and a hand-made bundle is refused."""
    opening, att = prescribe(PRESBYOPE, patient=VICTIM, key=key, prescriber_id="RPPS-1")
    honest = prove_claim(opening, attestation=att, equipment=lenses("far", "VU1"),
                         claim=claim(), today=TODAY)
    assert verify(verifier, honest).category.code == "a"
    for eye in (PRESBYOPE.right, PRESBYOPE.left):  # far and near both simple
        assert classify_lens(eye, usage="far") is classify_lens(eye,
                                                                usage="near") is LensClass.SIMPLE
    for nears in ((0, 0), (1, 1), (0, 1)):
        with pytest.raises(ProofError):
            equipment_witness(opening, designs=("unifocal", "unifocal"), nears=nears,
                              classes=(LensClass.COMPLEX, LensClass.COMPLEX), context=5)
    # the unifocal bundle relabelled complex: the proof does not verify
    data = json.loads(honest.model_dump_json())
    for side in ("right", "left"):
        data["invoice"][side]["lens_class"] = "complex"
        data["invoice"][side]["grouping_code"] = "VU4"
    b = ClaimBundle.model_validate(data)
    tag = patient_tag(VICTIM.field_element(), b.context())
    data["public_inputs"] = b.expected_public_inputs(patient_tag=tag).model_dump(mode="json")
    assert reason(verifier, data) == "invalid_proof"
    # relabelled "progressive" while the proof says unifocal: refused before the proof
    data = json.loads(honest.model_dump_json())
    data["invoice"]["right"].update(design="multifocal", lens_class="complex",
                                    grouping_code="VM1")
    assert reason(verifier, data) == "context_mismatch"
    # the only way to complex is to declare the lenses multifocal, which the insurer then sees
    prog = prove_claim(opening, attestation=att, equipment=lenses("progressive", "VM1"),
                       claim=claim("C-2"), today=TODAY)
    assert prog.invoice.right.design == "multifocal" and prog.public_inputs.design_right == 1
    # ... and a unifocal code on it is refused
    data = json.loads(prog.model_dump_json())
    data["invoice"]["right"]["grouping_code"] = "VU1"
    assert reason(verifier, data) == "grouping_code_mismatch"


# ---------------------------------------------------------------------------------------------
# door 3: classe A caps and the AMO share from the law
# ---------------------------------------------------------------------------------------------


def test_declared_caps_and_amo_shares_are_gone(key, verifier):
    """The attack's invoice declared caps of 2,500 / 2,500 / 1,500 EUR and AMO 0. The bundle
    format has no such fields any more: a bundle carrying them does not parse."""
    opening, att = prescribe(PRESBYOPE, patient=VICTIM, key=key, prescriber_id="RPPS-1")
    bundle = prove_claim(opening, attestation=att, equipment=lenses("far", "VU1"),
                         claim=claim(), today=TODAY)
    for side, plv in (("right", 250_000), ("left", 250_000), ("frame", 150_000)):
        data = json.loads(bundle.model_dump_json())
        data["invoice"][side]["plv_cents"] = plv
        with pytest.raises(MalformedInputError, match=f"invoice.{side}.plv_cents"):
            verify(verifier, data)
        data = json.loads(bundle.model_dump_json())
        data["invoice"][side]["amo_cents"] = 0
        with pytest.raises(MalformedInputError, match=f"invoice.{side}.amo_cents"):
            verify(verifier, data)


def test_classe_a_price_above_the_laws_cap_is_refused(key, verifier):
    """Classe A lenses invoiced at 2,500 EUR each: without a table the verifier refuses any
    classe A lens price (no public cap is known); with the LPP table, the cap of the proven
    code (V01 here, from the unifocal simple lenses) decides and the AMO share is computed."""
    opening, att = prescribe(PRESBYOPE, patient=VICTIM, key=key, prescriber_id="RPPS-1")
    greedy = prove_claim(opening, attestation=att,
                         equipment=lenses("far", "", classe="A", prices=(250_000, 250_000, 3000)),
                         claim=claim(), today=TODAY)
    assert greedy.invoice.right.grouping_code == "V01"
    with pytest.raises(ClaimRejected) as e:
        verify(verifier, greedy)
    assert e.value.reason == "classe_a_price_above_cap" and "invoice.right" in str(e.value)
    assert "LPP" in str(e.value)  # says which table it lacks
    table = TariffTable(source="test table", rows=(
        TariffRow(lpp_code="2200001", grouping_code="V01", valid_from=dt.date(2020, 1, 1),
                  tariff_cents=3049, plv_cents=4500),
        TariffRow(lpp_code="2200010", grouping_code="M01", valid_from=dt.date(2020, 1, 1),
                  tariff_cents=900, plv_cents=3000),
    ))
    with_table = Verifier(verifier.trusted, insurer="AMC-1", tariffs=table)
    with pytest.raises(ClaimRejected) as e:
        verify(with_table, greedy)
    assert e.value.reason == "classe_a_price_above_cap" and "45.00 EUR" in str(e.value)
    fair = prove_claim(opening, attestation=att,
                       equipment=lenses("far", "", classe="A", prices=(4500, 4500, 3000)),
                       claim=claim("C-2"), today=TODAY)
    d = verify(with_table, fair)
    assert [p.amo_cents for p in d.payments] == [1829, 1829, 540]  # 60 % of the tariffs
    assert d.insurer_total_cents == 4500 * 2 + 3000 - 1829 * 2 - 540
    assert d.patient_remainder_cents == 0


# ---------------------------------------------------------------------------------------------
# door 4: a verifying key swapped into the artifacts folder
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def swapped_artifacts(tmp_path, monkeypatch):
    """A copy of the artifacts folder the test may edit, read by zkclaims.circuits."""
    src = Path(zkclaims.circuits.__file__).parent / "artifacts"
    dst = tmp_path / "artifacts"
    shutil.copytree(src, dst)
    monkeypatch.setattr(zkclaims.circuits, "_root", lambda: dst)
    clear_caches()
    yield dst
    monkeypatch.undo()
    clear_caches()


def _category_f_inputs(key) -> tuple[dict, list[int]]:
    """A category f bundle's fields for this beneficiary, public inputs included (no proof)."""
    opening, att = prescribe(PRESBYOPE, patient=VICTIM, key=key, prescriber_id="RPPS-1")
    honest = prove_claim(opening, attestation=att, equipment=lenses("far", "VU1"),
                         claim=claim(), today=TODAY)
    data = json.loads(honest.model_dump_json())
    for side in ("right", "left"):
        data["invoice"][side].update(design="multifocal", lens_class="very_complex",
                                     grouping_code="VM7")
    b = ClaimBundle.model_validate(data)
    tag = patient_tag(VICTIM.field_element(), b.context())
    public = b.expected_public_inputs(patient_tag=tag)
    data["public_inputs"] = public.model_dump(mode="json")
    return data, public.as_list()


@pytest.mark.parametrize("relabel", [False, True], ids=["dev label", "one-party label"])
def test_a_swapped_key_and_a_simulated_proof_are_refused(key, verifier, swapped_artifacts,
                                                          relabel):
    """The attacker replaces verifying_key.json with a dev-setup key of the same circuit
    (trapdoor known) and simulates a category f proof, without any witness. Circuit id,
    number of inputs and (relabelled) setup all look right; the pinned digest does not."""
    from zkclaims.circuits.equipment import EquipmentClaimCircuit

    _, dev_vk = dev_setup(EquipmentClaimCircuit().compile(), seed="attacker")
    if relabel:
        d = dev_vk.to_dict()
        d["setup"] = "one-party-setup"
        dev_vk = groth16.VerifyingKey.from_json(d)
    (swapped_artifacts / NAME / "verifying_key.json").write_text(
        json.dumps(dev_vk.to_dict(), indent=2))
    assert load_verifying_key(NAME) == dev_vk  # the loader's label checks pass
    data, public = _category_f_inputs(key)
    forged = simulate_proof(dev_vk, dev_trapdoor("attacker"), public)
    assert groth16.verify(dev_vk, public, forged)  # what opened the door: it verifies
    data["proof"] = forged.to_bytes().hex()
    with pytest.raises(ClaimRejected) as e:
        verify(Verifier(verifier.trusted, insurer="AMC-1"), data)
    assert e.value.reason == "unknown_circuit" and "pinned" in str(e.value)


def test_a_second_statement_folder_with_the_same_circuit_id_is_refused(key, verifier,
                                                                       swapped_artifacts):
    """The attacker adds a folder of its own (sorted first) claiming the same circuit id."""
    from zkclaims.circuits.equipment import EquipmentClaimCircuit

    _, dev_vk = dev_setup(EquipmentClaimCircuit().compile(), seed="attacker")
    evil = swapped_artifacts / "a-evil-2020"
    shutil.copytree(swapped_artifacts / NAME, evil)
    info = json.loads((evil / "circuit.json").read_text())
    (evil / "circuit.json").write_text(json.dumps(dict(info, name="a-evil-2020")))
    (evil / "verifying_key.json").write_text(json.dumps(dev_vk.to_dict()))
    data, public = _category_f_inputs(key)
    data["proof"] = simulate_proof(dev_vk, dev_trapdoor("attacker"), public).to_bytes().hex()
    with pytest.raises(ClaimRejected) as e:
        verify(Verifier(verifier.trusted, insurer="AMC-1"), data)
    assert e.value.reason == "unknown_circuit"


def test_the_shipped_key_still_refuses_a_simulated_proof(key, verifier):
    """Control: with the real artifacts, a proof simulated under a trapdoor nobody holds for
    the shipped key fails as an invalid proof."""
    from zkclaims.circuits.equipment import EquipmentClaimCircuit

    _, dev_vk = dev_setup(EquipmentClaimCircuit().compile(), seed="attacker")
    data, public = _category_f_inputs(key)
    data["proof"] = simulate_proof(dev_vk, dev_trapdoor("attacker"), public).to_bytes().hex()
    assert reason(verifier, data) == "invalid_proof"


# ---------------------------------------------------------------------------------------------
# and: the birth date
# ---------------------------------------------------------------------------------------------


def test_a_four_year_old_prescription_with_a_forged_young_birth_date(key, verifier):
    """A physician's prescription of 2021 for a patient born in 1975 (45: valid 3 years),
    delivered in 2025. The attack declared a 1990 birth date (valid 5 years). The claim has no
    birth date any more: the insurer's record decides, and the record must be the patient's."""
    old = Patient(ins="1 75 06 75 123 456 94", birth_date=dt.date(1975, 6, 1))
    record = Beneficiary(member_id="MBR-1", ins=old.ins, birth_date=old.birth_date)
    rx = VERY_COMPLEX.model_copy(update={"issued_on": dt.date(2021, 3, 10)})
    opening, att = prescribe(rx, patient=old, key=key, prescriber_id="RPPS-1")
    with pytest.raises(ClaimRejected, match="prescription_not_valid"):  # the prover's pre-check
        prove_claim(opening, attestation=att, equipment=lenses("progressive", "VM7"),
                    claim=claim(), today=TODAY)
    # a prescription for a forged 1990-born patient: the prescriber would have had to sign it
    young = Patient(ins=old.ins, birth_date=dt.date(1990, 6, 1))
    forged = opening.model_copy(update={"patient": young})
    with pytest.raises(Exception, match="opening.commitment"):
        prove_claim(forged, attestation=att, equipment=lenses("progressive", "VM7"),
                    claim=claim(), today=TODAY)
    # had a prescriber signed it for the 1990 birth date, the insurer's record still differs
    opening2, att2 = prescribe(rx, patient=young, key=key, prescriber_id="RPPS-1")
    bundle = prove_claim(opening2, attestation=att2, equipment=lenses("progressive", "VM7"),
                         claim=claim(), today=TODAY)
    assert reason(verifier, bundle, record) == "prescription_not_valid"
    late = Beneficiary(member_id="MBR-1", ins=old.ins, birth_date=dt.date(1980, 6, 1))
    assert reason(verifier, bundle, late) == "wrong_patient"  # valid for 40, but not them


def test_a_prover_given_the_insurers_table_refuses_a_price_above_the_cap_before_proving(key):
    """Same greedy invoice: with the insurer's LPP table the optician's software refuses it
    before any proving work, naming the element and the cap; a price at the cap is proven."""
    opening, att = prescribe(PRESBYOPE, patient=VICTIM, key=key, prescriber_id="RPPS-1")
    table = TariffTable(source="test table", rows=(
        TariffRow(lpp_code="2200001", grouping_code="V01", valid_from=dt.date(2020, 1, 1),
                  tariff_cents=3049, plv_cents=4500),
        TariffRow(lpp_code="2200010", grouping_code="M01", valid_from=dt.date(2020, 1, 1),
                  tariff_cents=900, plv_cents=3000),
    ))
    with pytest.raises(ClaimRejected) as e:
        prove_claim(opening, attestation=att,
                    equipment=lenses("far", "", classe="A", prices=(4501, 4500, 3000)),
                    claim=claim(), today=TODAY, tariffs=table)
    assert e.value.reason == "classe_a_price_above_cap"
    assert "invoice.right" in str(e.value) and "45.00 EUR" in str(e.value)
    with pytest.raises(InvalidInputError, match="tariffs"):
        prove_claim(opening, attestation=att, equipment=lenses("far", "VU1"), claim=claim(),
                    today=TODAY, tariffs={"V01": 4500})
    at_cap = prove_claim(opening, attestation=att,
                         equipment=lenses("far", "", classe="A", prices=(4500, 4500, 3000)),
                         claim=claim(), today=TODAY, tariffs=table)
    assert at_cap.invoice.right.grouping_code == "V01"
