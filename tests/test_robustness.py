"""No input may crash or hang a process that embeds zkclaims (issue 13).

* importing the py_ecc backend (and the snarkjs export, which uses it) leaves the interpreter's
  recursion limit as it was, and that backend needs no deep recursion;
* every JSON entry point goes through :mod:`zkclaims.jsonio`: size, nesting depth (checked by a
  linear scan before the parser recurses), huge numbers, NaN, duplicate keys, invalid UTF-8 —
  a 200 kB nested document is refused even under a recursion limit of 100,000;
* a hypothesis fuzz test over every loader: only ``ZkClaimsError`` subclasses escape;
* the CLI, in a child process, exits 2 with one line on stderr on the nastiest inputs.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkclaims import jsonio
from zkclaims.errors import InvalidInputError, MalformedInputError, ZkClaimsError

ROOT = Path(__file__).resolve().parents[1]
SNARKJS = ROOT / "tests" / "fixtures" / "snarkjs"
DEEP = "[" * 100_000 + "]" * 100_000  # 200 kB
FUZZ = settings(
    max_examples=60,
    deadline=None,  # a hang shows as the per-test timeout of the child-process tests below
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )


# ---------------------------------------------------------------------------------------------
# the recursion limit
# ---------------------------------------------------------------------------------------------


def test_importing_the_py_ecc_backend_and_the_snarkjs_export_keeps_the_recursion_limit():
    run = run_python("""
        import sys
        sys.setrecursionlimit(1234)
        import zkclaims.groups
        from zkclaims.groups import get_backend
        get_backend("py_ecc")
        import py_ecc  # already imported: py_ecc's own limit change must not have stayed
        from zkclaims.circuits import artifact_names, load_verifying_key
        from zkclaims.groth16 import snarkjs
        # dump_verification_key computes e(alpha, beta) on the py_ecc backend
        snarkjs.dump_verification_key(load_verifying_key(artifact_names()[0]))
        print(sys.getrecursionlimit())
    """)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["1234"]


def test_py_ecc_without_zkclaims_does_raise_the_limit():
    """The problem the test above guards against is real (this fails if py_ecc stops it)."""
    run = run_python("import sys, py_ecc; print(sys.getrecursionlimit())")
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) >= 100_000


def test_the_py_ecc_backend_needs_no_deep_recursion():
    """Scalar multiplication, decoding with subgroup checks and pairings under a limit of 150."""
    run = run_python("""
        import sys
        from zkclaims.groups import get_backend
        be = get_backend("py_ecc")
        sys.setrecursionlimit(150)
        p = be.g1_mul(be.g1_generator(), 2**254 + 12345)
        q = be.g2_mul(be.g2_generator(), 2**200 + 7)
        assert be.g1_eq(be.g1_from_bytes(be.g1_to_bytes(p)), p)
        assert be.g2_eq(be.g2_from_bytes(be.g2_to_bytes(q)), q)
        assert be.pairing_check([(p, q), (be.g1_neg(p), q)])
        assert not be.pairing_check([(p, q)])
        print("ok")
    """)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ok"


def test_iterative_multiply_matches_the_native_backend():
    from zkclaims.groups import get_backend

    ark, ecc = get_backend("arkworks"), get_backend("py_ecc")
    for k in (0, 1, 2, 3, 255, 2**128 + 1, 2**255 - 19):
        assert ecc.g1_to_bytes(ecc.g1_mul(ecc.g1_generator(), k)) == ark.g1_to_bytes(
            ark.g1_mul(ark.g1_generator(), k)
        )
        assert ecc.g2_to_bytes(ecc.g2_mul(ecc.g2_generator(), k)) == ark.g2_to_bytes(
            ark.g2_mul(ark.g2_generator(), k)
        )


def test_200_kb_nested_json_never_kills_the_process_even_at_a_huge_recursion_limit():
    """The issue's segfault: py_ecc's limit of 100,000, then a 200 kB nested document."""
    run = run_python("""
        import sys
        sys.setrecursionlimit(100_000)
        from zkclaims.errors import ZkClaimsError
        from zkclaims.groth16 import Proof, ProvingKey, VerifyingKey, snarkjs
        from zkclaims.verifier import Verifier, load_bundle
        from zkclaims.prescriber import TrustedPrescribers
        from zkclaims.domain import Contract
        text = "[" * 100_000 + "]" * 100_000
        nested = []
        for _ in range(100_000):
            nested = [nested]
        deep_dict = {}
        for _ in range(100_000):
            deep_dict = {"a": deep_dict}
        import datetime, functools
        from zkclaims.domain import Beneficiary
        record = Beneficiary(member_id="M", ins="168067512345649",
                             birth_date=datetime.date(1968, 6, 1))
        verify = functools.partial(Verifier(TrustedPrescribers(), insurer="A").verify,
                                   beneficiary=record)
        loaders = [Proof.from_json, VerifyingKey.from_json, ProvingKey.from_json, load_bundle,
                   verify, snarkjs.load_proof,
                   snarkjs.load_verification_key, snarkjs.load_public,
                   Contract.model_validate_json, Contract.model_validate]
        for load in loaders:
            for doc in (text, text.encode(), nested, deep_dict):
                try:
                    load(doc)
                except ZkClaimsError as exc:
                    assert len(str(exc)) < 400, str(exc)[:400]
                    if isinstance(doc, list | dict) or load != Contract.model_validate:
                        assert "nested deeper" in str(exc) or "expected" in str(exc), str(exc)
                else:
                    raise AssertionError(load)
        print("survived")
    """)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "survived"


# ---------------------------------------------------------------------------------------------
# the JSON reader
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DEEP, "doc: JSON nested deeper than 32 levels"),
        ('{"a":' * 50_000 + "1" + "}" * 50_000, "doc: JSON nested deeper than 32 levels"),
        ('{"a": 1, "a": 2}', "doc.a: the key 'a' appears twice in one object"),
        ('{"x": NaN}', "doc.x: NaN is not JSON (only finite numbers are accepted)"),
        ('{"x": [-Infinity]}', "doc.x[0]: -Infinity is not JSON"),
        ('{"x": 1e400}', "doc.x: the number 1e400 overflows a float"),
        ('{"p": ' + "9" * 5000 + "}", "doc.p: an integer of 5000 digits (at most 100 accepted)"),
        ('{"p": 1' + "0" * 400 + "}", "doc.p: an integer of 401 digits"),
        ('"\\ud800"', "doc: not valid Unicode (lone surrogate at character 0)"),
        ('{"k": ["\\udc00"]}', "doc.k[0]: not valid Unicode"),
        ("", "doc: not JSON: Expecting value at line 1 column 1"),
        ('{"a": ', "doc: not JSON"),
    ],
)
def test_the_reader_names_the_document_the_path_and_the_problem(text, message):
    with pytest.raises(MalformedInputError) as err:
        jsonio.loads(text, "doc")
    assert str(err.value).startswith(message)
    assert len(str(err.value)) < 300


def test_the_reader_refuses_invalid_utf8_oversized_text_and_other_types():
    with pytest.raises(MalformedInputError, match=r"^doc: not UTF-8 text \(byte 9\)"):
        jsonio.loads(b'{"name": \xff}', "doc")
    with pytest.raises(MalformedInputError, match=r"^doc: larger than 100 bytes"):
        jsonio.loads(" " * 101 + "1", "doc", max_bytes=100)
    with pytest.raises(InvalidInputError, match=r"^doc: expected JSON text or bytes"):
        jsonio.loads(12, "doc", error=InvalidInputError)  # type: ignore[arg-type]


def test_the_depth_limit_is_exact():
    ok = "[" * jsonio.MAX_DEPTH + "]" * jsonio.MAX_DEPTH
    assert jsonio.nesting_depth(ok.encode()) == jsonio.MAX_DEPTH
    jsonio.loads(ok, "doc")
    with pytest.raises(MalformedInputError, match="nested deeper"):
        jsonio.loads("[" + ok + "]", "doc")
    # brackets inside strings, escaped quotes and backslashes do not count
    assert jsonio.nesting_depth(b'[1, "]]]]\\"[[[[", {"x": "\\\\"}]') == 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=30,
)


def _depth(obj) -> int:
    if isinstance(obj, dict):
        return 1 + max((_depth(v) for v in obj.values()), default=0)
    if isinstance(obj, list):
        return 1 + max((_depth(v) for v in obj), default=0)
    return 0


@given(json_values)
@settings(max_examples=200, deadline=None)
def test_the_bracket_scan_measures_the_parsers_depth(value):
    text = json.dumps(value)
    assert jsonio.nesting_depth(text.encode()) == _depth(value)
    assert jsonio.loads(text, "doc") == value


def test_python_objects_are_checked_without_recursion():
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with pytest.raises(MalformedInputError, match=r"^bundle\.self\.self.*nested deeper than 32"):
        jsonio.check_tree(cyclic, "bundle")
    with pytest.raises(MalformedInputError, match=r"^bundle\.invoice\.price_cents: an integer"):
        jsonio.check_tree({"invoice": {"price_cents": 10**400}}, "bundle")
    with pytest.raises(MalformedInputError, match=r"^bundle\.x\[1\]: nan is not a finite"):
        jsonio.check_tree({"x": [1.0, float("nan")]}, "bundle")
    with pytest.raises(MalformedInputError, match=r"^bundle: keys must be strings"):
        jsonio.check_tree({1: 2}, "bundle")


def test_a_huge_key_is_cut_short_in_the_path():
    with pytest.raises(MalformedInputError) as err:
        jsonio.loads(json.dumps({"k" * 1_000_000: [float("nan")]}).replace("NaN", "NaN"), "doc")
    assert len(str(err.value)) < 300


def test_read_files_through_the_reader(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (jsonio.MAX_BYTES + 1))
    with pytest.raises(InvalidInputError, match=r"^--contract \(.*big.json\): larger than"):
        jsonio.load_file(big, "--contract")
    bad = tmp_path / "bad.json"
    bad.write_text('{"guarantees": {"a": {"equipment_cents": 1' + "0" * 400 + "}}}")
    with pytest.raises(InvalidInputError, match=r"guarantees\.a\.equipment_cents: an integer of"):
        jsonio.load_file(bad, "--contract")
    with pytest.raises(InvalidInputError, match=r"cannot read"):
        jsonio.load_file(tmp_path, "--contract")  # a directory


# ---------------------------------------------------------------------------------------------
# models: money and powers bounded, huge numbers never stringified
# ---------------------------------------------------------------------------------------------


def test_a_10_to_the_400_cent_price_is_a_clear_error():
    from zkclaims.domain import Frame, Guarantee, Lens
    from zkclaims.domain.models import MAX_CENTS

    with pytest.raises(InvalidInputError, match=r"^price_cents: an integer of 1329 bits"):
        Lens(usage="far", price_cents=10**400)
    with pytest.raises(InvalidInputError, match=rf"^price_cents: must be between 0 and {MAX_CENTS}"
                       ):
        Frame(price_cents=MAX_CENTS + 1)
    with pytest.raises(InvalidInputError, match=r"^equipment_cents: must be between"):
        Guarantee(equipment_cents=10**20)


def test_a_5000_digit_power_names_its_field():
    from decimal import Decimal

    from zkclaims.domain import EyePrescription

    for kw, message in [
        ({"sphere": 10**5000}, r"^sphere: an integer of 16610 bits"),
        ({"sphere": "9" * 5000}, r"^sphere: not a number of dioptres \(got '9999"),
        ({"sphere": "1E+999999999"}, r"^sphere: out of range"),
        ({"sphere": Decimal("1E-999999999")}, r"^sphere: must be a multiple of 0.25 D"),
        ({"sphere": "-1", "cylinder": "1", "axis": 10**5000}, r"^axis: an integer of"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            EyePrescription(**kw)


# ---------------------------------------------------------------------------------------------
# fuzzing every loader
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents():
    """A valid document for every loader, and the loader itself."""
    from zkclaims.cli.demo import DEMO_CONTRACT
    from zkclaims.domain import (
        Beneficiary,
        Contract,
        Equipment,
        Frame,
        Lens,
        Patient,
        Prescription,
    )
    from zkclaims.domain.checks import ClaimHistory
    from zkclaims.domain.claim import Attestation, Claim
    from zkclaims.groth16 import Proof, ProvingKey, VerifyingKey
    from zkclaims.groth16 import snarkjs as sj
    from zkclaims.hazmat import dev_setup, prove_with_randomness, synthetic_r1cs
    from zkclaims.prescriber import Opening, TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim
    from zkclaims.service.bodies import parse_batch, parse_bundle
    from zkclaims.service.config import ServiceConfig
    from zkclaims.verifier import Verifier, load_bundle

    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add("RPPS-1", key)
    rx = Prescription.model_validate({
        "right": {"sphere": "-2.00", "cylinder": "-1.00", "axis": 180},
        "left": {"sphere": "-7.00"}, "issued_on": "2025-03-10",
    })
    patient = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
    record = Beneficiary(member_id="MBR-1", ins=patient.ins, birth_date=patient.birth_date)
    opening, att = prescribe(rx, patient=patient, key=key, prescriber_id="RPPS-1")
    equipment = Equipment(
        right=Lens(usage="far", price_cents=15_000, grouping_code="VU1"),
        left=Lens(usage="far", price_cents=32_000, grouping_code="VU1"),
        frame=Frame(price_cents=18_000), delivered_on=dt.date(2025, 4, 2),
    )
    claim = Claim(insurer="AMC-1", claim_id="C-1", optician="FINESS-1", beneficiary="MBR-1",
                  delivered_on=dt.date(2025, 4, 2))
    today = dt.date(2025, 4, 10)
    bundle = prove_claim(opening, attestation=att, equipment=equipment, claim=claim,
                         today=today)
    r1cs, witness = synthetic_r1cs(4)
    pk, vk = dev_setup(r1cs, seed=1)
    proof = prove_with_randomness(pk, r1cs, witness, 1, 2)
    verifier = Verifier(trusted, insurer="AMC-1")
    snark = {n: json.loads((SNARKJS / n).read_text()) for n in
             ("verification_key.json", "proof.json", "public.json")}

    def verify(doc):
        return verifier.verify(doc, beneficiary=record, today=today)

    from zkclaims.domain.renewal import RenewalClaimEvidence, RenewalEvidence
    from zkclaims.prover_renewal import prove_claim_with_renewal, prove_renewal

    previous_rx = rx.model_copy(update={"issued_on": dt.date(2024, 1, 10),
                                        "right": rx.right.model_copy(
                                            update={"sphere": rx.right.sphere + 1})})
    p_open, p_att = prescribe(Prescription.model_validate(previous_rx.model_dump()),
                              patient=patient, key=key, prescriber_id="RPPS-1")
    renewal = prove_claim_with_renewal(opening, attestation=att, equipment=equipment,
                                       claim=claim, previous_opening=p_open,
                                       previous_attestation=p_att, today=today)
    history = ClaimHistory(last_delivery=dt.date(2024, 2, 1),
                           previous_commitment=p_open.commitment)
    two_proofs = prove_renewal(p_open, previous_attestation=p_att, new_opening=opening,
                               claim_context=bundle.context(), criteria=15)

    def verify_renewal(doc):
        return verifier.verify(doc, beneficiary=record, history=history, today=today)

    assert any("early renewal" in r for r in verify_renewal(renewal.model_dump_json()).reasons)

    return {
        "Proof.from_json": (Proof.from_json, proof.to_dict()),
        "VerifyingKey.from_json": (VerifyingKey.from_json, vk.to_dict()),
        "ProvingKey.from_json": (ProvingKey.from_json, pk.to_dict()),
        "snarkjs.load_verification_key": (sj.load_verification_key,
                                          snark["verification_key.json"]),
        "snarkjs.load_proof": (sj.load_proof, snark["proof.json"]),
        "snarkjs.load_public": (sj.load_public, snark["public.json"]),
        "load_bundle": (load_bundle, bundle.model_dump(mode="json")),
        "Verifier.verify": (verify, bundle.model_dump(mode="json")),
        "Contract": (Contract.model_validate, DEMO_CONTRACT),
        "TrustedPrescribers": (TrustedPrescribers.model_validate,
                               trusted.model_dump(mode="json")),
        "Opening": (Opening.model_validate, opening.model_dump(mode="json")),
        "Attestation": (Attestation.model_validate, att.model_dump(mode="json")),
        "Equipment": (Equipment.model_validate, equipment.model_dump(mode="json")),
        "Claim": (Claim.model_validate, claim.model_dump(mode="json")),
        "Beneficiary": (Beneficiary.model_validate, record.model_dump(mode="json")),
        "ClaimHistory": (ClaimHistory.model_validate,
                         {"last_delivery": "2021-01-02", "previous_commitment": None}),
        # an early renewal: the bundle's renewal member, alone and through the verifier
        "RenewalClaimEvidence": (RenewalClaimEvidence.model_validate,
                                 renewal.renewal.model_dump(mode="json")),
        "RenewalEvidence": (RenewalEvidence.model_validate, two_proofs.model_dump(mode="json")),
        "Verifier.verify(renewal)": (verify_renewal, renewal.model_dump(mode="json")),
        # the insurer's service: request bodies as they arrive, and its configuration
        "service.parse_bundle": (_as_body(parse_bundle), bundle.model_dump(mode="json")),
        "service.parse_batch": (_as_body(lambda raw: parse_batch(raw, 8)),
                                {"bundles": [bundle.model_dump(mode="json")]}),
        "ServiceConfig": (ServiceConfig.model_validate, {
            "insurer": "AMC-1", "database_url": "sqlite:///ledger.db",
            "trusted_prescribers": "prescribers.json", "claim_deadline_days": 90,
            "api_keys": [{"name": "optique-1", "sha256": "ab" * 32,
                          "opticians": ["FINESS-1"], "scopes": ["claims", "history"]}]}),
    }


def _as_body(parse):
    """A parser of request bodies, fed the document as it would arrive: bytes."""
    def load(doc):
        if isinstance(doc, str):
            doc = doc.encode("utf-8", "surrogatepass")
        elif not isinstance(doc, bytes):
            try:
                doc = json.dumps(doc).encode("utf-8", "surrogatepass")
            except (TypeError, ValueError, RecursionError):
                return None  # not JSON: it cannot arrive as a body
        return parse(doc)

    return load


LOADERS = [
    "Proof.from_json", "VerifyingKey.from_json", "ProvingKey.from_json",
    "snarkjs.load_verification_key", "snarkjs.load_proof", "snarkjs.load_public",
    "load_bundle", "Verifier.verify", "Contract", "TrustedPrescribers", "Opening",
    "Attestation", "Equipment", "Claim", "Beneficiary", "ClaimHistory",
    "RenewalClaimEvidence", "RenewalEvidence", "Verifier.verify(renewal)",
    "service.parse_bundle", "service.parse_batch", "ServiceConfig",
]

SPECIALS = [
    10**400, -(10**5000), 2**64, -1, 0, True, None, "", "\ud800", "x" * 100_000,
    float("nan"), float("inf"), 1e308, -0.0, [], {}, [[[[[[[[]]]]]]]], "1" * 5000,
    "2025-02-30", "9999-12-31", "0000-01-01", "-1", "0x10", "١٢٣", "0" * 64, "f" * 96,
]
NASTY = st.one_of(
    st.sampled_from(SPECIALS),
    st.integers(), st.floats(), st.text(max_size=20), st.binary(max_size=8).map(repr),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(),
                                                         max_size=2),
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _mutate(doc, path, op, value):
    doc = copy.deepcopy(doc)
    if not path:
        return value if op == "replace" else [doc]
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    if op == "replace":
        parent[last] = value
    elif op == "delete":
        del parent[last]
        return doc
    elif op == "wrap":
        parent[last] = [parent[last]]
    elif op == "deep":
        nested = parent[last]
        for _ in range(40):
            nested = [nested]
        parent[last] = nested
    elif op == "extra" and isinstance(parent, dict):
        parent["unexpected"] = value
    return doc


def _call(load, doc):
    try:
        load(doc)
    except ZkClaimsError:
        pass  # the only kind of error allowed out


@pytest.mark.parametrize("name", LOADERS)
def test_every_field_of_every_document_against_every_nasty_value(documents, name):
    """Exhaustive over (path, value) — about 60 paths per document, spread evenly."""
    load, valid = documents[name]
    paths = list(_paths(valid))
    cap = 15 if name == "snarkjs.load_verification_key" else 60  # each valid load: a pairing
    paths = paths[:: max(1, len(paths) // cap)]
    for path in paths:
        for value in SPECIALS:
            _call(load, _mutate(valid, path, "replace", value))
        _call(load, _mutate(valid, path, "delete", None))
        _call(load, _mutate(valid, path, "deep", None))


@pytest.mark.parametrize("name", LOADERS)
@given(data=st.data())
@FUZZ
def test_fuzz_structured_mutations_raise_only_zkclaims_errors(documents, name, data):
    load, valid = documents[name]
    path = data.draw(st.sampled_from(list(_paths(valid))))
    op = data.draw(st.sampled_from(["replace", "delete", "wrap", "deep", "extra"]))
    value = data.draw(NASTY)
    doc = _mutate(valid, path, op, value)
    _call(load, doc)
    try:
        text = json.dumps(doc)
    except (TypeError, ValueError):
        return
    _call(load, text)


TEXT_MUTATIONS = ["truncate", "byte", "invalid_utf8", "duplicate", "huge_number", "nan",
                  "deep", "bom", "utf16"]


@pytest.mark.parametrize("name", LOADERS)
@given(data=st.data())
@FUZZ
def test_fuzz_text_mutations_raise_only_zkclaims_errors(documents, name, data):
    load, valid = documents[name]
    raw = json.dumps(valid).encode()
    op = data.draw(st.sampled_from(TEXT_MUTATIONS))
    pos = data.draw(st.integers(0, len(raw)))
    if op == "truncate":
        raw = raw[:pos]
    elif op == "byte":
        raw = raw[:pos] + bytes([data.draw(st.integers(0, 255))]) + raw[pos + 1:]
    elif op == "invalid_utf8":
        raw = raw[:pos] + b"\xc3\x28\xff" + raw[pos:]
    elif op == "duplicate" and raw.startswith(b"{"):
        first = raw[1:].split(b",", 1)[0]
        raw = b"{" + first + b"," + raw[1:]
    elif op == "huge_number":
        raw = raw.replace(b"0", b"1" + b"0" * 400, 1).replace(b'"1' + b"0" * 400, b'"0', 1)
        raw = raw.replace(b": 1", b": 1" + b"9" * 5000, 1)
    elif op == "nan":
        raw = raw.replace(b": 1", b": NaN", 1).replace(b": 0", b": -Infinity", 1)
    elif op == "deep":
        raw = b"[" * 50_000 + raw + b"]" * 50_000
    elif op == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif op == "utf16":
        raw = raw.decode().encode("utf-16")
    _call(load, raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    _call(load, text)


# ---------------------------------------------------------------------------------------------
# the CLI in a child process: exit 2, one line, no traceback, no signal
# ---------------------------------------------------------------------------------------------


def test_the_cli_survives_the_nastiest_inputs(documents, tmp_path):
    from zkclaims.cli.demo import DEMO_CONTRACT

    _, bundle = documents["load_bundle"]
    trusted = tmp_path / "trusted.json"
    trusted.write_text(json.dumps(documents["TrustedPrescribers"][1]))
    record = tmp_path / "record.json"
    record.write_text(json.dumps(documents["Beneficiary"][1]))
    who = ["--insurer", "AMC-1", "--beneficiary", str(record), "--today", "2025-04-10"]
    contract = tmp_path / "contract.json"
    contract.write_text(json.dumps(DEMO_CONTRACT))
    huge_price = copy.deepcopy(bundle)
    huge_price["invoice"]["right"]["price_cents"] = 10**400
    huge_total = copy.deepcopy(bundle)
    huge_total["invoice"]["total_cents"] = 10**30
    inputs = {
        "deep.json": DEEP.encode(),
        "deep-object.json": ('{"a":' * 100_000 + "1" + "}" * 100_000).encode(),
        "huge-price.json": json.dumps(huge_price).encode(),
        "huge-total.json": json.dumps(huge_total).encode(),
        "huge-int.json": b"9" * 5000,
        "nan.json": json.dumps(bundle).replace('"price_cents": 15000', '"price_cents": NaN')
        .encode(),
        "dup.json": b'{"format": "x", ' + json.dumps(bundle).encode()[1:],
        "not-utf8.json": b'{"format": "\xff"}',
        "long-value.json": json.dumps({**bundle, "format": "x" * 10_000_000}).encode(),
        "empty.json": b"",
    }
    paths = {}
    for name, raw in inputs.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(raw)
    commands = []
    for path in paths.values():
        commands.append(["verify", str(path), "--trusted", str(trusted), *who])
        commands.append(["inspect", str(path)])
    commands += [
        ["verify", str(paths["huge-price.json"]), "--trusted", str(trusted), "--json", *who],
        ["verify", str(tmp_path / "ok.json"), "--trusted", str(paths["deep.json"]), *who],
        ["verify", str(tmp_path / "empty"), "--trusted", str(trusted), *who],  # no *.json
        ["verify", "/dev/zero", "--trusted", str(trusted), *who],
        ["verify", str(tmp_path / "ok.json"), "--trusted", "/dev/zero", *who],
        ["verify", str(tmp_path / "ok.json"), "--trusted", str(trusted), "--insurer", "AMC-1",
         "--beneficiary", str(paths["deep-object.json"])],
        ["prescribe", str(paths["deep.json"]), "--key", "/dev/zero", "--prescriber-id", "R",
         "--patient", str(record),
         "--out-opening", str(tmp_path / "o2.json"), "--out-attestation", str(tmp_path / "a2")],
        ["export-snarkjs", str(paths["huge-price.json"]), "--out-dir", str(tmp_path / "o")],
        ["classify", "--sphere", "9" * 5000, "--usage", "far"],
        ["prescribe", str(paths["deep.json"]), "--key", str(paths["huge-int.json"]),
         "--patient", str(paths["deep-object.json"]),
         "--prescriber-id", "RPPS-1", "--out-opening", str(tmp_path / "o.json"),
         "--out-attestation", str(tmp_path / "a.json")],
        ["keygen", "--out", str(tmp_path / "k.pem"), "--prescriber-id", "RPPS-1",
         "--trusted", str(paths["deep-object.json"])],
        ["tariffs", "show", str(paths["deep.json"])],
        ["verify", str(tmp_path / "ok.json"), "--trusted", str(trusted), "--contract",
         str(paths["huge-int.json"]), *who],
        ["classify", "--sphere", "-1", "--cylinder", "1", "--axis", "9" * 5000, "--usage", "far"],
    ]
    (tmp_path / "ok.json").write_text(json.dumps(bundle))
    (tmp_path / "empty").mkdir()
    for role in ("opening", "attestation", "equipment", "claim"):  # prove reads four files
        files = {r: str(paths["dup.json"]) for r in ("opening", "attestation", "equipment",
                                                     "claim")}
        files[role] = str(paths["deep.json"])
        commands.append(["prove", *[x for r, f in files.items() for x in (f"--{r}", f)],
                         "--out", str(tmp_path / "b.json")])
    script = textwrap.dedent("""
        import io, json, sys, contextlib
        from zkclaims.cli import main
        out = []
        for argv in json.loads(sys.argv[1]):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = main(argv)
            out.append([argv, code, err.getvalue()])
        print(json.dumps(out))
    """)
    run = subprocess.run([sys.executable, "-c", script, json.dumps(commands)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    for argv, code, err in json.loads(run.stdout):
        assert code == 2, (argv, code, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (argv, err[:500])
        assert "Traceback" not in err and "internal error" not in err, (argv, err)
        assert len(lines[0]) < 600, (argv, lines[0][:200])


def test_the_cli_process_exits_2_on_a_200_kb_nested_file(tmp_path):
    """The real entry point (``python -m zkclaims.cli``): no signal, one line."""
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    for argv in (["verify", str(deep), "--trusted", str(deep), "--insurer", "A",
                  "--beneficiary", str(deep)], ["inspect", str(deep)]):
        run = subprocess.run([sys.executable, "-m", "zkclaims.cli", *argv], capture_output=True,
                             text=True, timeout=120, cwd=ROOT)
        assert run.returncode == 2, (argv, run.returncode, run.stderr[-500:])
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr[-500:]
        assert "nested deeper than 32 levels" in run.stderr
