"""The prover's worker threads: same bytes at any thread count, errors on the caller's thread.

The native backend's MSMs release the GIL (``msm_releases_gil``), so :func:`start_proof` runs
them on a pool while the caller computes the quotient polynomial; none of that may change a
proof, hide an error, or let a witness that fails a constraint reach the key's points.
"""

import threading
from concurrent.futures import Executor, Future

import pytest

from zkclaims.errors import InvalidInputError, ProofError
from zkclaims.field import R
from zkclaims.groth16 import proving, verify
from zkclaims.groth16.proving import start_proof
from zkclaims.groth16.workers import (
    available_cores,
    executor_for,
    prover_threads,
    thread_count,
)
from zkclaims.groups import get_backend
from zkclaims.groups.arkworks_backend import ArkworksBackend
from zkclaims.hazmat import dev_setup, prove_with_randomness, synthetic_r1cs

R1CS_300, W_300 = synthetic_r1cs(300, n_public=3, seed=11)


@pytest.fixture(scope="module")
def keys():
    return dev_setup(R1CS_300, "test-parallel", backend="arkworks")


def test_backends_declare_whether_their_msm_runs_outside_the_gil():
    assert get_backend("arkworks").msm_releases_gil is True
    assert get_backend("py_ecc").msm_releases_gil is False


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_proof_bytes_do_not_depend_on_the_thread_count(keys, threads):
    pk, vk = keys
    with prover_threads(1):
        serial = prove_with_randomness(pk, R1CS_300, W_300, 12345, 67890, backend="arkworks")
    with prover_threads(threads):
        assert thread_count() == threads
        parallel = prove_with_randomness(pk, R1CS_300, W_300, 12345, 67890,
                                         backend="arkworks")
    assert parallel.to_bytes() == serial.to_bytes()
    assert verify(vk, W_300[1:4], parallel)


def test_the_msms_run_on_worker_threads_for_the_native_backend(keys, monkeypatch):
    pk, _ = keys
    ark = get_backend("arkworks")
    seen: list[tuple[str, int]] = []

    class Spy(ArkworksBackend):
        def g1_msm(self, points, scalars):
            seen.append((threading.current_thread().name, len(points)))
            return ark.g1_msm(points, scalars)

        def g2_msm(self, points, scalars):
            seen.append((threading.current_thread().name, len(points)))
            return ark.g2_msm(points, scalars)

    with prover_threads(2):
        proof = start_proof(pk, R1CS_300, W_300, Spy()).result()
    # the five query MSMs on the pool; only C's final 3-point sum on the calling thread
    me = threading.current_thread().name
    on_pool = [n for name, n in seen if name.startswith("zkclaims-msm")]
    assert len(on_pool) == 5 and min(on_pool) > 3
    assert [n for name, n in seen if name == me] == [3]
    assert verify(keys[1], W_300[1:4], proof)
    seen.clear()
    with prover_threads(1):
        start_proof(pk, R1CS_300, W_300, Spy()).result()
    assert {name for name, _ in seen} == {me} and len(seen) == 6


def test_two_started_proofs_finish_independently(keys):
    pk, vk = keys
    r1cs_b, w_b = synthetic_r1cs(300, n_public=3, seed=12)
    pk_b, vk_b = dev_setup(r1cs_b, "test-parallel-b", backend="arkworks")
    first = start_proof(pk, R1CS_300, W_300, "arkworks")
    second = start_proof(pk_b, r1cs_b, w_b, "arkworks")
    p2, p1 = second.result(), first.result()
    assert verify(vk, W_300[1:4], p1) and verify(vk_b, w_b[1:4], p2)
    assert first.result() is p1  # assembled once
    assert not verify(vk, W_300[1:4], p2)


def test_a_witness_failing_a_constraint_never_reaches_the_workers(keys, monkeypatch):
    pk, _ = keys
    submitted: list[object] = []

    class Recording(Executor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(fn)
            future: Future = Future()
            future.set_result(fn(*args, **kwargs))
            return future

    monkeypatch.setattr(proving, "executor_for", lambda parallel: Recording())
    bad = list(W_300)
    bad[-1] = (bad[-1] + 2) % R  # a bit becomes 2 or 3, a product is off by two
    with pytest.raises(ProofError):
        start_proof(pk, R1CS_300, bad, "arkworks")
    assert submitted == []
    start_proof(pk, R1CS_300, W_300, "arkworks").result()
    assert len(submitted) == 5  # A, B in G2, B in G1, L, H


def test_an_error_in_a_worker_is_raised_by_result_not_lost(keys):
    pk, _ = keys

    class Broken(ArkworksBackend):
        def g2_msm(self, points, scalars):
            raise RuntimeError("g2_msm failed in the worker")

    with prover_threads(2):
        pending = start_proof(pk, R1CS_300, W_300, Broken())
        with pytest.raises(RuntimeError, match="failed in the worker"):
            pending.result()


@pytest.mark.parametrize("bad", [0, -1, 257, True, 2.0, "2", None])
def test_prover_threads_refuses_what_is_not_a_thread_count(bad):
    with pytest.raises(InvalidInputError, match="prover_threads"):
        with prover_threads(bad):
            pass  # pragma: no cover - never entered


def test_prover_threads_is_scoped_and_defaults_to_the_cores():
    assert thread_count() == available_cores() >= 1
    with prover_threads(3):
        with prover_threads(1):
            assert thread_count() == 1
            assert executor_for(True) is executor_for(False)  # inline, the calling thread
        assert thread_count() == 3
        pool = executor_for(True)
        assert pool is executor_for(True)  # one pool per size, reused
        assert executor_for(False) is not pool  # a GIL-bound backend stays inline
    assert thread_count() == available_cores()


def test_the_inline_executor_keeps_a_task_error_for_result():
    with prover_threads(1):
        ex = executor_for(True)
    future = ex.submit(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        future.result()


def test_a_forked_child_proves_with_its_own_workers(keys):
    # the parent's pool exists (its threads do not survive a fork): the child must not hang
    import multiprocessing

    pk, vk = keys
    with prover_threads(2):
        prove_with_randomness(pk, R1CS_300, W_300, 3, 5, backend="arkworks")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        child = pool.apply_async(_prove_in_child, (pk.to_bytes(),))
        proof_bytes = child.get(timeout=60)
    with prover_threads(1):
        here = prove_with_randomness(pk, R1CS_300, W_300, 3, 5, backend="arkworks")
    assert proof_bytes == here.to_bytes()


def _prove_in_child(pk_bytes):
    from zkclaims.groth16 import ProvingKey

    pk = ProvingKey.from_bytes(pk_bytes)
    with prover_threads(2):
        return prove_with_randomness(pk, R1CS_300, W_300, 3, 5, backend="arkworks").to_bytes()
