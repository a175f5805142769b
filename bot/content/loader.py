"""Load and validate the content folder into one immutable `Library`.

    content/
      briefs/*.yml        one brief per file, or several under `briefs:`
      glossary.yml        glossary terms under `terms:`
      glossary/*.yml      more glossary files of the same shape (optional)

Loading either yields a complete Library or raises `ContentInvalid` with every
error found (file, line, field); it never yields a half-loaded library.

`ContentLoader` keeps each file's parsed and validated result keyed by its stat
(mtime, size, inode), so loading again after an edit re-reads only the files that
changed. Checks that span files (duplicate ids, terms that must resolve, pinned
dates) run over everything, except when a file watcher names the few brief files
that changed and the last load was valid: then only the changed briefs are checked
against the maps kept from that load, and anything that could be an error falls back
to the full check, so the errors reported are always the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from bot.content.errors import ContentError, ContentInvalid, display_path
from bot.content.files import RefusedFile, is_inside, open_content_file
from bot.content.model import MAX_URL, SLUG_RE, Brief, Origin, Source, Term, normalize_key
from bot.content.safe_yaml import (
    DATE_RE,
    MAX_FILE_BYTES,
    InvalidDate,
    YamlError,
    YamlList,
    YamlMap,
    describe_value,
    read_yaml,
)
from bot.content.schema import (
    BRIEF_FIELD_NAMES,
    BRIEF_FIELDS,
    MAX_ID,
    SOURCE_FIELD_NAMES,
    SOURCE_FIELDS,
    TERM_FIELD_NAMES,
    TERM_FIELDS,
    FieldSpec,
)
from bot.content.second_core import MIN_FILES, Helper, helper_share
from bot.long_lived import building_long_lived
from bot.search.suggest import did_you_mean

if TYPE_CHECKING:
    from bot.content.library import Library

BRIEFS_DIR = "briefs"
GLOSSARY_FILE = "glossary.yml"
GLOSSARY_DIR = "glossary"
CONTENT_SUFFIX = ".yml"

# A file modified this recently may change again within the filesystem's timestamp
# granularity without its stat changing, so its cached result is re-checked against
# the bytes on the next load ("racy" entries, as git calls them).
_RACY_NS = 2_000_000_000

# Names of glossary terms, compared ignoring case and punctuation. The same few hundred
# names recur across thousands of briefs, so folding each once pays off.
_fold = functools.lru_cache(maxsize=1 << 16)(normalize_key)
_FOLDED_FIELDS = frozenset({"terms", "tags", "aliases", "see_also"})

_SPECS_BY_NAME = {spec.name: spec for spec in (*BRIEF_FIELDS, *TERM_FIELDS)}
_SOURCE_SPECS = {spec.name: spec for spec in SOURCE_FIELDS}


# -- per-file results ---------------------------------------------------------------


class _Ref(NamedTuple):
    """A name written somewhere in a file that must resolve elsewhere."""

    text: str
    key: str
    line: int


@dataclass(frozen=True, slots=True)
class _BriefEntry:
    """A brief as read from its file, with the lines the cross-file checks need.

    `brief` is None when the brief has errors of its own; the entry still takes part
    in the cross-file checks with whatever could be read, so all errors surface at once.
    """

    brief: Brief | None
    id: str | None
    path: str
    line: int
    terms: tuple[_Ref, ...]
    related: tuple[_Ref, ...]
    featured_on: tuple[tuple[dt.date, int], ...]


@dataclass(frozen=True, slots=True)
class _TermEntry:
    term: Term | None
    name: _Ref | None
    path: str
    aliases: tuple[_Ref, ...]
    see_also: tuple[_Ref, ...]


@dataclass(frozen=True, slots=True)
class _FileResult:
    briefs: tuple[_BriefEntry, ...] = ()
    terms: tuple[_TermEntry, ...] = ()
    errors: tuple[ContentError, ...] = ()
    unread: _Unread | None = None
    """Set when the file could not be read at all (see `_Unread`)."""


class _Unread(NamedTuple):
    """A file that could not be read: what it might have defined is unknown, so names
    other files give that it might hold are not reported as missing. `words` is its text
    folded like names (between spaces), or None when even its text is unknown."""

    kind: str  # "brief" or "glossary"
    path: str
    words: str | None

    def may_define(self, key: str) -> bool:
        """Whether a brief id or term `key` may be defined in this file."""
        if self.words is None:
            return True
        if self.kind == "brief" and key == os.path.basename(self.path)[: -len(CONTENT_SUFFIX)]:
            return True
        return f" {normalize_key(key)} " in self.words


_StatKey = tuple[int, int, int, int]
"""A file's mtime, size, inode and ctime: when any changes, the file may have."""

_Read = tuple[_FileResult, _StatKey | None, bytes | None]
"""A file read for the first time: its result, its stat key (None if it could not be
read) and, while its mtime is too recent to trust, the digest of its bytes."""


@dataclass(slots=True)
class _CacheEntry:
    stat_key: _StatKey
    digest: bytes | None  # set while the entry is racy
    result: _FileResult


class _FileRef(NamedTuple):
    path: str
    kind: str  # "brief" or "glossary"


# -- field checks -----------------------------------------------------------------


class _Checker:
    """Validates the mappings of one file, collecting errors instead of stopping."""

    __slots__ = ("errors", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ContentError] = []

    def error(self, line: int, field: str | None, message: str) -> None:
        self.errors.append(ContentError(self.path, line, field, message))

    def unknown_fields(self, mapping: YamlMap, allowed: frozenset[str], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(
                    mapping.line_of(key),
                    key,
                    f"unknown field '{key}'{where}{_did_you_mean(key, allowed)}",
                )

    def required(
        self, mapping: YamlMap, specs: Iterable[FieldSpec], where: str, line: int = 0
    ) -> None:
        for spec in specs:
            if spec.required and spec.name not in mapping:
                message = f"missing required field '{spec.name}'{where}"
                self.error(line or mapping.line, spec.name, message)

    # Each reader returns the clean value, or None after recording an error.

    def text(
        self, value: Any, raw: str | None, line: int, field: str, limit: int | None, item: str = ""
    ) -> str | None:
        if value.__class__ is not str:
            if value is None:
                self.error(line, field, f"'{field}'{item} is empty")
            else:
                self.wrong_type(line, field, item, "text", value, raw)
            return None
        text = value.strip()
        if not text:
            self.error(line, field, f"'{field}'{item} is empty")
            return None
        if limit is not None and len(text) > limit:
            self.error(
                line,
                field,
                f"'{field}'{item} is {len(text):,} characters long; the limit is {limit:,} "
                "so that Slack can show it",
            )
            return None
        return text

    def slug(
        self, value: Any, raw: str | None, line: int, field: str, item: str = ""
    ) -> str | None:
        text = self.text(value, raw, line, field, MAX_ID, item)
        if text is None:
            return None
        if not SLUG_RE.match(text):
            self.error(
                line,
                field,
                f"'{field}'{item} must be lowercase letters, digits and single hyphens "
                f"(like 'chip-export-rules'), got '{text}'",
            )
            return None
        return text

    def date(
        self, value: Any, raw: str | None, line: int, field: str, item: str = ""
    ) -> dt.date | None:
        cls = value.__class__
        if cls is dt.date:
            return value  # type: ignore[no-any-return]
        if cls is str or cls is InvalidDate:
            text = str(value).strip()
            match = DATE_RE.match(text)
            if match:
                try:
                    return dt.date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    self.error(line, field, f"'{field}'{item} is not a real date: {text}")
                    return None
            self.error(
                line, field, f"'{field}'{item} must be a date written YYYY-MM-DD, got '{text}'"
            )
            return None
        if value is None:
            self.error(line, field, f"'{field}'{item} is empty")
            return None
        self.wrong_type(line, field, item, "a date (YYYY-MM-DD)", value, raw)
        return None

    def wrong_type(
        self, line: int, field: str, item: str, expected: str, value: Any, raw: str | None
    ) -> None:
        got = describe_value(value)
        if raw is not None and expected == "text":
            self.error(
                line,
                field,
                f"wrong type for '{field}'{item}: expected text, got {got} ({raw}); "
                f'put it in quotes: "{raw}"',
            )
        else:
            shown = f" ({raw})" if raw is not None else ""
            self.error(
                line,
                field,
                f"wrong type for '{field}'{item}: expected {expected}, got {got}{shown}",
            )

    def items(self, mapping: YamlMap, field: str, limit: int | None) -> YamlList | None:
        """The list under `field`, or None (after an error) when it is not a usable list."""
        value = mapping[field]
        line = mapping.line_of(field)
        if value.__class__ is not YamlList:
            if value is None:
                return YamlList(line)
            self.wrong_type(
                line, field, "", "a list ('- item' lines, or [a, b])", value, mapping.raw.get(field)
            )
            return None
        if limit is not None and len(value) > limit:
            self.error(line, field, f"'{field}' has {len(value)} items; the limit is {limit}")
        return value  # type: ignore[no-any-return]

    def texts(self, mapping: YamlMap, spec: FieldSpec) -> tuple[_Ref, ...]:
        """A list of text items, each checked, with duplicates (ignoring case) reported."""
        field = spec.name
        values = self.items(mapping, field, spec.max_items)
        if values is None:
            return ()
        limit = spec.max_length or MAX_URL

        def check(value: Any, index: int, line: int) -> str | None:
            # Fast path for the usual case: a trimmed, non-empty string within the limit.
            if (
                value.__class__ is str
                and 0 < len(value) <= limit
                and not value[0].isspace()
                and not value[-1].isspace()
            ):
                return value  # type: ignore[no-any-return]
            return self.text(value, values.raw.get(index), line, field, limit, f" item {index + 1}")

        return self._distinct(field, values, check, _fold if field in _FOLDED_FIELDS else None)

    def slugs(self, mapping: YamlMap, spec: FieldSpec) -> tuple[_Ref, ...]:
        """A list of ids, each checked, with duplicates reported."""
        field = spec.name
        values = self.items(mapping, field, spec.max_items)
        if values is None:
            return ()

        def check(value: Any, index: int, line: int) -> str | None:
            return self.slug(value, values.raw.get(index), line, field, f" item {index + 1}")

        return self._distinct(field, values, check, None)

    def _distinct(
        self,
        field: str,
        values: YamlList,
        check: Callable[[Any, int, int], str | None],
        fold: Callable[[str], str] | None,
    ) -> tuple[_Ref, ...]:
        """The items that pass `check`, each once: a repeat (after `fold`) is reported."""
        out: list[_Ref] = []
        seen: dict[str, int] = {}
        for index, value in enumerate(values):
            line = values.lines[index]
            text = check(value, index, line)
            if text is None:
                continue
            key = fold(text) if fold is not None else text
            if key in seen:
                self.error(
                    line, field, f"'{field}' lists '{text}' twice (first at line {seen[key]})"
                )
                continue
            seen[key] = line
            out.append(_Ref(text, key, line))
        return tuple(out)

    def dates(self, mapping: YamlMap, spec: FieldSpec) -> tuple[tuple[dt.date, int], ...]:
        """A date or a list of dates."""
        field = spec.name
        value = mapping[field]
        line = mapping.line_of(field)
        if value.__class__ is not YamlList:
            if value is None:
                return ()
            date = self.date(value, mapping.raw.get(field), line, field)
            return () if date is None else ((date, line),)
        values = self.items(mapping, field, spec.max_items)
        if values is None:  # pragma: no cover - a YamlList is always usable
            return ()
        out: list[tuple[dt.date, int]] = []
        seen: dict[dt.date, int] = {}
        for index, item in enumerate(values):
            item_line = values.lines[index]
            date = self.date(item, values.raw.get(index), item_line, field, f" item {index + 1}")
            if date is None:
                continue
            if date in seen:
                self.error(
                    item_line,
                    field,
                    f"'{field}' lists {date.isoformat()} twice (first at line {seen[date]})",
                )
                continue
            seen[date] = item_line
            out.append((date, item_line))
        return tuple(out)

    def url(self, value: Any, raw: str | None, line: int, field: str) -> str | None:
        text = self.text(value, raw, line, field, None)
        if text is None:
            return None
        problem = url_problem(text)
        if problem:
            self.error(line, field, f"'{field}' {problem}")
            return None
        return text


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable http(s) link, or None when it is."""
    if len(url) <= MAX_URL and _PLAIN_URL.match(url):
        return None
    if len(url) > MAX_URL:
        return f"is {len(url):,} characters long; the limit is {MAX_URL:,}"
    if _SPACE.search(url):
        return f"must not contain spaces: '{url}'"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return f"is not a valid link: '{url}'"
    if parts.scheme not in ("http", "https"):
        return f"must start with http:// or https://, got '{url}'"
    host = parts.hostname or ""
    if not host or host.startswith(".") or ".." in host or not _HOST_CHARS.match(host):
        return f"has no valid host name: '{url}'"
    return None


# Most links look like this and need no closer look.
_PLAIN_URL = re.compile(r"https?://(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(?:[/?#]\S*)?\Z")
_SPACE = re.compile(r"\s")
_HOST_CHARS = re.compile(r"^[^\s<>\"{}|\\^`']+$")


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` hint when one of `choices` is close to `name`, else ''."""
    found = did_you_mean(name, choices, limit=1)
    return f" (did you mean '{found[0]}'?)" if found else ""


# -- reading one file -------------------------------------------------------------


def _read_brief(
    checker: _Checker, mapping: YamlMap, default_id: str | None, where: str
) -> _BriefEntry:
    errors_before = len(checker.errors)
    checker.unknown_fields(mapping, BRIEF_FIELD_NAMES, where)
    checker.required(mapping, BRIEF_FIELDS, where)
    raw = mapping.raw
    line_of = mapping.line_of

    brief_id: str | None
    if "id" in mapping:
        brief_id = checker.slug(mapping["id"], raw.get("id"), line_of("id"), "id")
    elif default_id is None:
        checker.error(mapping.line, "id", f"missing required field 'id'{where}")
        brief_id = None
    elif SLUG_RE.match(default_id) and len(default_id) <= MAX_ID:
        brief_id = default_id
    else:
        checker.error(
            mapping.line,
            "id",
            f"the file name '{default_id}' is not a valid brief id (lowercase letters, "
            "digits and single hyphens): rename the file or add an 'id' field",
        )
        brief_id = None

    spec = _SPECS_BY_NAME
    title = summary = None
    date = None
    if "title" in mapping:
        title = checker.text(
            mapping["title"], raw.get("title"), line_of("title"), "title", spec["title"].max_length
        )
    if "date" in mapping:
        date = checker.date(mapping["date"], raw.get("date"), line_of("date"), "date")
    if "summary" in mapping:
        summary = checker.text(
            mapping["summary"],
            raw.get("summary"),
            line_of("summary"),
            "summary",
            spec["summary"].max_length,
        )
    points = checker.texts(mapping, spec["points"]) if "points" in mapping else ()
    terms = checker.texts(mapping, spec["terms"]) if "terms" in mapping else ()
    tags = checker.texts(mapping, spec["tags"]) if "tags" in mapping else ()
    related = checker.slugs(mapping, spec["related"]) if "related" in mapping else ()
    featured = checker.dates(mapping, spec["featured_on"]) if "featured_on" in mapping else ()
    source = _read_source(checker, mapping) if "source" in mapping else None

    brief = None
    if len(checker.errors) == errors_before and brief_id and title and date and summary:
        brief = Brief(
            id=brief_id,
            title=title,
            date=date,
            summary=summary,
            points=tuple(ref.text for ref in points),
            terms=tuple(ref.text for ref in terms),
            tags=tuple(ref.text for ref in tags),
            source=source,
            featured_on=tuple(sorted(day for day, _ in featured)),
            related=tuple(ref.text for ref in related),
            origin=Origin(checker.path, mapping.line),
        )
    return _BriefEntry(
        brief=brief,
        id=brief_id,
        path=checker.path,
        line=mapping.line,
        terms=terms,
        related=related,
        featured_on=featured,
    )


def _read_source(checker: _Checker, mapping: YamlMap) -> Source | None:
    value = mapping["source"]
    line = mapping.line_of("source")
    if value.__class__ is not YamlMap:
        checker.wrong_type(
            line, "source", "", "a mapping with 'name' and 'url'", value, mapping.raw.get("source")
        )
        return None
    checker.unknown_fields(value, SOURCE_FIELD_NAMES, " in 'source'")
    checker.required(value, SOURCE_FIELDS, " in 'source'", line)
    name = url = None
    if "name" in value:
        name = checker.text(
            value["name"],
            value.raw.get("name"),
            value.line_of("name"),
            "source.name",
            _SOURCE_SPECS["name"].max_length,
        )
    if "url" in value:
        url = checker.url(value["url"], value.raw.get("url"), value.line_of("url"), "source.url")
    if name is None or url is None:
        return None
    return Source(name=name, url=url)


def _read_term(checker: _Checker, mapping: YamlMap, where: str) -> _TermEntry:
    errors_before = len(checker.errors)
    checker.unknown_fields(mapping, TERM_FIELD_NAMES, where)
    checker.required(mapping, TERM_FIELDS, where)
    raw = mapping.raw
    spec = _SPECS_BY_NAME
    name: _Ref | None = None
    definition = None
    if "term" in mapping:
        line = mapping.line_of("term")
        text = checker.text(mapping["term"], raw.get("term"), line, "term", spec["term"].max_length)
        if text is not None:
            key = _fold(text)
            if key:
                name = _Ref(text, key, line)
            else:
                checker.error(line, "term", f"'term' needs letters or digits, got '{text}'")
    if "definition" in mapping:
        definition = checker.text(
            mapping["definition"],
            raw.get("definition"),
            mapping.line_of("definition"),
            "definition",
            spec["definition"].max_length,
        )
    aliases = checker.texts(mapping, spec["aliases"]) if "aliases" in mapping else ()
    see_also = checker.texts(mapping, spec["see_also"]) if "see_also" in mapping else ()
    for alias in aliases:
        if not alias.key:
            checker.error(alias.line, "aliases", f"alias '{alias.text}' needs letters or digits")
    term = None
    if len(checker.errors) == errors_before and name is not None and definition:
        term = Term(
            term=name.text,
            definition=definition,
            aliases=tuple(ref.text for ref in aliases),
            see_also=tuple(ref.text for ref in see_also),
            origin=Origin(checker.path, mapping.line),
        )
    return _TermEntry(
        term=term,
        name=name,
        path=checker.path,
        aliases=tuple(ref for ref in aliases if ref.key),
        see_also=see_also,
    )


_BRIEF_SHAPE = "a brief (title:, date:, summary:, ...) or a 'briefs:' list"
_GLOSSARY_SHAPE = "a 'terms:' list of glossary entries (term:, definition:, ...)"


def _open_document(
    path: str, data: bytes, kind: str, shape: str
) -> tuple[_Checker, YamlMap | None, _Unread | None]:
    """A checker holding what is wrong with the file so far, its top-level mapping and,
    for a file that is not YAML at all, what it may define (see `_Unread`). The mapping
    is None when the file is not YAML, is empty or holds something other than a mapping
    (each reported, naming the `shape` expected)."""
    checker = _Checker(path)
    try:
        document = read_yaml(data)
    except YamlError as exc:
        checker.error(exc.line, None, exc.message)
        words = f" {normalize_key(data.decode('utf-8', 'replace'))} "
        return checker, None, _Unread(kind, path, words)
    for problem in document.problems:
        checker.error(problem.line, None, problem.message)
    root = document.value
    if root.__class__ is YamlMap:
        return checker, root, None
    if root is None:
        checker.error(0, None, f"the file is empty; expected {shape}")
    else:
        checker.error(_line_of(root), None, f"expected {shape}, got {describe_value(root)}")
    return checker, None, None


def parse_brief_file(path: str, data: bytes) -> _FileResult:
    """Read and check one `briefs/*.yml` file on its own (no cross-file checks)."""
    checker, root, unread = _open_document(path, data, "brief", _BRIEF_SHAPE)
    entries: list[_BriefEntry] = []
    if root is None:
        pass
    elif "briefs" in root:
        for index, item in _listed_mappings(
            checker, root, "briefs", "a list of briefs", "a brief (title:, date:, ...)"
        ):
            where = f" (brief {index + 1} of 'briefs')"
            entries.append(_read_brief(checker, item, None, where))
    else:
        stem = os.path.basename(path).removesuffix(CONTENT_SUFFIX)
        entries.append(_read_brief(checker, root, stem, ""))
    return _FileResult(briefs=tuple(entries), errors=tuple(checker.errors), unread=unread)


def parse_glossary_file(path: str, data: bytes) -> _FileResult:
    """Read and check one glossary file on its own (no cross-file checks)."""
    checker, root, unread = _open_document(path, data, "glossary", _GLOSSARY_SHAPE)
    entries: list[_TermEntry] = []
    if root is None:
        pass
    elif "terms" not in root:
        checker.unknown_fields(root, frozenset({"terms"}), "")
        checker.error(root.line, "terms", f"missing 'terms:'; expected {_GLOSSARY_SHAPE}")
    else:
        for index, item in _listed_mappings(
            checker,
            root,
            "terms",
            "a list of glossary entries",
            "a glossary entry (term:, definition:, ...)",
        ):
            entries.append(_read_term(checker, item, f" (entry {index + 1} of 'terms')"))
    return _FileResult(terms=tuple(entries), errors=tuple(checker.errors), unread=unread)


def _listed_mappings(
    checker: _Checker, root: YamlMap, key: str, list_shape: str, item_shape: str
) -> Iterator[tuple[int, YamlMap]]:
    """The mappings listed under `key` (the only field allowed beside it), with their
    positions; everything else there is reported and skipped."""
    checker.unknown_fields(root, frozenset({key}), f" (next to '{key}:')")
    items = root[key]
    if items is None:
        return
    if items.__class__ is not YamlList:
        checker.wrong_type(root.line_of(key), key, "", list_shape, items, root.raw.get(key))
        return
    for index, item in enumerate(items):
        if item.__class__ is YamlMap:
            yield index, item
        else:
            checker.error(
                items.lines[index],
                key,
                f"each item of '{key}' must be {item_shape}, got {describe_value(item)}",
            )


def _line_of(value: Any) -> int:
    return int(getattr(value, "line", 1))


# -- checks across files ----------------------------------------------------------


def _where(path: str, line: int) -> str:
    return f"{display_path(path)}:{line}"


def check_across_files(
    briefs: Sequence[_BriefEntry], terms: Sequence[_TermEntry], unread: Sequence[_Unread] = ()
) -> list[ContentError]:
    """Everything that needs more than one file: uniqueness and references.

    A name that does not resolve is not reported when a file that could not be read
    (`unread`) may define it: that file's own error already says it was not read, and
    the name may well be fine once it is fixed.
    """
    errors: list[ContentError] = []
    add = errors.append
    unread_glossary = [file for file in unread if file.kind == "glossary"]
    unread_briefs = [file for file in unread if file.kind == "brief"]

    def unknown_term(key: str) -> bool:
        return key not in owner and not any(f.may_define(key) for f in unread_glossary)

    def unknown_id(key: str) -> bool:
        return key not in by_id and not any(f.may_define(key) for f in unread_briefs)

    # Glossary: every term and alias names exactly one entry.
    owner: dict[str, tuple[_TermEntry, _Ref]] = {}
    for entry in terms:
        if entry.name is None:
            continue
        for ref, what in ((entry.name, "term"), *((alias, "alias") for alias in entry.aliases)):
            field = "term" if what == "term" else "aliases"
            taken = owner.get(ref.key)
            if taken is None:
                owner[ref.key] = (entry, ref)
            elif taken[0] is entry:
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        field,
                        f"alias '{ref.text}' repeats the term '{entry.name.text}' itself",
                    )
                )
            else:
                other, other_ref = taken
                assert other.name is not None
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        field,
                        f"duplicate {what} '{ref.text}': '{other_ref.text}' is already in the "
                        f"glossary (entry '{other.name.text}', "
                        f"{_where(other.path, other_ref.line)})",
                    )
                )
    term_names = {key: ref.text for key, (_, ref) in owner.items()}
    for entry in terms:
        for ref in entry.see_also:
            target = owner.get(ref.key)
            if target is None:
                if not unknown_term(ref.key):
                    continue
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "see_also",
                        f"'see_also' names '{ref.text}', which is not in the glossary"
                        f"{_closest(ref.key, term_names)}",
                    )
                )
            elif target[0] is entry:
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "see_also",
                        f"'see_also' of '{ref.text}' points to the term itself",
                    )
                )

    # Briefs: unique ids, then references to ids, terms and pinned dates.
    by_id: dict[str, _BriefEntry] = {}
    for entry in briefs:
        if entry.id is None:
            continue
        first = by_id.setdefault(entry.id, entry)
        if first is not entry:
            add(
                ContentError(
                    entry.path,
                    entry.line,
                    "id",
                    f"duplicate brief id '{entry.id}': "
                    f"also used at {_where(first.path, first.line)}",
                )
            )
    pinned: dict[dt.date, _BriefEntry] = {}
    ids = None
    for entry in briefs:
        for ref in entry.terms:
            if unknown_term(ref.key):
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "terms",
                        f"'terms' names '{ref.text}', which is not in the glossary"
                        f"{_closest(ref.key, term_names)}",
                    )
                )
        for ref in entry.related:
            if ref.key == entry.id:
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "related",
                        f"'related' lists '{ref.text}', the brief itself",
                    )
                )
            elif unknown_id(ref.key):
                if ids is None:
                    ids = {key: key for key in by_id}
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "related",
                        f"'related' names '{ref.text}', but no brief has that id"
                        f"{_closest(ref.key, ids)}",
                    )
                )
        for date, line in entry.featured_on:
            first = pinned.setdefault(date, entry)
            if first is not entry:
                add(
                    ContentError(
                        entry.path,
                        line,
                        "featured_on",
                        f"'featured_on' {date.isoformat()} is already pinned by brief "
                        f"'{first.id}' ({_where(first.path, first.line)}); one brief per date",
                    )
                )
    return errors


def _closest(key: str, names: dict[str, str]) -> str:
    """A ` (did you mean 'X'?)` hint naming the entry whose key is closest to `key`."""
    found = did_you_mean(key, names, limit=1)
    return f" (did you mean '{names[found[0]]}'?)" if found else ""


# -- the loader -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Content:
    """Validated briefs and terms, before indexing."""

    briefs: tuple[Brief, ...]
    terms: tuple[Term, ...]


_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Checked:
    """A set of per-file results that passed every check, with the maps the
    cross-file checks build, so that a reload changing a few briefs can check only those."""

    results: list[_FileResult]
    content: Content
    by_id: dict[str, _BriefEntry]
    pinned: dict[dt.date, _BriefEntry]
    term_keys: frozenset[str]


def _check_patched(
    checked: _Checked,
    results: list[_FileResult],
    patches: list[tuple[_FileResult, _FileResult]],
) -> _Checked | None:
    """The checked content after replacing a few brief files' results in `checked`, or
    None when the full check must decide (anything that could be an error).

    `checked` passed every check, so any error now involves a replaced file: its own
    errors, an id or pinned date another brief already has, a term or related id that
    does not resolve, or an id that went away while other briefs may name it. Each of
    those falls back to the full check, which reports every error in its usual order.
    """
    removed = [entry for old, _ in patches for entry in old.briefs]
    added = [entry for _, new in patches for entry in new.briefs]
    for old, new in patches:
        if new.errors or old.terms or new.terms:
            return None
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
    term_keys = checked.term_keys
    for entry in added:
        for ref in entry.terms:
            if ref.key not in term_keys:
                return None
        for ref in entry.related:
            if ref.key == entry.id or ref.key not in by_id:
                return None
    content = Content(
        briefs=tuple(entry.brief for result in results for entry in result.briefs),  # type: ignore[misc]
        terms=checked.content.terms,
    )
    return _Checked(results, content, by_id, pinned, term_keys)


class ContentLoader:
    """Loads a content folder, re-reading only files whose stat changed since last time.

    Thread-safe: concurrent `load()` calls run one after another.

    A file watcher that knows which paths changed may pass them as `changed`; the
    loader then looks only at those paths (plus a full rescan when a folder itself
    changed) instead of checking the stat of every file.
    """

    def __init__(self, root: str | os.PathLike[str], *, helper_from: int = MIN_FILES) -> None:
        """`helper_from`: how many files a cold load needs before it reads some of them
        in a helper process (bot/content/second_core.py)."""
        self.root = os.fspath(root)
        self._helper_from = helper_from
        self._briefs_dir = os.path.join(self.root, BRIEFS_DIR)
        self._glossary_file = os.path.join(self.root, GLOSSARY_FILE)
        self._glossary_dir = os.path.join(self.root, GLOSSARY_DIR)
        # The content folder's real path: links are followed only to files below it.
        self._fence = os.path.realpath(self.root)
        self._cache: dict[str, _CacheEntry] = {}
        self._files: list[_FileRef] | None = None  # the last complete listing
        self._by_abspath: dict[str, _FileRef] | None = None  # the same, by absolute path
        self._lock = threading.Lock()
        self._last: tuple[int, Content, Library | None] | None = None
        # The per-file results of the last load, in listing order, and what they came from.
        self._results: list[_FileResult] | None = None
        self._result_files: list[_FileRef] | None = None
        self._positions: dict[str, int] | None = None  # path -> index in _result_files
        self._keys: dict[str, Any] = {}  # path -> stat key of the last load
        # Bumped whenever a file's stat key or the listing changes: equal generations
        # mean the very same files, so the last content and library still hold.
        self._generation = 0
        self._checked: _Checked | None = None  # the last load that passed every check
        self.files_parsed = 0
        """How many files the last load had to read and parse (the rest came from cache)."""

    def load(self, changed: Iterable[str | os.PathLike[str]] | None = None) -> Library:
        """The content as one Library, or ContentInvalid listing every error.

        Returns the very same Library object when nothing changed since the last load.
        """
        with self._lock:
            state, content = self._load_content(changed)
            if self._last is not None and self._last[0] == state and self._last[2] is not None:
                return self._last[2]
            # Imported late: the indexes are only needed once the content is valid.
            from bot.content.library import build_library

            with building_long_lived():
                library = build_library(content.briefs, content.terms)
            self._last = (state, content, library)
            return library

    def load_content(self, changed: Iterable[str | os.PathLike[str]] | None = None) -> Content:
        """Validated briefs and terms without building the search indexes."""
        with self._lock:
            return self._load_content(changed)[1]

    def _load_content(
        self, changed: Iterable[str | os.PathLike[str]] | None
    ) -> tuple[int, Content]:
        with building_long_lived():
            files, to_check = self._files_to_check(changed)
            prev_results = self._results
            patches: list[tuple[_FileResult, _FileResult]] | None = None
            if to_check is not None and prev_results is not None and files is self._result_files:
                # The watcher named the changed files and none was added or removed:
                # look at those files only and patch the per-file results in place.
                results, patches, parsed = self._patch_results(files, prev_results, to_check)
            else:
                results, parsed = self._all_results(files, to_check)
            self.files_parsed = parsed
            self._results, self._result_files = results, files
            if self._last is not None and self._last[0] == self._generation:
                return self._generation, self._last[1]
            checked = self._checked
            content = None
            if patches is not None and checked is not None and checked.results is prev_results:
                patched = _check_patched(checked, results, patches)
                if patched is not None:
                    self._checked, content = patched, patched.content
            if content is None:
                content = self._check(results)
            self._last = (self._generation, content, None)
            return self._generation, content

    def _patch_results(
        self, files: list[_FileRef], prev: list[_FileResult], to_check: set[str]
    ) -> tuple[list[_FileResult], list[tuple[_FileResult, _FileResult]], int]:
        """`prev` with the results of the files in `to_check` looked at again."""
        if self._positions is None:
            self._positions = {ref.path: index for index, ref in enumerate(files)}
        positions, keys = self._positions, self._keys
        results = prev
        patches: list[tuple[_FileResult, _FileResult]] = []
        parsed = 0
        for path in sorted(to_check, key=positions.__getitem__):
            index = positions[path]
            result, key, fresh = self._file_result(files[index])
            parsed += fresh
            if keys.get(path, _MISSING) != key or fresh:
                keys[path] = key
                self._generation += 1
            if result is not prev[index]:
                if results is prev:
                    results = list(prev)
                results[index] = result
                patches.append((prev[index], result))
        return results, patches, parsed

    def _all_results(
        self, files: list[_FileRef], to_check: set[str] | None
    ) -> tuple[list[_FileResult], int]:
        """The result of every file, statting those in `to_check` (None: all of them)."""
        parsed = 0
        results: list[_FileResult] = []
        keys: dict[str, Any] = {}
        cache = self._cache
        # A cold load of a large folder hands its last files to a helper process.
        share = 0 if cache else helper_share(len(files), self._helper_from)
        fence = self._fence
        helper = (
            Helper(_READ_FILES, [(ref, fence) for ref in files[len(files) - share :]])
            if share
            else None
        )
        mine = files[: len(files) - share] if share else files
        for ref in mine:
            cached = None
            if to_check is not None and ref.path not in to_check:
                cached = cache.get(ref.path)
            if cached is not None:
                result, key, fresh = cached.result, cached.stat_key, 0
            else:
                result, key, fresh = self._file_result(ref)
            parsed += fresh
            results.append(result)
            keys[ref.path] = key
        if helper is not None:
            theirs = files[len(mine) :]
            read = helper.results() or [_read_file(ref, fence) for ref in theirs]
            for ref, fresh_read in zip(theirs, read, strict=True):
                result, key = self._keep(ref.path, fresh_read)
                results.append(result)
                keys[ref.path] = key
            parsed += len(theirs)
        if len(cache) > len(files):
            for gone in cache.keys() - keys.keys():
                del cache[gone]
        if parsed or keys != self._keys:
            self._generation += 1
        self._keys = keys
        if files is not self._result_files:
            self._positions = None
        return results, parsed

    def _check(self, results: list[_FileResult]) -> Content:
        """Join the per-file results, run the cross-file checks; raise on any error."""
        self._checked = None
        brief_entries = [entry for result in results for entry in result.briefs]
        term_entries = [entry for result in results for entry in result.terms]
        errors = [error for result in results for error in result.errors]
        if not brief_entries and not errors:
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
        errors.extend(check_across_files(brief_entries, term_entries, unread))
        if errors:
            raise ContentInvalid(errors)
        content = Content(
            briefs=tuple(entry.brief for entry in brief_entries if entry.brief is not None),
            terms=tuple(entry.term for entry in term_entries if entry.term is not None),
        )
        self._checked = _Checked(
            results=results,
            content=content,
            by_id={entry.id: entry for entry in brief_entries if entry.id is not None},
            pinned={date: entry for entry in brief_entries for date, _ in entry.featured_on},
            term_keys=frozenset(
                ref.key
                for entry in term_entries
                if entry.name is not None
                for ref in (entry.name, *entry.aliases)
            ),
        )
        return content

    def _files_to_check(
        self, changed: Iterable[str | os.PathLike[str]] | None
    ) -> tuple[list[_FileRef], set[str] | None]:
        """The content files, and which of them to stat (None: all of them)."""
        if changed is not None and self._files is not None:
            applied = self._apply_changes(self._files, changed)
            if applied is not None:
                files, to_check = applied
                if files is not self._files:
                    self._files = files
                    self._by_abspath = None
                to_check.update(ref.path for ref in files if ref.path not in self._cache)
                return files, to_check
        files = self._list_files()
        if files != self._files:
            self._files = files
            self._by_abspath = None  # the same listing keeps its lookup tables
        return self._files, None

    def _apply_changes(
        self, files: list[_FileRef], changed: Iterable[str | os.PathLike[str]]
    ) -> tuple[list[_FileRef], set[str]] | None:
        """`files` updated for the changed paths and the paths to look at again, or None
        when a folder itself changed and everything must be listed again."""
        if self._by_abspath is None:
            self._by_abspath = {os.path.abspath(ref.path): ref for ref in files}
        by_abspath = self._by_abspath
        edits: dict[str, _FileRef | None] = {}
        briefs_dir = os.path.abspath(self._briefs_dir)
        glossary_dir = os.path.abspath(self._glossary_dir)
        glossary_file = os.path.abspath(self._glossary_file)
        folders = {os.path.abspath(self.root), briefs_dir, glossary_dir}
        to_check: set[str] = set()
        for changed_path in changed:
            path = os.path.abspath(changed_path)
            if path in folders or os.path.isdir(path):
                return None
            ref = edits.get(path) or by_abspath.get(path)
            if ref is None:
                folder, name = os.path.split(path)
                if path == glossary_file:
                    ref = _FileRef(self._glossary_file, "glossary")
                elif folder == briefs_dir and _is_content_name(name):
                    ref = _FileRef(os.path.join(self._briefs_dir, name), "brief")
                elif folder == glossary_dir and _is_content_name(name):
                    ref = _FileRef(os.path.join(self._glossary_dir, name), "glossary")
                else:
                    continue  # not content: schedule.yml, schemas/, editor temp files
            if os.path.lexists(path):
                to_check.add(ref.path)
                if path in by_abspath:
                    edits.pop(path, None)
                else:
                    edits[path] = ref
            elif path in by_abspath:
                edits[path] = None
            else:
                edits.pop(path, None)
        if not edits:
            return files, to_check
        merged = {**by_abspath, **edits}
        kept = [ref for ref in merged.values() if ref is not None]
        return sorted(kept, key=self._listing_order), to_check

    def _listing_order(self, ref: _FileRef) -> tuple[int, str]:
        """The order of a full listing: briefs, glossary.yml, then glossary/ files."""
        if ref.kind == "brief":
            return (0, ref.path)
        return (1, "") if ref.path == self._glossary_file else (2, ref.path)

    def _list_files(self) -> list[_FileRef]:
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
            for folder in (self._briefs_dir, self._glossary_dir)
            if os.path.isdir(folder) and not is_inside(os.path.realpath(folder), fence)
        ]
        if outside:
            raise ContentInvalid(outside)
        files = [_FileRef(path, "brief") for path in _yml_files(self._briefs_dir)]
        if os.path.lexists(self._glossary_file):
            files.append(_FileRef(self._glossary_file, "glossary"))
        if os.path.isdir(self._glossary_dir):
            files.extend(_FileRef(path, "glossary") for path in _yml_files(self._glossary_dir))
        return files

    def _keep(self, path: str, read: _Read) -> tuple[_FileResult, _StatKey | None]:
        """Cache what `_read_file` found in a file seen for the first time (unless it
        could not be read); return the result and the stat key."""
        result, key, digest = read
        if key is not None:
            self._cache[path] = _CacheEntry(key, digest, result)
        return result, key

    def _file_result(self, ref: _FileRef) -> tuple[_FileResult, Any, int]:
        """The checked result of one file, from cache when its stat is unchanged."""
        path = ref.path
        cached = self._cache.get(path)
        if cached is None:
            result, key = self._keep(path, _read_file(ref, self._fence))
            return result, key, 1
        data: bytes | None = None
        try:
            st = os.stat(path)
        except OSError as exc:
            return _unreadable(ref, exc), None, 1
        key = _stat_key(st)
        if cached.stat_key == key:
            if cached.digest is None:
                return cached.result, key, 0
            try:
                data = _read(path, self._fence)
            except RefusedFile as refused:
                return _refused(ref, refused), None, 1
            except OSError as exc:
                return _unreadable(ref, exc), None, 1
            if _digest(data) == cached.digest:
                if not _is_racy(st.st_mtime_ns):
                    cached.digest = None
                return cached.result, key, 0
        if data is None:
            try:
                data = _read(path, self._fence)
            except RefusedFile as refused:
                return _refused(ref, refused), None, 1
            except OSError as exc:
                return _unreadable(ref, exc), None, 1
        result = _parse(ref, data)
        digest = _digest(data) if _is_racy(st.st_mtime_ns) else None
        self._cache[path] = _CacheEntry(key, digest, result)
        return result, key, 1


_FOLDER_OUTSIDE = (
    "this folder is a symbolic link to a folder outside the content folder, and briefbot "
    "reads only files inside it: put the files in the content folder instead"
)


def _stat_key(st: os.stat_result) -> _StatKey:
    """What says a file may have changed: its mtime, size, inode and ctime."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def _parse(ref: _FileRef, data: bytes) -> _FileResult:
    parse = parse_brief_file if ref.kind == "brief" else parse_glossary_file
    return parse(ref.path, data)


def _read_file(ref: _FileRef, fence: str) -> _Read:
    """Read and check one file seen for the first time (`fence`: see `_read_with_stat`)."""
    try:
        st, data = _read_with_stat(ref.path, fence)
    except RefusedFile as refused:
        return _refused(ref, refused), None, None
    except OSError as exc:
        return _unreadable(ref, exc), None, None
    digest = _digest(data) if _is_racy(st.st_mtime_ns) else None
    return _parse(ref, data), _stat_key(st), digest


def _read_files(items: Sequence[tuple[_FileRef, str]]) -> list[_Read]:
    """`_read_file` for each (file, fence): what the helper process runs
    (bot/content/second_core.py)."""
    with building_long_lived():
        return [_read_file(ref, fence) for ref, fence in items]


_READ_FILES = f"{__name__}:{_read_files.__name__}"


def _is_content_name(name: str) -> bool:
    """A content file name: `*.yml`, not hidden and not an editor's backup or lock file."""
    return name.endswith(CONTENT_SUFFIX) and not name.startswith((".", "~"))


def _yml_files(directory: str) -> Iterator[str]:
    """The content files in `directory`, sorted; hidden and editor temp files skipped."""
    names = sorted(entry.name for entry in os.scandir(directory) if _is_content_name(entry.name))
    return (os.path.join(directory, name) for name in names)


def _read(path: str, fence: str) -> bytes:
    return _read_with_stat(path, fence)[1]


def _read_with_stat(path: str, fence: str) -> tuple[os.stat_result, bytes]:
    """The stat and the bytes (up to one past the size cap) of one file.

    Only a regular file, or a link to one inside `fence` (the content folder's real
    path), is opened, and never in a way that could block (bot/content/files.py);
    anything else raises RefusedFile. Plain os calls rather than open(): one open,
    fstat and read per file adds up to a measurable share of loading 10,000 files.
    """
    fd = open_content_file(path, fence)
    try:
        st = os.fstat(fd)
        chunks = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return st, b"".join(chunks) if len(chunks) != 1 else chunks[0]
    finally:
        os.close(fd)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _is_racy(mtime_ns: int) -> bool:
    return time.time_ns() - mtime_ns < _RACY_NS


def _refused(ref: _FileRef, refused: RefusedFile) -> _FileResult:
    return _FileResult(
        errors=(ContentError(ref.path, 0, None, refused.message),),
        unread=_Unread(ref.kind, ref.path, None),
    )


def _unreadable(ref: _FileRef, exc: OSError) -> _FileResult:
    reason = exc.strerror or exc.__class__.__name__
    return _FileResult(
        errors=(ContentError(ref.path, 0, None, f"cannot read the file: {reason}"),),
        unread=_Unread(ref.kind, ref.path, None),
    )


def load_library(root: str | os.PathLike[str]) -> Library:
    """Load and validate the content folder at `root` (see ContentLoader.load)."""
    return ContentLoader(root).load()


def load_content(root: str | os.PathLike[str]) -> Content:
    """Load and validate `root` without building the search indexes."""
    return ContentLoader(root).load_content()
