"""Helpers every layer may use, written once: the current time, a content digest, and
the one way a number someone typed is read."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

# Numbers people type are read one way, digits 0-9 only: `str.isdigit` accepts "²",
# which `int` refuses (a crash), and `int` and `\d` accept other scripts' digits. Every
# pattern that reads a typed number (times, durations) says [0-9], never \d.
DIGITS = re.compile(r"[0-9]+")


def utc_now() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def digest(data: bytes) -> bytes:
    """A short fingerprint of `data` (16 bytes of BLAKE2b): equal bytes, equal digest."""
    return hashlib.blake2b(data, digest_size=16).digest()


def whole_number(text: str, low: int, high: int) -> int | None:
    """`text` (spaces around it allowed) as a whole number from `low` to `high`, written
    with the digits 0-9; None for anything else, so the caller says what to type."""
    text = text.strip()
    if len(text) > len(str(high)) + 8 or not DIGITS.fullmatch(text):
        return None  # the length cap keeps int() from reading a million digits
    number = int(text)
    return number if low <= number <= high else None
