"""The service as a real process (uvicorn on a free loopback port), on SQLite and PostgreSQL.

One server per engine for the module: 100 concurrent submissions of one claim; the logs
searched for anything they must never hold; two instances on one ledger; a ``kill -9`` during
ingestion, then a restart.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from benchmarks.service_fixtures import ServiceProcess
from zkclaims.registry import open_registry
from zkclaims.registry.schema import audit, claims, payments
from zkclaims.service.logs import SAFE_FIELDS

from .ledger_helpers import ENGINES
from .service_helpers import auth, write_config

INSURER = "AMC-75000123"


@pytest.fixture(scope="module", params=ENGINES)
def service(request, tmp_path_factory, sample):
    """One server per engine for the module's tests (they use distinct claims); kill -9 last."""
    folder = tmp_path_factory.mktemp(f"socket-{request.param}")
    url = (f"sqlite:///{folder / 'ledger.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg").create_database())
    with open_registry(url, migrate=True) as reg:
        reg.import_beneficiaries(INSURER, sample.members)
    config = write_config(folder / "cfg", url, trusted=sample.trusted_json)
    svc = ServiceProcess(config, log=folder / "service.log")
    svc.start()
    try:
        yield svc, url
    finally:
        svc.stop()


def count(url, table):
    with open_registry(url) as reg, reg.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_100_concurrent_submissions_one_acceptance(service, sample):
    svc, url = service
    body = sample.bundles[10].encode()
    start = threading.Barrier(100)
    answers: list[tuple[int, bool]] = []
    lock = threading.Lock()

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    with httpx.Client(base_url=svc.url, timeout=120, limits=limits) as client:

        def submit():
            start.wait()
            r = client.post("/v1/claims", content=body, headers=auth("optician"))
            with lock:
                answers.append((r.status_code, r.json()["replayed"], r.json()["status"]))

        threads = [threading.Thread(target=submit) for _ in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert Counter(answers) == {(201, False, "accepted"): 1, (200, True, "accepted"): 99}
    assert count(url, claims) == count(url, payments) == count(url, audit) == 1


def test_logs_hold_nothing_patient_identifying(service, sample):
    svc, _ = service
    with httpx.Client(base_url=svc.url, timeout=60) as client:
        for b in sample.bundles[:4]:
            assert client.post("/v1/claims", content=b, headers=auth("optician")).status_code \
                in (200, 201)
        client.post("/v1/claims:batch", headers=auth("operator"),
                    content='{"bundles": [' + ",".join(sample.bundles[:6]) + "]}")
        doc = json.loads(sample.bundles[0])
        doc["invoice"]["total_cents"] = "x" + doc["proof"]  # echoes a value in the 422
        client.post("/v1/claims", content=json.dumps(doc), headers=auth("optician"))
        client.get(f"/v1/beneficiaries/{sample.members[0].member_id}/history",
                   headers=auth("operator"))
    lines = [json.loads(line) for line in svc.logs().splitlines() if line.strip()]
    assert lines and all(isinstance(x, dict) for x in lines)  # one JSON object per line
    text = svc.logs()
    for raw in sample.bundles[:6]:
        b = json.loads(raw)
        secret = [b["proof"], b["proof"][:40], b["attestation"]["commitment"],
                  b["attestation"]["signature"], b["public_inputs"]["patient_tag"],
                  b["public_inputs"]["claim_context"]]
        assert not [s for s in secret if s in text]
    for i, (opening, _att) in enumerate(sample.openings[:6]):
        o = json.loads(opening)
        m = sample.members[i]
        assert m.ins not in text and m.birth_date.isoformat() not in text
        assert str(o["blinding"]) not in text
    allowed = SAFE_FIELDS | {"time", "level", "logger", "event"}
    assert all(set(x) <= allowed for x in lines)
    claim_ids = {x.get("claim_id") for x in lines}
    assert json.loads(sample.bundles[0])["claim"]["claim_id"] in claim_ids  # logs are real
    assert any(x.get("member_id") == sample.members[0].member_id for x in lines)


def test_two_instances_on_one_ledger_one_acceptance(service, sample, tmp_path):
    """Two service processes behind a "load balancer" (alternate requests), one ledger."""
    svc, url = service
    other = ServiceProcess(svc.config, log=tmp_path / "second.log").start()
    try:
        body = sample.bundles[22].encode()
        start = threading.Barrier(60)
        answers: list[tuple[int, bool]] = []
        lock = threading.Lock()
        limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
        with httpx.Client(timeout=120, limits=limits) as client:

            def submit(i):
                start.wait()
                base = (svc if i % 2 else other).url
                r = client.post(f"{base}/v1/claims", content=body, headers=auth("optician"))
                with lock:
                    answers.append((r.status_code, r.json()["replayed"]))

            threads = [threading.Thread(target=submit, args=(i,)) for i in range(60)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        other.stop()
    assert Counter(answers) == {(201, False): 1, (200, True): 59}
    with open_registry(url) as reg:
        assert reg.audit().ok
        claim_id = json.loads(body)["claim"]["claim_id"]
        assert reg.claim(INSURER, claim_id).status == "accepted"


def test_kill9_during_ingestion_then_restart(service, sample):
    svc, url = service
    before = {t: count(url, t) for t in (claims, payments, audit)}
    bundles = {json.loads(b)["claim"]["claim_id"]: b for b in sample.bundles[11:21]}
    todo: queue.Queue[str] = queue.Queue()
    for cid in bundles:
        todo.put(cid)
    acked: dict[str, dict] = {}
    lock = threading.Lock()
    killed = threading.Event()

    def worker():
        with httpx.Client(base_url=svc.url, timeout=60) as client:
            while not killed.is_set():
                try:
                    cid = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    r = client.post("/v1/claims", content=bundles[cid], headers=auth("optician"))
                except httpx.TransportError:
                    return  # the server died under this request: not acknowledged
                with lock:
                    acked[cid] = r.json()
                    if len(acked) == 5:
                        svc.kill9()  # while the other workers' requests are in flight
                        killed.set()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert killed.is_set() and len(acked) >= 5
    assert all(doc["status"] == "accepted" for doc in acked.values())

    svc.start()  # same configuration, same ledger
    with httpx.Client(base_url=svc.url, timeout=60) as client:
        for cid, doc in acked.items():  # nothing acknowledged was lost
            r = client.get(f"/v1/claims/{cid}", headers=auth("optician"))
            assert r.status_code == 200
            assert (r.json()["status"], r.json()["audit_seq"]) == ("accepted", doc["audit_seq"])
        again = {cid: client.post("/v1/claims", content=b, headers=auth("optician"))
                 for cid, b in bundles.items()}
    for cid, r in again.items():
        assert r.json()["status"] == "accepted"
        if cid in acked:
            assert r.status_code == 200 and r.json()["replayed"]
    # every claim once: one row, one payment, one audit row each
    assert [count(url, t) - before[t] for t in (claims, payments, audit)] == [len(bundles)] * 3
    with open_registry(url) as reg:
        assert reg.audit().ok
