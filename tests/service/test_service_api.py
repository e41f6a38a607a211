"""The HTTP API in-process (ASGI): keys, limits, malformed bodies, reads, health, OpenAPI.

Runs on SQLite (the service's default engine); the PostgreSQL service is exercised over a real
socket in ``test_service_socket.py``. The last test checks that every status code the OpenAPI
document lists for an operation was returned by some request of this module.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import warnings
from pathlib import Path

import pytest

from benchmarks.service_fixtures import prove_bundle
from zkclaims.domain.claim import BUNDLE_FORMAT
from zkclaims.registry import open_registry
from zkclaims.service import create_app, load_config
from zkclaims.service.openapi import openapi_text

from .ledger_helpers import INSURER, RecordingJudge, facts, member
from .service_helpers import KEYS, OTHER_OPTICIAN, SEEN, auth, record, write_config

with warnings.catch_warnings():  # starlette now prefers httpx2 for its test client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


class Client(TestClient):
    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        record(response)
        return response


@pytest.fixture(scope="module")
def service(tmp_path_factory, sample):
    folder = tmp_path_factory.mktemp("svc")
    url = f"sqlite:///{folder / 'ledger.db'}"
    config = load_config(write_config(folder, url, trusted=sample.trusted_json), env={})
    app = create_app(config)
    with Client(app) as client:
        reg = open_registry(url)
        reg.import_beneficiaries(INSURER, [member(1), member(2), *sample.members])
        yield client, reg
        reg.close()


# -- keys -----------------------------------------------------------------------------------

def test_missing_or_unknown_key_is_401(service):
    client, _ = service
    for headers, code in (({}, "unauthenticated"),
                          ({"Authorization": "Bearer zk_nope"}, "invalid_api_key"),
                          ({"Authorization": f"Basic {KEYS['optician']}"}, "unauthenticated"),
                          ({"Authorization": "Bearer " + "x" * 5000}, "invalid_api_key")):
        for method, path in (("post", "/v1/claims"), ("post", "/v1/claims:batch"),
                             ("get", "/v1/claims/C-1"), ("get", "/v1/beneficiaries/M0001/history")):
            r = client.request(method, path, headers=headers, content=b"{}")
            assert r.status_code == 401, (method, path, r.text)
            assert r.json()["code"] == code and r.json()["field"] == "Authorization"
            assert r.headers["www-authenticate"] == "Bearer"


def test_a_key_without_the_scope_is_403(service):
    client, _ = service
    r = client.get("/v1/beneficiaries/M0001/history", headers=auth("optician"))
    assert r.status_code == 403 and "'history' scope" in r.json()["message"]
    r = client.get("/v1/claims/C-1", headers=auth("auditor"))
    assert r.status_code == 403 and "'claims' scope" in r.json()["message"]
    for path in ("/v1/claims", "/v1/claims:batch"):
        r = client.post(path, headers=auth("auditor"), content=b"{}")
        assert r.status_code == 403


# -- bodies -------------------------------------------------------------------------------------

def test_oversized_body_is_413_before_parsing(service):
    client, _ = service
    big = b"{" + b" " * 20_000 + b"}"  # over max_body_bytes = 16384, not even parsed
    r = client.post("/v1/claims", headers=auth("optician"), content=big)
    assert r.status_code == 413
    assert r.json() == {"code": "body_too_large", "field": "body",
                        "message": "body: 20002 bytes declared, the limit is 16384"}

    def stream():  # no Content-Length: counted as it arrives
        for _ in range(100):
            yield b" " * 1000

    r = client.post("/v1/claims", headers=auth("optician"), content=stream())
    assert r.status_code == 413 and "stopped reading" in r.json()["message"]
    r = client.post("/v1/claims:batch", headers=auth("optician"),
                    content=json.dumps({"bundles": [{}] * 41}))
    assert r.status_code == 413
    assert r.json()["code"] == "too_many_bundles" and r.json()["field"] == "bundles"


def test_a_trickled_body_is_408(tmp_path):
    """A client sending its body too slowly (driven through the ASGI interface itself)."""
    url = f"sqlite:///{tmp_path / 'slow.db'}"
    app = create_app(load_config(write_config(tmp_path, url, extra="body_timeout_s = 1"),
                                 env={}))

    async def call(path):
        chunks = [b'{"format"', b": 1}"]
        sent: list[dict] = []

        async def receive():
            if len(chunks) == 1:
                await asyncio.sleep(2.5)  # the client stalls mid-body
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "server": ("127.0.0.1", 80),
                 "client": ("127.0.0.1", 1234),
                 "headers": [(b"authorization", f"Bearer {KEYS['optician']}".encode()),
                             (b"content-type", b"application/json")]}
        await app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], json.loads(body)

    for path in ("/v1/claims", "/v1/claims:batch"):
        status, doc = asyncio.run(call(path))
        assert status == 408 and doc["code"] == "body_timeout" and doc["field"] == "body"
        SEEN[("post", path)].add(status)
    app.state.service.close()


def test_bad_content_length_is_400(service):
    client, _ = service
    for path in ("/v1/claims", "/v1/claims:batch"):
        r = client.post(path, headers={**auth("optician"), "Content-Length": "12x"},
                        content=b"{}")
        assert r.status_code == 400 and r.json()["field"] == "Content-Length"


@pytest.mark.parametrize("body, field", [
    (b"", "body"),
    (b"not json", "body"),
    (b"[" * 5000, "body"),
    (b"[]", "body"),
    (json.dumps({"format": BUNDLE_FORMAT}).encode(), "circuit_id"),
    (b'{"circuit_id": 5}', "circuit_id"),
])
def test_malformed_bundle_is_422_naming_the_field(service, body, field):
    client, _ = service
    r = client.post("/v1/claims", headers=auth("optician"), content=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "malformed" and r.json()["field"] == field
    assert r.json()["message"].startswith(field)


def test_a_retired_bundle_format_is_refused_not_reinterpreted(service, sample):
    client, _ = service
    old = json.loads(sample.bundles[0])
    old["format"] = "zkclaims-claim-bundle/v1"
    r = client.post("/v1/claims", headers=auth("optician"), content=json.dumps(old))
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["field"]) == ("retired_circuit", "format")


@pytest.mark.parametrize("body, field", [
    (b"not json", "body"),
    (b'{"bundles": 3}', "bundles"),
    (b'{"bundles": [], "x": 1}', "bundles"),
    (b'{"bundles": []}', "bundles"),
])
def test_malformed_batch_envelope_is_422(service, body, field):
    client, _ = service
    r = client.post("/v1/claims:batch", headers=auth("optician"), content=body)
    assert r.status_code == 422 and r.json()["field"] == field


def test_malformed_bundles_of_a_batch_are_named_one_by_one(service):
    client, _ = service
    r = client.post("/v1/claims:batch", headers=auth("optician"),
                    content=json.dumps({"bundles": [{}, {"circuit_id": "zz"}]}))
    assert r.status_code == 200
    doc = r.json()
    assert (doc["accepted"], doc["rejected"], doc["malformed"]) == (0, 0, 2)
    assert [it["status"] for it in doc["results"]] == ["malformed", "malformed"]
    assert doc["results"][1]["problem"]["field"] == "bundles[1].circuit_id"


# -- reads -----------------------------------------------------------------------------------------

def test_read_a_recorded_claim_only_for_its_optician(service):
    client, reg = service
    out = reg.ingest(facts("R-1", member_id="M0002", commitment="5"), RecordingJudge(),
                     rules_version="2020")
    r = client.get("/v1/claims/R-1", headers=auth("optician"))
    assert r.status_code == 200
    doc = r.json()
    assert (doc["claim_id"], doc["status"], doc["audit_seq"]) == ("R-1", "accepted",
                                                                   out.audit_seq)
    assert (doc["replayed"], doc["recorded"]) == (False, False)
    for who in ("operator",):
        assert client.get("/v1/claims/R-1", headers=auth(who)).status_code == 200
    r = client.get("/v1/claims/R-1", headers=auth("other"))
    assert r.status_code == 404 and r.json()["field"] == "claim_id"
    assert client.get("/v1/claims/R-404", headers=auth("optician")).status_code == 404
    r = client.get("/v1/claims/" + "x" * 129, headers=auth("optician"))
    assert r.status_code == 422 and r.json()["field"] == "claim_id"


def test_history_of_a_member(service):
    client, reg = service
    reg.ingest(facts("H-1", member_id="M0001", commitment="8"), RecordingJudge(),
               rules_version="2020")
    r = client.get("/v1/beneficiaries/M0001/history", headers=auth("operator"))
    assert r.status_code == 200
    assert r.json() == {"member_id": "M0001", "last_delivery": "2025-04-02",
                        "previous_commitment": "8", "paid_claims": 1}
    assert r.headers["x-request-id"]
    r = client.get("/v1/beneficiaries/M9999/history", headers=auth("auditor"))
    assert r.status_code == 404 and r.json()["field"] == "member_id"
    r = client.get("/v1/beneficiaries/" + "m" * 65 + "/history", headers=auth("auditor"))
    assert r.status_code == 422 and r.json()["field"] == "member_id"


def test_health_and_version(service):
    client, _ = service
    r = client.get("/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "engine": "sqlite"}
    r = client.get("/v1/version")
    assert r.status_code == 200
    v = r.json()
    assert v["insurer"] == INSURER and v["circuits"]
    assert all(len(c["setup_digest"]) == 64 for c in v["circuits"])


def test_openapi_is_published_and_committed(service):
    client, _ = service
    served = client.get("/openapi.json").json()
    committed = (ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8")
    assert openapi_text() == committed, (
        "schemas/openapi.json is stale: zkclaims serve --print-openapi > schemas/openapi.json")
    assert served == json.loads(committed)


# -- real bundles ---------------------------------------------------------------------------------

def malleated(bundle_json: str) -> str:
    """The same bundle with the proof (-A, -B, C): another valid proof of the same statement."""
    doc = json.loads(bundle_json)
    raw = bytearray.fromhex(doc["proof"])
    raw[0] ^= 0x20   # the sign flag of A's compressed encoding
    raw[48] ^= 0x20  # and of B's
    doc["proof"] = raw.hex()
    return json.dumps(doc)


def post(client, body, key="optician"):
    return client.post("/v1/claims", headers=auth(key), content=body)


def test_accept_replay_malleated_replay_conflict(service, sample):
    client, reg = service
    first = post(client, sample.bundles[0])
    assert first.status_code == 201, first.text
    doc = first.json()
    assert (doc["status"], doc["recorded"], doc["replayed"]) == ("accepted", True, False)
    assert doc["decision"]["insurer_total_cents"] > 0
    assert first.headers["location"] == f"/v1/claims/{doc['claim_id']}"

    again = post(client, sample.bundles[0])
    assert again.status_code == 200
    assert {**again.json(), "replayed": False, "recorded": True} == doc

    copy = post(client, malleated(sample.bundles[0]))
    assert copy.status_code == 200 and copy.json()["replayed"] is True
    assert copy.json()["bundle_sha256"] == doc["bundle_sha256"]  # the recorded bundle's

    other = post(client, prove_bundle(sample.inputs(
        0, claim_id=doc["claim_id"], delivered=sample.today - dt.timedelta(days=6))))
    assert other.status_code == 409
    assert (other.json()["reason"], other.json()["recorded"]) == ("claim_id_conflict", False)
    assert reg.history(INSURER, sample.members[0].member_id).paid_claims == 1
    assert client.get(f"/v1/claims/{doc['claim_id']}", headers=auth("optician")).json()[
        "audit_seq"] == doc["audit_seq"]
    assert reg.audit().ok


def test_same_prescription_again_is_duplicate_equipment(service, sample):
    client, reg = service
    assert post(client, sample.bundles[1]).json()["status"] == "accepted"
    second = post(client, prove_bundle(sample.inputs(
        1, claim_id="T-second-pair", delivered=sample.today - dt.timedelta(days=1))))
    assert second.status_code == 201
    assert (second.json()["status"], second.json()["reason"]) == ("rejected",
                                                                  "duplicate_equipment")
    assert "claim.claim_id" not in second.json()["message"]
    assert reg.history(INSURER, sample.members[1].member_id).paid_claims == 1


def test_the_claims_optician_must_be_the_callers(service, sample):
    client, reg = service
    theirs = prove_bundle(sample.inputs(4, claim_id="T-theirs", optician=OTHER_OPTICIAN))
    r = post(client, theirs, "optician")
    assert r.status_code == 403 and r.json()["field"] == "claim.optician"
    assert reg.claim(INSURER, "T-theirs") is None  # nothing recorded
    r = client.post("/v1/claims:batch", headers=auth("optician"),
                    content=json.dumps({"bundles": [json.loads(sample.bundles[5]),
                                                    json.loads(theirs)]}))
    assert r.status_code == 403 and r.json()["field"] == "bundles[1].claim.optician"
    ours = json.loads(sample.bundles[5])["claim"]["claim_id"]
    assert reg.claim(INSURER, ours) is None  # the whole batch was refused
    assert post(client, theirs, "other").status_code == 201  # the other optician's key may


def test_unknown_member_is_wrong_beneficiary(service, sample):
    client, _ = service
    r = post(client, prove_bundle(sample.inputs(6, claim_id="T-nobody", member_id="MBR-999999")))
    assert r.status_code == 201
    assert (r.json()["status"], r.json()["reason"]) == ("rejected", "wrong_beneficiary")


def test_batch_decides_each_bundle(service, sample):
    client, reg = service
    bundles = [json.loads(sample.bundles[i]) for i in (5, 7, 8)]
    bundles.append(json.loads(sample.bundles[0]))            # recorded before: replay
    bundles.append({"format": "nope"})                       # malformed, named alone
    bundles.append(json.loads(malleated(sample.bundles[7])))  # the same claim in the batch
    r = client.post("/v1/claims:batch", headers=auth("operator"),
                    content=json.dumps({"bundles": bundles}))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [it["status"] for it in doc["results"]] == ["accepted"] * 4 + ["malformed",
                                                                          "accepted"]
    assert [it["outcome"]["replayed"] for it in doc["results"] if it["outcome"]] == [
        False, False, False, True, True]
    assert doc["results"][4]["problem"]["field"].startswith("bundles[4]")
    assert (doc["accepted"], doc["rejected"], doc["malformed"]) == (5, 0, 1)
    assert reg.audit().ok


def test_busy_ledger_is_503_and_nothing_recorded(tmp_path, sample):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    config = load_config(write_config(tmp_path, url, trusted=sample.trusted_json,
                                      extra="busy_timeout_ms = 300"), env={})
    app = create_app(config)
    with Client(app) as client:
        with open_registry(url) as reg:
            reg.import_beneficiaries(INSURER, sample.members)
        blocker = sqlite3.connect(tmp_path / "busy.db")
        blocker.execute("BEGIN IMMEDIATE")
        try:
            r = post(client, sample.bundles[9])
            assert r.status_code == 503 and r.headers["retry-after"] == "1"
            assert r.json()["code"] == "busy"
            r = client.post("/v1/claims:batch", headers=auth("optician"),
                            content=json.dumps({"bundles": [json.loads(sample.bundles[9])]}))
            assert r.status_code == 503
        finally:
            blocker.rollback()
            blocker.close()
        assert post(client, sample.bundles[9]).status_code == 201  # then it goes through


def test_health_503_when_the_ledger_is_gone(tmp_path, sample, pg):
    url = pg.create_database("gone")
    config = load_config(write_config(tmp_path, url, trusted=sample.trusted_json), env={})
    with Client(create_app(config)) as client:
        assert client.get("/v1/health").json() == {"status": "ok", "engine": "postgresql"}
        pg.drop_database("gone")
        r = client.get("/v1/health")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_every_documented_status_was_reached():
    doc = json.loads((ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8"))
    missing = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status in op["responses"]:
                if int(status) not in SEEN[(method, path)]:
                    missing.append(f"{method.upper()} {path} {status}")
    assert not missing, f"documented but never returned by a test: {missing}"
