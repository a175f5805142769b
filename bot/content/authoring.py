"""Starting points for new content: a brief file or a glossary entry, built from the schema.

Pure functions that return YAML text; `briefbot new brief|term` writes it. Every file
starts with a `# yaml-language-server: $schema=…` line so editors check it as it is
typed, carries each field's description as a comment, and is valid as written (the
tests load it with the real loader), with TODO text where an admin has to write.

A new term is appended to an existing glossary file as text, so the comments and
layout already there stay exactly as they were; the result is parsed again before
it is written, and when appending would not give exactly one more term, nothing is
changed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import textwrap
import unicodedata
from dataclasses import dataclass

from bot.content.parse import parse_glossary_file
from bot.content.schema import (
    BRIEF_FIELDS,
    BRIEF_SCHEMA_FILE,
    GLOSSARY_SCHEMA_FILE,
    MAX_ID,
    TERM_FIELDS,
    FieldSpec,
)
from bot.model import MAX_CONTEXT, MAX_TERM, MAX_TITLE, SLUG_RE, normalize_key

SCHEMA_LINE = "# yaml-language-server: $schema={}"
SUMMARY_TODO = "TODO: one paragraph saying what happened and why it matters."
DEFINITION_TODO = "TODO: what the term means, in a few plain sentences."
CONTEXT_TODO = "a few words telling this term apart where an alias names several terms"
WRAP = 88


class AuthoringError(ValueError):
    """The new content cannot be written; the message says what to do instead."""


def slugify(text: str, max_length: int = MAX_ID) -> str:
    """An id from a title: `"AI distillation: a new frontier"` -> `ai-distillation-a-new-frontier`.

    Accents are dropped, anything else that is not a letter or digit becomes a hyphen,
    and a long result is cut at a hyphen. Empty when nothing usable is left.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1].rsplit("-", 1)[0]
        slug = cut if cut else slug[:max_length]
        slug = slug.strip("-")
    return slug


def yaml_text(text: str) -> str:
    """`text` as a double-quoted YAML scalar; characters YAML does not allow as they are
    (control characters, DEL, …) are written as escapes."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif _yaml_printable(code) and char not in "\t\n\r\x85":
            out.append(char)
        elif 0xD800 <= code <= 0xDFFF:
            raise AuthoringError("the text holds a broken character (a lone surrogate)")
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _yaml_printable(code: int) -> bool:
    """YAML 1.1's printable characters (its `c-printable`)."""
    return (
        code in (0x09, 0x0A, 0x0D, 0x85)
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def schema_ref(file_path: str, content_dir: str, schema_file: str) -> str:
    """The `$schema=` path from a content file to content/schemas/<schema_file>."""
    schema = os.path.join(content_dir, "schemas", schema_file)
    relative = os.path.relpath(schema, os.path.dirname(os.path.abspath(file_path)) or ".")
    return relative.replace(os.sep, "/")


def _comment(spec: FieldSpec, indent: str = "") -> list[str]:
    width = max(WRAP - len(indent) - 2, 20)
    return [f"{indent}# {line}" for line in textwrap.wrap(spec.description, width)]


def _folded(text: str, indent: str) -> list[str]:
    return [f"{indent}{line}" for line in textwrap.wrap(text, WRAP - len(indent))]


def brief_yaml(title: str, date: dt.date, brief_id: str, schema: str) -> str:
    """A new brief file: required fields filled in, optional lists empty, the rest
    commented out, each with its description from the schema."""
    title = " ".join(title.split())
    check_title(title)
    if not SLUG_RE.match(brief_id) or len(brief_id) > MAX_ID:
        raise AuthoringError(
            f"'{brief_id}' is not a usable id: use lowercase letters, digits and single "
            f"hyphens, at most {MAX_ID} characters (like 'chip-export-rules')"
        )
    values = {"id": brief_id, "title": yaml_text(title), "date": date.isoformat()}
    lines = [SCHEMA_LINE.format(schema)]
    for spec in BRIEF_FIELDS:
        lines += _comment(spec)
        name = spec.name
        if name in values:
            lines.append(f"{name}: {values[name]}")
        elif name == "summary":
            lines += [f"{name}: >-", *_folded(SUMMARY_TODO, "  ")]
        elif spec.kind in ("texts",):
            lines.append(f"{name}: []")
        elif spec.kind == "source":
            lines += ["# source:", "#   name: Publisher", "#   url: https://example.org/story"]
        elif spec.kind == "dates":
            lines.append(f"# {name}: {date.isoformat()}")
        elif spec.kind == "slugs":
            lines.append(f"# {name}: [another-brief-id]")
        else:  # pragma: no cover - every brief field is handled above
            raise AssertionError(f"no template for field {name!r}")
    return "\n".join(lines) + "\n"


def check_title(title: str) -> None:
    if not title:
        raise AuthoringError("the title is empty")
    if any(0xD800 <= ord(char) <= 0xDFFF for char in title):
        raise AuthoringError("the title has a broken character (a lone surrogate); retype it")
    if len(title) > MAX_TITLE:
        raise AuthoringError(
            f"the title is {len(title)} characters long; the limit is {MAX_TITLE} "
            "so that Slack can show it"
        )


def check_term(term: str) -> None:
    if not term or not normalize_key(term):
        raise AuthoringError("the term is empty")
    if len(term) > MAX_TERM:
        raise AuthoringError(f"the term is {len(term)} characters long; the limit is {MAX_TERM}")


def check_context(context: str) -> None:
    if len(context) > MAX_CONTEXT:
        raise AuthoringError(
            f"the context is {len(context)} characters long; the limit is {MAX_CONTEXT}"
        )


def term_entry_yaml(
    term: str, indent: str = "  ", *, comments: bool = True, context: str = ""
) -> str:
    """One glossary entry, as an item of a `terms:` list indented by `indent`; with
    `comments`, each field's description from the schema above it. Without a `context`
    its line is written commented out, to fill in where an alias names several terms."""
    term = " ".join(term.split())
    context = " ".join(context.split())
    check_term(term)
    check_context(context)
    inner = indent + "  "
    lines: list[str] = []
    for index, spec in enumerate(TERM_FIELDS):
        lead = f"{indent}- " if index == 0 else inner
        if comments:
            lines += _comment(spec, indent if index == 0 else inner)
        if spec.name == "term":
            lines.append(f"{lead}term: {yaml_text(term)}")
        elif spec.name == "definition":
            lines += [f"{lead}definition: >-", *_folded(DEFINITION_TODO, inner + "  ")]
        elif spec.name == "context":
            if context:
                lines.append(f"{lead}context: {yaml_text(context)}")
            else:
                lines.append(f"{lead}# context: {CONTEXT_TODO}")
        else:
            lines.append(f"{lead}{spec.name}: []")
    return "\n".join(lines) + "\n"


def glossary_yaml(term: str, schema: str, *, context: str = "") -> str:
    """A new glossary file holding one entry."""
    return f"{SCHEMA_LINE.format(schema)}\nterms:\n{term_entry_yaml(term, context=context)}"


@dataclass(frozen=True, slots=True)
class Appended:
    text: str
    indent: str


_ITEM_RE = re.compile(r"^(?P<indent>[ ]*)- +term *:", re.M)
_TERMS_KEY_RE = re.compile(r"^terms *: *(#.*)?$", re.M)


def append_term(path: str, existing: str, term: str, *, context: str = "") -> Appended:
    """`existing` glossary text with a new entry for `term` at the end, comments kept.

    Raises AuthoringError when the file is not a plain block list under `terms:` that
    text can safely be added to (the result is parsed to make sure).
    """
    if not _TERMS_KEY_RE.search(existing):
        raise AuthoringError(
            f"{path} has no 'terms:' line with the list below it, so a term cannot be "
            "added safely; add it by hand or choose another file with --file"
        )
    found = _ITEM_RE.search(existing)
    indent = found["indent"] if found else "  "
    text = existing if existing.endswith("\n") or not existing else existing + "\n"
    if re.search(rf"\n[ \t]*\n{re.escape(indent)}- +term *:", existing):
        text += "\n"  # the file separates its entries with blank lines: so do we
    text += term_entry_yaml(term, indent, comments=False, context=context)
    before = parse_glossary_file(path, existing.encode("utf-8"))
    after = parse_glossary_file(path, text.encode("utf-8"))
    names = [entry.name.text if entry.name else None for entry in after.terms]
    if (
        len(after.terms) != len(before.terms) + 1
        or names[-1] != " ".join(term.split())
        or len(after.errors) > len(before.errors)
    ):
        raise AuthoringError(
            f"adding '{term}' to the end of {path} would not give one more term "
            "(the file's layout is unusual); add it by hand or choose another file with --file"
        )
    return Appended(text, indent)


def default_brief_schema(file_path: str, content_dir: str) -> str:
    return schema_ref(file_path, content_dir, BRIEF_SCHEMA_FILE)


def default_glossary_schema(file_path: str, content_dir: str) -> str:
    return schema_ref(file_path, content_dir, GLOSSARY_SCHEMA_FILE)
