"""The optical claim domain: models and the exact clear-text regulation rules.

Everything in zkclaims is checked against this package: lens classes (spec §2), equipment
categories with floors and ceilings (spec §3), 100 % Santé classes (spec §4), renewal (spec §5)
and prescription validity (spec §6) of ``docs/rules.md``, rules in force since
2020-01-01 (:data:`RULES_2020`). No cryptography here.
"""

from zkclaims.domain.attestation import Attestation
from zkclaims.domain.bundle import ClaimBundle, PublicInputs
from zkclaims.domain.checks import ClaimHistory, check_renewal, precheck_claim
from zkclaims.domain.contract import Contract
from zkclaims.domain.grid import GRID_INVALID, classify_lens_grid, lens_row_grid
from zkclaims.domain.invoice import Claim, Invoice, InvoiceLine
from zkclaims.domain.models import (
    Category,
    Classe,
    Decision,
    ElementPayment,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    LensDesign,
    LensUsage,
    PrescriberKind,
    Prescription,
    parse_power_q,
)
from zkclaims.domain.patient import Beneficiary, Patient
from zkclaims.domain.renewal import PrescriptionFacts
from zkclaims.domain.rules import (
    CATEGORIES,
    LENS_ROWS,
    RULES_2020,
    RULES_BY_VERSION,
    Guarantee,
    LensRow,
    PricedElement,
    Rules,
    Violation,
    add_months,
    add_years,
    age_on,
    check_contract,
    classify_lens,
    equipment_category,
    lens_power_q,
    lens_row,
    lens_row_q,
    next_renewal_date,
    prescription_valid_on,
    prescription_validity_end,
    reimburse,
    reimburse_elements,
    renewal_due,
    rules_in_force,
    valid_on,
    validity_end,
    vision_change_allows_early_renewal,
)
from zkclaims.domain.vision_change import (
    RULES_2020_CRITERIA,
    RenewalCriterion,
    renewal_criteria_met,
)

__all__ = [
    "Attestation",
    "Beneficiary",
    "Claim",
    "ClaimBundle",
    "ClaimHistory",
    "Contract",
    "Invoice",
    "InvoiceLine",
    "Patient",
    "PublicInputs",
    "check_renewal",
    "precheck_claim",
    "CATEGORIES",
    "GRID_INVALID",
    "LENS_ROWS",
    "RULES_2020",
    "RULES_BY_VERSION",
    "Category",
    "Classe",
    "Decision",
    "ElementPayment",
    "Equipment",
    "EyePrescription",
    "Frame",
    "Guarantee",
    "Lens",
    "LensClass",
    "LensDesign",
    "LensRow",
    "LensUsage",
    "PrescriberKind",
    "Prescription",
    "PricedElement",
    "Rules",
    "Violation",
    "add_months",
    "add_years",
    "age_on",
    "check_contract",
    "classify_lens",
    "classify_lens_grid",
    "equipment_category",
    "lens_power_q",
    "lens_row",
    "lens_row_grid",
    "lens_row_q",
    "next_renewal_date",
    "parse_power_q",
    "prescription_valid_on",
    "prescription_validity_end",
    "reimburse",
    "reimburse_elements",
    "renewal_due",
    "rules_in_force",
    "valid_on",
    "validity_end",
    "vision_change_allows_early_renewal",
    # early renewal (spec §5): zkclaims.domain.vision_change, zkclaims.domain.renewal
    "RULES_2020_CRITERIA",
    "RenewalCriterion",
    "renewal_criteria_met",
    "PrescriptionFacts",
]
