"""Tables, plots and the README performance table, from a results file of ``python -m benchmarks``.

Usage::

    python -m benchmarks.report RESULTS.json                 # print the Markdown report
    python -m benchmarks.report RESULTS.json --plots         # (re)draw the PNG plots beside it
    python -m benchmarks.report RESULTS.json --readme README.md
        # rewrite README.md's table between <!-- perf:start --> and <!-- perf:end -->

Also: :func:`validate` checks a results document against ``benchmarks/results.schema.json``
with a small JSON Schema subset (no extra dependency).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zkclaims.errors import BenchmarkResultsError

SCHEMA_PATH = Path(__file__).resolve().parent / "results.schema.json"
README_START = "<!-- perf:start -->"
README_END = "<!-- perf:end -->"


# ---------------------------------------------------------------------------------------------
# Schema validation (subset of JSON Schema 2020-12)
# ---------------------------------------------------------------------------------------------
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """Load the results schema."""
    return json.loads(Path(path).read_text())


_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


_KNOWN = {"$schema", "$id", "title", "description", "type", "properties", "required",
          "additionalProperties", "items", "enum", "const", "minimum", "minItems", "minLength"}


def validate(instance: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Raise :class:`BenchmarkResultsError` naming the JSON path of the first violation.

    Supports ``type`` (one name or a list), ``properties``, ``required``,
    ``additionalProperties`` (false or a schema), ``items``, ``enum``, ``const``, ``minimum``,
    ``minItems`` and ``minLength``; any other keyword in the schema is an error (so the schema
    cannot silently ask for a check this validator does not make).
    """
    unknown = set(schema) - _KNOWN
    if unknown:
        raise BenchmarkResultsError(f"schema at {path}: unsupported keywords {sorted(unknown)}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(instance, n) for n in names):
            raise BenchmarkResultsError(
                f"{path}: expected {' or '.join(names)}, got {type(instance).__name__} "
                f"{instance!r:.60}")
    if "const" in schema and instance != schema["const"]:
        raise BenchmarkResultsError(f"{path}: expected {schema['const']!r}, got {instance!r:.60}")
    if "enum" in schema and instance not in schema["enum"]:
        raise BenchmarkResultsError(
            f"{path}: expected one of {schema['enum']}, got {instance!r:.60}")
    if "minimum" in schema and _is_type(instance, "number") and instance < schema["minimum"]:
        raise BenchmarkResultsError(f"{path}: must be >= {schema['minimum']}, got {instance!r}")
    if "minLength" in schema and isinstance(instance, str) and len(instance) < schema["minLength"]:
        raise BenchmarkResultsError(
            f"{path}: must have at least {schema['minLength']} characters, got {instance!r}")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                raise BenchmarkResultsError(f"{path}.{key}: required field is missing")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                validate(value, props[key], f"{path}.{key}")
            elif extra is False:
                raise BenchmarkResultsError(f"{path}.{key}: field not allowed by the schema")
            elif isinstance(extra, dict):
                validate(value, extra, f"{path}.{key}")
    if isinstance(instance, list):
        if "minItems" in schema and len(instance) < schema["minItems"]:
            raise BenchmarkResultsError(
                f"{path}: needs at least {schema['minItems']} items, got {len(instance)}")
        if "items" in schema:
            for i, item in enumerate(instance):
                validate(item, schema["items"], f"{path}[{i}]")


def check_consistency(doc: dict[str, Any]) -> None:
    """Checks the schema cannot express: median/min/max agree with the samples, keys unique."""
    seen = set()
    for i, m in enumerate(doc["measurements"]):
        where = f"$.measurements[{i}]"
        if m["key"] in seen:
            raise BenchmarkResultsError(f"{where}.key: duplicate key {m['key']!r}")
        seen.add(m["key"])
        s = sorted(m["samples"])
        mid = len(s) // 2
        med = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
        for name, want in (("median", med), ("min", s[0]), ("max", s[-1])):
            if abs(m[name] - want) > 1e-12 * max(1.0, abs(want)):
                raise BenchmarkResultsError(
                    f"{where}.{name}: {m[name]!r} does not match the samples ({want!r})")


def load_results(path: Path) -> dict[str, Any]:
    """Read, validate and consistency-check a results file."""
    doc = json.loads(Path(path).read_text())
    validate(doc, load_schema())
    check_consistency(doc)
    return doc


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def fmt_s(seconds: float | None) -> str:
    """Human time: ``1.23 s``, ``4.56 ms``, ``7.8 µs``."""
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_ratio(r: float | None) -> str:
    """``1.23×`` or an em dash."""
    return "—" if r is None else f"{r:.2f}×"


def _range(m: dict[str, Any]) -> str:
    return f"{fmt_s(m['min'])} – {fmt_s(m['max'])}"


def _floor_of(doc: dict[str, Any], m: dict[str, Any]) -> dict[str, Any] | str | None:
    """The floor of ``m`` for a table cell: the floor measurement itself (with its spread)
    when it is one measurement, else its value marked as a sum of medians."""
    if m.get("floor_median") is None:
        return None
    parts = m.get("floor") or []
    if len(parts) == 1 and parts[0]["factor"] == 1.0:
        floor = next((x for x in doc["measurements"] if x["key"] == parts[0]["key"]), None)
        if floor is not None:
            return floor
    return f"{fmt_s(m['floor_median'])} (sum of {len(parts)} medians)"


def _with_spread(m: dict[str, Any] | float | str | None) -> str:
    """A median with its spread over the repeated runs: ``71.65 ms (70.10 ms – 75.30 ms)``.

    A bare number (a floor summed from several medians) is shown alone.
    """
    if isinstance(m, str):
        return m
    if m is None or not isinstance(m, dict):
        return fmt_s(m)
    if len(m["samples"]) < 2:
        return f"{fmt_s(m['median'])} (1 run)"
    return f"{fmt_s(m['median'])} ({_range(m)})"


def find(doc: dict[str, Any], mid: str, backend: str | None = None,
         **params: int) -> list[dict[str, Any]]:
    """Measurements with this id (and backend, and these params)."""
    return [m for m in doc["measurements"] if m["id"] == mid
            and (backend is None or m["backend"] == backend)
            and all(m["params"].get(k) == v for k, v in params.items())]


def one(doc: dict[str, Any], mid: str, backend: str, **params: int) -> dict[str, Any] | None:
    """The first measurement matching, or None."""
    ms = find(doc, mid, backend, **params)
    return ms[0] if ms else None


def value(doc: dict[str, Any], vid: str) -> dict[str, Any] | None:
    """A recorded single value by id."""
    return next((v for v in doc["values"] if v["id"] == vid), None)


def comparison(doc: dict[str, Any], mid: str, constraints: int | None,
               backend: str = "arkworks") -> float | None:
    """ours/snarkjs for this step and size, if both ran."""
    c = next((c for c in doc["comparisons"] if c["id"] == mid and c["backend"] == backend
              and c["constraints"] == constraints), None)
    return c["ratio"] if c else None


def machine_line(doc: dict[str, Any]) -> str:
    """One line naming the machine and the software."""
    m, v = doc["machine"], doc["versions"]
    mem = f", {m['memory_bytes'] / 2**30:.0f} GiB" if m.get("memory_bytes") else ""
    peers = (f", snarkjs {v['snarkjs']} on Node {v['node']}" if v.get("snarkjs") and v.get("node")
             else "")
    return (f"{m['cpu_model']}, {m['cores']} cores{mem}; {m['os']}; Python {m['python']}; "
            f"py-arkworks-bls12381 {v.get('py-arkworks-bls12381')}, py_ecc {v.get('py_ecc')}"
            f"{peers}")


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------
CLAIM_STEPS = (
    ("claim.witness", "witness generation"),
    ("claim.prove_circuit", "Groth16 prove (circuit only)"),
    ("claim.prove", "prove_claim (whole bundle)"),
    ("claim.verify_circuit", "Groth16 verify (circuit only)"),
    ("claim.verify", "Verifier.verify (signature + proof + rules)"),
    ("claim.verify.decode_proof", "… of which: decode the proof's points (checked)"),
    ("claim.verify.pairing", "… of which: the pairing equation (points decoded)"),
    ("claim.verify.parse", "… of which: parse the bundle JSON"),
    ("claim.verify.precheck", "… of which: signature and clear-text checks"),
    ("claim.verify.decide", "… of which: reimbursement decision"),
)


#: The claim breakdown plot: per panel, its measured total and the steps inside it.
CLAIM_PANELS = (
    ("Prover: prove_claim", "claim.prove", (
        ("claim.witness", "witness generation"),
        ("claim.prove_circuit", "Groth16 prove (circuit only)"),
    )),
    ("Insurer: Verifier.verify", "claim.verify", (
        ("claim.verify.parse", "parse the bundle JSON"),
        ("claim.verify.precheck", "signature and clear-text checks"),
        ("claim.verify.decode_proof", "decode the proof's points"),
        ("claim.verify.pairing", "pairing equation"),
        ("claim.verify.decide", "reimbursement decision"),
    )),
)


def _claim_section(doc: dict[str, Any]) -> list[str]:
    out = ["## The equipment claim", ""]
    rows = value(doc, "claim.constraints")
    if rows:
        out.append(f"Circuit `optique-equipement-2020`: {int(rows['value'])} constraints. "
                   + (f"Bundle: {int(value(doc, 'claim.bundle_bytes')['value'])} bytes of JSON."
                      if value(doc, "claim.bundle_bytes") else ""))
        out.append("")
    out += ["| step | backend | ratio to floor | ours ÷ snarkjs | median | min – max |",
            "|---|---|---|---|---|---|"]
    n = 0
    for mid, label in CLAIM_STEPS:
        for m in find(doc, mid):
            if m["backend"] == "snarkjs":
                continue
            cons = m["params"].get("constraints")
            out.append(f"| {label} | {m['backend']} | {fmt_ratio(m['ratio_to_floor'])} | "
                       f"{fmt_ratio(comparison(doc, mid, cons, m['backend']))} | "
                       f"{fmt_s(m['median'])} | {_range(m)} |")
            n += 1
    for m in sorted(find(doc, "claim.verify_many"), key=lambda m: m["params"]["batch"]):
        b = m["params"]["batch"]
        out.append(f"| Verifier.verify_many, batch of {b} (per bundle; {1 / m['median']:,.0f}/s) "
                   f"| {m['backend']} | {fmt_ratio(m['ratio_to_floor'])} | — | "
                   f"{fmt_s(m['median'])} | {_range(m)} |")
        n += 1
    for m in find(doc, "claim.prove_circuit", "snarkjs") + find(doc, "claim.verify_circuit",
                                                                  "snarkjs"):
        out.append(f"| snarkjs {m['id'].split('.')[1].replace('_circuit', '')} (same circuit) | "
                   f"snarkjs | — | — | {fmt_s(m['median'])} | {_range(m)} |")
        n += 1
    if not n:
        return out[:2] + ["Not run in this results file (see *Not run*).", ""]
    out += ["", "Floors: prove — one G1 MSM plus one G2 MSM of the circuit's domain size; "
            "verify — the raw 4-pair pairing check plus one Ed25519 signature check; "
            "batch of N — the raw (N + 3)-pair check plus N signature checks, per bundle.", ""]
    return out


def cores_busy(doc: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Per backend, the (min, max) cores kept busy while proving (values ``cores_busy/...``)."""
    out: dict[str, list[float]] = {}
    for v in doc["values"]:
        if v["id"].startswith("cores_busy/"):
            backend = v["id"].split("/")[2]
            out.setdefault(backend, []).append(v["value"])
    return {k: (min(v), max(v)) for k, v in out.items()}


def _synthetic_section(doc: dict[str, Any]) -> list[str]:
    prove = sorted(find(doc, "groth16.prove", "arkworks"), key=lambda m: m["params"]["constraints"])
    if not prove:
        return ["## Groth16 on synthetic R1CS", "", "Not run in this results file.", ""]
    out = ["## Groth16 on synthetic R1CS (arkworks backend)", "",
           "Each circuit has 2^k − 3 constraints and 2 public inputs, so the QAP domain is "
           "exactly 2^k for both implementations.", "",
           "| constraints | prove ÷ MSM floor | prove ÷ snarkjs | verify ÷ pairing | prove | "
           "prove min – max | verify | setup | snarkjs prove | snarkjs verify |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for m in prove:
        c = m["params"]["constraints"]
        v = one(doc, "groth16.verify", "arkworks", constraints=c)
        s = one(doc, "groth16.setup", "arkworks", constraints=c)
        sp = one(doc, "groth16.prove", "snarkjs", constraints=c)
        sv = one(doc, "groth16.verify", "snarkjs", constraints=c)
        out.append(
            f"| {c} | {fmt_ratio(m['ratio_to_floor'])} | "
            f"{fmt_ratio(comparison(doc, 'groth16.prove', c))} | "
            f"{fmt_ratio(v['ratio_to_floor'] if v else None)} | {fmt_s(m['median'])} | "
            f"{_range(m)} | {fmt_s(v['median'] if v else None)} | "
            f"{fmt_s(s['median'] if s else None)} | {fmt_s(sp['median'] if sp else None)} | "
            f"{fmt_s(sv['median'] if sv else None)} |")
    out.append("")
    for vid, what in (("groth16.prove.loglog_slope", "prove"),
                      ("groth16.setup.loglog_slope", "setup"),
                      ("groth16.prove.loglog_slope.snarkjs", "snarkjs prove")):
        v = value(doc, vid)
        if v:
            out.append(f"Fitted log–log slope of {what} time vs constraints: **{v['value']:.2f}** "
                       f"({v['note']}).")
    busy = cores_busy(doc)
    if busy:
        out.append("Cores kept busy while proving (CPU time ÷ wall time): " + "; ".join(
            f"{be} {lo:.2f}–{hi:.2f}" for be, (lo, hi) in busy.items())
            + f" (of {doc['machine']['cores']}). Both prove with worker threads (zkclaims: "
            "the multi-scalar multiplications, one thread per core, while the calling thread "
            "computes the quotient polynomial): on a loaded machine both lose, so ours ÷ "
            "snarkjs moves with the load.")
    out.append("")
    batch = sorted(find(doc, "groth16.verify_batch", "arkworks"),
                   key=lambda m: m["params"]["batch"])
    if batch:
        out += ["### Batch verification (synthetic, arkworks)", "",
                "| batch | per proof | proofs/s | ÷ (N+3)-pair floor | ÷ single verify |",
                "|---|---|---|---|---|"]
        single = next((m for m in batch if m["params"]["batch"] == 1), None)
        for m in batch:
            rel = m["median"] / single["median"] if single else None
            out.append(f"| {m['params']['batch']} | {fmt_s(m['median'])} | "
                       f"{1 / m['median']:,.0f} | {fmt_ratio(m['ratio_to_floor'])} | "
                       f"{fmt_ratio(rel)} |")
        out.append("")
    py = find(doc, "groth16.prove", "py_ecc") + find(doc, "groth16.verify", "py_ecc") + \
        find(doc, "floor.pairing_check", "py_ecc") + find(doc, "claim.verify", "py_ecc")
    if py:
        out += ["### py_ecc (pure Python, reduced set)", "",
                f"Set: {doc['settings']['pyecc_desc']}.", "",
                "| figure | constraints | ÷ floor | ÷ arkworks | median | min – max |",
                "|---|---|---|---|---|---|"]
        for m in py:
            ark = one(doc, m["id"], "arkworks", **m["params"])
            rel = m["median"] / ark["median"] if ark else None
            out.append(f"| {m['id']} | {m['params'].get('constraints', '—')} | "
                       f"{fmt_ratio(m['ratio_to_floor'])} | {fmt_ratio(rel)} | "
                       f"{fmt_s(m['median'])} | {_range(m)} |")
        out.append("")
    return out


def _floor_section(doc: dict[str, Any]) -> list[str]:
    fl = [m for m in doc["measurements"] if m["id"].startswith("floor.")]
    if not fl:
        return []
    out = ["## Floors (raw backend costs)", "", "| floor | backend | size | median | min – max |",
           "|---|---|---|---|---|"]
    for m in fl:
        size = ", ".join(f"{k} {v}" for k, v in m["params"].items()) or "—"
        out.append(f"| {m['id'][6:]} | {m['backend']} | {size} | {fmt_s(m['median'])} | "
                   f"{_range(m)} |")
    return out + [""]


def _fmt_table_value(key: str, v: float) -> str:
    if key.startswith(("constraints.", "pk_bytes.")):
        return f"{v:,.0f}"
    return fmt_s(v)


def markdown(doc: dict[str, Any], plots: dict[str, str] | None = None) -> str:
    """The full Markdown report of one results document."""
    st = doc["settings"]
    out = [f"# zkclaims benchmarks — {doc['created']} ({doc['mode']} run, "
           f"{doc['duration_s']:.0f} s)", "",
           f"Machine: {machine_line(doc)}.", "",
           f"Medians of {st['repeats']} runs (min – max) after {st['warmup']} warm-up run(s), "
           "all in one process (Python: `time.perf_counter`; snarkjs: `process.hrtime.bigint` "
           "in one Node process). Ratios first: a ratio to a floor is the figure divided by the "
           "raw backend cost it cannot avoid; ours ÷ snarkjs below 1 means we are faster.", "",
           f"Commit {doc['versions'].get('git_commit') or 'unknown'} "
           f"(working tree modified: {doc['versions'].get('git_dirty')}). "
           f"Command: `{doc['command']}`.", ""]
    if doc["machine"].get("load_average"):
        la = doc["machine"]["load_average"]
        out += [f"Load average when the run started: {la[0]:.2f} (1 min) on "
                f"{doc['machine']['cores']} cores — above the core count, other work shared "
                "the machine and times are noisy." if la[0] > doc["machine"]["cores"] else
                f"Load average when the run started: {la[0]:.2f} (1 min).", ""]
    out += ["## Targets (arkworks backend)", "", "| target | limit | measured | met |",
            "|---|---|---|---|"]
    for t in doc["targets"]:
        lim = fmt_s(t["limit"]) if "ms" in t["description"] else f"{t['limit']}×"
        val = ("—" if t["value"] is None else fmt_s(t["value"]) if "ms" in t["description"]
               else f"{t['value']:.2f}×")
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        out.append(f"| {t['description']} | {lim} | {val} ({t['note']}) | {met} |")
    out.append("")
    out += _claim_section(doc)
    from benchmarks.service import markdown_section

    out += markdown_section(doc)
    out += _synthetic_section(doc)
    out += _floor_section(doc)
    for name in ("groups", "groth16"):
        if doc.get(f"{name}_table"):
            out += [f"## benchmarks.{name} (its own run, medians)", "", "| metric | value |",
                    "|---|---|"]
            out += [f"| {k} | {_fmt_table_value(k, v)} |"
                    for k, v in doc[f"{name}_table"].items()]
            out.append("")
    if doc["not_run"]:
        out += ["## Not run", ""] + [f"- {n['phase']}: {n['reason']}" for n in doc["not_run"]]
        out.append("")
    if plots:
        out += ["## Plots", ""] + [f"![{k}]({v})" for k, v in plots.items()] + [""]
    return "\n".join(out)


def console_summary(doc: dict[str, Any]) -> str:
    """A few lines for the terminal: targets, slope, what did not run."""
    lines = [f"zkclaims benchmarks ({doc['mode']}, {doc['duration_s']:.0f} s) on "
             f"{doc['machine']['cpu_model']} ({doc['machine']['cores']} cores)"]
    for t in doc["targets"]:
        met = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        val = "—" if t["value"] is None else f"{t['value']:.4g}"
        lines.append(f"  target {t['id']}: {val} (limit {t['limit']:g}) {met} — {t['note']}")
    for vid in ("groth16.prove.loglog_slope", "groth16.setup.loglog_slope",
                "groth16.prove.loglog_slope.snarkjs"):
        v = value(doc, vid)
        if v:
            lines.append(f"  fitted log-log slope of {vid.split('.')[1]} time vs constraints: "
                         f"{v['value']:.3f} ({v['note']})")
    for n in doc["not_run"]:
        lines.append(f"  not run: {n['phase']}: {n['reason']}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# README table
# ---------------------------------------------------------------------------------------------
def readme_table(doc: dict[str, Any], results_name: str) -> str:
    """The README performance section: ratios first, then absolute medians, machine stated."""
    rows = []

    def row(what: str, ratio: float | None, ref: str, ours: dict[str, Any] | None,
            theirs: dict[str, Any] | str | None) -> None:
        if ratio is None and ours is None:
            return
        rows.append(f"| {what} | {fmt_ratio(ratio)} | {ref} | {_with_spread(ours)} | "
                    f"{_with_spread(theirs)} |")

    cp = one(doc, "claim.prove_circuit", "arkworks")
    sp = one(doc, "claim.prove_circuit", "snarkjs")
    if cp:
        row("claim: Groth16 prove", comparison(doc, "claim.prove_circuit",
            cp["params"].get("constraints")), "snarkjs, same circuit", cp, sp)
        row("claim: Groth16 prove", cp["ratio_to_floor"], "G1 + G2 MSM floor", cp,
            _floor_of(doc, cp))
    cvc = one(doc, "claim.verify_circuit", "arkworks")
    svc = one(doc, "claim.verify_circuit", "snarkjs")
    if cvc and svc:
        row("claim: Groth16 verify", comparison(doc, "claim.verify_circuit",
            cvc["params"].get("constraints")), "snarkjs, same circuit", cvc, svc)
    cv = one(doc, "claim.verify", "arkworks")
    if cv:
        row("claim: verify a bundle", cv["ratio_to_floor"], "4-pair pairing + Ed25519",
            cv, _floor_of(doc, cv))
    vm = sorted(find(doc, "claim.verify_many", "arkworks"), key=lambda m: m["params"]["batch"])
    if vm and cv:
        big = vm[-1]
        row(f"claim: batch of {big['params']['batch']}, per bundle",
            big["median"] / cv["median"], "verify one bundle", big, cv)
    gv = sorted(find(doc, "groth16.verify", "arkworks"), key=lambda m: m["params"]["constraints"])
    if gv:
        row("Groth16 verify", gv[0]["ratio_to_floor"], "4-pair pairing check", gv[0],
            _floor_of(doc, gv[0]))
    gb = [m for m in find(doc, "groth16.verify_batch", "arkworks") if m["params"]["batch"] == 64]
    if gb and gv:
        row("Groth16 batch of 64, per proof", gb[0]["median"] / gv[0]["median"],
            "single verify", gb[0], gv[0])
    gp = sorted(find(doc, "groth16.prove", "arkworks"), key=lambda m: m["params"]["constraints"])
    if gp:
        top = gp[-1]
        c = top["params"]["constraints"]
        spp = one(doc, "groth16.prove", "snarkjs", constraints=c)
        row(f"Groth16 prove, {c} constraints", comparison(doc, "groth16.prove", c),
            "snarkjs, same R1CS", top, spp)
        row(f"Groth16 prove, {c} constraints", top["ratio_to_floor"], "G1 + G2 MSM floor",
            top, _floor_of(doc, top))
    slope = value(doc, "groth16.prove.loglog_slope")
    lines = [
        f"Measured on {machine_line(doc)} ({doc['mode']} run of {doc['created'][:10]}; "
        f"medians of {doc['settings']['repeats']} runs, with their spread (min – max) in "
        f"brackets; results: `benchmarks/results/{results_name}`).", "",
        "| figure | ratio | reference | ours | reference time |", "|---|---|---|---|---|",
        *rows, ""]
    if slope:
        lines.append(f"Prove time grows as constraints^{slope['value']:.2f} "
                     "(fitted log–log slope, synthetic R1CS).")
    busy = cores_busy(doc)
    if "snarkjs" in busy and "arkworks" in busy:
        lines.append(f"While proving, zkclaims kept {busy['arkworks'][1]:.1f} core(s) busy and "
                     f"snarkjs {busy['snarkjs'][0]:.1f}–{busy['snarkjs'][1]:.1f} (worker "
                     f"threads) of the machine's {doc['machine']['cores']}.")
    missed = [t for t in doc["targets"] if t["met"] is False]
    unmeasured = [t for t in doc["targets"] if t["met"] is None]
    if missed:
        lines.append("Targets missed: " + "; ".join(
            f"{t['description']} (measured {t['value']:.4g})" for t in missed) + ".")
    if unmeasured:
        lines.append("Not measured in this run: " + "; ".join(t["description"] for t in
                                                              unmeasured) + ".")
    lines.append("Regenerate with `make bench` (or `python -m benchmarks.report RESULTS.json "
                 "--readme README.md`).")
    return "\n".join(lines)


def rewrite_readme(readme: Path, doc: dict[str, Any], results_path: Path) -> bool:
    """Replace the text between the perf markers of ``readme``; False when it has no markers."""
    text = Path(readme).read_text()
    if README_START not in text or README_END not in text:
        print(f"{readme}: no {README_START} ... {README_END} markers; README left unchanged",
              file=sys.stderr)
        return False
    table = readme_table(doc, Path(results_path).name)
    new = re.sub(re.escape(README_START) + r".*?" + re.escape(README_END),
                 lambda _m: f"{README_START}\n{table}\n{README_END}", text, count=1, flags=re.S)
    Path(readme).write_text(new)
    return True


# ---------------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------------
_STYLE = {"arkworks": ("tab:blue", "o"), "py_ecc": ("tab:orange", "s"),
          "snarkjs": ("tab:green", "^")}


def _errbars(ms: Sequence[dict[str, Any]]) -> tuple[list[float], list[list[float]]]:
    ys = [m["median"] for m in ms]
    return ys, [[m["median"] - m["min"] for m in ms], [m["max"] - m["median"] for m in ms]]


def plot_all(doc: dict[str, Any], out_dir: Path, stem: str) -> dict[str, Path]:
    """Draw the plots that the data allows; return ``{name: path}``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: dict[str, Path] = {}
    # 1. time vs constraints, log-log
    series = [(mid, be) for mid in ("groth16.prove", "groth16.verify")
              for be in ("arkworks", "py_ecc", "snarkjs")]
    if any(find(doc, mid, be) for mid, be in series):
        fig, ax = plt.subplots(figsize=(10, 5))
        for mid, be in series:
            ms = sorted(find(doc, mid, be), key=lambda m: m["params"]["constraints"])
            if not ms:
                continue
            color, marker = _STYLE[be]
            xs = [m["params"]["constraints"] for m in ms]
            ys, err = _errbars(ms)
            ls = "-" if mid.endswith("prove") else "--"
            ax.errorbar(xs, ys, yerr=err, color=color, marker=marker, linestyle=ls, capsize=3,
                        label=f"{mid.split('.')[1]} — {be}")
        for be in ("arkworks", "snarkjs"):
            m = one(doc, "claim.prove_circuit", be)
            if m:
                color, _ = _STYLE[be]
                ax.plot([m["params"]["constraints"]], [m["median"]], marker="*", markersize=14,
                        color=color, linestyle="none", label=f"claim circuit prove — {be}")
        slope = value(doc, "groth16.prove.loglog_slope")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("constraints")
        ax.set_ylabel("seconds (median, bars: min–max)")
        ax.set_title("Groth16 time vs constraints" + (f" (prove slope {slope['value']:.2f}, "
                                                      "arkworks)" if slope else ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        made["time_vs_constraints"] = out_dir / f"{stem}-time-vs-constraints.png"
        fig.savefig(made["time_vs_constraints"], dpi=110)
        plt.close(fig)
    # 2. batch throughput
    batch = [(mid, label) for mid, label in (("groth16.verify_batch", "synthetic proofs"),
                                             ("claim.verify_many", "claim bundles"))
             if find(doc, mid, "arkworks")]
    if batch:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for mid, label in batch:
            ms = sorted(find(doc, mid, "arkworks"), key=lambda m: m["params"]["batch"])
            xs = [m["params"]["batch"] for m in ms]
            ax.plot(xs, [1 / m["median"] for m in ms], marker="o", label=label)
            ax.fill_between(xs, [1 / m["max"] for m in ms], [1 / m["min"] for m in ms], alpha=0.2)
        ax.axhline(1 / 1.5e-3, color="grey", linestyle=":", label="target: 1.5 ms per proof")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size")
        ax.set_ylabel("verified per second (median; band: min–max)")
        ax.set_title("Batch verification throughput (arkworks)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        made["batch_throughput"] = out_dir / f"{stem}-batch-throughput.png"
        fig.savefig(made["batch_throughput"], dpi=110)
        plt.close(fig)
    # 3. one claim's cost by step: parts as bars, each side's measured total as a line (a
    #    total is never a bar beside its parts); the pairing has its own bar
    panels = [(title, total_mid, [(label, one(doc, mid, "arkworks") or one(doc, mid, "python"))
                                  for mid, label in parts])
              for title, total_mid, parts in CLAIM_PANELS]
    panels = [(t, one(doc, tm, "arkworks"), [(lab, m) for lab, m in ps if m])
              for t, tm, ps in panels]
    panels = [p for p in panels if p[2]]
    if panels:
        height = 0.55 * max(len(p[2]) for p in panels) + 2.2
        fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), height),
                                 squeeze=False)
        for ax, (title, total, parts) in zip(axes[0], panels, strict=True):
            labels = [lab for lab, _ in parts]
            ys, err = _errbars([m for _, m in parts])
            ax.barh(labels, ys, xerr=err, color="tab:blue", capsize=3,
                    label="zkclaims (arkworks), a step")
            for i, (_, m) in enumerate(parts):  # the label right of the error bar
                ax.text(max(m["median"], m["max"]), i, f"  {fmt_s(m['median'])}", va="center",
                        fontsize=8)
            if total:
                ax.axvline(total["median"], color="black", linestyle="--",
                           label=f"measured total: {fmt_s(total['median'])} (not a sum)")
            for mid, label in CLAIM_STEPS:
                sj = one(doc, mid, "snarkjs")
                if sj and label in labels:
                    ax.plot([sj["median"]], [label], marker="^", color="tab:green",
                            markersize=10, linestyle="none", label="snarkjs, same step")
            ax.invert_yaxis()
            ax.set_xlabel("seconds (median, bars: min–max)")
            ax.set_title(title)
            ax.legend(fontsize=8, loc="lower right")
        fig.suptitle("One equipment claim: where the time goes")
        fig.tight_layout()
        made["claim_breakdown"] = out_dir / f"{stem}-claim-breakdown.png"
        fig.savefig(made["claim_breakdown"], dpi=110)
        plt.close(fig)
    return made


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the report, draw plots, or rewrite the README table."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split(
        "\n")[0])
    ap.add_argument("results", type=Path, help="a results file (benchmarks/results/*.json)")
    ap.add_argument("--plots", action="store_true", help="(re)draw the PNG plots beside it")
    ap.add_argument("--readme", type=Path, help="rewrite this README's performance table")
    args = ap.parse_args(argv)
    try:
        doc = load_results(args.results)
    except BenchmarkResultsError as e:
        print(f"{args.results}: {e}", file=sys.stderr)
        return 2
    plots = {}
    if args.plots:
        plots = {k: v.name for k, v in plot_all(doc, args.results.parent,
                                                 args.results.stem).items()}
    print(markdown(doc, plots))
    if args.readme and not rewrite_readme(args.readme, doc, args.results):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
