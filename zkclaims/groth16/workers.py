"""Worker threads for the prover's multi-scalar multiplications.

The native backend (``arkworks``) releases the GIL inside its multi-scalar multiplication, so
the five MSMs of a Groth16 proof run in parallel on worker threads while the calling thread
does the prover's Python work (the quotient polynomial). A pure-Python backend holds the
GIL throughout: its MSMs stay on the calling thread. The result never depends on the thread
count: an MSM is a sum, whatever the order.

By default the prover uses as many workers as the process may use cores
(:func:`available_cores`); :func:`prover_threads` changes that for a block of code (``1``: all
work on the calling thread, as a single-core machine would do it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from zkclaims.errors import InvalidInputError

__all__ = ["available_cores", "check_thread_count", "prover_threads", "thread_count",
           "executor_for"]

_THREADS: ContextVar[int | None] = ContextVar("zkclaims_prover_threads", default=None)
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _forget_pools_in_child() -> None:
    # a forked child has none of the parent's threads: a pool inherited from the parent
    # would accept tasks and never run them, so the child makes its own
    global _POOLS_LOCK
    _POOLS_LOCK = threading.Lock()
    _POOLS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_in_child)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def thread_count() -> int:
    """Worker threads the prover uses here (:func:`prover_threads`, else every core)."""
    n = _THREADS.get()
    return available_cores() if n is None else n


def check_thread_count(n: Any, field: str = "prover_threads") -> int:
    """Return ``n`` if it is an int from 1 to 256, else raise ``InvalidInputError`` on ``field``."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 256:
        raise InvalidInputError(field, n, "must be an int from 1 to 256")
    return n


@contextmanager
def prover_threads(n: int) -> Iterator[int]:
    """Within the block, prove with ``n`` worker threads (``1``: on the calling thread only).

    Raises :class:`~zkclaims.errors.InvalidInputError` unless ``n`` is an int from 1 to 256.
    """
    token = _THREADS.set(check_thread_count(n))
    try:
        yield n
    finally:
        _THREADS.reset(token)


class _Inline(Executor):
    """Runs each task at submission, on the calling thread (one thread, or a GIL-bound backend)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # re-raised by future.result(), on the caller's thread
            future.set_exception(exc)
        return future


_INLINE = _Inline()


def executor_for(parallel_backend: bool) -> Executor:
    """Return the executor for MSM tasks: a pool of :func:`thread_count` threads, or inline.

    Inline when ``parallel_backend`` is false (its MSMs hold the GIL) or one thread is asked.
    Pools are made on first use, one per size, and live as long as the process.
    """
    n = thread_count()
    if not parallel_backend or n == 1:
        return _INLINE
    with _POOLS_LOCK:
        pool = _POOLS.get(n)
        if pool is None:
            pool = _POOLS[n] = ThreadPoolExecutor(max_workers=n,
                                                  thread_name_prefix="zkclaims-msm")
        return pool
