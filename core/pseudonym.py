"""Keyed pseudonyms for end-user ids.

In: a raw user id from the app and the secret `PSEUDONYM_KEY`. Out: a stable 32-hex-digit HMAC-SHA256
pseudonym. The same id always maps to the same pseudonym under one key; without the key the mapping
cannot be recomputed, so the raw id is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


class Pseudonymizer:
    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def __call__(self, user_id: str | None) -> str | None:
        if user_id is None or user_id == "":
            return None
        return _pseudonym(self._key, user_id)


@lru_cache(maxsize=65_536)  # an import sees the same users over and over
def _pseudonym(key: bytes, user_id: str) -> str:
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()[:32]
