"""DANGER — accept Groth16 keys from a one-party setup (tests and development only).

Keys made by one machine (``zkclaims circuits build`` without ``--ceremony``, or
:func:`zkclaims.hazmat.dev_setup`) let whoever made them forge proofs. Verifiers refuse them
(:func:`zkclaims.circuits.check_setup`) unless the caller runs inside
:func:`allow_one_party_setup`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["allow_one_party_setup"]


@contextmanager
def allow_one_party_setup() -> Iterator[None]:
    """INSECURE: within the block, verifiers accept keys that no multi-party ceremony made."""
    from zkclaims.circuits import _ONE_PARTY_ALLOWED

    token = _ONE_PARTY_ALLOWED.set(True)
    try:
        yield
    finally:
        _ONE_PARTY_ALLOWED.reset(token)
