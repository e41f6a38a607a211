"""The benchmark orchestrator behind ``python -m benchmarks`` (and ``make bench``).

One process runs every phase, each figure as repeated timed runs (``time.perf_counter``) after
untimed warm-up runs, and records the raw samples with their median, min and max:

* ``floors``   the raw backend costs under everything else: the 4-pair pairing check, the
               (N + 3)-pair check of a batch of N, G1 and G2 MSMs of each synthetic size, and an
               Ed25519 signature check (the claim verifier checks one per bundle);
* ``groth16``  setup, prove, verify and batch verify on synthetic R1CS of 2^8..2^14 rows
               (:func:`zkclaims.hazmat.synthetic_r1cs`), arkworks on every size, py_ecc on a
               reduced set (see :data:`MODES`), with a fitted log-log slope of cost vs size;
* ``claim``    the equipment claim (:mod:`benchmarks.claim`): witness generation, proving,
               verification, batch verification at 1, 8, 64, 256 bundles, bundle size;
* ``peers``    snarkjs proving and verifying the same circuits, exported as ``.r1cs``/``.wtns``,
               set up by snarkjs itself, in one Node.js process
               (``benchmarks/peers/snarkjs_bench.mjs``);
* ``tables``   (full mode) the detailed tables of :mod:`benchmarks.groups` and
               :mod:`benchmarks.groth16` (their own runs; medians only);
* ``service``  the insurer's service (:mod:`benchmarks.service`): claims per second through
               HTTP (single and batch endpoints, SQLite and PostgreSQL) beside the in-process
               ``Verifier.verify`` / ``verify_many`` ceiling.

Every figure with a floor carries ``ratio_to_floor``; each step measured by both us and snarkjs
gets an ours/snarkjs ratio; every figure keeps its samples, so its spread (min – max over the
repeated runs) is reported beside its median; slopes are fitted on at least
:data:`MIN_SLOPE_SIZES` sizes. Results go to
``benchmarks/results/<UTC date and time>-<host>[-mode].json`` (never overwritten)
(validated against ``benchmarks/results.schema.json``) with a Markdown report and PNG plots
next to it (:mod:`benchmarks.report`).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
PEERS_DIR = ROOT / "benchmarks" / "peers"
PEERS_PREFIX = ROOT / ".cache" / "peers"  # `make bench-peers` installs snarkjs here
FORMAT = "zkclaims-bench-results"
FORMAT_VERSION = 1
PHASES = ("floors", "groth16", "claim", "peers", "tables", "service")


@dataclass(frozen=True)
class Mode:
    """What one run measures: sizes, repetitions, which backends, which phases."""

    name: str
    repeats: int
    warmup: int
    log_sizes: tuple[int, ...]  # synthetic R1CS of 2^k rows, arkworks
    pyecc_prove_log_sizes: tuple[int, ...]  # synthetic sizes proved with py_ecc too
    pyecc_verify: bool  # py_ecc verify (and its pairing floor) on the smallest size
    pyecc_repeats: int
    batch_sizes: tuple[int, ...]  # synthetic batch verification (arkworks)
    claim_batch_sizes: tuple[int, ...]
    claim_pyecc: bool  # verify one claim bundle with py_ecc as well
    peer_log_sizes: tuple[int, ...]  # synthetic sizes given to snarkjs
    groups_table: bool  # run benchmarks.groups.run (its own repetitions)
    time_budget_s: int  # what the mode promises on 2 cores

    @property
    def pyecc_desc(self) -> str:
        """Plain words for the reduced py_ecc set (printed and recorded)."""
        parts = []
        if self.pyecc_verify:
            parts.append("4-pair pairing check and verify on the smallest synthetic size")
        if self.pyecc_prove_log_sizes:
            parts.append(
                "prove at " + ", ".join(f"2^{k}" for k in self.pyecc_prove_log_sizes)
                + " rows (reusing the arkworks keys: keys are byte-identical across backends)"
            )
        if self.claim_pyecc:
            parts.append("one claim verification")
        return "; ".join(parts) or "not run in this mode"


MODES: dict[str, Mode] = {
    # the test suite's mode: everything runs once on the smallest inputs, so the code cannot rot
    # (five synthetic sizes at least in every mode: slopes are fitted on >= MIN_SLOPE_SIZES)
    "tiny": Mode("tiny", 1, 1, (4, 5, 6, 7, 8), (), True, 1, (1, 2), (1, 2), False, (5,),
                 False, 60),
    "quick": Mode(
        "quick", 3, 1, (7, 8, 9, 10, 11), (), True, 1, (1, 8, 64), (1, 8, 64), False,
        (7, 8, 9, 10, 11), False, 180,
    ),
    "full": Mode(
        "full", 5, 1, (8, 9, 10, 11, 12, 13, 14), (8,), True, 3, (1, 8, 64, 256),
        (1, 8, 64, 256), True, (10, 11, 12, 13, 14), True, 1200,
    ),
}

#: A log-log slope is fitted on at least this many sizes (fewer: not fitted, and said so).
MIN_SLOPE_SIZES = 5

#: Public inputs of the synthetic circuits (like a small real statement).
SYNTHETIC_PUBLIC = 2


def synthetic_rows(log_size: int, n_public: int = SYNTHETIC_PUBLIC) -> int:
    """Constraints of the synthetic circuit "of 2^k rows": its QAP domain is exactly 2^k.

    Both Groth16 implementations add one row per public input and one for the constant, so
    ``2^k - n_public - 1`` constraints fill a domain of 2^k with no padding, for us and snarkjs.
    """
    return (1 << log_size) - n_public - 1


# ---------------------------------------------------------------------------------------------
# Timing and recording
# ---------------------------------------------------------------------------------------------
def measure(
    fn: Callable[[], Any], repeats: int, warmup: int = 0, per: int = 1
) -> tuple[list[float], Any]:
    """Time ``fn`` ``repeats`` times after ``warmup`` untimed calls; seconds per item.

    ``per`` divides each sample (e.g. a batch of ``per`` proofs gives seconds per proof).
    Returns the samples and the last call's result (so callers can check it).
    """
    if repeats < 1:
        raise ValueError(f"repeats: must be >= 1, got {repeats}")
    samples, result, _ = measure_cpu(fn, repeats, warmup, per)
    return samples, result


def median_time(fn: Callable[[], Any], repeat: int = 5, inner: int = 1) -> float:
    """Median over ``repeat`` samples of ``inner`` back-to-back calls of ``fn``, per call (s).

    The one timing helper of the table benchmarks (:mod:`benchmarks.groups`,
    :mod:`benchmarks.groth16`, :mod:`benchmarks.bench_frontend`), built on :func:`measure`.
    """
    call = fn
    if inner != 1:

        def call() -> None:
            for _ in range(inner):
                fn()

    samples, _ = measure(call, repeat, per=inner)
    return float(statistics.median(samples))


def measure_cpu(
    fn: Callable[[], Any], repeats: int, warmup: int = 0, per: int = 1
) -> tuple[list[float], Any, float]:
    """Like :func:`measure`, plus the cores kept busy on average (process CPU time / wall)."""
    if repeats < 1:
        raise ValueError(f"repeats: must be >= 1, got {repeats}")
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    cpu0 = time.process_time()
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) / per)
    cpu = time.process_time() - cpu0
    wall = sum(samples) * per
    return samples, result, (cpu / wall if wall > 0 else 0.0)


def measurement_key(mid: str, backend: str, params: dict[str, int] | None = None) -> str:
    """Stable key of a measurement: ``id/backend/k=v,...`` (params sorted)."""
    p = ",".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
    return f"{mid}/{backend}/{p}"


@dataclass
class Recorder:
    """Collects measurements, single values, skipped phases and notes of one run."""

    mode: Mode
    progress: bool = False
    measurements: list[dict[str, Any]] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    not_run: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    beside_runs: int = 0

    def add_samples(
        self,
        mid: str,
        backend: str,
        samples: Sequence[float],
        *,
        params: dict[str, int] | None = None,
        floor: Sequence[str | tuple[str, float]] | None = None,
        per: str | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        """Record already-taken samples (seconds).

        ``floor`` lists measurement keys (or ``(key, factor)``) whose medians, times their
        factors, add up to the floor of this figure.
        """
        if not samples:
            raise ValueError(f"{mid}: no samples")
        rec = {
            "key": measurement_key(mid, backend, params),
            "id": mid,
            "backend": backend,
            "params": dict(params or {}),
            "unit": "s",
            "per": per,
            "samples": [float(s) for s in samples],
            "median": float(statistics.median(samples)),
            "min": float(min(samples)),
            "max": float(max(samples)),
            "floor": [{"key": f, "factor": 1.0} if isinstance(f, str) else
                      {"key": f[0], "factor": float(f[1])} for f in (floor or [])],
            "floor_median": None,
            "ratio_to_floor": None,
            "note": note,
        }
        self.measurements = [m for m in self.measurements if m["key"] != rec["key"]]
        self.measurements.append(rec)
        return rec

    def time(
        self,
        mid: str,
        backend: str,
        fn: Callable[[], Any],
        *,
        params: dict[str, int] | None = None,
        repeats: int | None = None,
        warmup: int | None = None,
        per: int = 1,
        per_label: str | None = None,
        floor: Sequence[str | tuple[str, float]] | None = None,
        check: Callable[[Any], bool] | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        """Measure ``fn`` and record it; ``check(result)`` must hold or the run fails loudly."""
        samples, result, cores = measure_cpu(
            fn,
            self.mode.repeats if repeats is None else repeats,
            self.mode.warmup if warmup is None else warmup,
            per,
        )
        if check is not None and not check(result):
            raise RuntimeError(f"{mid} ({backend}, {params}): result failed its check: {result!r}")
        if "prove" in mid:
            note = (note + "; " if note else "") + f"{cores:.2f} cores busy on average"
            self.value(f"cores_busy/{measurement_key(mid, backend, params)}", round(cores, 3),
                       "cores", note="process CPU time / wall time over the timed runs")
        return self.add_samples(mid, backend, samples, params=params, floor=floor,
                                per=per_label, note=note)

    def time_beside_floor(
        self,
        mid: str,
        backend: str,
        fn: Callable[[], Any],
        floor_key: str,
        floor_fn: Callable[[], Any] | None,
        *,
        params: dict[str, int] | None = None,
        floor: Sequence[str | tuple[str, float]] | None = None,
        check: Callable[[Any], bool] | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        """Like :meth:`time`, with the floor re-timed beside it, run for run (F, A, F, A...).

        The floor's samples taken beside the figure are recorded as ``<floor id>.beside``
        (params of ``floor_key`` plus a ``run`` number), and that record replaces
        ``floor_key`` in the figure's floor: the ratio compares times taken under the same
        machine load. ``floor_fn`` None: plain :meth:`time`.
        """
        if floor_fn is None:
            return self.time(mid, backend, fn, params=params, floor=floor, check=check, note=note)
        for _ in range(self.mode.warmup):
            floor_fn()
            fn()
        floor_samples, samples, result = [], [], None
        for _ in range(self.mode.repeats):
            t0 = time.perf_counter()
            floor_fn()
            t1 = time.perf_counter()
            result = fn()
            samples.append(time.perf_counter() - t1)
            floor_samples.append(t1 - t0)
        if check is not None and not check(result):
            raise RuntimeError(f"{mid} ({backend}, {params}): result failed its check: {result!r}")
        base = self.get(floor_key)
        if base is not None:
            self.beside_runs += 1
            beside = self.add_samples(
                base["id"] + ".beside", base["backend"], floor_samples,
                params={**base["params"], "run": self.beside_runs},
                note=f"re-timed beside {measurement_key(mid, backend, params)}")["key"]
            floor = [(beside if f == floor_key else f) if isinstance(f, str) else
                     ((beside, f[1]) if f[0] == floor_key else f) for f in (floor or [])]
        return self.add_samples(mid, backend, samples, params=params, floor=floor,
                                note=(note + "; " if note else "") + "floor re-timed beside it")

    def value(self, vid: str, value: float | int, unit: str, note: str = "") -> None:
        """Record a single value (a size in bytes, a fitted slope, a count)."""
        self.values.append({"id": vid, "value": value, "unit": unit, "note": note})

    def skip(self, phase: str, reason: str) -> None:
        """Record that ``phase`` (or part of it) did not run, and why."""
        self.not_run.append({"phase": phase, "reason": reason})
        _log(f"[{phase}] not run: {reason}")

    def get(self, key: str) -> dict[str, Any] | None:
        """The measurement with this key, if recorded."""
        return next((m for m in self.measurements if m["key"] == key), None)

    def bar(self, iterable: Iterable[Any], desc: str, total: int | None = None) -> Iterable[Any]:
        """A tqdm progress bar on stderr (silent when progress is off or tqdm is missing)."""
        try:
            from tqdm import tqdm
        except ImportError:  # the `bench` extra is not installed: no bar, same work
            return iterable
        return tqdm(iterable, desc=desc, total=total, disable=not self.progress, leave=False,
                    file=sys.stderr)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Machine and versions
# ---------------------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _cmd_output(cmd: Sequence[str], cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=cwd,
                             check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, Python, OS, host, load when the run started."""
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "host": socket.gethostname(),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "memory_bytes": _memory_bytes(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "os": platform.platform(),
        "machine": platform.machine(),
        "load_average": load,
    }


def library_versions() -> dict[str, str | None]:
    """Versions of zkclaims, its dependencies, and the peers' tools (None when absent)."""
    out: dict[str, str | None] = {}
    for dist in ("zkclaims", "py-arkworks-bls12381", "py_ecc", "numpy", "cryptography",
                 "pydantic", "matplotlib", "tqdm"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    node = shutil.which("node")
    out["node"] = _cmd_output([node, "--version"]) if node else None
    pkg = PEERS_PREFIX / "node_modules" / "snarkjs" / "package.json"
    try:
        out["snarkjs"] = json.loads(pkg.read_text())["version"]
    except (OSError, ValueError, KeyError):
        out["snarkjs"] = None
    out["git_commit"] = _cmd_output(["git", "rev-parse", "HEAD"], cwd=ROOT)
    status = _cmd_output(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT)
    out["git_dirty"] = "yes" if status else "no"
    return out


# ---------------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------------
@dataclass
class Context:
    """What phases share: synthetic circuits, their keys and proofs (for snarkjs export)."""

    synthetic: dict[int, tuple[Any, list[int]]] = field(default_factory=dict)  # log -> r1cs, w
    keys: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    claim_export: tuple[Any, list[int]] | None = None  # claim circuit r1cs, witness
    claim_rows: int | None = None
    floor_check4: Callable[[], Any] | None = None  # the raw 4-pair check (arkworks), re-timed


def true_pairs(be: Any, k: int, rng: random.Random) -> list[tuple[Any, Any]]:
    """``k >= 2`` random pairs whose pairing product is 1: ``(a_i G1, b_i G2)`` for i < k, then
    ``(-(sum a_i b_i) G1, G2)``. Miller-loop cost does not depend on the points."""
    from zkclaims.field import R

    if k < 2:
        raise ValueError(f"k: need at least 2 pairs, got {k}")
    g1, g2 = be.g1_generator(), be.g2_generator()
    pairs, acc = [], 0
    for _ in range(k - 1):
        a, b = rng.randrange(1, R), rng.randrange(1, R)
        pairs.append((be.g1_mul(g1, a), be.g2_mul(g2, b)))
        acc += a * b
    pairs.append((be.g1_mul(g1, (-acc) % R), g2))
    return pairs


def _signature_floor(rec: Recorder) -> str:
    """Ed25519 verification of a 100-byte message: one per claim bundle (the attestation)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    msg = os.urandom(100)
    sig = key.sign(msg)
    pub = key.public_key()
    m = rec.time("floor.ed25519_verify", "cryptography", lambda: pub.verify(sig, msg),
                 note="pyca/cryptography (OpenSSL)")
    return m["key"]


def phase_floors(rec: Recorder, ctx: Context) -> None:
    """Raw backend costs: pairing checks (4 pairs; N + 3 pairs), G1/G2 MSMs, Ed25519 verify."""
    from benchmarks import groups as gb
    from zkclaims.field import R
    from zkclaims.groups import get_backend

    rng = random.Random(2026)
    ark = get_backend("arkworks")
    pairs = true_pairs(ark, 4, rng)
    ctx.floor_check4 = lambda: ark.pairing_check(pairs)
    rec.time("floor.pairing_check", "arkworks", ctx.floor_check4, params={"pairs": 4},
             check=bool)
    if rec.mode.pyecc_verify:
        pye = get_backend("py_ecc")
        ppairs = true_pairs(pye, 4, rng)
        rec.time("floor.pairing_check", "py_ecc", lambda: pye.pairing_check(ppairs),
                 params={"pairs": 4}, repeats=rec.mode.pyecc_repeats, warmup=0, check=bool)
    # (N + 3)-pair checks: the floor of a batch of N proofs (one final exponentiation)
    batch_sizes = sorted(set(rec.mode.batch_sizes) | set(rec.mode.claim_batch_sizes))
    for n in rec.bar([b for b in batch_sizes if b > 1], "floor: batch pairing checks"):
        big = true_pairs(ark, n + 3, rng)
        rec.time("floor.pairing_check", "arkworks", lambda big=big: ark.pairing_check(big),
                 params={"pairs": n + 3}, check=bool)
    # MSMs of each synthetic size, with prepared scalars (what the prover uses)
    sizes = [1 << k for k in rec.mode.log_sizes]
    top = max(sizes)
    g1_points = gb.chain_points(ark, "g1", top, rng)
    g2_points = gb.chain_points(ark, "g2", top, rng)
    scalars = [rng.randrange(R) for _ in range(top)]
    for n in rec.bar(sizes, "floor: MSMs"):
        prepared = ark.prepare_scalars(scalars[:n])
        rec.time("floor.g1_msm", "arkworks",
                 lambda n=n, p=prepared: ark.g1_msm(g1_points[:n], p), params={"points": n})
        rec.time("floor.g2_msm", "arkworks",
                 lambda n=n, p=prepared: ark.g2_msm(g2_points[:n], p), params={"points": n})
    _signature_floor(rec)


def _fit_slope(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares slope and intercept of log(y) against log(x); None with < 2 points."""
    if len(xs) < 2:
        return None
    import numpy as np

    lx, ly = np.log(np.asarray(xs, dtype=float)), np.log(np.asarray(ys, dtype=float))
    slope, intercept = np.polyfit(lx, ly, 1)
    return float(slope), float(intercept)


def phase_groth16(rec: Recorder, ctx: Context) -> None:
    """Synthetic R1CS: setup, prove, verify, batch verify; fitted slope of prove vs size."""
    from zkclaims.groth16 import (
        QAP,
        Proof,
        prepare_verifying_key,
        prove,
        setup,
        verify,
        verify_batch,
    )
    from zkclaims.hazmat import synthetic_r1cs

    mode = rec.mode
    last_pvk = None
    for lg in rec.bar(mode.log_sizes, "groth16: synthetic sizes"):
        n = synthetic_rows(lg)
        r1cs, w = synthetic_r1cs(n, SYNTHETIC_PUBLIC, seed=lg)
        ctx.synthetic[lg] = (r1cs, w)
        params = {"constraints": n, "domain": 1 << lg}
        qap = QAP.from_r1cs(r1cs)
        if qap.domain.size != 1 << lg:
            raise RuntimeError(f"synthetic 2^{lg}: QAP domain {qap.domain.size}, expected 2^{lg}")
        box: dict[str, Any] = {}

        def do_setup(qap: Any = qap, box: dict[str, Any] = box) -> Any:
            box["keys"] = setup(qap, "arkworks")
            return box["keys"]

        rec.time("groth16.setup", "arkworks", do_setup, params=params, repeats=1, warmup=0,
                 note="one-party setup with fresh randomness (zkclaims.groth16.setup)")
        pk, vk = box["keys"]
        ctx.keys[lg] = (pk, vk)
        pvk = prepare_verifying_key(vk, "arkworks")
        last_pvk = pvk
        pub = w[1 : 1 + SYNTHETIC_PUBLIC]
        floor_prove = [measurement_key("floor.g1_msm", "arkworks", {"points": 1 << lg}),
                       measurement_key("floor.g2_msm", "arkworks", {"points": 1 << lg})]
        rec.time("groth16.prove", "arkworks", lambda pk=pk, q=qap, w=w: prove(pk, q, w,
                     "arkworks"), params=params, floor=floor_prove)
        raw = prove(pk, qap, w, "arkworks").to_bytes()
        pair4 = measurement_key("floor.pairing_check", "arkworks", {"pairs": 4})
        rec.time_beside_floor(
            "groth16.verify", "arkworks",
            lambda b=raw, v=pvk, x=pub: verify(v, x, Proof.from_bytes(b)), pair4,
            ctx.floor_check4, params=params, check=bool, floor=[pair4],
            note="from the proof's 192 bytes (decode + checks)")
        if lg in mode.pyecc_prove_log_sizes:
            _log(f"[groth16] py_ecc prove at 2^{lg} (slow: pure Python)")
            rec.time("groth16.prove", "py_ecc", lambda pk=pk, q=qap, w=w: prove(pk, q, w,
                     "py_ecc"), params=params, repeats=1, warmup=1,
                     note="keys from the arkworks setup (byte-identical across backends); the "
                          "untimed warm-up run decodes and checks the key's points once")
    if last_pvk is None:
        return
    # py_ecc verify on the smallest size
    lg0 = min(mode.log_sizes)
    r1cs0, w0 = ctx.synthetic[lg0]
    pk0, vk0 = ctx.keys[lg0]
    raw0 = prove(pk0, r1cs0, w0, "arkworks").to_bytes()
    pub0 = w0[1 : 1 + SYNTHETIC_PUBLIC]
    if mode.pyecc_verify:
        pvk_py = prepare_verifying_key(vk0, "py_ecc")
        rec.time("groth16.verify", "py_ecc",
                 lambda: verify(pvk_py, pub0, Proof.from_bytes(raw0)),
                 params={"constraints": synthetic_rows(lg0), "domain": 1 << lg0},
                 repeats=mode.pyecc_repeats, warmup=0, check=bool,
                 floor=[measurement_key("floor.pairing_check", "py_ecc", {"pairs": 4})],
                 note="proof made with arkworks")
    # batch verification (the statement's size does not matter: same vk shape)
    pvk0 = prepare_verifying_key(vk0, "arkworks")
    top = max(mode.batch_sizes)
    raws = [prove(pk0, r1cs0, w0, "arkworks").to_bytes() for _ in rec.bar(range(top),
            "groth16: proofs for batch verify")]
    for b in mode.batch_sizes:
        floor = [(measurement_key("floor.pairing_check", "arkworks", {"pairs": b + 3 if b > 1
                                                                      else 4}), 1.0 / b)]
        rec.time("groth16.verify_batch", "arkworks",
                 lambda b=b: verify_batch(pvk0, [(pub0, Proof.from_bytes(x)) for x in raws[:b]]),
                 params={"batch": b, "constraints": synthetic_rows(lg0)}, per=b,
                 per_label="proof", check=bool, floor=floor,
                 note="distinct proofs, from bytes (decode + checks)")


def fit_slopes(rec: Recorder) -> None:
    """Fitted log-log slope of time vs constraints: prove and setup (arkworks), prove (snarkjs)."""
    for mid, backend, vid in (("groth16.prove", "arkworks", "groth16.prove.loglog_slope"),
                              ("groth16.setup", "arkworks", "groth16.setup.loglog_slope"),
                              ("groth16.prove", "snarkjs", "groth16.prove.loglog_slope.snarkjs")):
        pts = sorted((m["params"]["constraints"], m["median"]) for m in rec.measurements
                     if m["id"] == mid and m["backend"] == backend)
        if not pts:
            continue
        if len(pts) < MIN_SLOPE_SIZES:
            rec.notes.append(f"{vid}: not fitted: {len(pts)} sizes measured ({backend}), at "
                             f"least {MIN_SLOPE_SIZES} needed for a slope worth reading")
            continue
        fit = _fit_slope([p[0] for p in pts], [p[1] for p in pts])
        if fit:
            rec.value(vid, round(fit[0], 4), "slope",
                      note=f"{backend}, {len(pts)} sizes {pts[0][0]}..{pts[-1][0]} constraints; "
                           f"intercept {fit[1]:.4f} (natural log of seconds)")


def phase_claim(rec: Recorder, ctx: Context) -> None:
    """The equipment claim (see :mod:`benchmarks.claim`)."""
    from benchmarks import claim

    claim.run(rec, ctx)


def phase_tables(rec: Recorder, ctx: Context, out: dict[str, Any]) -> None:
    """The detailed tables of :mod:`benchmarks.groups` and :mod:`benchmarks.groth16`."""
    import importlib

    quick = rec.mode.name != "full"
    for name in ("groups", "groth16"):
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
        except ImportError as exc:
            rec.skip("tables", f"benchmarks.{name} unavailable: {exc}")
            continue
        _log(f"[tables] benchmarks.{name}.run(quick={quick})")
        res = mod.run(quick=quick)
        out[f"{name}_table"] = {k: float(v) for k, v in res.items()
                                if k != "config" and isinstance(v, int | float)}
        out[f"{name}_config"] = res.get("config", {})


def _run_node(cmd: Sequence[str], echo: bool, timeout: float) -> tuple[int, str, list[str]]:
    """Run ``cmd``; stream its stderr (progress) when ``echo``; return code, stdout, last lines.

    A run past ``timeout`` seconds is stopped (this process started it) and reported as -1.
    """
    import collections
    import threading

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    tail: collections.deque[str] = collections.deque(maxlen=4)

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            tail.append(line.rstrip())
            if echo:
                _log(line.rstrip())

    def read_out() -> None:
        assert proc.stdout is not None
        out.append(proc.stdout.read())

    threads = [threading.Thread(target=read_err), threading.Thread(target=read_out)]
    for t in threads:
        t.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        tail.append(f"stopped after {timeout:.0f} s")
        code = -1
    for t in threads:
        t.join()
    return code, "".join(out), list(tail)


def phase_peers(rec: Recorder, ctx: Context, out: dict[str, Any],
                timeout: float = 2400) -> None:
    """snarkjs on the same circuits (exported ``.r1cs``/``.wtns``), one Node.js process.

    The Node process is stopped after ``timeout`` seconds (then the peers say why).
    """
    from zkclaims.circuit.iden3 import write_r1cs, write_wtns

    node = shutil.which("node")
    pkg = PEERS_PREFIX / "node_modules" / "snarkjs" / "package.json"
    if node is None:
        rec.skip("peers", "Node.js is not installed (no `node` on PATH)")
        return
    if not pkg.exists():
        rec.skip("peers", f"snarkjs is not installed in {PEERS_PREFIX.relative_to(ROOT)} "
                          "(run `make bench-peers`)")
        return
    work = PEERS_PREFIX / "work"
    cdir = work / f"circuits-{os.getpid()}"
    cdir.mkdir(parents=True, exist_ok=True)
    # The committed phase-1 file (zkclaims' ceremony, snarkjs's format, prepared) serves
    # snarkjs's setups up to its size: no minutes-long one-off powers of tau for those.
    for shipped in (ROOT / "circuits" / "ceremony" / "phase1").glob("pot*.ptau"):
        cached = work / f"bls12381_{shipped.stem[3:]}_final.ptau"
        if shipped.stem[3:].isdigit() and not cached.exists():
            shutil.copyfile(shipped, cached)
    circuits = []
    if ctx.claim_export is None:  # the claim phase did not run: export the circuit anyway
        from benchmarks import claim

        ctx.claim_export = claim.export_circuit()
    from zkclaims.hazmat import synthetic_r1cs

    for lg in rec.mode.peer_log_sizes:
        if lg not in ctx.synthetic:  # the groth16 phase did not run (or not at this size)
            ctx.synthetic[lg] = synthetic_r1cs(synthetic_rows(lg), SYNTHETIC_PUBLIC, seed=lg)
    try:
        if ctx.claim_export is not None:
            r1cs, w = ctx.claim_export
            write_r1cs(cdir / "claim.r1cs", r1cs)
            write_wtns(cdir / "claim.wtns", w)
            circuits.append({"name": "claim", "r1cs": str(cdir / "claim.r1cs"),
                             "wtns": str(cdir / "claim.wtns"), "_w": w, "_np": r1cs.n_public})
        for lg in rec.mode.peer_log_sizes:
            if lg not in ctx.synthetic:
                continue
            r1cs, w = ctx.synthetic[lg]
            write_r1cs(cdir / f"synthetic-{lg}.r1cs", r1cs)
            write_wtns(cdir / f"synthetic-{lg}.wtns", w)
            circuits.append({"name": f"synthetic-{lg}", "r1cs": str(cdir / f"synthetic-{lg}.r1cs"),
                             "wtns": str(cdir / f"synthetic-{lg}.wtns"), "_w": w,
                             "_np": r1cs.n_public, "_lg": lg})
        if not circuits:
            rec.skip("peers", "no circuit to give snarkjs in this run")
            return
        job = {
            "snarkjs_prefix": str(PEERS_PREFIX), "work_dir": str(work),
            "repeats": rec.mode.repeats, "warmup": max(1, rec.mode.warmup),
            "circuits": [{k: v for k, v in c.items() if not k.startswith("_")} for c in circuits],
        }
        job_path = cdir / "job.json"
        job_path.write_text(json.dumps(job))
        _log(f"[peers] snarkjs on {', '.join(c['name'] for c in circuits)} (one Node process)")
        code, stdout, tail = _run_node([node, str(PEERS_DIR / "snarkjs_bench.mjs"),
                                        str(job_path)], echo=rec.progress, timeout=timeout)
        if code != 0:
            rec.skip("peers", f"snarkjs run failed (exit {code}): {' | '.join(tail)}")
            return
        res = json.loads(stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cdir, ignore_errors=True)
    out["peers"] = {"tool": res["tool"], "version": res["version"], "node": res["node"],
                    "threads": res["threads"]}
    if res.get("ptau", {}).get("seconds") is not None:
        rec.value("snarkjs.ptau_seconds", round(res["ptau"]["seconds"], 3), "s",
                  note=f"one-off {res['ptau']['file']} (new, contribute, prepare phase 2), "
                       "cached in .cache/peers/work for later runs")
    by_name = {c["name"]: c for c in circuits}
    for c in res["circuits"]:
        mine = by_name[c["name"]]
        expected = [str(x) for x in mine["_w"][1 : 1 + mine["_np"]]]
        if c["public_signals"] != expected:
            raise RuntimeError(f"peers: snarkjs public signals for {c['name']} differ from ours")
        if c["name"] == "claim":
            params = {"constraints": c["constraints"]}
            prove_id, verify_id = "claim.prove_circuit", "claim.verify_circuit"
        else:
            params = {"constraints": c["constraints"], "domain": 1 << mine["_lg"]}
            prove_id, verify_id = "groth16.prove", "groth16.verify"
        note = (f"snarkjs {res['version']} on Node {res['node']}, groth16.prove(zkey, wtns) with "
                f"zkey and wtns in memory; {res['threads']} worker threads; setup by snarkjs "
                f"(phase 2 in {c['setup_seconds']:.1f} s)")
        rec.value(f"snarkjs.phase2_setup_seconds.{c['name']}", round(c["setup_seconds"], 3), "s",
                  note="snarkjs zKey.newZKey + one contribution + verification key export")
        rec.add_samples(prove_id, "snarkjs", [x / 1e9 for x in c["prove_ns"]], params=params,
                        note=f"{note}; {c['prove_cores']:.2f} cores busy on average")
        rec.value(f"cores_busy/{measurement_key(prove_id, 'snarkjs', params)}",
                  round(c["prove_cores"], 3), "cores",
                  note="Node process CPU time (all threads) / wall time over the timed runs")
        rec.add_samples(verify_id, "snarkjs", [x / 1e9 for x in c["verify_ns"]], params=params,
                        note=f"{note}; {c['verify_cores']:.2f} cores busy on average")


# ---------------------------------------------------------------------------------------------
# Derived figures: floors, comparisons with snarkjs, targets
# ---------------------------------------------------------------------------------------------
def _resolve_floors(rec: Recorder) -> None:
    for m in rec.measurements:
        if not m["floor"]:
            continue
        parts = [(rec.get(f["key"]), f["factor"]) for f in m["floor"]]
        missing = [f["key"] for f, (p, _) in zip(m["floor"], parts, strict=True) if p is None]
        if missing:
            m["note"] = (m["note"] + "; " if m["note"] else "") + f"floor not measured: {missing}"
            continue
        fl = sum(p["median"] * k for p, k in parts if p is not None)
        m["floor_median"] = fl
        m["ratio_to_floor"] = m["median"] / fl if fl > 0 else None


def ensure_msm_floor(rec: Recorder, n: int) -> list[str]:
    """Measure the G1 and G2 MSM floors of ``n`` points if not yet done; return their keys."""
    from benchmarks import groups as gb
    from zkclaims.field import R
    from zkclaims.groups import get_backend

    keys = [measurement_key(f"floor.{g}_msm", "arkworks", {"points": n}) for g in ("g1", "g2")]
    if all(rec.get(k) for k in keys):
        return keys
    ark = get_backend("arkworks")
    rng = random.Random(n)
    prepared = ark.prepare_scalars([rng.randrange(R) for _ in range(n)])
    for grp, key in zip(("g1", "g2"), keys, strict=True):
        if rec.get(key):
            continue
        pts = gb.chain_points(ark, grp, n, rng)
        msm = getattr(ark, f"{grp}_msm")
        rec.time(f"floor.{grp}_msm", "arkworks", lambda pts=pts, msm=msm: msm(pts, prepared),
                 params={"points": n})
    return keys


def comparisons(rec: Recorder) -> list[dict[str, Any]]:
    """ours/snarkjs per step, wherever both measured the same id and circuit size."""
    out = []
    for peer in (m for m in rec.measurements if m["backend"] == "snarkjs"):
        ours = [m for m in rec.measurements if m["id"] == peer["id"] and m["backend"] !=
                "snarkjs" and m["params"].get("constraints") == peer["params"].get("constraints")]
        for m in ours:
            out.append({"id": peer["id"], "backend": m["backend"],
                        "constraints": peer["params"].get("constraints"),
                        "ours_median": m["median"], "snarkjs_median": peer["median"],
                        "ratio": m["median"] / peer["median"]})
    return out


def targets(rec: Recorder, comps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets on the arkworks backend, each met, missed, or not measured."""
    out = []

    def add(tid: str, desc: str, limit: float, value: float | None, note: str) -> None:
        out.append({"id": tid, "description": desc, "limit": limit,
                    "value": None if value is None else round(value, 4),
                    "met": None if value is None else bool(value <= limit), "note": note})

    ver = [m for m in rec.measurements if m["id"] == "groth16.verify" and
           m["backend"] == "arkworks" and m["ratio_to_floor"] is not None]
    worst = max(ver, key=lambda m: m["ratio_to_floor"]) if ver else None
    add("verify_vs_pairing", "groth16 verify ≤ 1.2× the raw 4-pair pairing check (arkworks)",
        1.2, worst["ratio_to_floor"] if worst else None,
        f"worst over synthetic sizes (at {worst['params']['constraints']} constraints)"
        if worst else "not measured")
    cv = next((m for m in rec.measurements if m["id"] == "claim.verify" and
               m["backend"] == "arkworks" and m["ratio_to_floor"] is not None), None)
    add("claim_verify_vs_floor",
        "claim verify ≤ 1.2× (4-pair pairing check + Ed25519 signature check) (arkworks)", 1.2,
        cv["ratio_to_floor"] if cv else None,
        "Verifier.verify on one bundle (decode, signature, proof, rules)" if cv
        else "claim pipeline not measured")
    for mid, what in (("groth16.verify_batch", "synthetic proofs"),
                      ("claim.verify_many", "claim bundles")):
        b64 = next((m for m in rec.measurements if m["id"] == mid and m["backend"] == "arkworks"
                    and m["params"].get("batch") == 64), None)
        add(f"{mid}_64", f"batch verify ≤ 1.5 ms per proof at 64 ({what}, arkworks)", 1.5e-3,
            b64["median"] if b64 else None,
            "seconds per proof" if b64 else "batch of 64 not measured in this mode")
    def busy(mid: str, constraints: int | None) -> str:
        def kept(backend: str) -> list[float]:
            return [v["value"] for v in rec.values
                    if v["id"].startswith(f"cores_busy/{mid}/{backend}/")
                    and f"constraints={constraints}" in v["id"].split("/")[-1].split(",")]

        theirs, ours = kept("snarkjs"), kept("arkworks")
        if not theirs:
            return "ours/snarkjs"
        return (f"ours/snarkjs; snarkjs kept {theirs[0]:.1f} cores busy, zkclaims "
                + (f"{ours[0]:.1f}" if ours else "not measured"))

    from benchmarks import service

    service.targets(rec, add)
    cp = next((c for c in comps if c["id"] == "claim.prove_circuit" and c["backend"] ==
               "arkworks"), None)
    add("claim_prove_vs_snarkjs", "prove ≤ 0.5× snarkjs in-process on the claim circuit", 0.5,
        cp["ratio"] if cp else None,
        busy("claim.prove_circuit", cp["constraints"]) if cp else "snarkjs not run")
    sp = [c for c in comps if c["id"] == "groth16.prove" and c["backend"] == "arkworks"]
    if sp:
        big = max(sp, key=lambda c: c["constraints"])
        add("synthetic_prove_vs_snarkjs",
            f"prove ≤ 0.5× snarkjs on the largest shared synthetic size ({big['constraints']})",
            0.5, big["ratio"], busy("groth16.prove", big["constraints"]))
    return out


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------
def results_stem(mode: str, when: _dt.datetime | None = None, host: str | None = None) -> str:
    """``<UTC date and time>-<host>[-<mode>]``, e.g. ``2026-01-02T030405Z-vm-quick``.

    The time (to the second) keeps two runs of one day on one host apart;
    :func:`write_results` adds ``-2``, ``-3``... if a name is taken all the same.
    """
    when = when or _dt.datetime.now(_dt.UTC)
    host = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in
                   (host or socket.gethostname()))[:40] or "host"
    stem = f"{when.strftime('%Y-%m-%dT%H%M%SZ')}-{host}"
    return stem if mode == "full" else f"{stem}-{mode}"


def claim_stem(out_dir: Path, stem: str) -> str:
    """Reserve ``<stem>.json`` in ``out_dir`` (created exclusively): never overwrite a run.

    Returns ``stem`` or ``stem-2``, ``stem-3``... when earlier runs hold the name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        name = stem if n == 1 else f"{stem}-{n}"
        try:
            with open(out_dir / f"{name}.json", "x"):
                return name
        except FileExistsError:
            continue
    raise RuntimeError(f"{out_dir}: no free results name for {stem}")


def run(mode: Mode, phases: Sequence[str] = PHASES, progress: bool = False) -> dict[str, Any]:
    """Run the chosen phases in this process and return the results document."""
    for p in phases:
        if p not in PHASES:
            raise ValueError(f"phases: unknown phase {p!r} (known: {', '.join(PHASES)})")
    t0 = time.perf_counter()
    started = _dt.datetime.now(_dt.UTC)
    rec = Recorder(mode, progress)
    ctx = Context()
    doc: dict[str, Any] = {
        "format": FORMAT, "version": FORMAT_VERSION,
        "created": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "mode": mode.name, "command": " ".join([Path(sys.executable).name, "-m", "benchmarks",
                                                *sys.argv[1:]]),
        "machine": machine_info(), "versions": library_versions(),
        "settings": {**asdict(mode), "pyecc_desc": mode.pyecc_desc, "phases": list(phases),
                     "timer": "time.perf_counter (Python), process.hrtime.bigint (Node)"},
    }
    # run order: floors first (ratios need them), claim before peers (peers reuse its export)
    order = [p for p in PHASES if p in phases]
    for p in order:
        _log(f"== {p}")
        tp = time.perf_counter()
        if p == "floors":
            phase_floors(rec, ctx)
        elif p == "groth16":
            phase_groth16(rec, ctx)
        elif p == "claim":
            phase_claim(rec, ctx)
        elif p == "peers":
            phase_peers(rec, ctx, doc)
        elif p == "service":
            from benchmarks import service

            service.run(rec, ctx)
        elif p == "tables":
            if mode.groups_table:
                phase_tables(rec, ctx, doc)
            else:
                rec.skip("tables", f"the detailed tables of benchmarks.groups and "
                                   f"benchmarks.groth16 run in the full mode only "
                                   f"(mode {mode.name})")
        _log(f"   {p}: {time.perf_counter() - tp:.1f} s")
    for p in PHASES:
        if p not in phases:
            rec.skip(p, "not selected (--only)")
    _resolve_floors(rec)
    fit_slopes(rec)
    comps = comparisons(rec)
    doc["measurements"] = rec.measurements
    doc["values"] = rec.values
    doc["comparisons"] = comps
    doc["targets"] = targets(rec, comps)
    doc["not_run"] = rec.not_run
    doc["notes"] = rec.notes
    doc["duration_s"] = round(time.perf_counter() - t0, 3)
    try:
        doc["machine"]["load_average_end"] = list(os.getloadavg())
    except OSError:
        pass
    return json.loads(json.dumps(doc))  # plain JSON types (tuples become lists)


def write_results(doc: dict[str, Any], out_dir: Path, stem: str, plots: bool = True,
                  readme: Path | None = None) -> dict[str, Path]:
    """Validate ``doc`` and write ``<stem>.json``, ``<stem>.md`` and plots into ``out_dir``."""
    from benchmarks import report

    report.validate(doc, report.load_schema())
    stem = claim_stem(out_dir, stem)  # a second run never overwrites the first
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md"}
    paths["json"].write_text(json.dumps(doc, indent=1) + "\n")
    if plots:
        try:
            made = report.plot_all(doc, out_dir, stem)
        except ImportError as exc:  # matplotlib comes with the `bench` extra
            made = {}
            doc["not_run"].append({"phase": "plots", "reason": f"matplotlib not installed "
                                   f"(pip install -e '.[bench]'): {exc}"})
            paths["json"].write_text(json.dumps(doc, indent=1) + "\n")
        paths.update(made)
    paths["md"].write_text(report.markdown(doc, {k: v.name for k, v in paths.items()
                                                 if v.suffix == ".png"}))
    if readme is not None:
        report.rewrite_readme(readme, doc, paths["json"])
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks [--quick|--tiny] [--only ...] [--out DIR]``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=(
        "Run the zkclaims benchmarks in one process and write a results file (JSON, raw "
        "samples), a Markdown report and PNG plots."))
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="small sizes, 3 repeats (< 2 min)")
    g.add_argument("--tiny", action="store_true",
                   help="smallest inputs, one repetition (what the test suite runs)")
    ap.add_argument("--only", default=",".join(PHASES),
                    help=f"comma-separated phases to run (default: all of {','.join(PHASES)})")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    ap.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    ap.add_argument("--readme", type=Path, default=None,
                    help="rewrite this README's performance table from the new results")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    mode = MODES["quick" if args.quick else "tiny" if args.tiny else "full"]
    phases = [p.strip() for p in args.only.split(",") if p.strip()]
    _log(f"zkclaims benchmarks, mode {mode.name} (budget {mode.time_budget_s} s on 2 cores); "
         f"py_ecc: {mode.pyecc_desc}")
    doc = run(mode, phases, progress=not args.no_progress)
    paths = write_results(doc, args.out, results_stem(mode.name), plots=not args.no_plots,
                          readme=args.readme)
    from benchmarks import report

    print(report.console_summary(doc))
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    if doc["duration_s"] > mode.time_budget_s:
        print(f"warning: the run took {doc['duration_s']:.0f} s, over the {mode.name} budget of "
              f"{mode.time_budget_s} s", file=sys.stderr)
    return 0

