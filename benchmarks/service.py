"""The insurer's service: claims per second through HTTP against the in-process verifier.

Run alone: ``python -m benchmarks --only service`` (the suite runs it as its ``service``
phase). One run measures, side by side, round by round on the same real bundles (distinct
claims of distinct members, so every submission is a new claim for the ledger):

* ``service.inprocess.verify``       :meth:`Verifier.verify` on each bundle's JSON, one after
                                     another (the single-claim ceiling), seconds per claim;
* ``service.inprocess.verify_many``  :meth:`Verifier.verify_many` on batches (the batch
                                     ceiling), seconds per claim;
* ``service.http.single.<engine>``   ``POST /v1/claims``, one bundle a request, ``CLIENTS``
                                     connections kept busy, seconds per claim (wall);
* ``service.http.batch.<engine>``    ``POST /v1/claims:batch``, ``batch`` bundles a request,
                                     two requests in flight, seconds per claim (wall);

for ``<engine>`` = ``sqlite`` (the default settings: WAL, ``synchronous=FULL``) and
``postgresql`` (a throwaway PostgreSQL 15 cluster on a Unix socket, durable settings). The
server is a real ``zkclaims serve`` process (uvicorn, one worker) on 127.0.0.1, started on a
fresh ledger for each engine and endpoint (see :data:`SIZES`); the client is a small
asyncio HTTP/1.1 client with keep-alive connections in this process, so that the client costs
little of the 2 cores. The
server's CPU time is recorded too (``service.server_cores.*``: cores it kept busy). Targets:
HTTP time per claim at most 1/0.7 of the in-process figure (single with SQLite vs
``verify``, batch with SQLite vs ``verify_many``).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.service_fixtures import INSURER, OPTICIAN, ServiceProcess, make_claims
from benchmarks.suite import Recorder, _log

__all__ = ["run", "targets", "markdown_section", "CLIENTS", "SIZES"]

#: Connections of the single-claim load.
CLIENTS = 8
#: mode -> (rounds, claims per round, batch size, a fresh ledger per endpoint). With a fresh
#: ledger (and server) per endpoint the two endpoints submit the same bundles (fewer to prove);
#: without, one server per engine takes both, on distinct bundles (fewer servers to start).
SIZES = {"tiny": (1, 2, 2, False), "quick": (3, 32, 32, True), "full": (5, 64, 64, True)}
KEY = "zk_bench-key-0123456789abcdef0123456789abcdef0123"
TARGET = 0.7


# -- a small HTTP/1.1 client ---------------------------------------------------------------------

def _request(path: str, body: bytes, port: int) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> int:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(v) for k, _, v in (ln.partition(":") for ln in lines[1:])
                  if k.lower() == "content-length")
    await reader.readexactly(length)
    return status


async def _load(port: int, requests: list[bytes], connections: int) -> list[int]:
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(requests):
        queue.put_nowait(item)
    statuses = [0] * len(requests)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                i, req = queue.get_nowait()
                statuses[i] = await _exchange(reader, writer, req)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(min(connections, len(requests)))))
    return statuses


def _post_all(port: int, requests: list[bytes], connections: int) -> tuple[float, list[int]]:
    t0 = time.perf_counter()
    statuses = asyncio.run(_load(port, requests, connections))
    return time.perf_counter() - t0, statuses


# -- the service on a fresh ledger -----------------------------------------------------------------

def _config(folder: Path, url: str, trusted_json: str) -> Path:
    from zkclaims.service.auth import hash_key

    (folder / "prescribers.json").write_text(trusted_json)
    text = "\n".join([
        f'insurer = "{INSURER}"', f"database_url = {json.dumps(url)}",
        'trusted_prescribers = "prescribers.json"', "max_batch_items = 1024",
        "log_level = \"warning\"", "[[api_keys]]", 'name = "bench"',
        f'sha256 = "{hash_key(KEY)}"', f'opticians = ["{OPTICIAN}"]',
    ])
    path = folder / "service.toml"
    path.write_text(text + "\n")
    return path


def _fresh_service(folder: Path, url: str, claims: Any) -> ServiceProcess:
    from zkclaims.registry import open_registry

    with open_registry(url, migrate=True) as reg:
        reg.import_beneficiaries(INSURER, claims.members)
    config = _config(folder, url, claims.trusted_json)
    return ServiceProcess(config, log=folder / "service.log").start()


# -- the phase -------------------------------------------------------------------------------------

def run(rec: Recorder, ctx: Any) -> None:
    """Measure the service (module docstring); needs PostgreSQL for the postgresql half."""
    from zkclaims.registry.pgtemp import ThrowawayPostgres, unavailable_reason
    from zkclaims.verifier import ClaimHistory, Verifier

    rounds, per_round, batch, fresh = SIZES[rec.mode.name]
    n = rounds * per_round
    # bundles: a warm-up set per endpoint, then the rounds of each endpoint (shared when each
    # endpoint gets a fresh ledger)
    second = batch + (0 if fresh else batch)
    warm = {"single": range(0, batch), "batch": range(0 if fresh else batch, second)}
    sets = {"single": range(second, second + n),
            "batch": range(second, second + n) if fresh else range(second + n, second + 2 * n)}
    total = max(r.stop for r in (*warm.values(), *sets.values()))
    _log(f"[service] proving {total} bundles (distinct members)")
    claims = make_claims(total, workers=2)
    from zkclaims.prescriber import TrustedPrescribers

    verifier = Verifier(TrustedPrescribers.model_validate_json(claims.trusted_json),
                        insurer=INSURER)
    today = _dt.date.today()
    history = ClaimHistory()
    members = claims.members

    def verify_round(idx: range) -> float:
        t0 = time.perf_counter()
        for i in idx:
            verifier.verify(claims.bundles[i], beneficiary=members[i], history=history,
                            today=today)
        return (time.perf_counter() - t0) / len(idx)

    def verify_many_round(idx: range) -> float:
        t0 = time.perf_counter()
        for start in range(idx.start, idx.stop, batch):
            part = range(start, min(start + batch, idx.stop))
            res = verifier.verify_many([claims.bundles[i] for i in part],
                                       beneficiaries=[members[i] for i in part], today=today)
            if not all(r.accepted for r in res):
                raise RuntimeError("service bench: verify_many rejected a sample bundle")
        return (time.perf_counter() - t0) / len(idx)

    verify_round(warm["single"])  # load the key, warm the caches
    verify_many_round(warm["batch"])
    ceilings = {"single": verify_round, "batch": verify_many_round}
    samples: dict[str, list[float]] = {}
    busy: dict[str, list[float]] = {}
    reason = unavailable_reason()
    engines = ["sqlite"] + ([] if reason else ["postgresql"])
    if reason:
        rec.skip("service", f"postgresql half not run: {reason}")
    pg = ThrowawayPostgres(settings={"max_connections": "100"}) if not reason else None
    try:
        if pg is not None:
            pg.start()
        with tempfile.TemporaryDirectory(prefix="zk-bench-svc-") as tmp:
            ledgers = ([(e, (ep,)) for e in engines for ep in ("single", "batch")] if fresh
                       else [(e, ("single", "batch")) for e in engines])
            for k, (engine, endpoints) in enumerate(ledgers):
                folder = Path(tmp) / f"ledger-{k}"
                folder.mkdir()
                url = (f"sqlite:///{folder / 'ledger.db'}" if engine == "sqlite"
                       else pg.create_database(f"bench_{k}"))  # type: ignore[union-attr]
                svc = _fresh_service(folder, url, claims)
                try:
                    for endpoint in endpoints:
                        _log(f"[service] {endpoint} endpoint, {engine}")
                        chunks = [range(sets[endpoint].start + r * per_round,
                                        sets[endpoint].start + (r + 1) * per_round)
                                  for r in range(rounds)]
                        _measure(svc, endpoint, engine, claims, chunks, warm[endpoint], batch,
                                 ceilings[endpoint], samples, busy)
                finally:
                    svc.stop()
    finally:
        if pg is not None:
            pg.stop()
    _record(rec, samples, busy, per_round, batch)


def _measure(svc: ServiceProcess, endpoint: str, engine: str, claims: Any, chunks: list[range],
             warm: range, batch: int, ceiling: Any, samples: dict[str, list[float]],
             busy: dict[str, list[float]]) -> None:
    def requests(idx: range) -> list[bytes]:
        if endpoint == "single":
            return [_request("/v1/claims", claims.bundles[i].encode(), svc.port) for i in idx]
        out = []
        for start in range(idx.start, idx.stop, batch):
            part = [claims.bundles[i] for i in range(start, min(start + batch, idx.stop))]
            body = ('{"bundles":[' + ",".join(part) + "]}").encode()
            out.append(_request("/v1/claims:batch", body, svc.port))
        return out

    connections = CLIENTS if endpoint == "single" else 2
    _post_all(svc.port, requests(warm), connections)  # warm-up claims (not timed)
    http_id = f"service.http.{endpoint}.{engine}"
    ceiling_id = "service.inprocess." + ("verify" if endpoint == "single" else "verify_many")
    for idx in chunks:
        samples.setdefault(ceiling_id, []).append(ceiling(idx))
        cpu0 = svc.cpu_seconds()
        wall, statuses = _post_all(svc.port, requests(idx), connections)
        cpu = svc.cpu_seconds() - cpu0
        if any(s not in (200, 201) for s in statuses):
            raise RuntimeError(f"service bench: {http_id} answered {sorted(set(statuses))}:\n"
                               f"{svc.logs()[-2000:]}")
        samples.setdefault(http_id, []).append(wall / len(idx))
        busy.setdefault(http_id, []).append(cpu / wall)


def _record(rec: Recorder, samples: dict[str, list[float]], busy: dict[str, list[float]],
            per_round: int, batch: int) -> None:
    notes = {
        "service.inprocess.verify": "Verifier.verify on the bundle JSON, one after another",
        "service.inprocess.verify_many": f"Verifier.verify_many, batches of {batch}",
    }
    for mid, values in samples.items():
        params = {"claims": per_round}
        if "batch" in mid or "verify_many" in mid:
            params["batch"] = batch
        if mid.startswith("service.http.single"):
            params["clients"] = CLIENTS
        note = notes.get(mid, "uvicorn, 1 worker, 127.0.0.1, fresh ledger; wall time per claim")
        rec.add_samples(mid, "arkworks", values, params=params, per="claim", note=note)
    for mid, values in busy.items():
        rec.value(f"service.server_cores.{mid.removeprefix('service.http.')}",
                  round(sum(values) / len(values), 3), "cores",
                  note="server process CPU time / wall time while it served the claims")


def targets(rec: Recorder, add: Any) -> None:
    """Add the service targets: HTTP time per claim ≤ 1/0.7 of the in-process ceiling."""
    def median(mid: str) -> float | None:
        m = next((m for m in rec.measurements if m["id"] == mid), None)
        return None if m is None else m["median"]

    limit = round(1 / TARGET, 4)
    for endpoint, ceiling, what, how in (
        ("single", "verify", "Verifier.verify", "single-claim HTTP ingestion"),
        ("batch", "verify_many", "Verifier.verify_many", "batch endpoint"),
    ):
        http, base = median(f"service.http.{endpoint}.sqlite"), median(
            f"service.inprocess.{ceiling}")
        ratio = None if http is None or base is None else http / base
        add(f"service_{endpoint}_sqlite",
            f"{how} (SQLite) time per claim ≤ {limit}× {what}"
            f" (throughput ≥ {TARGET}×)", limit, ratio,
            "not measured" if ratio is None else
            f"throughput {1 / ratio:.2f}× {what}: {1 / http:.0f} vs {1 / base:.0f} claims/s")


def markdown_section(doc: dict[str, Any]) -> list[str]:
    """The report's section on the service (nothing when the phase did not run)."""
    ms = {m["id"]: m for m in doc["measurements"] if m["id"].startswith("service.")}
    if not ms:
        return []
    cores = {v["id"].removeprefix("service.server_cores."): v["value"] for v in doc["values"]
             if v["id"].startswith("service.server_cores.")}
    out = ["## The insurer's service (HTTP) beside the in-process verifier", "",
           "Seconds per claim, median (min – max) over the rounds; claims per second; the"
           " ratio to the in-process ceiling measured in the same rounds; the cores the"
           " server process kept busy.", "",
           "| figure | per claim | min – max | claims/s | ÷ ceiling | server cores |",
           "|---|---|---|---|---|---|"]
    for mid, m in ms.items():
        ceiling = ms.get("service.inprocess." + ("verify_many" if ".batch." in mid
                                                 else "verify"))
        ratio = ("—" if ceiling is None or mid.startswith("service.inprocess")
                 else f"{m['median'] / ceiling['median']:.2f}×")
        busy = cores.get(mid.removeprefix("service.http."))
        out.append(f"| {mid} ({m['note']}) | {m['median'] * 1e3:.2f} ms |"
                   f" {m['min'] * 1e3:.2f} – {m['max'] * 1e3:.2f} ms | {1 / m['median']:.0f} |"
                   f" {ratio} | {'—' if busy is None else f'{busy:.2f}'} |")
    return [*out, ""]
