"""Load and validate the content folder: files → parsed → checked across files → `Content`.

Loading either yields every brief and term, valid, or raises `ContentInvalid` with
every error found (file, line, field); it never yields half the content. The folder
layout is in bot/content/layout.py, one file's parsing in bot/content/parse.py, the
checks across files in bot/content/across_files.py; `Library` adds the indexes.

A `ContentLoader` remembers, between loads, what each file held (keyed by its stat),
the per-file results of the last load and the last Library, so loading again after an
edit re-reads only the files that changed and patches the indexes instead of
rebuilding them. That memory is this one object: `LiveContent` owns the loader of the
content it serves; everything it calls is a plain function of its inputs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.content.across_files import check_across_files
from bot.content.errors import ContentError, ContentInvalid, display_path
from bot.content.files import RefusedFile, is_inside, read_with_stat
from bot.content.layout import (
    BRIEFS_DIR,
    GLOSSARY_DIR,
    GLOSSARY_FILE,
    ContentFile,
    is_content_name,
    yml_files,
)
from bot.content.library import Library, build_library
from bot.content.parse import (
    BriefEntry,
    FileResult,
    TermEntry,
    not_read,
    parse_file,
)
from bot.model import Brief, Term
from bot.search.meaning import MeaningModel

# A file modified this recently may change again within the filesystem's timestamp
# granularity without its stat changing, so its cached result is only trusted after
# its bytes are compared ("racy" entries, as git calls them).
_RACY_NS = 2_000_000_000

_FOLDER_OUTSIDE = (
    "this folder is a symbolic link to a folder outside the content folder, and briefbot "
    "reads only files inside it: put the files in the content folder instead"
)

_StatKey = tuple[int, int, int, int]
"""A file's mtime, size, inode and ctime: when any changes, the file may have."""


@dataclass(frozen=True, slots=True)
class Content:
    """Validated briefs and terms, before indexing."""

    briefs: tuple[Brief, ...]
    terms: tuple[Term, ...]


@dataclass(slots=True)
class _Known:
    """What a file held when it was last read."""

    stat_key: _StatKey
    racy_bytes: bytes | None
    """The bytes, kept while the file's mtime is too recent to trust its stat."""
    result: FileResult


class ContentLoader:
    """Loads one content folder again and again, re-reading only files that changed.

    Thread-safe: concurrent loads run one after another. A file watcher that knows
    which paths changed passes them as `changed`; the loader then looks only at those
    paths (all of them again when a folder itself changed) instead of checking the
    stat of every file.
    """

    def __init__(self, root: str | os.PathLike[str], model: MeaningModel | None = None) -> None:
        self.root = os.fspath(root)
        self.model = model
        """What briefs and terms mean is embedded with (None: search by words alone)."""
        self._briefs_dir = os.path.join(self.root, BRIEFS_DIR)
        self._glossary_file = os.path.join(self.root, GLOSSARY_FILE)
        self._glossary_dir = os.path.join(self.root, GLOSSARY_DIR)
        # The content folder's real path: links are followed only to files below it.
        self._fence = os.path.realpath(self.root)
        self._lock = threading.Lock()
        self._known: dict[str, _Known] = {}
        self._files: list[ContentFile] | None = None
        """The last listing, in load order."""
        self._positions: dict[str, int] = {}
        """Path -> its place in `_files`."""
        self._results: list[FileResult] = []
        """The per-file results of the last load, parallel to `_files`."""
        self._outcome: Content | ContentInvalid | None = None
        """What the last load's results checked out to."""
        self._checked: _Checked | None = None
        """The maps of the last load's checks across files, when it passed them."""
        self._library: Library | None = None
        self._library_of: Content | None = None
        """The Content `_library` was built from."""
        self.files_parsed = 0
        """How many files the last load had to read and parse (the rest were known)."""

    def load(self, changed: Iterable[str | os.PathLike[str]] | None = None) -> Library:
        """The content as one Library, or ContentInvalid listing every error.

        Returns the very same Library object when nothing changed since the last load.
        """
        with self._lock:
            content = self._load_content(changed)
            if self._library is None or content is not self._library_of:
                self._library = build_library(
                    content.briefs, content.terms, self._library, self.model
                )
                self._library_of = content
            return self._library

    def load_content(self, changed: Iterable[str | os.PathLike[str]] | None = None) -> Content:
        """Validated briefs and terms without building the search indexes."""
        with self._lock:
            return self._load_content(changed)

    def errors_with(self, path: str | os.PathLike[str], data: bytes) -> tuple[ContentError, ...]:
        """Every error the content would have if the file at `path` (one of its files, or a
        new one) held `data`: the same checks as a load, run on the files as they are on
        disk now with that one replaced; nothing is written and nothing served changes."""
        with self._lock:
            # The other files' errors are counted below, as a load would count them.
            with contextlib.suppress(ContentInvalid):
                self._load_content(None)
            file = self._content_file(os.path.abspath(path))
            if file is None:
                return (ContentError(os.fspath(path), 0, None, "not a content file"),)
            results = list(self._results)
            replaced = parse_file(file, data)
            at = self._positions.get(file.path)
            if at is None:
                results.append(replaced)
            else:
                results[at] = replaced
            briefs = [entry for result in results for entry in result.briefs]
            terms = [entry for result in results for entry in result.terms]
            errors = [error for result in results for error in result.errors]
            unread = [result.unread for result in results if result.unread is not None]
            errors.extend(check_across_files(briefs, terms, unread))
            return tuple(sorted(set(errors), key=ContentError.sort_key))

    def _load_content(self, changed: Iterable[str | os.PathLike[str]] | None) -> Content:
        files, to_check = self._files_to_check(changed)
        swapped: list[tuple[FileResult, FileResult]] | None
        if to_check is not None and files is self._files:
            # The watcher named the changed files and none was added or removed: look
            # at those alone and swap their results in.
            results, swapped, parsed = self._swap_results(to_check)
        else:
            results, swapped, parsed = self._all_results(files, to_check)
        self.files_parsed = parsed
        outcome = self._outcome
        if swapped == [] and outcome is not None:
            pass  # the very same files: the same outcome
        elif swapped and isinstance(outcome, Content) and self._checked is not None:
            checked = _check_swapped(self._checked, results, swapped)
            self._checked, outcome = checked, checked.content if checked else None
        else:
            outcome = None
        if outcome is None:
            outcome = self._check(results)
        if files is not self._files:
            self._files = files
            self._positions = {file.path: at for at, file in enumerate(files)}
            for gone in self._known.keys() - self._positions.keys():
                del self._known[gone]
        self._results, self._outcome = results, outcome
        if isinstance(outcome, ContentInvalid):
            raise ContentInvalid(outcome.errors)
        return outcome

    def _swap_results(
        self, to_check: set[str]
    ) -> tuple[list[FileResult], list[tuple[FileResult, FileResult]], int]:
        """The last results with those of the files in `to_check` looked at again, and
        the (old, new) results that differ."""
        files, results = self._files or [], list(self._results)
        swapped: list[tuple[FileResult, FileResult]] = []
        parsed = 0
        for path in sorted(to_check, key=self._positions.__getitem__):
            at = self._positions[path]
            result, fresh = self._file_result(files[at])
            parsed += fresh
            if result is not results[at]:
                swapped.append((results[at], result))
                results[at] = result
        return results, swapped, parsed

    def _all_results(
        self, files: list[ContentFile], to_check: set[str] | None
    ) -> tuple[list[FileResult], list[tuple[FileResult, FileResult]] | None, int]:
        """The result of every file, looking at those in `to_check` (None: all of them),
        and the (old, new) results that differ when the listing is the last one (else
        None)."""
        results: list[FileResult] = []
        parsed = 0
        for file in files:
            known = self._known.get(file.path)
            if known is not None and to_check is not None and file.path not in to_check:
                results.append(known.result)
                continue
            result, fresh = self._file_result(file)
            parsed += fresh
            results.append(result)
        if files is self._files:
            swapped = [
                (old, new)
                for old, new in zip(self._results, results, strict=True)
                if old is not new
            ]
            return results, swapped, parsed
        return results, None, parsed

    def _check(self, results: list[FileResult]) -> Content | ContentInvalid:
        """Join the per-file results and run the checks across files."""
        self._checked = None
        briefs = [entry for result in results for entry in result.briefs]
        terms = [entry for result in results for entry in result.terms]
        errors = [error for result in results for error in result.errors]
        if not briefs and not errors:
            errors.append(
                ContentError(
                    self._briefs_dir,
                    0,
                    None,
                    f"no briefs found: add one .yml file per brief to "
                    f"{display_path(self._briefs_dir)}",
                )
            )
        unread = [result.unread for result in results if result.unread is not None]
        errors.extend(check_across_files(briefs, terms, unread))
        if errors:
            return ContentInvalid(errors)
        content = Content(
            briefs=tuple(entry.brief for entry in briefs if entry.brief is not None),
            terms=tuple(entry.term for entry in terms if entry.term is not None),
        )
        self._checked = _Checked.of(content, briefs, terms)
        return content

    # -- which files, and what they hold ------------------------------------------------

    def _files_to_check(
        self, changed: Iterable[str | os.PathLike[str]] | None
    ) -> tuple[list[ContentFile], set[str] | None]:
        """The content files, and which of them to look at (None: all of them)."""
        if changed is not None and self._files is not None:
            applied = self._apply_changes(self._files, changed)
            if applied is not None:
                return applied
        files = self._list_files()
        if self._files is not None and files == self._files:
            return self._files, None  # the same listing keeps its positions
        return files, None

    def _apply_changes(
        self, files: list[ContentFile], changed: Iterable[str | os.PathLike[str]]
    ) -> tuple[list[ContentFile], set[str]] | None:
        """`files` updated for the changed paths (the same list when none was added or
        removed), and the paths to look at again; None when a folder itself changed and
        everything must be listed again."""
        folders = {os.path.abspath(self.root), *map(os.path.abspath, self._folders())}
        to_check: set[str] = set()
        added: set[ContentFile] = set()
        removed: set[str] = set()
        for changed_path in changed:
            path = os.path.abspath(changed_path)
            if path in folders or os.path.isdir(path):
                return None
            file = self._content_file(path)
            if file is None:
                continue  # not content: schedule.yml, schemas/, editor temp files
            exists = os.path.lexists(path)
            listed = file.path in self._positions
            if exists:
                to_check.add(file.path)
            if exists and not listed:
                added.add(file)
                removed.discard(file.path)
            elif listed and not exists:
                removed.add(file.path)
                added.discard(file)
        # Files that could not be read last time are looked at again.
        to_check.update(file.path for file in files if file.path not in self._known)
        if not added and not removed:
            return files, to_check
        kept = [file for file in files if file.path not in removed]
        return sorted([*kept, *added], key=self._listing_order), to_check

    def _folders(self) -> tuple[str, str]:
        return (self._briefs_dir, self._glossary_dir)

    def _content_file(self, path: str) -> ContentFile | None:
        """The content file at the absolute `path`, or None when the loader never reads it."""
        folder, name = os.path.split(path)
        if path == os.path.abspath(self._glossary_file):
            return ContentFile(self._glossary_file, "glossary")
        if not is_content_name(name):
            return None
        if folder == os.path.abspath(self._briefs_dir):
            return ContentFile(os.path.join(self._briefs_dir, name), "brief")
        if folder == os.path.abspath(self._glossary_dir):
            return ContentFile(os.path.join(self._glossary_dir, name), "glossary")
        return None

    def _listing_order(self, file: ContentFile) -> tuple[int, str]:
        """The order of a full listing: briefs, glossary.yml, then glossary/ files."""
        if file.kind == "brief":
            return (0, file.path)
        return (1, "") if file.path == self._glossary_file else (2, file.path)

    def _list_files(self) -> list[ContentFile]:
        root = self.root
        if not os.path.isdir(root):
            what = "is not a folder" if os.path.exists(root) else "does not exist"
            raise ContentInvalid(
                [
                    ContentError(
                        root,
                        0,
                        None,
                        f"the content folder {what}; pass the folder (or set "
                        "BRIEFBOT_CONTENT_DIR) holding briefs/ and glossary.yml",
                    )
                ]
            )
        if not os.path.isdir(self._briefs_dir):
            raise ContentInvalid(
                [
                    ContentError(
                        self._briefs_dir,
                        0,
                        None,
                        "no briefs folder: create it and add one .yml file per brief",
                    )
                ]
            )
        self._fence = fence = os.path.realpath(root)
        outside = [
            ContentError(folder, 0, None, _FOLDER_OUTSIDE)
            for folder in self._folders()
            if os.path.isdir(folder) and not is_inside(os.path.realpath(folder), fence)
        ]
        if outside:
            raise ContentInvalid(outside)
        files = [ContentFile(path, "brief") for path in yml_files(self._briefs_dir)]
        if os.path.lexists(self._glossary_file):
            files.append(ContentFile(self._glossary_file, "glossary"))
        if os.path.isdir(self._glossary_dir):
            files.extend(ContentFile(path, "glossary") for path in yml_files(self._glossary_dir))
        return files

    def _file_result(self, file: ContentFile) -> tuple[FileResult, int]:
        """What `file` holds, and 1 when it had to be parsed (0: known from before)."""
        path = file.path
        known = self._known.get(path)
        if known is not None:
            try:
                st = os.stat(path)
            except OSError as error:
                return not_read(file, error), 1
            if known.stat_key == _stat_key(st) and known.racy_bytes is None:
                return known.result, 0
        try:
            st, data = read_with_stat(path, self._fence)
        except (OSError, RefusedFile) as error:
            self._known.pop(path, None)
            return not_read(file, error), 1
        key = _stat_key(st)
        racy = time.time_ns() - st.st_mtime_ns < _RACY_NS
        if known is not None and known.stat_key == key and known.racy_bytes == data:
            known.racy_bytes = data if racy else None
            return known.result, 0
        result = parse_file(file, data)
        self._known[path] = _Known(key, data if racy else None, result)
        return result, 1


@dataclass(frozen=True, slots=True)
class _Checked:
    """Content that passed every check, with the maps the checks across files build, so
    that a reload swapping a few brief files can check only those."""

    content: Content
    by_id: dict[str, BriefEntry]
    pinned: dict[dt.date, BriefEntry]
    term_keys: frozenset[str]

    @classmethod
    def of(cls, content: Content, briefs: list[BriefEntry], terms: list[TermEntry]) -> _Checked:
        return cls(
            content,
            by_id={entry.id: entry for entry in briefs if entry.id is not None},
            pinned={date: entry for entry in briefs for date, _ in entry.featured_on},
            term_keys=frozenset(
                ref.key
                for entry in terms
                if entry.name is not None
                for ref in (entry.name, *entry.aliases)
            ),
        )


_MAX_SWAPPED = 64
"""More brief files changed at once than this are checked in full."""


def _check_swapped(
    checked: _Checked, results: list[FileResult], swapped: list[tuple[FileResult, FileResult]]
) -> _Checked | None:
    """`checked` after a few brief files' results were swapped, or None when the full
    check must decide (anything that could be an error).

    `checked` passed every check, so any error now involves a swapped file: its own
    errors, an id or pinned date another brief already has, a term or related id that
    does not resolve, or an id that went away while other briefs may name it. Each of
    those falls back to the full check, which reports every error in its usual order.
    """
    if len(swapped) > _MAX_SWAPPED:
        return None
    for old, new in swapped:
        if new.errors or old.terms or new.terms:
            return None
    removed = [entry for old, _ in swapped for entry in old.briefs]
    added = [entry for _, new in swapped for entry in new.briefs]
    by_id = dict(checked.by_id)
    pinned = dict(checked.pinned)
    for entry in removed:
        if entry.id is not None and by_id.get(entry.id) is entry:
            del by_id[entry.id]
        for date, _ in entry.featured_on:
            if pinned.get(date) is entry:
                del pinned[date]
    for entry in added:
        if entry.brief is None or entry.id is None or entry.id in by_id:
            return None
        by_id[entry.id] = entry
        for date, _ in entry.featured_on:
            if date in pinned:
                return None
            pinned[date] = entry
    if not by_id or any(entry.id not in by_id for entry in removed):
        return None
    for entry in added:
        for ref in entry.terms:
            if ref.key not in checked.term_keys:
                return None
        for ref in entry.related:
            if ref.key == entry.id or ref.key not in by_id:
                return None
    content = Content(
        briefs=tuple(entry.brief for result in results for entry in result.briefs),  # type: ignore[misc]
        terms=checked.content.terms,
    )
    return _Checked(content, by_id, pinned, checked.term_keys)


def _stat_key(st: os.stat_result) -> _StatKey:
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def load_library(root: str | os.PathLike[str], model: MeaningModel | None = None) -> Library:
    """Load and validate the content folder at `root` (see ContentLoader.load); with
    `model`, the library also knows what its briefs and terms mean."""
    return ContentLoader(root, model).load()


def load_content(root: str | os.PathLike[str]) -> Content:
    """Load and validate `root` without building the search indexes."""
    return ContentLoader(root).load_content()
