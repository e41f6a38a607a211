"""``classify`` and ``category``: the clear-text rules (spec §2, §3), and the rules example."""

from __future__ import annotations

import argparse
import datetime as _dt
from collections.abc import Callable

from zkclaims.cli._common import (
    EXIT_OK,
    Sub,
    emit,
)


# --- classify --------------------------------------------------------------------------------
def _add_classify(sub: Sub) -> None:
    p = sub.add_parser(
        "classify",
        help="lens class of one eye's prescription (spec §2)",
        description="Transpose one eye's prescription to the positive-cylinder form, take the "
        "lens power of the usage (far: the prescription; near: sphere + addition; "
        "progressive: the prescription, multifocal) and print its lens class (simple, complex, "
        "very complex) with the row of the rules table (docs/rules.md) that decides it. "
        "Powers in dioptres, steps of 0.25, '.' or ',' as decimal mark.",
    )
    p.add_argument("--sphere", required=True, help="sphere in D, e.g. -2.00 or -2,00")
    p.add_argument("--cylinder", default="0", help="cylinder in D (either sign), default 0")
    p.add_argument("--axis", default=None, help="axis in degrees 0..180 (needed with a cylinder)")
    p.add_argument("--addition", default="0", help="addition in D (near/progressive need > 0)")
    p.add_argument("--usage", default="far", choices=["far", "near", "progressive"],
                   help="what the lens is for: far (default), near (unifocal, sphere + "
                   "addition) or progressive (multifocal)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_classify)


def _cmd_classify(args: argparse.Namespace) -> int:
    from zkclaims.domain import EyePrescription, LensUsage, lens_power_q, lens_row

    eye = EyePrescription(
        sphere=args.sphere, cylinder=args.cylinder, axis=args.axis, addition=args.addition
    )
    usage = LensUsage(args.usage)
    row = lens_row(eye, usage=usage)
    multifocal, s_q, c_q = lens_power_q(eye, usage=usage)
    can = eye.canonical()
    data = {
        "input": str(eye),
        "canonical": str(can),
        "canonical_q": {"sphere": can.sphere_q, "cylinder": can.cylinder_q,
                        "axis": can.axis_deg, "addition": can.addition_q},
        "usage": usage.value,
        "lens_power_q": {"multifocal": multifocal, "sphere": s_q, "cylinder": c_q},
        "lens_class": row.lens_class.value,
        "lens_class_code": row.lens_class.code,
        "row": row.number,
        "rule": str(row),
    }
    text = (
        f"prescription {eye}\ncanonical    {can}\nusage        {usage.value}\n"
        f"lens class   {row.lens_class.value} (code {row.lens_class.code})\nrule         {row}"
    )
    emit(args, data, text)
    return EXIT_OK


# --- category --------------------------------------------------------------------------------
def _add_category(sub: Sub) -> None:
    p = sub.add_parser(
        "category",
        help="equipment category, floor and ceiling (spec §3)",
        description="Print the equipment category (a to f) of a pair of lens classes, with "
        "the floor and ceiling of the contrat responsable (R871-2 3°, AMO share included) "
        "and the 100 € cap on the frame's share (docs/rules.md).",
    )
    classes = ["simple", "complex", "very_complex"]
    p.add_argument("right", choices=classes, help="lens class of the right lens")
    p.add_argument("left", choices=classes, help="lens class of the left lens")
    p.add_argument("--employer-mandatory", action="store_true",
                   help="employer-mandatory cover: the higher floors of D911-1")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_category)


def _cmd_category(args: argparse.Namespace) -> int:
    from zkclaims.domain import LensClass, equipment_category

    cat = equipment_category(LensClass(args.right), LensClass(args.left))
    floor = cat.floor_for(args.employer_mandatory)
    data = {
        "category": cat.code,
        "lenses": [c.value for c in cat.lenses],
        "floor_cents": floor,
        "ceiling_cents": cat.ceiling_cents,
        "frame_cap_cents": cat.frame_cap_cents,
        "employer_mandatory": args.employer_mandatory,
    }
    text = (
        f"category {cat.code} ({args.right} + {args.left})\n"
        f"floor    {floor / 100:.2f} €" + (" (D911-1)" if args.employer_mandatory else "") + "\n"
        f"ceiling  {cat.ceiling_cents / 100:.2f} €\n"
        f"frame    at most {cat.frame_cap_cents / 100:.2f} € of it (spec §3)"
    )
    emit(args, data, text)
    return EXIT_OK


# --- demo --rules: the clear-text rules on a worked example ----------------------------------
def _demo_rules(out: Callable[[str], None] = print) -> None:
    """Print the worked example of the rules: prescription -> classes -> category -> decision."""
    from zkclaims.domain import (
        Equipment,
        EyePrescription,
        Frame,
        Guarantee,
        Lens,
        LensUsage,
        Prescription,
        classify_lens,
        equipment_category,
        lens_row,
        prescription_valid_on,
        reimburse,
    )

    rx = Prescription(
        right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180, addition="+2.00"),
        left=EyePrescription(sphere="-5,50", cylinder="-1,00", axis=0, addition="+2.00"),
        issued_on=_dt.date(2025, 3, 10),
        prescriber_kind="physician",
    )
    birth = _dt.date(1968, 6, 1)
    eq = Equipment(
        right=Lens(usage=LensUsage.PROGRESSIVE, price_cents=29_000, classe="B"),
        left=Lens(usage=LensUsage.PROGRESSIVE, price_cents=31_000, classe="B"),
        frame=Frame(price_cents=16_000, classe="B"),
        delivered_on=_dt.date(2025, 4, 2),
    )
    out("== zkclaims: the 2020 rules on a worked example ==")
    out(f"prescription (physician, {rx.issued_on}), patient born {birth}")
    for side in ("right", "left"):
        eye = getattr(rx, side)
        usage = getattr(eq, side).usage
        out(f"  {side:5} {eye}  ->  canonical {eye.canonical()}")
        out(f"        {usage.value} lens: {classify_lens(eye, usage=usage).value}"
            f"  [{lens_row(eye, usage=usage)}]")
    valid = prescription_valid_on(rx, day=eq.delivered_on, patient_birth_date=birth)
    out(f"prescription valid on delivery {eq.delivered_on}: {valid} (spec §6)")
    cat = equipment_category(classify_lens(rx.right, usage=eq.right.usage),
                             classify_lens(rx.left, usage=eq.left.usage))
    out(f"category {cat.code}: floor {cat.floor_cents / 100:.2f} €, ceiling "
        f"{cat.ceiling_cents / 100:.2f} €, frame at most {cat.frame_cap_cents / 100:.2f} €")
    guarantee = Guarantee(equipment_cents=55_000, frame_cents=10_000)
    out(f"contract guarantee for category {cat.code}: {guarantee.equipment_cents / 100:.2f} € "
        f"(frame {guarantee.frame_cents / 100:.2f} €), AMO pays 0.05 € per lens and 0.03 € frame")
    d = reimburse(eq, amo_paid={"right": 5, "left": 5, "frame": 3},
                  guarantees={cat.code: guarantee}, prescription=rx)
    out("decision:")
    for p in d.payments:
        out(f"  {p.element:5} classe {p.classe.value}  price {p.price_cents / 100:8.2f} €  "
            f"AMO {p.amo_cents / 100:6.2f} €  insurer {p.insurer_cents / 100:8.2f} €  "
            f"patient {p.patient_cents / 100:8.2f} €")
    out(f"  total insurer {d.insurer_total_cents / 100:.2f} €, AMO {d.amo_total_cents / 100:.2f} €,"
        f" patient remainder {d.patient_remainder_cents / 100:.2f} €")
    for r in d.reasons:
        out(f"  - {r}")


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_classify(sub)
    _add_category(sub)
