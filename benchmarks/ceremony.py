"""Ceremony benchmarks: zkclaims beside snarkjs 0.7.6, on the same files, in one run.

    python -m benchmarks.ceremony [--powers 10,11,12] [--repeat 1] [--out benchmarks/results]

Both tools run as the commands a participant types (``zkclaims ceremony ...`` and
``snarkjs ...``, each a fresh process, so start-up is counted on both sides), one after the
other on the same input files:

* phase 1 at 2^k for each k: a contribution to a blank accumulator; the verification of the
  contributed file (unprepared);
* phase 2 of the claim circuit (``optique-equipement-2020``) on the shipped phase-1 file: a
  contribution to the shipped final key; its verification (phase 1 not re-verified);
* the whole shipped transcript: ``zkclaims circuits verify`` (phase 1 and every statement's
  phase 2, every contribution, and the shipped keys compared with the transcript's output)
  beside ``snarkjs powersoftau verify`` plus ``snarkjs zkey verify`` for every statement.

Targets (issue 10): verifying the whole shipped transcript in at most 0.5x the time of
snarkjs's verify commands and in under 30 s; a phase-2 contribution to the claim circuit in
under 5 s. Wall times and the children's CPU time (user + system) are recorded; the machine
may be shared, so the ratios, measured side by side, matter more than the absolute times.
Results: ``benchmarks/results/ceremony/<date>-<host>-ceremony.json`` and ``.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNARKJS = ROOT / ".cache" / "peers" / "node_modules" / ".bin" / "snarkjs"
CIRCUITS = ROOT / "circuits"
CLAIM = "optique-equipement-2020"


def _zkclaims(*args: str) -> list[str]:
    return [sys.executable, "-m", "zkclaims.cli", *args]


def run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, CPU seconds of the child). Fails loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}: exit {proc.returncode}: "
                           f"{(proc.stderr or proc.stdout)[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def timed(cmd: list[str], cwd: Path, repeat: int, prepare=None) -> dict:
    walls, cpus = [], []
    for _ in range(repeat):
        if prepare:
            prepare()
        w, c = run(cmd, cwd)
        walls.append(w)
        cpus.append(c)
    return {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus),
            "runs": len(walls)}


def _rm(*paths: Path):
    def go() -> None:
        for p in paths:
            p.unlink(missing_ok=True)
    return go


def bench(powers: list[int], repeat: int, log=print) -> dict:
    rows = []
    with tempfile.TemporaryDirectory(prefix="zkclaims-bench-ceremony-") as tmp:
        work = Path(tmp)
        sj = [str(SNARKJS)]
        for k in powers:
            blank = work / f"blank{k}.ptau"
            run(_zkclaims("ceremony", "phase1", "new", str(blank), "--power", str(k)), work)
            ours, theirs = work / f"ours{k}.ptau", work / f"sj{k}.ptau"
            log(f"phase 1, 2^{k}: contribute")
            a = timed(_zkclaims("ceremony", "phase1", "contribute", str(blank), str(ours),
                                "--name", "bench", "--quiet"), work, repeat, _rm(ours))
            b = timed([*sj, "powersoftau", "contribute", str(blank), str(theirs),
                       "--name=bench", "-e=bench entropy"], work, repeat, _rm(theirs))
            rows.append({"id": f"phase1_contribute_2^{k}", "ours": a, "snarkjs": b})
            log(f"phase 1, 2^{k}: verify")
            a = timed(_zkclaims("ceremony", "phase1", "verify", str(ours), "--quiet"), work,
                      repeat)
            b = timed([*sj, "powersoftau", "verify", str(ours)], work, repeat)
            rows.append({"id": f"phase1_verify_2^{k}", "ours": a, "snarkjs": b})

        ptau = next((CIRCUITS / "ceremony" / "phase1").glob("pot*.ptau"))
        zkey = CIRCUITS / "ceremony" / CLAIM / f"{CLAIM}.zkey"
        r1cs = work / f"{CLAIM}.r1cs"
        run(_zkclaims("ceremony", "r1cs", CLAIM, str(r1cs)), work)
        out_o, out_s = work / "o.zkey", work / "s.zkey"
        log("phase 2 of the claim circuit: contribute")
        a = timed(_zkclaims("ceremony", "phase2", "contribute", str(zkey), str(out_o),
                            "--name", "bench", "--quiet"), work, repeat, _rm(out_o))
        b = timed([*sj, "zkey", "contribute", str(zkey), str(out_s), "--name=bench",
                   "-e=bench entropy"], work, repeat, _rm(out_s))
        rows.append({"id": "phase2_contribute_claim", "ours": a, "snarkjs": b})
        log("phase 2 of the claim circuit: verify")
        a = timed(_zkclaims("ceremony", "phase2", "verify", CLAIM, str(ptau), str(zkey),
                            "--skip-phase1", "--quiet"), work, repeat)
        b = timed([*sj, "zkey", "verify", str(r1cs), str(ptau), str(zkey)], work, repeat)
        rows.append({"id": "phase2_verify_claim", "ours": a, "snarkjs": b})

        log("the whole shipped transcript: verify")
        a = timed(_zkclaims("circuits", "verify"), work, repeat)
        runs = [run([*sj, "powersoftau", "verify", str(ptau)], work)]
        names = json.loads(subprocess.run(
            [sys.executable, "-c", "import json; from zkclaims.circuits.build import STATEMENTS;"
             " print(json.dumps(list(STATEMENTS)))"], capture_output=True, text=True,
            check=True).stdout)
        for name in names:
            f = work / f"{name}.r1cs"
            run(_zkclaims("ceremony", "r1cs", name, str(f), "--force"), work)
            runs.append(run([*sj, "zkey", "verify", str(f), str(ptau),
                              str(CIRCUITS / "ceremony" / name / f"{name}.zkey")], work))
        b = {"wall_s": sum(w for w, _ in runs), "cpu_s": sum(c for _, c in runs), "runs": 1,
             "commands": len(runs)}
        rows.append({"id": "shipped_transcript_verify", "ours": a, "snarkjs": b,
                     "statements": names})
    for r in rows:
        r["ratio_wall"] = r["ours"]["wall_s"] / r["snarkjs"]["wall_s"]
        r["ratio_cpu"] = r["ours"]["cpu_s"] / r["snarkjs"]["cpu_s"]
    get = {r["id"]: r for r in rows}
    whole, contrib = get["shipped_transcript_verify"], get["phase2_contribute_claim"]
    targets = [
        {"target": "shipped transcript verify <= 0.5x snarkjs (wall)", "value":
         round(whole["ratio_wall"], 3), "met": whole["ratio_wall"] <= 0.5},
        {"target": "shipped transcript verify < 30 s (wall)", "value":
         round(whole["ours"]["wall_s"], 2), "met": whole["ours"]["wall_s"] < 30},
        {"target": "phase-2 contribution to the claim circuit < 5 s (wall)", "value":
         round(contrib["ours"]["wall_s"], 2), "met": contrib["ours"]["wall_s"] < 5},
    ]
    return {"date": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                        "python": platform.python_version(),
                        "load_average": list(os.getloadavg())},
            "snarkjs": "0.7.6", "rows": rows, "targets": targets}


def markdown(res: dict) -> str:
    lines = [f"# Ceremony benchmarks, {res['date']}", "",
             f"{res['machine']['platform']}, {res['machine']['cpus']} CPUs, Python "
             f"{res['machine']['python']}, snarkjs {res['snarkjs']}; load average at the end "
             f"{', '.join(f'{x:.1f}' for x in res['machine']['load_average'])}.", "",
             "| measurement | zkclaims wall | snarkjs wall | ratio (wall) | zkclaims CPU | "
             "snarkjs CPU | ratio (CPU) |", "|---|---|---|---|---|---|---|"]
    for r in res["rows"]:
        o, s = r["ours"], r["snarkjs"]
        lines.append(f"| {r['id']} | {o['wall_s']:.2f} s | {s['wall_s']:.2f} s | "
                     f"{r['ratio_wall']:.2f}x | {o['cpu_s']:.2f} s | {s['cpu_s']:.2f} s | "
                     f"{r['ratio_cpu']:.2f}x |")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['value']} | {'yes' if t['met'] else 'NO'} |"
              for t in res["targets"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--powers", default="10,11,12", help="phase-1 sizes (comma-separated k)")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ceremony"))
    args = p.parse_args(argv)
    if not SNARKJS.exists():
        print(f"snarkjs is not installed at {SNARKJS}: run `make bench-peers` (npm install "
              "--prefix .cache/peers snarkjs@0.7.6) first", file=sys.stderr)
        return 2
    res = bench([int(x) for x in args.powers.split(",") if x], args.repeat,
                log=lambda m: print(m, file=sys.stderr, flush=True))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.date.today().isoformat()}-{platform.node() or 'host'}-ceremony"
    (out / f"{stem}.json").write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (out / f"{stem}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
