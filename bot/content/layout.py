"""Which files in the content folder are content: the one place that says so.

    content/
      briefs/*.yml        one brief per file, or several under `briefs:`
      glossary.yml        glossary terms under `terms:`
      glossary/*.yml      more glossary files of the same shape (optional)

Everything else there (schedule.yml, schemas/, .git/, editors' temp files) is not
read by the loader, and the watcher ignores changes to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Literal, NamedTuple

BRIEFS_DIR = "briefs"
GLOSSARY_FILE = "glossary.yml"
GLOSSARY_DIR = "glossary"
CONTENT_SUFFIX = ".yml"

FileKind = Literal["brief", "glossary"]


class ContentFile(NamedTuple):
    """One content file: its path (under the folder as given) and what it holds."""

    path: str
    kind: FileKind


def is_content_name(name: str) -> bool:
    """A content file name: `*.yml`, not hidden and not an editor's backup or lock file."""
    return name.endswith(CONTENT_SUFFIX) and not name.startswith((".", "~"))


def yml_files(directory: str) -> Iterator[str]:
    """The content files in `directory`, sorted; hidden and editor temp files skipped."""
    names = sorted(entry.name for entry in os.scandir(directory) if is_content_name(entry.name))
    return (os.path.join(directory, name) for name in names)
