"""The public API as a newcomer meets it (issue 13): imports, keyword-only arguments, clear
errors for wrong types, short help(), Contract.load."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import pydoc

import pytest

from zkclaims.errors import InputFileError, InvalidInputError, ZkClaimsError


def test_the_claim_models_import_from_the_domain_package():
    from zkclaims.domain import Claim, ClaimBundle, Contract

    assert {Claim.__name__, Contract.__name__, ClaimBundle.__name__} == {
        "Claim", "Contract", "ClaimBundle"}


def test_one_error_family_and_no_name_clash():
    import zkclaims.errors as errors

    assert not hasattr(errors, "ValidationError")
    assert issubclass(InvalidInputError, ZkClaimsError) and issubclass(InvalidInputError,
                                                                         ValueError)


def test_a_float_power_suggests_the_nearest_quarters():
    from zkclaims.domain import EyePrescription

    with pytest.raises(InvalidInputError) as err:
        EyePrescription(sphere=-3.3)
    assert err.value.field == "sphere"
    assert "'-3.50' or '-3.25'" in str(err.value)
    EyePrescription(sphere="-3.50")  # the suggestion is accepted in turn


def test_the_addition_error_names_the_eye():
    from zkclaims.domain import EyePrescription, classify_lens
    from zkclaims.errors import RuleError

    with pytest.raises(RuleError, match=r"^left\.addition: a near lens needs an addition > 0"):
        classify_lens(EyePrescription(sphere="-2"), usage="near", side="left")


ENTRY_POINTS = [
    "zkclaims.domain.classify_lens", "zkclaims.domain.lens_row", "zkclaims.domain.lens_power_q",
    "zkclaims.domain.classify_lens_grid", "zkclaims.domain.lens_row_grid",
    "zkclaims.domain.reimburse", "zkclaims.domain.reimburse_elements",
    "zkclaims.domain.claim.reimburse_invoice", "zkclaims.domain.check_contract",
    "zkclaims.domain.validity_end", "zkclaims.domain.valid_on",
    "zkclaims.domain.prescription_valid_on", "zkclaims.domain.prescription_validity_end",
    "zkclaims.domain.renewal_due", "zkclaims.domain.next_renewal_date",
    "zkclaims.domain.Contract.load",
]


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_arguments_after_the_first_are_keyword_only(name):
    params = list(inspect.signature(pydoc.locate(name)).parameters.values())
    positional = [p.name for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert len(positional) <= 1, f"{name}: {positional} may be given by position"


def test_a_second_positional_argument_fails_at_once():
    from zkclaims.domain import EyePrescription, renewal_due

    with pytest.raises(TypeError):
        renewal_due(dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(1990, 1, 1))  # type: ignore[misc]
    with pytest.raises(TypeError):
        from zkclaims.domain import classify_lens

        classify_lens(EyePrescription(sphere="1"), "far")  # type: ignore[misc]


def test_a_contract_where_the_rules_go_is_an_invalid_input_error_at_once():
    from zkclaims.cli.demo import DEMO_CONTRACT
    from zkclaims.domain import Contract, Equipment, Frame, Lens, LensClass, reimburse
    from zkclaims.domain.claim import reimburse_invoice

    contract = Contract.model_validate(DEMO_CONTRACT)
    eq = Equipment(right=Lens(usage="far", price_cents=10_000),
                   left=Lens(usage="far", price_cents=10_000),
                   frame=Frame(price_cents=5_000), delivered_on=dt.date(2025, 4, 2))
    pair = (LensClass.SIMPLE, LensClass.SIMPLE)
    with pytest.raises(InvalidInputError, match=r"^rules: expected Rules, got a Contract"):
        reimburse(eq, amo_paid={}, lens_classes=pair, rules=contract)
    with pytest.raises(InvalidInputError, match=r"^equipment: expected Equipment, got a dict"):
        reimburse(eq.model_dump(), amo_paid={}, lens_classes=pair)
    with pytest.raises(InvalidInputError, match=r"^invoice: expected Invoice, got a Contract"):
        reimburse_invoice(contract, amo_paid={}, plv={})


def test_dates_must_be_dates():
    from zkclaims.domain import renewal_due

    with pytest.raises(InvalidInputError, match=r"^day: expected a datetime.date, got a datetime"):
        renewal_due(dt.date(2024, 1, 1), day=dt.datetime(2025, 1, 1),
                    patient_birth_date=dt.date(1990, 1, 1))
    with pytest.raises(InvalidInputError, match=r"^patient_birth_date: expected date, got a str"):
        renewal_due(dt.date(2024, 1, 1), day=dt.date(2025, 1, 1), patient_birth_date="1990-01-01")


@pytest.mark.parametrize("name", [
    "zkclaims.prover.prove_claim", "zkclaims.verifier.Verifier",
    "zkclaims.domain.claim.reimburse_invoice", "zkclaims.domain.reimburse",
    "zkclaims.domain.reimburse_elements", "zkclaims.domain.Contract.load",
])
def test_help_prints_short(name):
    obj = pydoc.locate(name)
    text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
    signature = str(inspect.signature(obj))
    assert len(signature) < 600, signature
    assert "LensRow(" not in text and "Category(" not in text  # no dump of the rules tables
    assert len(text) < 8_000, len(text)


GOOD = {"a": 30000, "b": 45000, "c": 55000, "d": 50000, "e": 60000, "f": 65000}


def _contract(tmp_path, guarantees, **extra):
    path = tmp_path / "contract.json"
    doc = {"format": "zkclaims-contract/v1", "guarantees": {
        k: {"equipment_cents": v} if isinstance(v, int) else v for k, v in guarantees.items()}}
    path.write_text(json.dumps({**doc, **extra}))
    return path


def test_contract_load_reads_a_compliant_contract(tmp_path):
    from zkclaims.domain import Contract

    c = Contract.load(_contract(tmp_path, GOOD))
    assert c.guarantees["b"].equipment_cents == 45000 and c.violations() == []
    assert Contract.load("examples/contract.json").violations() == []


@pytest.mark.parametrize(
    ("change", "extra", "message"),
    [
        ({"b": 70000}, {}, "guarantees.b.equipment_cents: 70000 is above the ceiling 56000 "
                           "(spec §3 ceiling)"),
        ({"a": {"equipment_cents": 4000, "frame_cents": 4000}}, {},
         "guarantees.a.equipment_cents: 4000 is below the floor 5000"),
        ({"a": {"equipment_cents": 9000, "frame_cents": 9000}}, {"employer_mandatory": True},
         "guarantees.a.equipment_cents: 9000 is below the floor 10000 (spec §3, CSS D911-1"),
        ({"f": {"equipment_cents": 65000, "frame_cents": 12000}}, {},
         "guarantees.f.frame_cents: 12000 is above the frame cap 10000"),
    ],
)
def test_contract_load_names_the_guarantee_out_of_bounds(tmp_path, change, extra, message):
    from zkclaims.domain import Contract

    path = _contract(tmp_path, {**GOOD, **change}, **extra)
    with pytest.raises(InputFileError) as err:
        Contract.load(path)
    assert message in str(err.value)
    assert "strict=False" in str(err.value)
    loose = Contract.load(path, strict=False)  # for analysis
    assert len(loose.violations()) == 1


def test_contract_load_refuses_bad_files_with_one_clear_error(tmp_path):
    from zkclaims.domain import Contract

    with pytest.raises(InputFileError, match="cannot read"):
        Contract.load(tmp_path / "absent.json")
    path = _contract(tmp_path, {**GOOD, "c": 10**400})
    with pytest.raises(InputFileError, match=r"guarantees\.c\.equipment_cents: an integer of 401"):
        Contract.load(path)
    bad = tmp_path / "missing.json"
    bad.write_text(json.dumps({"format": "zkclaims-contract/v1",
                               "guarantees": {"a": {"equipment_cents": 30000}}}))
    with pytest.raises(InputFileError, match="no guarantee for categories b, c, d, e, f"):
        Contract.load(bad)


def test_verifier_positional_misuse_fails_at_once():
    from zkclaims.cli.demo import DEMO_CONTRACT
    from zkclaims.domain import Contract
    from zkclaims.prescriber import TrustedPrescribers
    from zkclaims.verifier import Verifier

    contract = Contract.model_validate(DEMO_CONTRACT)
    trusted = TrustedPrescribers()
    with pytest.raises((InvalidInputError, TypeError)) as err:
        Verifier(trusted, contract, insurer="AMC-1")  # the contract lands where rules go
    assert "Contract" in str(err.value) or "positional" in str(err.value)
    with pytest.raises(InvalidInputError, match=r"^rules: must be a Rules version.*'Contract'"):
        Verifier(trusted, rules=contract, insurer="AMC-1")
    with pytest.raises(InvalidInputError, match=r"^contract: must be a Contract.*'dict'"):
        Verifier(trusted, contract=DEMO_CONTRACT, insurer="AMC-1")
    with pytest.raises(InvalidInputError, match=r"^trusted: must be TrustedPrescribers"):
        Verifier(contract, insurer="AMC-1")
