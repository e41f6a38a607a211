"""Phase 2 (.zkey): a small transcript verifies, its keys prove and verify; forgeries refused."""

import struct
from dataclasses import replace

import pytest
from ceremony_support import BEACON, phase1, phase2, shape, tiny_circuit

from zkclaims import groth16
from zkclaims.ceremony import (
    ContributionError,
    export_keys,
    new_zkey,
    read_zkey,
    verify_zkey,
    zkey_bytes,
)
from zkclaims.ceremony.keys import scalar
from zkclaims.ceremony.points import G1, G2
from zkclaims.ceremony.rng import ChaCha
from zkclaims.ceremony.zkey import _contribute
from zkclaims.errors import MalformedInputError
from zkclaims.hazmat import synthetic_r1cs


def refused(z, check, index, circuit=None):
    with pytest.raises(ContributionError) as info:
        verify_zkey(read_zkey(zkey_bytes(z)), circuit or shape(), phase1())
    err = info.value
    assert (err.check, err.index, err.phase) == (check, index, 2), str(err)
    return err


def test_transcript_verifies_and_keys_prove():
    z = phase2()
    report = verify_zkey(read_zkey(zkey_bytes(z)), shape(), phase1())
    assert [(c.index, c.name, c.beacon) for c in report.contributions] == [
        (1, "carol", False), (2, "dave", False), (3, "beacon", True)]
    assert report.contributions[2].beacon_hash == BEACON.hex()
    r1cs, w = tiny_circuit()
    assert report.circuit_id == r1cs.digest()
    pk, vk = export_keys(z, r1cs.digest())
    assert vk.setup == "mpc" and pk.domain_size == 8 and len(pk.h_g1) == 8
    proof = groth16.prove(pk, r1cs, w)
    assert groth16.verify(vk, w[1:3], proof)
    assert not groth16.verify(vk, [w[1] + 1, w[2]], proof)


def test_contribution_hash_is_blake2b_of_the_public_key():
    import hashlib

    c = phase2().contributions[0]
    assert c.contribution_hash() == hashlib.blake2b(c.pubkey_u()).digest()
    assert len(c.pubkey_u()) == 3 * 96 + 192 + 64


def test_key_without_contribution_is_refused():
    z = new_zkey(tiny_circuit()[0], phase1())
    err = refused(z, "no_contributions", None)
    assert "delta = 1" in str(err)
    with pytest.raises(MalformedInputError, match="no phase-2 contribution"):
        export_keys(z, "00" * 32)


def test_delta_not_matching_its_proof_of_knowledge_is_refused():
    z = phase2()
    c1, c2, c3 = z.contributions
    forged = replace(c2, delta_after=c2.delta_after * scalar(2))
    refused(replace(z, contributions=(c1, forged, c3)), "delta", 2)


def test_proof_of_knowledge_not_matching_is_refused():
    z = phase2()
    c1 = z.contributions[0]
    key = replace(c1.key, g2_spx=c1.key.g2_spx * scalar(7))
    refused(replace(z, contributions=(replace(c1, key=key), *z.contributions[1:])),
            "pok_delta", 1)


def test_transcript_hash_chain_is_checked():
    z = phase2()
    c1 = z.contributions[0]
    refused(replace(z, contributions=(replace(c1, transcript=bytes(64)), *z.contributions[1:])),
            "transcript", 1)


def test_dropped_or_reordered_contribution_is_refused():
    z = phase2()
    c1, c2, c3 = z.contributions
    refused(replace(z, contributions=(c1, c3)), "transcript", 2)
    refused(replace(z, contributions=(c2, c1, c3)), "transcript", 1)


def test_reused_randomness_is_refused():
    z = new_zkey(tiny_circuit()[0], phase1())
    z, _ = _contribute(z, ChaCha([9] * 8), 0, "first", None, None, lambda *a: None)
    z, _ = _contribute(z, ChaCha([9] * 8), 0, "same seed", None, None, lambda *a: None)
    err = refused(z, "reused_randomness", 2)
    assert "contribution #1" in str(err)


def test_beacon_not_derived_from_its_value_is_refused():
    z = phase2()
    c3 = z.contributions[2]
    refused(replace(z, contributions=(*z.contributions[:2], replace(c3, beacon_hash=b"\xee"))),
            "beacon", 3)


def test_final_keys_are_checked():
    z = phase2()
    refused(replace(z, alpha_g1=z.alpha_g1 * scalar(2)), "keys", None)
    refused(replace(z, delta_g2=z.delta_g2 * scalar(2)), "keys", None)
    refused(replace(z, delta_g1=z.delta_g1 * scalar(2), delta_g2=z.delta_g2 * scalar(2)),
            "keys", None)
    refused(replace(z, gamma_g2=z.gamma_g2 * scalar(3)), "keys", None)


def test_queries_are_what_the_circuit_implies():
    z = phase2()
    for field in ("a_g1", "b_g1", "ic"):
        pts = list(getattr(z, field))
        pts[1] = pts[1] + G1.generator()
        refused(replace(z, **{field: pts}), "queries", None)
    b2 = list(z.b_g2)
    b2[3] = b2[3] + G2.generator()
    refused(replace(z, b_g2=b2), "queries", None)
    m, c, s, v = z.coefficients[0]
    refused(replace(z, coefficients=[(m, c, s, v + 1), *z.coefficients[1:]]), "queries", None)


def test_l_and_h_queries_are_phase1_over_delta():
    z = phase2()
    pts = list(z.l_g1)
    pts[0] = pts[0] * scalar(2)
    refused(replace(z, l_g1=pts), "l_query", None)
    h = list(z.h_g1)
    h[3] = h[3] + G1.generator()
    refused(replace(z, h_g1=h), "h_query", None)


def test_h_query_is_checked_on_the_whole_space():
    # snarkjs compares H with tau^i Z(tau) for i < n - 1 only: H_j + x_j Y (x_j the odd points)
    # passes its check and gives a prover a free multiple of Y / delta. Not ours.
    from zkclaims.field import R, domain

    z = phase2()
    n = z.domain_size
    w2n = domain(2 * n).omega
    y = G1.generator() * scalar(424242)
    h = [p + y * scalar(pow(w2n, 2 * j + 1, R)) for j, p in enumerate(z.h_g1)]
    refused(replace(z, h_g1=h), "h_query", None)


def test_key_for_another_circuit_is_refused():
    from zkclaims.ceremony import load_circuit

    other = load_circuit(synthetic_r1cs(4, 2)[0])  # same sizes, other constraints
    err = refused(phase2(), "queries", None, circuit=other)
    assert err.index is None
    bigger = load_circuit(synthetic_r1cs(20, 2)[0])
    refused(phase2(), "circuit", None, circuit=bigger)


def test_circuit_hash_must_be_the_initial_keys():
    # A consistent chain of honest contributions on top of a wrong circuit hash.
    from zkclaims.ceremony import contribute_zkey

    z0 = new_zkey(tiny_circuit()[0], phase1())
    z0 = replace(z0, cs_hash=bytes(64))
    z1, _ = contribute_zkey(z0, "honest")
    refused(z1, "circuit", None)


# --- malformed files ----------------------------------------------------------------------


def _section_offset(data, sid):
    pos = 12
    while pos < len(data):
        kind, size = struct.unpack_from("<IQ", data, pos)
        if kind == sid:
            return pos + 12, size
        pos += 12 + size
    raise KeyError(sid)


@pytest.fixture(scope="module")
def good():
    return zkey_bytes(phase2())


def test_malformed_zkey_is_refused(good):
    for cut in (3, 50, len(good) // 3, len(good) - 2):
        with pytest.raises(MalformedInputError):
            read_zkey(good[:cut], "k.zkey")
    off, _ = _section_offset(good, 1)
    with pytest.raises(MalformedInputError, match="not Groth16"):
        read_zkey(good[:off] + struct.pack("<I", 2) + good[off + 4 :], "k.zkey")
    off, _ = _section_offset(good, 2)
    with pytest.raises(MalformedInputError, match="curve"):
        read_zkey(good[:off] + struct.pack("<I", 32) + good[off + 4 :], "k.zkey")
    off, size = _section_offset(good, 10)  # the last section
    with pytest.raises(MalformedInputError, match="section 10 claims"):
        read_zkey(good[: off - 8] + struct.pack("<Q", size + 1) + good[off:], "k.zkey")
    off, _ = _section_offset(good, 7)
    bad = bytearray(good)
    bad[off + 192 + 5] ^= 0x40  # B2[1]: x changed, (almost surely) no longer on the twist
    with pytest.raises(MalformedInputError, match=r"B2\[1\]"):
        read_zkey(bytes(bad), "k.zkey")
    off, _ = _section_offset(good, 4)
    with pytest.raises(MalformedInputError, match="coefficients"):
        read_zkey(good[:off] + struct.pack("<I", 1000) + good[off + 4 :], "k.zkey")


def test_header_sizes_that_lie_are_refused(good):
    off, _ = _section_offset(good, 2)
    at = off + 4 + 48 + 4 + 32  # n_vars
    with pytest.raises(MalformedInputError, match="inconsistent sizes"):
        read_zkey(good[:at] + struct.pack("<I", 1 << 30) + good[at + 4 :], "k.zkey")
    with pytest.raises(MalformedInputError, match="section 5"):
        read_zkey(good[:at] + struct.pack("<I", 9) + good[at + 4 :], "k.zkey")
