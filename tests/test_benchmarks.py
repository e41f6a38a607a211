"""The benchmark suite runs end to end in its tiny mode, so it cannot rot (no timing asserted).

Also: the results schema and its validator, the derived figures (floors, ours/snarkjs ratios,
targets, fitted slope), the README table rewrite, the "not run" reasons of the peers, every
committed results file, and the synthetic population study.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks import population, report, suite
from zkclaims.domain import EyePrescription, LensUsage, classify_lens
from zkclaims.errors import BenchmarkResultsError

RESULTS = Path(suite.__file__).resolve().parent / "results"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, Path]]:
    """One tiny run of every phase but the peers (tested apart), written with its plots."""
    doc = suite.run(suite.MODES["tiny"], ("floors", "groth16", "claim", "tables"))
    out = tmp_path_factory.mktemp("bench")
    paths = suite.write_results(doc, out, suite.results_stem("tiny"))
    return doc, paths


# --- the tiny run --------------------------------------------------------------------------
def test_tiny_run_measures_every_figure(tiny):
    doc, _ = tiny
    ids = {(m["id"], m["backend"]) for m in doc["measurements"]}
    for expected in [
        ("floor.pairing_check", "arkworks"), ("floor.pairing_check", "py_ecc"),
        ("floor.g1_msm", "arkworks"), ("floor.g2_msm", "arkworks"),
        ("floor.ed25519_verify", "cryptography"),
        ("groth16.setup", "arkworks"), ("groth16.prove", "arkworks"),
        ("groth16.verify", "arkworks"), ("groth16.verify", "py_ecc"),
        ("groth16.verify_batch", "arkworks"),
    ]:
        assert expected in ids, expected
    claim_ids = {("claim.witness", "python"), ("claim.prove_circuit", "arkworks"),
                 ("claim.prove", "arkworks"), ("claim.verify_circuit", "arkworks"),
                 ("claim.verify", "arkworks"), ("claim.verify_many", "arkworks")}
    if any(n["phase"] == "claim" for n in doc["not_run"]):
        pytest.fail(f"claim phase did not run: {doc['not_run']}")
    assert claim_ids <= ids
    batches = sorted(m["params"]["batch"] for m in doc["measurements"]
                     if m["id"] == "claim.verify_many")
    assert batches == list(suite.MODES["tiny"].claim_batch_sizes)
    values = {v["id"]: v["value"] for v in doc["values"]}
    assert values["claim.proof_bytes"] == 192
    assert values["claim.bundle_bytes"] > 192 * 2  # the hex proof alone is 384 characters
    assert values["claim.constraints"] <= 1000
    # one repetition each in tiny mode, and medians/min/max agree with the samples
    assert all(len(m["samples"]) == 1 for m in doc["measurements"]
               if m["backend"] in ("arkworks", "python") and not m["id"].startswith("floor."))
    # the 4-pair floor is re-timed beside each verification and used for its ratio
    beside = [m for m in doc["measurements"] if m["id"] == "floor.pairing_check.beside"]
    # groth16.verify at each synthetic size, claim.verify_circuit, claim.verify
    assert len(beside) == len(suite.MODES["tiny"].log_sizes) + 2
    for fig in ("groth16.verify", "claim.verify_circuit", "claim.verify"):
        m = next(m for m in doc["measurements"] if m["id"] == fig and m["backend"] == "arkworks")
        assert any(f["key"].startswith("floor.pairing_check.beside/") for f in m["floor"]), fig
    report.check_consistency(doc)


def test_tiny_run_resolves_floors_and_targets(tiny):
    doc, _ = tiny
    for m in doc["measurements"]:
        if m["floor"]:
            assert m["ratio_to_floor"] is not None, m["key"]
            assert m["ratio_to_floor"] == pytest.approx(m["median"] / m["floor_median"])
    prove = next(m for m in doc["measurements"] if m["id"] == "groth16.prove")
    assert {f["key"].split("/")[0] for f in prove["floor"]} == {"floor.g1_msm", "floor.g2_msm"}
    tids = {t["id"]: t for t in doc["targets"]}
    assert tids["verify_vs_pairing"]["met"] is not None
    assert tids["claim_verify_vs_floor"]["met"] is not None
    # no batch of 64 and no snarkjs in the tiny run: said so, not guessed
    assert tids["groth16.verify_batch_64"]["met"] is None
    assert tids["claim_prove_vs_snarkjs"]["met"] is None
    phases = {n["phase"] for n in doc["not_run"]}
    assert "peers" in phases and "tables" in phases


def test_tiny_run_writes_schema_valid_files_and_plots(tiny):
    doc, paths = tiny
    again = report.load_results(paths["json"])  # validates and checks consistency
    assert again["measurements"] == doc["measurements"]
    try:
        import matplotlib  # noqa: F401  (the `bench` extra)
    except ImportError:  # without it the run says so instead of drawing
        assert any(n["phase"] == "plots" for n in again["not_run"])
    else:
        for name in ("time_vs_constraints", "batch_throughput", "claim_breakdown"):
            assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    md = paths["md"].read_text()
    assert doc["machine"]["cpu_model"] in md
    assert "## Targets" in md and "## The equipment claim" in md
    assert paths["json"].name.endswith("-tiny.json")


def test_markdown_states_not_run_reasons(tiny):
    doc, _ = tiny
    md = report.markdown(doc)
    for n in doc["not_run"]:
        assert n["reason"] in md


# --- README table --------------------------------------------------------------------------
def test_readme_table_rewritten_between_markers(tiny, tmp_path):
    doc, paths = tiny
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{report.README_START}\nold table\n{report.README_END}\n"
                      "after\n")
    assert report.rewrite_readme(readme, doc, paths["json"])
    text = readme.read_text()
    assert "old table" not in text and text.startswith("# x\n\nbefore\n")
    assert text.rstrip().endswith("after")
    block = text.split(report.README_START)[1].split(report.README_END)[0]
    assert doc["machine"]["cpu_model"] in block
    assert paths["json"].name in block
    header = next(line for line in block.splitlines() if line.startswith("| figure"))
    assert header.index("ratio") < header.index("ours")  # ratios before absolute times
    # idempotent: a second rewrite gives the same text
    assert report.rewrite_readme(readme, doc, paths["json"])
    assert readme.read_text() == text


def test_readme_without_markers_is_left_alone(tiny, tmp_path):
    doc, paths = tiny
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    assert not report.rewrite_readme(readme, doc, paths["json"])
    assert readme.read_text() == "# no markers\n"


# --- schema and validator ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("machine"), "$.machine"),
        (lambda d: d["machine"].update(cores="two"), "$.machine.cores"),
        (lambda d: d.update(mode="huge"), "$.mode"),
        (lambda d: d.update(extra=1), "$.extra"),
        (lambda d: d["measurements"][0].update(samples=[]), "$.measurements[0].samples"),
        (lambda d: d["measurements"][0].update(median=-1.0), "$.measurements[0].median"),
        (lambda d: d["measurements"][0].update(backend="gpu"), "$.measurements[0].backend"),
        (lambda d: d["measurements"][0]["params"].update(n="x"), "$.measurements[0].params.n"),
        (lambda d: d["targets"].append({"id": "t"}), "$.targets"),
    ],
)
def test_validator_rejects_and_names_the_field(tiny, mutate, where):
    doc = copy.deepcopy(tiny[0])
    mutate(doc)
    with pytest.raises(BenchmarkResultsError) as exc:
        report.validate(doc, report.load_schema())
    assert where in str(exc.value)


def test_consistency_check_catches_a_median_that_is_not_the_samples(tiny):
    doc = copy.deepcopy(tiny[0])
    m = doc["measurements"][0]
    m["median"] = m["median"] * 2 + 1
    with pytest.raises(BenchmarkResultsError, match=r"measurements\[0\]\.median"):
        report.check_consistency(doc)


def test_validator_refuses_keywords_it_does_not_implement():
    with pytest.raises(BenchmarkResultsError, match="unsupported"):
        report.validate("x", {"type": "string", "pattern": "^x$"})


def test_committed_results_files_validate():
    files = sorted(RESULTS.glob("*.json"))
    assert files, "commit at least one real results file in benchmarks/results/"
    for f in files:
        doc = report.load_results(f)
        assert doc["mode"] in ("quick", "full"), f
        assert doc["measurements"], f


# --- derived figures, on made-up samples (no timing) ---------------------------------------
def _recorder() -> suite.Recorder:
    return suite.Recorder(suite.MODES["tiny"])


def test_measure_counts_and_divides():
    calls = []
    samples, last = suite.measure(lambda: calls.append(1) or len(calls), repeats=3, warmup=2,
                                  per=4)
    assert len(calls) == 5 and last == 5 and len(samples) == 3
    assert all(s >= 0 for s in samples)
    with pytest.raises(ValueError, match="repeats"):
        suite.measure(lambda: None, repeats=0)


def test_failed_check_stops_the_run():
    rec = _recorder()
    with pytest.raises(RuntimeError, match="failed its check"):
        rec.time("x", "arkworks", lambda: False, check=bool)


def test_floors_comparisons_and_targets_from_samples():
    rec = _recorder()
    p4 = rec.add_samples("floor.pairing_check", "arkworks", [1e-3, 2e-3, 3e-3],
                         params={"pairs": 4})
    rec.add_samples("groth16.verify", "arkworks", [2.2e-3, 2.6e-3, 9e-3],
                    params={"constraints": 253}, floor=[p4["key"]])
    rec.add_samples("claim.prove_circuit", "arkworks", [0.2, 0.3, 0.4],
                    params={"constraints": 441})
    rec.add_samples("claim.prove_circuit", "snarkjs", [0.5, 0.6, 0.7],
                    params={"constraints": 441})
    rec.add_samples("groth16.verify_batch", "arkworks", [1e-3, 1.2e-3], params={"batch": 64},
                    floor=[(p4["key"], 0.5)])
    suite._resolve_floors(rec)
    v = rec.get(suite.measurement_key("groth16.verify", "arkworks", {"constraints": 253}))
    assert v["ratio_to_floor"] == pytest.approx(1.3)
    b = next(m for m in rec.measurements if m["id"] == "groth16.verify_batch")
    assert b["floor_median"] == pytest.approx(1e-3)
    comps = suite.comparisons(rec)
    assert comps == [{"id": "claim.prove_circuit", "backend": "arkworks", "constraints": 441,
                      "ours_median": 0.3, "snarkjs_median": 0.6, "ratio": pytest.approx(0.5)}]
    t = {x["id"]: x for x in suite.targets(rec, comps)}
    assert t["verify_vs_pairing"]["met"] is False  # 1.3x the floor
    assert t["claim_prove_vs_snarkjs"]["met"] is True  # 0.5 <= 0.5
    assert t["groth16.verify_batch_64"]["met"] is True
    assert t["claim_verify_vs_floor"]["met"] is None
    assert t["claim_prove_vs_snarkjs"]["note"] == "ours/snarkjs"  # no cores measured
    rec.value("cores_busy/claim.prove_circuit/snarkjs/constraints=441", 1.83, "cores")
    t = {x["id"]: x for x in suite.targets(rec, comps)}
    assert t["claim_prove_vs_snarkjs"]["note"].endswith("zkclaims not measured")
    rec.value("cores_busy/claim.prove_circuit/arkworks/constraints=441", 1.47, "cores")
    t = {x["id"]: x for x in suite.targets(rec, comps)}
    assert t["claim_prove_vs_snarkjs"]["note"] == (
        "ours/snarkjs; snarkjs kept 1.8 cores busy, zkclaims 1.5")


def test_floor_retimed_beside_the_figure():
    rec = _recorder()
    key = rec.time("floor.x", "arkworks", lambda: 1, params={"n": 1})["key"]
    calls = []
    m = rec.time_beside_floor("fig", "arkworks", lambda: calls.append("f") or True, key,
                              lambda: calls.append("floor"), floor=[key], check=bool)
    # tiny mode: one warm-up pair, then one timed pair, floor first each time
    assert calls == ["floor", "f", "floor", "f"]
    assert len(m["samples"]) == 1 and len(rec.get(key)["samples"]) == 1
    beside = rec.get("floor.x.beside/arkworks/n=1,run=1")
    assert beside is not None and len(beside["samples"]) == 1
    assert m["floor"] == [{"key": beside["key"], "factor": 1.0}]
    with pytest.raises(RuntimeError, match="failed its check"):
        rec.time_beside_floor("fig", "arkworks", lambda: False, key, lambda: None, check=bool)


def test_missing_floor_is_noted_not_invented():
    rec = _recorder()
    rec.add_samples("groth16.prove", "arkworks", [1.0], params={"constraints": 5},
                    floor=["floor.g1_msm/arkworks/points=8"])
    suite._resolve_floors(rec)
    m = rec.measurements[0]
    assert m["ratio_to_floor"] is None and "floor not measured" in m["note"]


def test_fitted_slope_of_a_power_law():
    xs = [2**k for k in range(8, 15)]
    slope, intercept = suite._fit_slope(xs, [3e-6 * x**1.25 for x in xs])
    assert slope == pytest.approx(1.25) and np.exp(intercept) == pytest.approx(3e-6)
    assert suite._fit_slope([256], [1.0]) is None


def test_synthetic_rows_fill_the_domain():
    from zkclaims.groth16 import QAP
    from zkclaims.hazmat import synthetic_r1cs

    r1cs, _ = synthetic_r1cs(suite.synthetic_rows(6), suite.SYNTHETIC_PUBLIC)
    assert QAP.from_r1cs(r1cs).domain.size == 64
    r1cs, _ = synthetic_r1cs(suite.synthetic_rows(6) + 1, suite.SYNTHETIC_PUBLIC)
    assert QAP.from_r1cs(r1cs).domain.size == 128


def test_true_pairs_multiply_to_one():
    from zkclaims.groups import get_backend

    ark = get_backend("arkworks")
    import random

    pairs = suite.true_pairs(ark, 7, random.Random(1))
    assert len(pairs) == 7 and ark.pairing_check(pairs)
    assert not ark.pairing_check(pairs[:-1])


def test_results_stem_names_date_time_host_and_mode():
    import datetime as dt

    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert suite.results_stem("full", when, "ci box.local") == "2026-01-02T030405Z-ci-box-local"
    assert suite.results_stem("quick", when, "h") == "2026-01-02T030405Z-h-quick"


def test_two_runs_never_overwrite_each_other(tiny, tmp_path):
    """Two runs on one host within the same second still get two results files."""
    doc, _ = tiny
    first = suite.write_results(doc, tmp_path, "2026-01-02T030405Z-h-tiny", plots=False)
    second = suite.write_results(doc, tmp_path, "2026-01-02T030405Z-h-tiny", plots=False)
    assert first["json"] != second["json"] and first["md"] != second["md"]
    assert second["json"].name == "2026-01-02T030405Z-h-tiny-2.json"
    assert json.loads(first["json"].read_text()) == json.loads(second["json"].read_text())
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "2026-01-02T030405Z-h-tiny-2.json", "2026-01-02T030405Z-h-tiny.json"]


def test_every_mode_fits_slopes_on_at_least_five_sizes():
    for mode in suite.MODES.values():
        assert len(mode.log_sizes) >= suite.MIN_SLOPE_SIZES, mode.name
    for name in ("quick", "full"):  # snarkjs's slope too, when it runs
        assert len(suite.MODES[name].peer_log_sizes) >= suite.MIN_SLOPE_SIZES, name


def test_slope_on_too_few_sizes_is_not_fitted_and_said_so():
    rec = _recorder()
    for n, t in ((100, 1.0), (200, 2.0), (400, 4.0)):
        rec.add_samples("groth16.prove", "arkworks", [t], params={"constraints": n})
    suite.fit_slopes(rec)
    assert not [v for v in rec.values if v["id"] == "groth16.prove.loglog_slope"]
    assert any("not fitted: 3 sizes" in n for n in rec.notes)
    for n, t in ((800, 8.0), (1600, 16.0)):
        rec.add_samples("groth16.prove", "arkworks", [t], params={"constraints": n})
    suite.fit_slopes(rec)
    (slope,) = [v for v in rec.values if v["id"] == "groth16.prove.loglog_slope"]
    assert slope["value"] == pytest.approx(1.0) and "5 sizes" in slope["note"]


def test_the_tiny_run_fits_its_slope(tiny):
    doc, _ = tiny
    assert any(v["id"] == "groth16.prove.loglog_slope" for v in doc["values"])


def test_readme_table_gives_each_figure_its_spread(tiny):
    doc, _ = tiny
    block = report.readme_table(doc, "x.json")
    rows = [line for line in block.splitlines() if line.startswith("| ") and "figure" not in
            line]
    assert rows
    for row in rows:
        ours = row.split("|")[4]
        assert "(" in ours and ("–" in ours or "1 run" in ours), row
    assert "spread (min – max)" in block


def test_claim_breakdown_has_the_pairing_as_its_own_bar_and_no_total_among_parts(tiny):
    doc, _ = tiny
    assert report.one(doc, "claim.verify.pairing", "arkworks") is not None
    for _title, total, parts in report.CLAIM_PANELS:
        part_ids = [mid for mid, _ in parts]
        assert total not in part_ids
        # a total's part that is itself a total of other parts is not plotted either
        assert not {"claim.prove", "claim.verify", "claim.verify_circuit"} & set(part_ids)
    verify_parts = dict(report.CLAIM_PANELS[1][2])
    assert "claim.verify.pairing" in verify_parts


def test_quick_run_includes_snarkjs_when_installed():
    assert "peers" in suite.PHASES
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    quick = makefile.split("bench-quick:", 1)[1].split("\n\n", 1)[0]
    assert "$(SNARKJS)" in quick  # tries to install snarkjs first, like `make bench`


# --- peers: the reasons they do not run ----------------------------------------------------
def test_peers_without_node_say_why(monkeypatch):
    monkeypatch.setattr(suite.shutil, "which", lambda name: None)
    rec = _recorder()
    suite.phase_peers(rec, suite.Context(), {})
    assert rec.not_run == [{"phase": "peers",
                            "reason": "Node.js is not installed (no `node` on PATH)"}]
    assert not rec.measurements


def test_peers_without_snarkjs_say_why(monkeypatch, tmp_path):
    if shutil.which("node") is None:
        monkeypatch.setattr(suite.shutil, "which", lambda name: "/usr/bin/node")
    monkeypatch.setattr(suite, "PEERS_PREFIX", suite.ROOT / ".cache" / "no-such-peers-dir")
    rec = _recorder()
    suite.phase_peers(rec, suite.Context(), {})
    assert len(rec.not_run) == 1 and "make bench-peers" in rec.not_run[0]["reason"]


def test_peer_package_pins_snarkjs():
    pkg = json.loads((suite.PEERS_DIR / "package.json").read_text())
    assert pkg["dependencies"] == {"snarkjs": "0.7.6"}
    script = (suite.PEERS_DIR / "snarkjs_bench.mjs").read_text()
    for needle in ("groth16.prove", "groth16.verify", "process.hrtime.bigint", "newZKey"):
        assert needle in script


# --- population study ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def study() -> dict:
    return population.study(n=60_000, seed=3)


def test_population_reproduces_its_source(study):
    for c in study["calibration"]:
        assert abs(c["model"] - c["source"]) < 0.01, c


def test_population_shares_are_a_partition(study):
    shares = [c["share"] for c in study["categories"]]
    assert [c["category"] for c in study["categories"]] == list("abcdef")
    assert sum(shares) == pytest.approx(1.0)
    assert sum(c["count"] for c in study["categories"]) == study["n"]
    assert sum(study["usage_shares"].values()) == pytest.approx(1.0)


def test_population_grid_classes_equal_the_scalar_rules():
    pop = population.draw(400, seed=9)
    codes, letters = population.classify(pop)
    from zkclaims.domain import equipment_category

    for i in range(pop.n):
        usage = LensUsage(pop.usage[i])
        classes = []
        for eye in range(2):
            e = EyePrescription.from_quarters(
                int(pop.sphere_q[i, eye]), int(pop.cylinder_q[i, eye]),
                int(pop.axis[i, eye]) or None, int(pop.addition_q[i]))
            cls = classify_lens(e, usage=usage)
            assert cls.code == codes[i, eye]
            classes.append(cls)
        assert equipment_category(*classes).code == letters[i]


def test_population_is_integer_and_in_packing_ranges():
    pop = population.draw(5000, seed=4)
    for arr in (pop.sphere_q, pop.cylinder_q, pop.axis, pop.addition_q):
        assert arr.dtype.kind == "i"
    assert np.abs(pop.sphere_q).max() <= 127 and pop.cylinder_q.max() <= 63
    assert ((pop.axis == 0) == (pop.cylinder_q == 0)).all() and pop.axis.max() <= 180
    assert (pop.addition_q[pop.usage != "far"] > 0).all()


def test_population_information_disclosed(study):
    info = study["information"]
    assert info["zkclaims_class_pair_bits"] <= np.log2(9)
    assert info["zkclaims_category_bits"] <= info["zkclaims_class_pair_bits"] + 1e-9
    assert info["today_joint_plugin_bits"] > 4 * info["zkclaims_class_pair_bits"]
    md = population.markdown(study)
    assert "10.1007/s10654-015-0010-0" in md and "illustrative" in md


def test_population_is_reproducible():
    a, b = population.draw(1000, seed=5), population.draw(1000, seed=5)
    assert (a.sphere_q == b.sphere_q).all() and (a.usage == b.usage).all()


def test_peers_run_snarkjs_on_our_exported_circuit():
    """snarkjs proves and verifies our export (installed from npm like the interop tests; only
    a machine without Node.js skips, saying why)."""
    from ceremony_support import snarkjs

    cmd, why = snarkjs()
    if cmd is None:
        pytest.skip(why)
    from zkclaims.hazmat import synthetic_r1cs

    ctx = suite.Context()
    lg = suite.MODES["tiny"].peer_log_sizes[0]
    ctx.synthetic[lg] = synthetic_r1cs(suite.synthetic_rows(lg), suite.SYNTHETIC_PUBLIC, seed=1)
    rec, out = _recorder(), {}
    suite.phase_peers(rec, ctx, out, timeout=240)
    assert not rec.not_run, rec.not_run
    assert out["peers"]["tool"] == "snarkjs"
    ids = {(m["id"], m["backend"]) for m in rec.measurements}
    # the claim circuit is exported by the peers phase itself when the claim phase did not run
    assert ids == {("groth16.prove", "snarkjs"), ("groth16.verify", "snarkjs"),
                   ("claim.prove_circuit", "snarkjs"), ("claim.verify_circuit", "snarkjs")}
    m = next(m for m in rec.measurements if m["id"] == "groth16.prove")
    assert m["params"] == {"constraints": suite.synthetic_rows(lg), "domain": 1 << lg}
    assert ctx.claim_export is not None
    claim = next(m for m in rec.measurements if m["id"] == "claim.prove_circuit")
    assert claim["params"] == {"constraints": ctx.claim_export[0].n_constraints}
