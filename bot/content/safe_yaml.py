"""Safe, line-aware YAML reading for content files.

Content is written by hand, so a mistake must come back as a message an editor
understands, with the line it is on. This module reads YAML with libyaml's event
parser (PyYAML's pure-Python parser when libyaml is missing) and builds plain
Python values itself instead of using PyYAML's constructor. That gives us:

- a line number for every mapping key and list item;
- control over types: only text, numbers, yes/no, dates, lists and mappings exist,
  and a plain scalar that YAML 1.1 would silently turn into something other than
  text (``NO``, ``12:30``, ``2024-05-01``) is recorded with its original spelling,
  so a text field can say "got a yes/no value, quote it";
- refusal of what a content file never needs and an attacker might use: aliases and
  anchors (alias bombs), custom tags, several documents in one file, deep nesting,
  files over a size cap, bytes that are not UTF-8;
- speed: building values straight from parser events is faster than PyYAML's own
  compose-then-construct, which matters when a library holds 10,000 files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

try:  # libyaml is optional; PyYAML wheels normally ship it.
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _CParser = None  # type: ignore[assignment,misc]  # the stubs assume libyaml is there

MAX_FILE_BYTES = 1024 * 1024
"""Largest content file accepted; a brief is a few kilobytes."""

MAX_DEPTH = 20
"""Deepest nesting of lists and mappings accepted; content needs three levels."""

HAS_LIBYAML = _CParser is not None

_STR_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str"})
_SEQ_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq"})
_MAP_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map"})


class YamlError(Exception):
    """A file that cannot be read as safe content YAML at all."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Problem:
    """A mistake found while reading that still let the rest of the file be read."""

    line: int
    message: str


class YamlMap(dict):  # type: ignore[type-arg]
    """A mapping read from YAML: keys are text, and every key knows its line.

    ``raw`` holds the original spelling of values that YAML read as something other
    than text (``NO`` -> False), for messages such as "quote it".
    """

    __slots__ = ("line", "lines", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.lines.get(key, self.line)


class YamlList(list):  # type: ignore[type-arg]
    """A list read from YAML; ``lines[i]`` is the line of item i."""

    __slots__ = ("line", "lines", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []
        self.raw: dict[int, str] = {}

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


@dataclass(frozen=True, slots=True)
class InvalidDate:
    """A plain scalar shaped like a date that is not one (``2024-02-30``)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Document:
    """What one file held: the top-level value (None for an empty file) and problems."""

    value: Any
    problems: tuple[Problem, ...]


# -- plain scalar resolution (YAML 1.1, as PyYAML's SafeLoader does it) -----------

_BOOL = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_INT_RE = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TIMESTAMP_RE = re.compile(
    r"""^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?$""",
    re.X,
)
# Only text starting with one of these can resolve to anything but text.
_MAYBE_TYPED_START = frozenset("0123456789+-.~nNyYtTfFoO")
_DIGIT_START = frozenset("0123456789+-.")


def _sexagesimal(text: str) -> float:
    sign = -1 if text.startswith("-") else 1
    total = 0.0
    for part in text.lstrip("+-").split(":"):
        total = total * 60 + float(part)
    return sign * total


def _to_int(text: str) -> int:
    text = text.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if ":" in text:
        return sign * int(_sexagesimal(text))
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if len(text) > 1 and text.startswith("0"):
        return sign * int(text, 8)
    return sign * int(text)


def _to_float(text: str) -> float:
    text = text.replace("_", "").lower()
    if text.endswith("inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text.endswith("nan"):
        return float("nan")
    if ":" in text:
        return _sexagesimal(text)
    return float(text)


def resolve_plain(text: str) -> Any:
    """The value of an unquoted scalar under PyYAML's safe (YAML 1.1) rules.

    Dates shaped ``YYYY-MM-DD`` that are not real dates give an `InvalidDate`.
    Date-times give a `datetime.datetime` (content has no use for them, but an editor
    should hear "date and time", not a parse failure).
    """
    if not text:
        return None
    first = text[0]
    if first not in _MAYBE_TYPED_START:
        return text
    if text in _BOOL:
        return _BOOL[text]
    if text in _NULL:
        return None
    if first not in _DIGIT_START:
        return text
    try:
        if _INT_RE.match(text):
            return _to_int(text)
        if _FLOAT_RE.match(text):
            return _to_float(text)
    except ValueError:  # shaped like a number but holds no digits ("0b_", "._")
        return text
    match = DATE_RE.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return InvalidDate(text)
    if _TIMESTAMP_RE.match(text):
        try:
            return _to_datetime(text)
        except ValueError:
            return InvalidDate(text)
    return text


def _to_datetime(text: str) -> dt.datetime:
    # PyYAML's constructor knows every spelling; reuse it rather than copy it.
    node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
    value = yaml.SafeLoader("").construct_yaml_timestamp(node)
    if not isinstance(value, dt.datetime):  # pragma: no cover - regex ensures a time part
        raise ValueError(text)
    return value


# -- reading ----------------------------------------------------------------------


def describe_value(value: object) -> str:
    """How an editor would name the kind of `value`: "a yes/no value", "a list", ..."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date | InvalidDate):
        return "a date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    return type(value).__name__  # pragma: no cover - nothing else is ever built


def decode_utf8(data: bytes) -> str:
    """`data` as text, or a YamlError naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YamlError(
            line,
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"(line {line}); save it as UTF-8",
        ) from None


def read_yaml(data: bytes) -> Document:
    """Read one content file's bytes into plain values, refusing anything unsafe.

    Raises YamlError for a file that cannot be read at all (bad syntax, aliases,
    too big, too deep, not UTF-8); returns milder problems (duplicate keys) in the
    Document so they can be reported alongside everything else.
    """
    if len(data) > MAX_FILE_BYTES:
        raise YamlError(
            0, f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
        )
    decode_utf8(data)
    if _CParser is not None:
        parser = _CParser(data)
        try:
            return _build(parser.get_event, data)
        finally:
            parser.dispose()
    loader = yaml.SafeLoader(data)
    try:
        return _build(loader.get_event, data)
    finally:
        loader.dispose()


def _error_line(exc: yaml.YAMLError, data: bytes) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)  # ReaderError: a character offset
    if isinstance(position, int):
        return data.decode("utf-8", "replace")[:position].count("\n") + 1
    return 0


def _syntax_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"the file cannot be read as YAML: {exc.reason}"
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{problem} ({context})" if context else problem
    return f"YAML syntax error: {detail}; check indentation, colons and quotes"


def _syntax_error(exc: yaml.YAMLError, data: bytes) -> YamlError:
    """`exc` located where the mistake starts, which is often not where YAML noticed it.

    An unclosed quote swallows the text up to the next quote mark or the end of the file,
    and an unclosed '[' or '{' everything up to the next line that cannot be in it; YAML
    complains there, so the line where the quote or bracket opened is reported instead.
    """
    line = _error_line(exc, data)
    context = str(getattr(exc, "context", None) or "")
    opened = getattr(exc, "context_mark", None)
    if context == "while scanning a quoted scalar" and opened is not None:
        return YamlError(
            opened.line + 1,
            "YAML syntax error: the quoted text that starts on this line is never closed; "
            "add its closing quote",
        )
    start = _quoted_text_ending_on(data, line)
    if start:
        return YamlError(
            start,
            "YAML syntax error: the quoted text that starts on this line runs on to line "
            f"{line}, where the file stops making sense; add its closing quote",
        )
    if context.startswith("while parsing a flow") and opened is not None and opened.line < line - 1:
        close = "]" if "sequence" in context else "}"
        return YamlError(
            opened.line + 1,
            f"YAML syntax error: the '{'[' if close == ']' else '{'}' on this line is not "
            f"closed with '{close}' (YAML noticed on line {line}); check the brackets "
            "and commas",
        )
    return YamlError(line, _syntax_message(exc))


def _quoted_text_ending_on(data: bytes, line: int) -> int:
    """The line where a quoted text spanning lines and ending on `line` starts, or 0."""
    start = 0
    try:
        # Only the tokens are used: they carry where each starts and ends.
        scanner = yaml.SafeLoader(data)
    except yaml.YAMLError:  # unprintable characters: no quote is to blame
        return 0
    try:
        while True:
            token = scanner.get_token()
            if token is None or token.__class__ is yaml.StreamEndToken:
                break
            if token.start_mark.line + 1 > line:
                break
            if (
                token.__class__ is yaml.ScalarToken
                and token.style in ('"', "'")
                and token.end_mark.line + 1 == line
                and token.start_mark.line + 1 < line
            ):
                start = token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    finally:
        scanner.dispose()
    return start


def _build(get_event: Callable[[], Any], data: bytes) -> Document:
    """Turn the parser's event stream into YamlMap / YamlList / scalar values.

    This loop runs for every scalar of every file, so it keeps the innermost open
    container and its pending key in local variables rather than on the stack.
    """
    problems: list[Problem] = []
    stack: list[tuple[Any, bool]] = []  # the enclosing containers of `parent`
    parent: Any = None  # innermost open list or mapping
    in_map = False  # whether `parent` is a mapping
    key: Any = None  # the mapping key waiting for its value
    root: Any = None
    documents = 0
    typed_start = _MAYBE_TYPED_START
    try:
        while True:
            event = get_event()
            cls = event.__class__
            if cls is ScalarEvent:
                tag = event.tag
                if event.anchor is not None or (tag is not None and tag not in _STR_TAGS):
                    raise YamlError(event.start_mark.line + 1, _scalar_refusal(event))
                text = event.value
                if in_map and key is None:
                    line = event.start_mark.line + 1
                    if text in parent:
                        first = parent.lines[text]
                        problems.append(
                            Problem(
                                line,
                                f"duplicate key '{text}' (first at line {first}); "
                                "the second one is ignored",
                            )
                        )
                        key = _DUPLICATE
                    else:
                        parent.lines[text] = line
                        key = text
                    continue
                value = text
                if tag is None and event.implicit[0] and (not text or text[0] in typed_start):
                    value = resolve_plain(text)
                if in_map:
                    if key is not _DUPLICATE:
                        parent[key] = value
                        if value is not text:
                            parent.raw[key] = text
                    key = None
                elif parent is not None:
                    if value is not text:
                        parent.raw[len(parent)] = text
                    parent.append(value)
                    parent.lines.append(event.start_mark.line + 1)
                else:
                    root = value
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                line = event.start_mark.line + 1
                if event.anchor is not None:
                    raise YamlError(line, _ANCHOR_MESSAGE)
                is_map = cls is MappingStartEvent
                if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                    raise YamlError(line, _tag_message(event.tag))
                if len(stack) >= MAX_DEPTH:
                    raise YamlError(
                        line, f"lists and mappings are nested more than {MAX_DEPTH} levels deep"
                    )
                container: Any = YamlMap(line) if is_map else YamlList(line)
                if in_map:
                    if key is None:
                        raise YamlError(
                            line, "a mapping key must be plain text, not a list or mapping"
                        )
                    if key is not _DUPLICATE:
                        parent[key] = container
                elif parent is not None:
                    parent.append(container)
                    parent.lines.append(line)
                else:
                    root = container
                stack.append((parent, in_map))
                parent, in_map, key = container, is_map, None
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                parent, in_map = stack.pop()
                key = None
            elif cls is AliasEvent:
                raise YamlError(event.start_mark.line + 1, _ALIAS_MESSAGE)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlError(
                        event.start_mark.line + 1,
                        "the file holds more than one YAML document (a second '---'); "
                        "keep one per file",
                    )
            elif cls is StreamEndEvent:
                break
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, data) from None
    return Document(root, tuple(problems))


def _scalar_refusal(event: ScalarEvent) -> str:
    return _ANCHOR_MESSAGE if event.anchor is not None else _tag_message(event.tag)


_DUPLICATE = object()
_ANCHOR_MESSAGE = "YAML anchors ('&name') are not allowed in content files; write the value out"
_ALIAS_MESSAGE = "YAML aliases ('*name') are not allowed in content files; write the value out"


def _tag_message(tag: str | None) -> str:
    return f"the YAML tag '{tag}' is not allowed in content files; remove it"
