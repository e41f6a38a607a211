"""Batch input for the CLI (issue 13): files, folders and ``-`` (one document or JSON Lines),
one result per document with its digest, and the batch's exit code."""

from __future__ import annotations

import hashlib
import io
import json
import sys

import pytest

from zkclaims.cli._batch import batch_exit_code, check_documents, expand_inputs
from zkclaims.errors import ClaimRejected, InputFileError, InvalidInputError
from zkclaims.jsonio import loads


class _Parsed:
    def __init__(self, doc):
        self.claim = type("C", (), {"claim_id": doc.get("claim_id")})()
        self.doc = doc


class _Decision:
    def __init__(self, doc):
        self.doc = doc

    def model_dump(self, mode="json"):
        return {"pays": self.doc["pays"]}


def _load(raw: bytes):
    doc = loads(raw, "bundle")
    if not isinstance(doc, dict):
        raise InvalidInputError("bundle", doc, "expected an object")
    return _Parsed(doc)


def _check(parsed):
    if parsed.doc.get("reject"):
        raise ClaimRejected("invalid_proof", "proof: does not verify")
    return _Decision(parsed.doc)


def _write(path, doc):
    path.write_text(json.dumps(doc))
    return str(path)


def test_files_and_a_folder_in_order(tmp_path):
    a = _write(tmp_path / "a.json", {"claim_id": "A", "pays": 1})
    folder = tmp_path / "inbox"
    folder.mkdir()
    _write(folder / "2.json", {"claim_id": "C2", "pays": 3})
    _write(folder / "1.json", {"claim_id": "C1", "pays": 2})
    (folder / "notes.txt").write_text("not a bundle")
    docs = expand_inputs([a, str(folder)])
    assert [d.source for d in docs] == [a, str(folder / "1.json"), str(folder / "2.json")]
    assert docs[0].sha256 == hashlib.sha256((tmp_path / "a.json").read_bytes()).hexdigest()
    results = check_documents(docs, _check, load=_load)
    assert [r["claim_id"] for r in results] == ["A", "C1", "C2"]
    assert [r["decision"]["pays"] for r in results] == [1, 2, 3]
    assert batch_exit_code(results) == 0


def test_one_bad_document_does_not_stop_the_batch(tmp_path):
    good = _write(tmp_path / "good.json", {"claim_id": "G", "pays": 1})
    rejected = _write(tmp_path / "rej.json", {"claim_id": "R", "reject": True})
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    docs = expand_inputs([good, rejected, str(deep), str(tmp_path / "absent.json"), good])
    results = check_documents(docs, _check, load=_load)
    assert [r["valid"] for r in results] == [True, False, False, False, True]
    assert results[1]["reason"] == "invalid_proof" and results[1]["claim_id"] == "R"
    assert results[2]["reason"] == "malformed" and "nested deeper" in results[2]["message"]
    assert results[2]["bundle_sha256"] == hashlib.sha256(deep.read_bytes()).hexdigest()
    assert results[3]["reason"] == "malformed" and "cannot read" in results[3]["message"]
    assert results[3]["bundle_sha256"] is None
    assert batch_exit_code(results) == 2
    assert batch_exit_code(results[:2]) == 1


def test_an_empty_folder_is_an_error_document(tmp_path):
    (tmp_path / "empty").mkdir()
    (doc,) = expand_inputs([str(tmp_path / "empty")])
    assert isinstance(doc.error, InputFileError) and "without any *.json" in str(doc.error)


def _stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_one_document(monkeypatch):
    _stdin(monkeypatch, json.dumps({"claim_id": "S", "pays": 5}, indent=2).encode())
    (doc,) = expand_inputs(["-"])
    assert doc.source == "-"
    assert check_documents([doc], _check, load=_load)[0]["decision"] == {"pays": 5}


def test_stdin_json_lines(monkeypatch):
    lines = [json.dumps({"claim_id": f"L{i}", "pays": i}) for i in range(3)]
    _stdin(monkeypatch, ("\n".join(lines[:2]) + "\n\n" + lines[2] + "\n").encode())
    docs = expand_inputs(["-"])
    assert [d.source for d in docs] == ["-:1", "-:2", "-:4"]
    assert [r["claim_id"] for r in check_documents(docs, _check, load=_load)] == [
        "L0", "L1", "L2"]


def test_stdin_once_and_not_empty(monkeypatch):
    with pytest.raises(InvalidInputError, match="may be given once"):
        expand_inputs(["-", "-"])
    _stdin(monkeypatch, b"  \n")
    (doc,) = expand_inputs(["-"])
    assert isinstance(doc.error, InputFileError) and "empty" in str(doc.error)
