"""benchmarks/renewal.py runs and reports every comparison (no timing is asserted here)."""

import json

from benchmarks import renewal


def test_one_repeat_measures_and_reports_every_comparison(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert renewal.main(["--repeat", "1", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert set(doc["results"]) == {"prove", "prove_1_thread", "prove_two_proofs", "verify",
                                   "verify_two_proofs"}
    assert doc["prover_threads"] >= 1
    for r in doc["results"].values():
        assert r["a_wall_s"] > 0 and r["b_wall_s"] > 0 and r["ratio_cpu"] > 0
    printed = capsys.readouterr().out
    for line in renewal.report(doc).splitlines():  # the file's keys are sorted, not the table
        assert line in printed
    assert "renewal claim (1 proof)" in printed and "two-proof form" in printed
    assert "target" in printed
