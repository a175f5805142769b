"""A clock that tests move by hand, for code that takes a `clock` callable.

The `clock` fixture (tests/conftest.py) gives one; the daily world has its own.
"""

from __future__ import annotations

import datetime as dt

START = dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC)


class Clock:
    """Returns the same aware UTC time until the test sets it or moves it on."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> dt.datetime:
        self.now = now.astimezone(dt.UTC)
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now
