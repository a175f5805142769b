"""What people suggest for the content, and the YAML text each suggestion would become.

A `Proposal` is a new glossary term, a fix to a term, or a fix to a brief's summary.
`field_problems` checks it with the content files' own rules (lengths from the schema,
links, names); `plan_change` turns it into the new text of one content file, editing
the YAML text itself: only the lines of the fields that change are rewritten, so the
file's comments, order and layout stay as the admins wrote them. The result is parsed
again and must read back as exactly the proposal with every other entry unchanged, or
nothing is planned. Pure functions over text, but for reading the file to change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import textwrap
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.content.authoring import AuthoringError, yaml_text
from bot.content.errors import ContentError
from bot.content.fields import url_problem
from bot.content.layout import GLOSSARY_DIR, GLOSSARY_FILE, yml_files
from bot.content.parse import parse_brief_file, parse_glossary_file
from bot.model import (
    MAX_CONTEXT,
    MAX_DEFINITION,
    MAX_LIST,
    MAX_SUMMARY,
    MAX_TERM,
    Brief,
    Term,
    normalize_key,
)

Kind = Literal["term", "fix", "brief"]
"""A new term, a fix to a term, a fix to a brief's summary."""
KINDS: tuple[Kind, ...] = ("term", "fix", "brief")
WRAP = 92
_MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]*)\)")


class ChangeError(ValueError):
    """The change cannot be written safely; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One suggestion's content. `target` is the term's name or the brief's id it fixes
    ("" for a new term); `source` is where the suggester read it (a link, optional)."""

    kind: Kind
    target: str = ""
    term: str = ""
    definition: str = ""
    aliases: tuple[str, ...] = ()
    context: str = ""
    source: str = ""
    summary: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Proposal:
        data: dict[str, Any] = json.loads(text)
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"unknown kind of suggestion {kind!r}")
        return cls(
            kind=kind,
            target=str(data.get("target", "")),
            term=str(data.get("term", "")),
            definition=str(data.get("definition", "")),
            aliases=tuple(str(a) for a in data.get("aliases", ())),
            context=str(data.get("context", "")),
            source=str(data.get("source", "")),
            summary=str(data.get("summary", "")),
        )

    def key(self) -> str:
        """What makes two suggestions the same one (case, spacing and punctuation of
        names aside): a duplicate of an open suggestion is merged into it."""
        parts = [
            self.kind,
            normalize_key(self.target),
            normalize_key(self.term),
            " ".join(self.definition.split()),
            sorted(normalize_key(a) for a in self.aliases),
            normalize_key(self.context),
            " ".join(self.summary.split()),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    @property
    def title(self) -> str:
        """A few words for people: "a new term “SAE”", "a fix to “Distillation”"."""
        if self.kind == "term":
            return f"a new term “{self.term}”"
        if self.kind == "fix":
            return f"a fix to the term “{self.target}”"
        return f"a fix to the brief “{self.target}”"


def split_aliases(typed: str) -> tuple[str, ...]:
    """Aliases as typed in one field: separated by commas or new lines, blanks dropped,
    each once (ignoring case and punctuation), in the order typed."""
    seen: set[str] = set()
    out: list[str] = []
    for part in re.split(r"[,\n]", typed):
        alias = " ".join(part.split())
        key = normalize_key(alias)
        if alias and key not in seen:
            seen.add(key)
            out.append(alias)
    return tuple(out)


def clean(proposal: Proposal) -> Proposal:
    """The proposal with spacing tidied as the content files keep it."""
    return Proposal(
        kind=proposal.kind,
        target=proposal.target,
        term=" ".join(proposal.term.split()),
        definition=proposal.definition.strip(),
        aliases=tuple(" ".join(a.split()) for a in proposal.aliases if a.strip()),
        context=" ".join(proposal.context.split()),
        source=proposal.source.strip(),
        summary=proposal.summary.strip(),
    )


def term_hash(term: Term) -> str:
    """A hash of a term's text, kept with a suggestion: when it differs at approval, the
    term changed since the suggestion was made."""
    parts = [term.term, term.definition, list(term.aliases), list(term.see_also), term.context]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]


def brief_hash(brief: Brief) -> str:
    """A hash of a brief's title and summary (see `term_hash`)."""
    parts = [brief.id, brief.title, brief.summary]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]


def _length(field_name: str, text: str, limit: int) -> str | None:
    if len(text) > limit:
        return (
            f"This is {len(text):,} characters long; the limit is {limit:,} so that Slack "
            f"can show it. Shorten it by {len(text) - limit:,}."
        )
    return None


def field_problems(proposal: Proposal, terms: tuple[Term, ...]) -> dict[str, str]:
    """What is wrong with each field of `proposal` by the content files' rules, by field
    name ("term", "definition", "aliases", "context", "source", "summary"); {} when none.

    The checks across the whole content (a shared alias needs a context everywhere, a
    brief naming a renamed term) come from the loader on the planned file (see
    `LiveContent.errors_with`); these are the ones a single entry shows on its own.
    """
    p = proposal
    problems: dict[str, str] = {}

    def add(name: str, message: str | None) -> None:
        if message and name not in problems:
            problems[name] = message

    if p.kind == "brief":
        if not p.summary:
            add("summary", "Write the summary: one paragraph saying what happened.")
        add("summary", _length("summary", p.summary, MAX_SUMMARY))
        add("summary", _link_problem(p.summary))
    else:
        if not p.term or not normalize_key(p.term):
            add("term", "Write the term's name, with letters or digits.")
        add("term", _length("term", p.term, MAX_TERM))
        if not p.definition:
            add("definition", "Write what the term means, in a few plain sentences.")
        add("definition", _length("definition", p.definition, MAX_DEFINITION))
        add("definition", _link_problem(p.definition))
        add("context", _length("context", p.context, MAX_CONTEXT))
        if len(p.aliases) > MAX_LIST:
            add("aliases", f"At most {MAX_LIST} aliases; this lists {len(p.aliases)}.")
        for alias in p.aliases:
            if not normalize_key(alias):
                add("aliases", f"The alias “{alias}” needs letters or digits.")
            add("aliases", _length("aliases", alias, MAX_TERM))
        own = normalize_key(p.target) if p.kind == "fix" else None
        others = [t for t in terms if t.key != own]
        name = normalize_key(p.term)
        for other in others:
            if other.key == name:
                add(
                    "term",
                    f"“{other.term}” is already in the glossary: use Suggest a fix on its "
                    "definition instead, or pick another name.",
                )
            if name and name in (normalize_key(a) for a in other.aliases):
                add(
                    "term",
                    f"“{p.term}” is already an alias of “{other.term}”, and an alias may "
                    "never be another term's name: pick another name, or suggest a fix to "
                    f"“{other.term}”.",
                )
        names = {t.key: t.term for t in others}
        for alias in p.aliases:
            if normalize_key(alias) == name:
                add("aliases", f"“{alias}” is the term's own name; leave it out of the aliases.")
            elif normalize_key(alias) in names:
                add(
                    "aliases",
                    f"“{alias}” is the name of another term, “{names[normalize_key(alias)]}”; "
                    "an alias may never be another term's name.",
                )
            else:
                sharing = [
                    t
                    for t in others
                    if normalize_key(alias) in (normalize_key(a) for a in t.aliases)
                ]
                if sharing and not p.context:
                    add(
                        "context",
                        f"The alias “{alias}” also names “{sharing[0].term}”: a shared alias "
                        "needs a context, a few words that tell the terms apart.",
                    )
    if p.source:
        problem = url_problem(p.source)
        if problem:
            add("source", f"The link {problem}.")
    return problems


def _link_problem(text: str) -> str | None:
    for found in _MARKDOWN_LINK.finditer(text):
        problem = url_problem(found[1])
        if problem:
            return f"A link in it {problem}; links must be http:// or https:// addresses."
    return None


def field_of(error: ContentError, kind: Kind) -> str:
    """The modal field a content error from the loader belongs to."""
    if kind == "brief":
        return "summary"
    if error.field in ("term", "definition", "aliases", "context"):
        return error.field
    return "term"  # a brief or a see_also naming the term: its name is the cause


# --- planning the new file text -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """The new text of one content file, and the text it was planned on."""

    path: str
    before: str
    after: str
    what: str
    """What it does, for people and commit messages: "add the term 'SAE'"."""
    created: bool = False
    """The file did not exist (a first glossary file)."""


def glossary_path(root: str) -> str:
    """Where a new term goes: content/glossary.yml, else the first file in glossary/."""
    main = os.path.join(root, GLOSSARY_FILE)
    if os.path.exists(main):
        return main
    folder = os.path.join(root, GLOSSARY_DIR)
    if os.path.isdir(folder):
        for path in yml_files(folder):
            return path
    return main


def read_text(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def current_hash(proposal: Proposal, path: str, text: str) -> str | None:
    """The hash of the proposal's target as `text` (the file at `path`) holds it now;
    None when it is not there any more."""
    if proposal.kind == "brief":
        for brief_entry in parse_brief_file(path, text.encode("utf-8")).briefs:
            if brief_entry.brief is not None and brief_entry.brief.id == proposal.target:
                return brief_hash(brief_entry.brief)
        return None
    for term_entry in parse_glossary_file(path, text.encode("utf-8")).terms:
        if term_entry.term is not None and term_entry.term.key == normalize_key(proposal.target):
            return term_hash(term_entry.term)
    return None


def plan_change(proposal: Proposal, path: str, text: str, line: int = 0) -> Change:
    """The new text of `path` (now holding `text`) with `proposal` applied. For a fix,
    `line` is where the entry starts (its `Origin`). Raises ChangeError when the edit
    would not read back as exactly the proposal."""
    proposal = clean(proposal)
    try:
        if proposal.kind == "term":
            return _add_term(proposal, path, text)
        if proposal.kind == "fix":
            return _fix_term(proposal, path, text, line)
        return _fix_brief(proposal, path, text, line)
    except AuthoringError as error:
        raise ChangeError(str(error)) from None


def _add_term(p: Proposal, path: str, text: str) -> Change:
    created = not text
    if created:
        text = "terms:\n"
    if not re.search(r"^terms *: *(#.*)?$", text, re.M):
        raise ChangeError(
            f"{os.path.basename(path)} has no 'terms:' list to add to; add the term by hand"
        )
    item = re.search(r"^(?P<indent>[ ]*)- +term *:", text, re.M)
    indent = item["indent"] if item else "  "
    out = text if text.endswith("\n") else text + "\n"
    if re.search(rf"\n[ \t]*\n(?:[ \t]*#.*\n)*{re.escape(indent)}- +term *:", text):
        out += "\n"  # the file separates its entries with blank lines: so do we
    inner = indent + "  "
    lines = [f"{indent}- term: {yaml_text(p.term)}"]
    if p.context:
        lines += _render("context", p.context, inner)
    lines += _render("definition", p.definition, inner)
    if p.aliases:
        lines += _render_list("aliases", p.aliases, inner)
    if p.source:
        lines.insert(0, f"{indent}# source: {p.source.replace(chr(10), ' ')}")
    out += "\n".join(lines) + "\n"
    before = parse_glossary_file(path, text.encode("utf-8"))
    after = parse_glossary_file(path, out.encode("utf-8"))
    old = [e.term for e in before.terms]
    new = [e.term for e in after.terms]
    wanted = Term(p.term, p.definition, p.aliases, (), p.context)
    if after.errors or new[:-1] != old or not new or new[-1] != wanted:
        raise ChangeError(
            f"adding “{p.term}” to the end of {os.path.basename(path)} would not read back as "
            "written (the file's layout is unusual); add it by hand"
        )
    return Change(path, "" if created else text, out, f"add the term '{p.term}'", created)


def _fix_term(p: Proposal, path: str, text: str, line: int) -> Change:
    before = parse_glossary_file(path, text.encode("utf-8"))
    index = next(
        (
            i
            for i, e in enumerate(before.terms)
            if e.term is not None and e.term.key == normalize_key(p.target)
        ),
        None,
    )
    if index is None:
        raise ChangeError(f"“{p.target}” is no longer in {os.path.basename(path)}")
    entry = before.terms[index]
    assert entry.term is not None
    start = entry.line or line
    edits: list[tuple[str, list[str] | None]] = [
        ("term", None if p.term == entry.term.term else [yaml_text(p.term)]),
        ("context", _want_text(p.context, entry.term.context)),
        ("definition", _want_text(p.definition, entry.term.definition)),
        ("aliases", _want_list(p.aliases, entry.term.aliases)),
    ]
    out = _edit_mapping(text, start, edits)
    after = parse_glossary_file(path, out.encode("utf-8"))
    wanted = Term(p.term, p.definition, p.aliases, entry.term.see_also, p.context)
    old = [e.term for e in before.terms]
    new = [e.term for e in after.terms]
    if (
        len(after.errors) > len(before.errors)
        or len(new) != len(old)
        or new[index] != wanted
        or new[:index] + new[index + 1 :] != old[:index] + old[index + 1 :]
    ):
        raise ChangeError(
            f"the entry of “{p.target}” in {os.path.basename(path)} is laid out in a way "
            "briefbot cannot edit safely; make the change by hand"
        )
    return Change(path, text, out, f"fix the term '{p.target}'")


def _fix_brief(p: Proposal, path: str, text: str, line: int) -> Change:
    before = parse_brief_file(path, text.encode("utf-8"))
    index = next(
        (i for i, e in enumerate(before.briefs) if e.brief is not None and e.brief.id == p.target),
        None,
    )
    if index is None:
        raise ChangeError(f"the brief “{p.target}” is no longer in {os.path.basename(path)}")
    entry = before.briefs[index]
    assert entry.brief is not None
    out = _edit_mapping(text, entry.line or line, [("summary", _want_text(p.summary, ""))])
    after = parse_brief_file(path, out.encode("utf-8"))
    old = [e.brief for e in before.briefs]
    new = [e.brief for e in after.briefs]
    changed = new[index] if len(new) == len(old) else None
    if (
        len(after.errors) > len(before.errors)
        or changed is None
        or changed.summary != p.summary
        or new[:index] + new[index + 1 :] != old[:index] + old[index + 1 :]
    ):
        raise ChangeError(
            f"the brief “{p.target}” in {os.path.basename(path)} is laid out in a way "
            "briefbot cannot edit safely; make the change by hand"
        )
    return Change(path, text, out, f"fix the summary of the brief '{p.target}'")


# A field's new value as the lines after "key:"; [] removes the field; None keeps it.
def _want_text(new: str, old: str) -> list[str] | None:
    if new == old:
        return None
    return [] if not new else ["\0text", new]


def _want_list(new: tuple[str, ...], old: tuple[str, ...]) -> list[str] | None:
    if new == old:
        return None
    return [] if not new else ["\0list", *new]


def _render(key: str, value: str, indent: str) -> list[str]:
    """`key: value` at `indent`: folded (`>-`) when the text is one long paragraph that
    folding keeps exactly, else one double-quoted line."""
    one_line = " ".join(value.split())
    quoted = f"{indent}{key}: {yaml_text(value)}"
    if one_line != value or len(quoted) <= WRAP:
        return [quoted]
    wrapped = textwrap.wrap(
        value, WRAP - len(indent) - 2, break_long_words=False, break_on_hyphens=False
    )
    if " ".join(wrapped) != value or any(w.startswith(("#", " ")) for w in wrapped):
        return [quoted]
    return [f"{indent}{key}: >-", *(f"{indent}  {w}" for w in wrapped)]


def _render_list(key: str, values: tuple[str, ...], indent: str) -> list[str]:
    flow = f"{indent}{key}: [{', '.join(yaml_text(v) for v in values)}]"
    if len(flow) <= WRAP:
        return [flow]
    return [f"{indent}{key}:", *(f"{indent}  - {yaml_text(v)}" for v in values)]


_LINE_INDENT = re.compile(r"^(?P<lead>[ ]*(?:- +)?)(?P<key>[A-Za-z_][\w-]*) *:(?: |$)")


@dataclass
class _Span:
    key: str
    first: int
    """Index of the key's line."""
    end: int
    """Index after the value's last line (trailing blank and comment lines excluded)."""
    lead: str = ""
    column: int = 0


def _edit_mapping(text: str, start_line: int, edits: list[tuple[str, list[str] | None]]) -> str:
    """`text` with the block mapping that starts on `start_line` (1-based) given new
    values for some keys; every other line stays as it is."""
    lines = text.splitlines(keepends=True)
    first = start_line - 1
    if not 0 <= first < len(lines):
        raise ChangeError("the entry is not where the content says it is; reload and retry")
    head = _LINE_INDENT.match(lines[first])
    if head is None:
        raise ChangeError("the entry does not start with a key briefbot can read")
    column = len(head["lead"])
    spans: dict[str, _Span] = {}
    at = first
    while at < len(lines):
        line = lines[at]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if (
            at != first
            and stripped
            and not stripped.startswith("#")
            and (indent < column or (indent == column and stripped.startswith("-")))
        ):
            break
        found = _LINE_INDENT.match(line) if at == first else None
        if at != first and indent == column and stripped and not stripped.startswith("#"):
            found = re.match(r"^[ ]*(?P<key>[A-Za-z_][\w-]*) *:(?: |$)", line)
            if found is None:
                break
        if found is not None:
            end = at + 1
            while end < len(lines):
                nxt = lines[end]
                if nxt.strip() and len(nxt) - len(nxt.lstrip(" ")) <= column:
                    break
                end += 1
            last = end
            while last > at + 1 and (
                not lines[last - 1].strip() or lines[last - 1].strip().startswith("#")
            ):
                last -= 1
            lead = line[:column] if at == first else " " * column
            spans[found["key"]] = _Span(found["key"], at, last, lead, column)
            at = end
            continue
        at += 1
    if not spans:
        raise ChangeError("the entry has no fields briefbot can read")
    replacements: list[tuple[int, int, list[str]]] = []
    after_key = max(spans.values(), key=lambda s: s.first)
    order = [s for s in sorted(spans.values(), key=lambda s: s.first)]
    for key, want in edits:
        if want is None:
            continue
        span = spans.get(key)
        rendered = _render_value(key, want, " " * column)
        if span is not None:
            if span.first == first and not rendered:
                raise ChangeError(f"the entry starts with '{key}', which cannot be removed")
            if span.first == first:
                rendered = [span.lead + rendered[0][column:], *rendered[1:]]
            replacements.append((span.first, span.end, rendered))
        elif rendered:
            anchor = order[0] if key != "aliases" else after_key
            replacements.append((anchor.end, anchor.end, rendered))
    newline = "\r\n" if "\r\n" in text else "\n"
    for begin, end, new in sorted(replacements, key=lambda r: (r[0], r[1]), reverse=True):
        if end == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        lines[begin:end] = [line + newline for line in new]
    return "".join(lines)


def _render_value(key: str, want: list[str], indent: str) -> list[str]:
    if not want:
        return []
    if want[0] == "\0text":
        return _render(key, want[1], indent)
    if want[0] == "\0list":
        return _render_list(key, tuple(want[1:]), indent)
    return [f"{indent}{key}: {want[0]}"]
