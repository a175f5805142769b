"""Checking the fields of one brief or glossary entry, collecting every error.

`FieldChecker` reads one mapping's values the way the schema (bot/content/schema.py)
describes them: text within its limit, ids that are slugs, dates, lists without
repeats, links. Each reader returns the clean value, or None after recording an error
with the file, line and field, so one pass reports everything wrong with a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from bot.content.errors import ContentError
from bot.content.safe_yaml import DATE_RE, InvalidDate, YamlList, YamlMap, describe_value
from bot.content.schema import MAX_ID, FieldSpec
from bot.model import MAX_URL, SLUG_RE, normalize_key
from bot.suggest import did_you_mean

# Names of glossary terms, compared ignoring case and punctuation. The same few hundred
# names recur across thousands of briefs, so folding each once pays off.
fold_name = functools.lru_cache(maxsize=1 << 16)(normalize_key)
FOLDED_FIELDS = frozenset({"terms", "tags", "aliases", "see_also"})


class Ref(NamedTuple):
    """A name written somewhere in a file that must resolve elsewhere."""

    text: str
    key: str
    line: int


class FieldChecker:
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
                    f"unknown field '{key}'{where}{did_you_mean_hint(key, allowed)}",
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

    def text_field(self, mapping: YamlMap, spec: FieldSpec) -> str | None:
        """The text field `spec` names, checked; None when `mapping` has none."""
        name = spec.name
        if name not in mapping:
            return None
        value, raw = mapping[name], mapping.raw.get(name)
        return self.text(value, raw, mapping.line_of(name), name, spec.max_length)

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
            date: dt.date = value
            return date
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
        return value

    def texts(self, mapping: YamlMap, spec: FieldSpec) -> tuple[Ref, ...]:
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
                return value
            return self.text(value, values.raw.get(index), line, field, limit, f" item {index + 1}")

        return self._distinct(field, values, check, fold_name if field in FOLDED_FIELDS else None)

    def slugs(self, mapping: YamlMap, spec: FieldSpec) -> tuple[Ref, ...]:
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
    ) -> tuple[Ref, ...]:
        """The items that pass `check`, each once: a repeat (after `fold`) is reported."""
        out: list[Ref] = []
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
            out.append(Ref(text, key, line))
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


def did_you_mean_hint(name: str, choices: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` hint when one of `choices` is close to `name`, else ''."""
    found = did_you_mean(name, choices, limit=1)
    return f" (did you mean '{found[0]}'?)" if found else ""
