"""Reading one content file on its own: its briefs or terms, and what is wrong in it.

The result keeps, beside each valid Brief or Term, the names and lines that the checks
across files need (bot/content/across_files.py), so a file is parsed once and checked
with the others as often as they change.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.content.errors import ContentError
from bot.content.fields import FieldChecker, Ref, fold_name
from bot.content.files import RefusedFile
from bot.content.layout import CONTENT_SUFFIX, ContentFile, FileKind
from bot.content.safe_yaml import (
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
)
from bot.model import SLUG_RE, Brief, Origin, Source, Term, normalize_key

_SPECS_BY_NAME = {spec.name: spec for spec in (*BRIEF_FIELDS, *TERM_FIELDS)}
_SOURCE_SPECS = {spec.name: spec for spec in SOURCE_FIELDS}


@dataclass(frozen=True, slots=True)
class BriefEntry:
    """A brief as read from its file, with the lines the cross-file checks need.

    `brief` is None when the brief has errors of its own; the entry still takes part
    in the cross-file checks with whatever could be read, so all errors surface at once.
    """

    brief: Brief | None
    id: str | None
    path: str
    line: int
    term_texts: tuple[str, ...]
    """The glossary terms the brief names (the very tuple its Brief holds)..."""
    term_lines: tuple[int, ...]
    """... and the line of each."""
    related_texts: tuple[str, ...]
    related_lines: tuple[int, ...]
    featured_on: tuple[tuple[dt.date, int], ...]

    # A loaded library keeps every entry for the next reload. Names and lines are
    # kept as plain tuples, shared with the Brief, and given out as Refs on demand:
    # at 10,000 briefs, 60,000 Refs kept made the collector's full passes slower (it
    # stops walking a tuple of strings or numbers, never a NamedTuple) and more frequent.

    @property
    def terms(self) -> tuple[Ref, ...]:
        """The glossary terms the brief names, where it names them."""
        return tuple(map(Ref, self.term_texts, map(fold_name, self.term_texts), self.term_lines))

    @property
    def related(self) -> tuple[Ref, ...]:
        """The ids of the briefs it lists as related, where it lists them."""
        return tuple(map(Ref, self.related_texts, self.related_texts, self.related_lines))


@dataclass(frozen=True, slots=True)
class TermEntry:
    term: Term | None
    name: Ref | None
    path: str
    aliases: tuple[Ref, ...]
    see_also: tuple[Ref, ...]
    context: str = ""
    context_written: bool = False
    """Whether the entry has a `context:` at all (a wrong one is reported on its own)."""
    line: int = 0
    """Where the entry starts: a missing `context` is reported there."""


@dataclass(frozen=True, slots=True)
class FileResult:
    briefs: tuple[BriefEntry, ...] = ()
    terms: tuple[TermEntry, ...] = ()
    errors: tuple[ContentError, ...] = ()
    unread: Unread | None = None
    """Set when the file could not be read at all (see `Unread`)."""


class Unread(NamedTuple):
    """A file that could not be read: what it might have defined is unknown, so names
    other files give that it might hold are not reported as missing. `words` is its text
    folded like names (between spaces), or None when even its text is unknown."""

    kind: FileKind
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

_Read = tuple[FileResult, _StatKey | None, bytes | None]
"""A file read for the first time: its result, its stat key (None if it could not be
read) and, while its mtime is too recent to trust, the digest of its bytes."""


def _read_brief(
    checker: FieldChecker, mapping: YamlMap, default_id: str | None, where: str
) -> BriefEntry:
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
    title = checker.text_field(mapping, spec["title"])
    date = None
    if "date" in mapping:
        date = checker.date(mapping["date"], raw.get("date"), line_of("date"), "date")
    summary = checker.text_field(mapping, spec["summary"])
    points = checker.texts(mapping, spec["points"]) if "points" in mapping else ()
    terms = checker.texts(mapping, spec["terms"]) if "terms" in mapping else ()
    tags = checker.texts(mapping, spec["tags"]) if "tags" in mapping else ()
    related = checker.slugs(mapping, spec["related"]) if "related" in mapping else ()
    featured = checker.dates(mapping, spec["featured_on"]) if "featured_on" in mapping else ()
    source = _read_source(checker, mapping) if "source" in mapping else None

    term_texts = tuple(ref.text for ref in terms)
    related_texts = tuple(ref.text for ref in related)
    brief = None
    if len(checker.errors) == errors_before and brief_id and title and date and summary:
        brief = Brief(
            id=brief_id,
            title=title,
            date=date,
            summary=summary,
            points=tuple(ref.text for ref in points),
            terms=term_texts,
            tags=tuple(ref.text for ref in tags),
            source=source,
            featured_on=tuple(sorted(day for day, _ in featured)),
            related=related_texts,
            origin=Origin(checker.path, mapping.line),
        )
    return BriefEntry(
        brief=brief,
        id=brief_id,
        path=checker.path,
        line=mapping.line,
        term_texts=term_texts,
        term_lines=tuple(ref.line for ref in terms),
        related_texts=related_texts,
        related_lines=tuple(ref.line for ref in related),
        featured_on=featured,
    )


def _read_source(checker: FieldChecker, mapping: YamlMap) -> Source | None:
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


def _read_term(checker: FieldChecker, mapping: YamlMap, where: str) -> TermEntry:
    errors_before = len(checker.errors)
    checker.unknown_fields(mapping, TERM_FIELD_NAMES, where)
    checker.required(mapping, TERM_FIELDS, where)
    raw = mapping.raw
    spec = _SPECS_BY_NAME
    name: Ref | None = None
    if "term" in mapping:
        line = mapping.line_of("term")
        text = checker.text(mapping["term"], raw.get("term"), line, "term", spec["term"].max_length)
        if text is not None:
            key = fold_name(text)
            if key:
                name = Ref(text, key, line)
            else:
                checker.error(line, "term", f"'term' needs letters or digits, got '{text}'")
    definition = checker.text_field(mapping, spec["definition"])
    context = checker.text_field(mapping, spec["context"])
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
            context=context or "",
            origin=Origin(checker.path, mapping.line),
        )
    return TermEntry(
        term=term,
        name=name,
        path=checker.path,
        aliases=tuple(ref for ref in aliases if ref.key),
        see_also=see_also,
        context=context or "",
        context_written="context" in mapping,
        line=mapping.line,
    )


_BRIEF_SHAPE = "a brief (title:, date:, summary:, ...) or a 'briefs:' list"
_GLOSSARY_SHAPE = "a 'terms:' list of glossary entries (term:, definition:, ...)"


def _open_document(
    path: str, data: bytes, kind: FileKind, shape: str
) -> tuple[FieldChecker, YamlMap | None, Unread | None]:
    """A checker holding what is wrong with the file so far, its top-level mapping and,
    for a file that is not YAML at all, what it may define (see `Unread`). The mapping
    is None when the file is not YAML, is empty or holds something other than a mapping
    (each reported, naming the `shape` expected)."""
    checker = FieldChecker(path)
    try:
        document = read_yaml(data)
    except YamlError as exc:
        checker.error(exc.line, None, exc.message)
        words = f" {normalize_key(data.decode('utf-8', 'replace'))} "
        return checker, None, Unread(kind, path, words)
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


def parse_brief_file(path: str, data: bytes) -> FileResult:
    """Read and check one `briefs/*.yml` file on its own (no cross-file checks)."""
    checker, root, unread = _open_document(path, data, "brief", _BRIEF_SHAPE)
    entries: list[BriefEntry] = []
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
    return FileResult(briefs=tuple(entries), errors=tuple(checker.errors), unread=unread)


def parse_glossary_file(path: str, data: bytes) -> FileResult:
    """Read and check one glossary file on its own (no cross-file checks)."""
    checker, root, unread = _open_document(path, data, "glossary", _GLOSSARY_SHAPE)
    entries: list[TermEntry] = []
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
    return FileResult(terms=tuple(entries), errors=tuple(checker.errors), unread=unread)


def _listed_mappings(
    checker: FieldChecker, root: YamlMap, key: str, list_shape: str, item_shape: str
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


# -- reading the bytes ----------------------------------------------------------------


def parse_file(file: ContentFile, data: bytes) -> FileResult:
    """Check the bytes of one brief or glossary file on their own."""
    parse = parse_brief_file if file.kind == "brief" else parse_glossary_file
    return parse(file.path, data)


def not_read(file: ContentFile, error: OSError | RefusedFile) -> FileResult:
    """The result of a file that could not be read (`error` says why)."""
    if isinstance(error, RefusedFile):
        message = error.message
    else:
        message = f"cannot read the file: {error.strerror or error.__class__.__name__}"
    return FileResult(
        errors=(ContentError(file.path, 0, None, message),),
        unread=Unread(file.kind, file.path, None),
    )
