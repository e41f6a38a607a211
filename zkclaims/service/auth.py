"""API keys: ``Authorization: Bearer <key>``, stored as SHA-256 hashes, compared in constant time.

A key is 32 random bytes from :mod:`secrets` (``zk_`` + URL-safe base64): hashing it with one
SHA-256 is enough (nothing to brute-force), and the configuration holds only the hash. A
presented key is hashed and compared with *every* configured hash by
:func:`hmac.compare_digest`, without stopping at a match, so the time taken says nothing about
which key, or how much of one, matched. ``zkclaims apikey`` makes a key and its config entry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from zkclaims.service.config import ApiKey

__all__ = ["KEY_PREFIX", "new_key", "hash_key", "KeyRing"]

KEY_PREFIX = "zk_"
_MAX_KEY_CHARS = 256


def new_key() -> str:
    """Return a fresh API key (256 bits from :mod:`secrets`)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of a key, as stored in the configuration."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    """The configured keys; :meth:`caller` finds the one a request presents."""

    def __init__(self, keys: Sequence[ApiKey]) -> None:
        self._keys = [(bytes.fromhex(k.sha256), k) for k in keys]

    def __len__(self) -> int:
        return len(self._keys)

    def caller(self, presented: str | None) -> ApiKey | None:
        """Return the key matching ``presented`` (None when nothing matches)."""
        if not presented or len(presented) > _MAX_KEY_CHARS:
            return None
        digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        found = None
        for stored, key in self._keys:
            if hmac.compare_digest(digest, stored):
                found = key
        return found
