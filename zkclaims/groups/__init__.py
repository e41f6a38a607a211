"""BLS12-381 group backends behind one small protocol (:class:`GroupBackend`).

Pick a backend with :func:`get_backend`: ``"arkworks"`` (native, the default) or ``"py_ecc"``
(pure Python, slow, a reference for tests and tiny circuits). The choice is the argument, else
the ``ZKCLAIMS_BACKEND`` environment variable, else ``"arkworks"``. Both produce byte-identical
ZCash compressed encodings, so anything encoded by one decodes in the other.
"""

from __future__ import annotations

import os

from zkclaims.errors import UnknownBackendError
from zkclaims.groups.base import (
    G1,
    G2,
    GroupBackend,
    PreparedScalars,
    Scalars,
    check_msm_lengths,
)
from zkclaims.groups.encoding import (
    G1_COMPRESSED_SIZE,
    G1_IDENTITY_BYTES,
    G2_COMPRESSED_SIZE,
    G2_IDENTITY_BYTES,
)

__all__ = [
    "BACKEND_NAMES",
    "DEFAULT_BACKEND",
    "ENV_VAR",
    "G1",
    "G1_COMPRESSED_SIZE",
    "G1_IDENTITY_BYTES",
    "G2",
    "G2_COMPRESSED_SIZE",
    "G2_IDENTITY_BYTES",
    "GroupBackend",
    "PreparedScalars",
    "Scalars",
    "check_msm_lengths",
    "get_backend",
]

#: The backends zkclaims knows, in order of preference.
BACKEND_NAMES: tuple[str, ...] = ("arkworks", "py_ecc")
#: Used when neither the argument nor the environment names a backend.
DEFAULT_BACKEND = "arkworks"
#: Environment variable naming the backend.
ENV_VAR = "ZKCLAIMS_BACKEND"

_instances: dict[str, GroupBackend] = {}


def get_backend(name: str | None = None) -> GroupBackend:
    """Return the group backend ``name`` (else ``$ZKCLAIMS_BACKEND``, else ``"arkworks"``).

    Backends are stateless and cached: one instance per name. Raises
    :class:`~zkclaims.errors.UnknownBackendError` for a name not in :data:`BACKEND_NAMES` and
    :class:`~zkclaims.errors.BackendUnavailableError` when the backend cannot load (e.g. the
    native wheel of ``arkworks`` is missing).
    """
    source = "name"
    if name is None:
        env = os.environ.get(ENV_VAR, "").strip()
        if env:
            name, source = env, ENV_VAR
        else:
            name = DEFAULT_BACKEND
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key == "pyecc":
        key = "py_ecc"
    if key not in BACKEND_NAMES:
        raise UnknownBackendError(
            f"{source}: unknown group backend {name!r} (known: {', '.join(BACKEND_NAMES)})"
        )
    backend = _instances.get(key)
    if backend is None:
        if key == "arkworks":
            from zkclaims.groups.arkworks_backend import ArkworksBackend

            backend = ArkworksBackend()
        else:
            from zkclaims.groups.pyecc_backend import PyEccBackend

            backend = PyEccBackend()
        _instances[key] = backend
    return backend
