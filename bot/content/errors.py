"""Content errors as editors read them: file, line, field and what to do.

content/briefs/x.yml:4: unknown field 'titel' (did you mean 'title'?)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentError:
    """One mistake in the content. `line` is 1-based, 0 when it concerns a whole file."""

    path: str
    line: int
    field: str | None
    message: str

    @property
    def location(self) -> str:
        """`path:line`, the path relative to the current folder when it lies below it."""
        shown = display_path(self.path)
        return f"{shown}:{self.line}" if self.line > 0 else shown

    def __str__(self) -> str:
        message = self.message
        if self.field and self.field not in message:
            message = f"{self.field}: {message}"
        return f"{self.location}: {message}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.message)


def display_path(path: str) -> str:
    """`path` relative to the current folder when it is inside it, else as given."""
    if not path:
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path
    return relative


class ContentInvalid(Exception):
    """The content cannot be loaded; `errors` holds every mistake found, in file order."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        self.errors: tuple[ContentError, ...] = tuple(
            sorted(set(errors), key=ContentError.sort_key)
        )
        super().__init__(self.summary())

    def summary(self) -> str:
        """The count line, such as `3 errors in the content`."""
        count = len(self.errors)
        return f"{count} error{'' if count == 1 else 's'} in the content"

    def __str__(self) -> str:
        return "\n".join([*map(str, self.errors), self.summary()])
