"""LPP tables: the legal classe A caps and the AMO share, from the law, not the invoice.

The public insurer publishes the LPP (liste des produits et prestations) each month as a zip
of dBase tables. This package reads that download as untrusted input (:mod:`.dbase`), turns
its optical rows into a small versioned rules table keyed by grouping code, age and validity
dates (:mod:`.table`), and prices each invoiced element from it (:mod:`.pricing`): the AMO
share (60 % of the tariff, 90 % in Alsace-Moselle, rounded half up) and the cap of a classe A
element. The grouping codes themselves are in :mod:`.codes`. Facts, sources and confidence:
``docs/lpp.md``.
"""

from zkclaims.domain.lpp.codes import (
    CHILD_SPLIT_CANDIDATES,
    ELEMENT_CODES,
    SERVICE_CODES,
    CodeInfo,
    classe_a_lens_code,
)
from zkclaims.domain.lpp.dbase import LppDownload, read_lpp_download
from zkclaims.domain.lpp.pricing import (
    ADULT_FRAME_A_PLV_CENTS,
    ADULT_FRAME_A_TARIFF_CENTS,
    AMO_RATE_PERCENT,
    CLASSE_B_TARIFF_CENTS,
    NO_TABLE_CLASSE_A_BOUND_CENTS,
    ElementPricing,
    GroupedLine,
    amo_share_cents,
    price_elements,
    reimbursement_inputs,
    round_half_up_percent,
)
from zkclaims.domain.lpp.table import (
    TARIFFS_FORMAT,
    TariffRow,
    TariffTable,
    build_tariffs,
    import_lpp,
    load_tariffs,
    save_tariffs,
)

__all__ = [
    "ADULT_FRAME_A_PLV_CENTS",
    "ADULT_FRAME_A_TARIFF_CENTS",
    "AMO_RATE_PERCENT",
    "CHILD_SPLIT_CANDIDATES",
    "CLASSE_B_TARIFF_CENTS",
    "ELEMENT_CODES",
    "NO_TABLE_CLASSE_A_BOUND_CENTS",
    "SERVICE_CODES",
    "TARIFFS_FORMAT",
    "CodeInfo",
    "ElementPricing",
    "GroupedLine",
    "LppDownload",
    "TariffRow",
    "TariffTable",
    "amo_share_cents",
    "build_tariffs",
    "classe_a_lens_code",
    "import_lpp",
    "load_tariffs",
    "price_elements",
    "read_lpp_download",
    "reimbursement_inputs",
    "round_half_up_percent",
    "save_tariffs",
]
