"""A clock that tests move by hand, for code that takes a `clock` callable."""

from __future__ import annotations

import datetime as dt

START = dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC)


class Clock:
    """Returns the same aware UTC time until the test advances it."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        self.current += dt.timedelta(**delta)
        return self.current
