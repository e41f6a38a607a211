"""Phase 1 (.ptau): a small transcript verifies; every forgery is refused with its reason."""

import hashlib
import struct
from dataclasses import replace

import pytest
from ceremony_support import BEACON, phase1

from zkclaims.ceremony import ContributionError, new_ptau, ptau_bytes, read_ptau, verify_ptau
from zkclaims.ceremony.fq import MONT_FQ, Q
from zkclaims.ceremony.keys import scalar
from zkclaims.ceremony.points import G1, G2
from zkclaims.ceremony.ptau import _contribute, first_challenge
from zkclaims.ceremony.rng import ChaCha
from zkclaims.errors import MalformedInputError


def refused(ptau, check, index):
    """Verify ``ptau`` (after a write/read round trip) and return the error."""
    with pytest.raises(ContributionError) as info:
        verify_ptau(read_ptau(ptau_bytes(ptau)))
    err = info.value
    assert (err.check, err.index) == (check, index), str(err)
    return err


def test_transcript_verifies_and_reports_each_contribution():
    p = phase1()
    report = verify_ptau(read_ptau(ptau_bytes(p)))
    assert report.power == 3 and report.prepared
    assert [(c.index, c.name, c.beacon) for c in report.contributions] == [
        (1, "alice", False), (2, "bob", False), (3, "beacon", True)]
    assert report.contributions[2].beacon_hash == BEACON.hex()
    assert [c.contribution_hash for c in report.contributions] == [
        c.response_hash().hex() for c in p.contributions]
    assert report.next_challenge == p.contributions[-1].next_challenge.hex()


def test_first_challenge_is_snarkjs():
    # `snarkjs powersoftau new bls12381 3` prints this "First Contribution Hash".
    assert first_challenge(3).hex() == (
        "22691f7f7ed9a36b2c8774d331c3f25679637549953ebff849209fedd6c44d27"
        "ca8341d6416de0083d45b750ea83b292313a614a8ff2d9b796e56fcd821b1ab0")


def test_response_hash_covers_challenge_points_and_key():
    p = phase1()
    last, prev = p.contributions[2], p.contributions[1]
    expect = hashlib.blake2b(prev.next_challenge + p.sections_c() + last.key.to_u()).digest()
    assert last.response_hash() == expect
    assert hashlib.blake2b(expect + p.sections_u()).digest() == last.next_challenge


def test_blank_accumulator_is_refused():
    err = refused(new_ptau(3), "no_contributions", None)
    assert "blank" in str(err)


def test_contribution_that_does_not_follow_is_refused():
    p = phase1()
    c2 = p.contributions[1]
    forged = replace(c2, tau_g1=c2.tau_g1 + G1.generator())  # not tau * previous
    refused(replace(p, contributions=(p.contributions[0], forged, p.contributions[2])),
            "tau_g1", 2)


def test_wrong_ratio_in_g2_is_refused():
    p = phase1()
    c1 = p.contributions[0]
    forged = replace(c1, beta_g2=c1.beta_g2 * scalar(2))
    refused(replace(p, contributions=(forged, *p.contributions[1:])), "beta_g2", 1)


def test_proof_of_knowledge_not_matching_is_refused():
    p = phase1()
    c1 = p.contributions[0]
    key = replace(c1.key, alpha=replace(c1.key.alpha, g2_spx=c1.key.alpha.g2_spx * scalar(3)))
    refused(replace(p, contributions=(replace(c1, key=key), *p.contributions[1:])),
            "pok_alpha", 1)


def test_reused_randomness_is_refused():
    # Two contributions drawing their secrets from the same seed share g1_s (and the secrets).
    p = new_ptau(3)
    p, _ = _contribute(p, ChaCha([7] * 8), 0, "first", None, None, lambda *a: None)
    p, _ = _contribute(p, ChaCha([7] * 8), 0, "same seed", None, None, lambda *a: None)
    err = refused(p, "reused_randomness", 2)
    assert "contribution #1" in str(err) and "same seed" in str(err)


def test_dropped_contribution_is_refused():
    p = phase1()
    _, c2, c3 = p.contributions
    # c2's proofs answer c1's challenge: with c1 gone, they no longer verify.
    refused(replace(p, contributions=(c2, c3)), "pok_tau", 1)
    # c3 (a beacon) derives its key from c2's challenge: without c2 it is not reproduced.
    refused(replace(p, contributions=(p.contributions[0], c3)), "beacon", 2)


def test_reordered_contributions_are_refused():
    p = phase1()
    c1, c2, c3 = p.contributions
    refused(replace(p, contributions=(c2, c1, c3)), "pok_tau", 1)


def test_beacon_not_derived_from_its_value_is_refused():
    p = phase1()
    c3 = p.contributions[2]
    forged = replace(c3, beacon_hash=b"\xff" + c3.beacon_hash[1:])
    err = refused(replace(p, contributions=(*p.contributions[:2], forged)), "beacon", 3)
    assert "beacon" in err.name


def test_accumulator_not_the_last_contribution_is_refused():
    p = phase1()
    forged = replace(p, alpha_tau_g1=[p.alpha_tau_g1[0] * scalar(5), *p.alpha_tau_g1[1:]])
    refused(forged, "accumulator", 3)


def test_non_powers_are_refused():
    p = phase1()
    pts = list(p.tau_g1)
    pts[5] = pts[5] + G1.generator()
    refused(replace(p, tau_g1=pts), "powers", 3)
    g2s = list(p.tau_g2)
    g2s[7] = g2s[7] * scalar(2)
    refused(replace(p, tau_g2=g2s), "powers", 3)


def test_hash_chain_is_checked():
    p = phase1()
    c3 = p.contributions[2]
    bad_next = replace(c3, next_challenge=bytes(64))
    refused(replace(p, contributions=(*p.contributions[:2], bad_next)), "next_challenge", 3)
    other_state = hashlib.blake2b(b"x")  # a well-formed state of another hash
    from zkclaims.ceremony.blake2b import Blake2b

    bad_partial = replace(c3, partial_hash=Blake2b(b"another response").partial())
    del other_state
    refused(replace(p, contributions=(*p.contributions[:2], bad_partial)), "response_hash", 3)


def test_lagrange_sections_are_checked():
    p = phase1()
    lag = p.lagrange
    pts = list(lag.alpha_tau_g1)
    pts[4] = pts[4] + G1.generator()
    refused(replace(p, lagrange=replace(lag, alpha_tau_g1=pts)), "lagrange", None)
    g2s = list(lag.tau_g2)
    g2s[0] = g2s[0] * scalar(2)
    refused(replace(p, lagrange=replace(lag, tau_g2=g2s)), "lagrange", None)


def test_lagrange_top_level_is_checked_on_the_whole_space():
    # snarkjs checks the top level of section 12 only on the subspace where tau^(2n-1) (absent)
    # has weight 0: adding omega^j X to every point there passes its check. Not ours.
    from zkclaims.ceremony.ptau import Lagrange
    from zkclaims.field import domain

    p = phase1()
    lag = p.lagrange
    top = 4
    d = domain(1 << top)
    x = G1.generator() * scalar(12345)
    pts = list(lag.tau_g1)
    lo = (1 << top) - 1
    for j, w in enumerate(d.elements()):
        pts[lo + j] = pts[lo + j] + x * scalar(w)
    assert len(Lagrange.level(pts, top)) == 16
    refused(replace(p, lagrange=replace(lag, tau_g1=pts)), "lagrange", None)


# --- malformed files: refused while reading, naming file, section and point -----------------


def _section_offset(data: bytes, sid: int) -> tuple[int, int]:
    """(offset of the content, length) of section ``sid``."""
    pos = 12
    while pos < len(data):
        kind, size = struct.unpack_from("<IQ", data, pos)
        if kind == sid:
            return pos + 12, size
        pos += 12 + size
    raise KeyError(sid)


def _lem_g1(x: int, y: int) -> bytes:
    return (x * MONT_FQ % Q).to_bytes(48, "little") + (y * MONT_FQ % Q).to_bytes(48, "little")


@pytest.fixture(scope="module")
def good():
    return ptau_bytes(phase1())


def test_truncated_file_is_refused(good):
    for cut in (5, 100, len(good) // 2, len(good) - 1):
        with pytest.raises(MalformedInputError, match="truncated|too short|remain"):
            read_ptau(good[:cut], "pot.ptau")


def test_lying_section_length_is_refused(good):
    off, size = _section_offset(good, 15)  # the last section: a longer length runs off the end
    longer = good[: off - 8] + struct.pack("<Q", size + 96) + good[off:]
    with pytest.raises(MalformedInputError, match="section 15 claims .* bytes but only"):
        read_ptau(longer, "pot.ptau")
    off, size = _section_offset(good, 2)  # inside: the next headers are read out of the points
    for lie in (size + 96, size - 96, 1 << 62):
        lying = good[: off - 8] + struct.pack("<Q", lie) + good[off:]
        with pytest.raises(MalformedInputError, match="section"):
            read_ptau(lying, "pot.ptau")


def test_other_curve_is_refused(good):
    off, _ = _section_offset(good, 1)
    bn = good[:off] + struct.pack("<I", 32) + good[off + 4 :]
    with pytest.raises(MalformedInputError, match="curve.*bn128"):
        read_ptau(bn, "pot.ptau")
    q = bytearray(good)
    q[off + 4] ^= 1  # another prime
    with pytest.raises(MalformedInputError, match="curve"):
        read_ptau(bytes(q), "pot.ptau")


def test_point_off_the_curve_is_refused(good):
    off, _ = _section_offset(good, 2)
    bad = good[: off + 3 * 96] + _lem_g1(1, 1) + good[off + 4 * 96 :]
    with pytest.raises(MalformedInputError, match=r"tauG1\[3\]: not a point of the G1 curve"):
        read_ptau(bad, "pot.ptau")


def test_point_outside_the_subgroup_is_refused(good):
    off, _ = _section_offset(good, 4)
    # (0, 2) is on y^2 = x^3 + 4 but has order 3.
    bad = good[: off + 96] + _lem_g1(0, 2) + good[off + 2 * 96 :]
    with pytest.raises(MalformedInputError, match=r"alphaTauG1\[1\].*outside the order-r"):
        read_ptau(bad, "pot.ptau")


def test_g2_point_outside_the_subgroup_is_refused(good):
    from zkclaims.ceremony.fq import fq2_sqrt, g2_from_affine

    x = (1, 0)
    while True:  # a twist point, not in G2 (the cofactor is not cleared)
        a, b = x
        rhs = ((a**3 - 3 * a * b**2 + 4) % Q, (3 * a**2 * b - b**3 + 4) % Q)
        y = fq2_sqrt(rhs)
        if y is not None:
            break
        x = (x[0] + 1, 0)
    pt = g2_from_affine(x, y)
    assert not pt.is_in_subgroup()
    enc = G2.encode(pt)
    off, _ = _section_offset(good, 3)
    bad = good[: off + 2 * 192] + enc + good[off + 3 * 192 :]
    with pytest.raises(MalformedInputError, match=r"tauG2\[2\].*outside the order-r subgroup"):
        read_ptau(bad, "pot.ptau")


def test_non_canonical_coordinate_is_refused(good):
    off, _ = _section_offset(good, 2)
    x_mont = int.from_bytes(good[off : off + 48], "little")
    bad = good[:off] + (x_mont + Q).to_bytes(48, "little") + good[off + 48 :]
    with pytest.raises(MalformedInputError, match="not reduced modulo q"):
        read_ptau(bad, "pot.ptau")


def test_container_defects_are_refused(good):
    with pytest.raises(MalformedInputError, match="not a ptau file"):
        read_ptau(b"zkey" + good[4:], "pot.ptau")
    with pytest.raises(MalformedInputError, match="version"):
        read_ptau(good[:4] + struct.pack("<I", 9) + good[8:], "pot.ptau")
    with pytest.raises(MalformedInputError, match="after the last"):
        read_ptau(good + b"\0", "pot.ptau")
    off, _ = _section_offset(good, 6)
    dup = good[: off - 12] + struct.pack("<I", 5) + good[off - 8 :]  # section 6 renamed 5
    with pytest.raises(MalformedInputError, match="section 5 appears twice"):
        read_ptau(dup, "pot.ptau")
    odd = good[: off - 12] + struct.pack("<I", 9) + good[off - 8 :]
    with pytest.raises(MalformedInputError, match="unexpected section id 9"):
        read_ptau(odd, "pot.ptau")


def test_identity_in_a_contribution_record_is_refused(good):
    off, _ = _section_offset(good, 7)
    bad = good[: off + 4] + bytes(96) + good[off + 4 + 96 :]
    with pytest.raises(MalformedInputError, match=r"contribution #1\.tau_g1: the identity"):
        read_ptau(bad, "pot.ptau")


def test_contribution_parameters_are_checked():
    from zkclaims.ceremony.binfile import Cursor
    from zkclaims.ceremony.records import read_params

    def params(raw):
        return read_params(Cursor(struct.pack("<I", len(raw)) + raw, "t"), "record")

    assert params(b"\x01\x03bob") == ("bob", None, None)
    assert params(b"\x01\x01b\x02\x0a\x03\x02\xaa\xbb") == ("b", 10, b"\xaa\xbb")
    with pytest.raises(MalformedInputError, match="not sorted"):
        params(b"\x02\x0a\x01\x01b")
    with pytest.raises(MalformedInputError, match="unknown parameter type 7"):
        params(b"\x07\x00")
    with pytest.raises(MalformedInputError, match="truncated"):
        params(b"\x01\x09bob")
    with pytest.raises(MalformedInputError, match="not UTF-8"):
        params(b"\x01\x02\xff\xfe")
