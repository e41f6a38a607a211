"""Subgroup checks of many points, spread over worker processes.

Checking that a point lies in the order-r subgroup costs one endomorphism test per point
(no batch test is sound: BLS12-381's cofactors have the small prime factor 3, which a random
linear combination misses with probability 1/3). A prepared ``2^10`` phase-1 file holds 15,000
points, so reading it spends most of its time here. Inside :func:`parallel_checks`, large
lists are checked by a pool of forked worker processes (one per available core, at most 4;
``ZKCLAIMS_CEREMONY_WORKERS=1`` turns it off); the pool ends with the block. The native
library holds Python's lock while it works, so threads would not help.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import py_arkworks_bls12381 as _ark

__all__ = ["parallel_checks", "first_outside", "PARALLEL_MIN"]

PARALLEL_MIN = 2048  #: smaller lists are checked in this process
_POOL: tuple[Any, int] | None = None


def _default_workers() -> int:
    env = os.environ.get("ZKCLAIMS_CEREMONY_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


@contextmanager
def parallel_checks(workers: int | None = None) -> Iterator[None]:
    """Within the block, :func:`first_outside` uses a pool of forked processes."""
    global _POOL
    n = workers or _default_workers()
    if n <= 1 or _POOL is not None or "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    pool = multiprocessing.get_context("fork").Pool(n)
    _POOL = (pool, n)
    try:
        yield
    finally:
        _POOL = None
        pool.terminate()
        pool.join()


def _check_chunk(args: tuple[str, bytes, int, int]) -> int | None:
    group, blob, size, start = args
    cls = _ark.G1Point if group == "G1" else _ark.G2Point
    for k in range(len(blob) // size):
        if not cls.from_xy_bytes_unchecked_le(blob[k * size : (k + 1) * size]).is_in_subgroup():
            return start + k
    return None


def first_outside(
    group_name: str, points: Sequence[Any], std: Sequence[bytes | None]
) -> int | None:
    """Index of the first point outside the subgroup, or None.

    ``std[i]`` is point ``i``'s affine coordinates as arkworks reads them (None for the
    identity), so that workers receive bytes, not native objects.
    """
    n = len(points)
    if _POOL is None or n < PARALLEL_MIN:
        for i, p in enumerate(points):
            if std[i] is not None and not p.is_in_subgroup():
                return i
        return None
    pool, workers = _POOL
    size = 96 if group_name == "G1" else 192
    idx = [i for i in range(n) if std[i] is not None]
    chunks = 4 * workers
    step = -(-len(idx) // chunks)
    jobs = []
    for c in range(0, len(idx), step):
        part = idx[c : c + step]
        jobs.append((group_name, b"".join(std[i] for i in part), size, c))
    firsts = [r for r in pool.map(_check_chunk, jobs) if r is not None]
    return idx[min(firsts)] if firsts else None
