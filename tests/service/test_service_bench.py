"""The service benchmark runs end to end in the tiny mode, so it cannot rot (no timing asserted)."""

from __future__ import annotations

from benchmarks import report, suite
from zkclaims.registry.pgtemp import unavailable_reason


def test_tiny_service_phase_measures_every_figure(tmp_path):
    doc = suite.run(suite.MODES["tiny"], ("service",))
    ids = {m["id"] for m in doc["measurements"]}
    engines = ["sqlite"] + ([] if unavailable_reason() else ["postgresql"])
    expected = {"service.inprocess.verify", "service.inprocess.verify_many"} | {
        f"service.http.{e}.{engine}" for e in ("single", "batch") for engine in engines}
    assert expected <= ids, expected - ids
    for m in doc["measurements"]:
        assert m["per"] == "claim" and all(s > 0 for s in m["samples"])
    cores = {v["id"] for v in doc["values"]}
    assert "service.server_cores.single.sqlite" in cores
    tids = {t["id"]: t for t in doc["targets"]}
    for tid in ("service_single_sqlite", "service_batch_sqlite"):
        assert tids[tid]["value"] is not None and tids[tid]["met"] is not None
    report.validate(doc, report.load_schema())
    paths = suite.write_results(doc, tmp_path, "svc-tiny", plots=False)
    assert "service" in paths["md"].read_text() or "HTTP" in paths["md"].read_text()
