"""Two helpers every layer may use, written once: the current time and a content digest."""

from __future__ import annotations

import datetime as dt
import hashlib


def utc_now() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def digest(data: bytes) -> bytes:
    """A short fingerprint of `data` (16 bytes of BLAKE2b): equal bytes, equal digest."""
    return hashlib.blake2b(data, digest_size=16).digest()
