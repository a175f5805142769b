"""Every kind of bad content gets a clear error naming the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.errors import ContentError, ContentInvalid
from bot.content.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES
from bot.model import MAX_DEFINITION, MAX_POINTS, MAX_SUMMARY, MAX_TAG, MAX_TITLE
from tests.content_files import (
    BRIEF,
    GLOSSARY,
    brief_text,
    load_errors,
    make_content,
    only_error,
    write,
)

# -- the error type itself --------------------------------------------------------


def test_error_text_shows_path_relative_to_current_folder(tmp_path, monkeypatch):
    """str(ContentError) reads `content/briefs/x.yml:4: message` from the content's parent."""
    monkeypatch.chdir(tmp_path)
    error = ContentError(
        str(tmp_path / "content/briefs/x.yml"), 4, "titel", "unknown field 'titel'"
    )
    assert str(error) == "content/briefs/x.yml:4: unknown field 'titel'"


def test_error_text_keeps_paths_outside_current_folder(tmp_path, monkeypatch):
    """A path outside the current folder is shown as given, not as ../../.."""
    inside = tmp_path / "here"
    inside.mkdir()
    monkeypatch.chdir(inside)
    error = ContentError(str(tmp_path / "x.yml"), 2, None, "oops")
    assert str(error) == f"{tmp_path / 'x.yml'}:2: oops"


def test_error_text_names_field_when_message_does_not():
    """A field the message does not quote is prefixed, so every error names its field."""
    error = ContentError("/abs/x.yml", 3, "source.url", "must start with http")
    assert str(error) == "/abs/x.yml:3: source.url: must start with http"


def test_error_without_line_shows_only_path():
    """Errors about a whole file or folder have no `:0` line suffix."""
    assert str(ContentError("/abs/x.yml", 0, None, "the file is empty")) == (
        "/abs/x.yml: the file is empty"
    )


def test_content_invalid_sorts_by_path_and_line_and_counts():
    """ContentInvalid lists errors in file order and ends with a count line."""
    invalid = ContentInvalid(
        [
            ContentError("/b.yml", 1, None, "b1"),
            ContentError("/a.yml", 9, None, "a9"),
            ContentError("/a.yml", 2, None, "a2"),
        ]
    )
    assert [e.message for e in invalid.errors] == ["a2", "a9", "b1"]
    assert str(invalid).splitlines()[-1] == "3 errors in the content"


# -- the example from the issue ---------------------------------------------------


def test_unknown_field_typo_suggests_the_field(tmp_path, monkeypatch):
    """A typo like `titel` reads exactly as in the issue, with a did-you-mean."""
    monkeypatch.chdir(tmp_path)
    text = "date: 2024-05-01\nsummary: s\ntags: [a]\ntitel: Chips\n"
    make_content(tmp_path, {"x.yml": text})
    errors = [str(e) for e in load_errors(Path("content"))]
    assert "content/briefs/x.yml:4: unknown field 'titel' (did you mean 'title'?)" in errors
    assert "content/briefs/x.yml:1: missing required field 'title'" in errors


def test_unknown_field_far_from_any_field_has_no_suggestion(tmp_path):
    """An unrelated unknown key is reported without a misleading suggestion."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(zzqqxx="1")}))
    assert error.field == "zzqqxx"
    assert error.message == "unknown field 'zzqqxx'"


def test_unknown_field_in_source(tmp_path):
    """Typos inside `source:` are found too, with the line of the key."""
    text = brief_text() + "source:\n  name: CSET\n  link: https://x.org/\n"
    errors = load_errors(make_content(tmp_path, {"x.yml": text}))
    messages = [(e.line, e.message) for e in errors]
    assert (6, "unknown field 'link' in 'source'") in messages
    assert (4, "missing required field 'url' in 'source'") in messages


def test_unknown_field_in_glossary_entry(tmp_path):
    """A typo in a glossary entry (`defintion`) is reported with a suggestion."""
    glossary = "terms:\n  - term: Distillation\n    defintion: Copying a model.\n"
    errors = load_errors(make_content(tmp_path, {"x.yml": brief_text()}, glossary))
    texts = [e.message for e in errors]
    assert any("unknown field 'defintion'" in t and "'definition'" in t for t in texts)
    assert any("missing required field 'definition'" in t for t in texts)


# -- unsafe or unreadable YAML ----------------------------------------------------


def test_yaml_alias_is_rejected(tmp_path):
    """Aliases (`*name`) are refused, which also stops alias bombs."""
    text = "title: &t Chips\ndate: 2024-05-01\nsummary: *t\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert error.line == 1
    assert "anchors" in error.message


def test_yaml_alias_without_anchor_on_same_file_line(tmp_path):
    """An alias on its own (anchor elsewhere) is reported at the alias's line."""
    text = "title: Chips\ndate: 2024-05-01\nsummary: s\npoints:\n  - *missing\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert "YAML syntax error" in error.message or "aliases" in error.message
    assert error.line == 5


def test_alias_bomb_is_rejected_quickly(tmp_path):
    """The billion-laughs document is refused instead of being expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    error = only_error(make_content(tmp_path, {"bomb.yml": "\n".join(lines) + "\n"}))
    assert "anchors" in error.message


def test_file_over_size_cap(tmp_path):
    """A file over the size cap is refused before it is parsed."""
    text = brief_text(summary="x" * (MAX_FILE_BYTES + 10))
    error = only_error(make_content(tmp_path, {"big.yml": text}))
    assert f"{MAX_FILE_BYTES:,} bytes" in error.message


def test_nesting_too_deep(tmp_path):
    """Lists nested past the depth limit are refused at the line where it happens."""
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(points=deep)}))
    assert f"more than {MAX_DEPTH} levels" in error.message
    assert error.line == 4


def test_duplicate_keys(tmp_path):
    """A key written twice in one mapping is an error naming both lines."""
    text = brief_text() + "title: Again\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert error.line == 4
    assert error.message.startswith("duplicate key 'title' (first at line 1)")


def test_non_utf8_bytes(tmp_path):
    """Latin-1 bytes are reported with their byte offset and line."""
    data = brief_text().encode() + "tags: [caf\xe9]\n".encode("latin-1")
    error = only_error(make_content(tmp_path, {"x.yml": data}))
    offset = data.index(b"\xe9")
    assert error.line == 4
    assert f"byte 0xe9 at offset {offset} (line 4)" in error.message


def test_yaml_syntax_error_has_line(tmp_path):
    """Broken YAML names the line where the parser gave up."""
    text = "title: Chips\ndate: 2024-05-01\nsummary: [unclosed\n  - x: y: z\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert error.message.startswith("YAML syntax error")
    assert error.line >= 3


def test_control_characters_are_rejected(tmp_path):
    """Bytes YAML forbids (a stray control character) give an error, not a crash."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(title="Chips\x07")}))
    assert "cannot be read as YAML" in error.message
    assert error.line == 1


def test_custom_tags_are_rejected(tmp_path):
    """`!!python/object` and other non-plain tags are refused (safe loading only)."""
    error = only_error(
        make_content(tmp_path, {"x.yml": brief_text(title="!!python/name:os.system")})
    )
    assert "tag" in error.message
    assert error.line == 1


def test_several_documents_in_one_file(tmp_path):
    """A second `---` document is refused, not silently dropped."""
    text = brief_text() + "---\n" + brief_text()
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert "more than one YAML document" in error.message
    assert error.line == 4


def test_empty_brief_file(tmp_path):
    """An empty file says what it should have held."""
    error = only_error(make_content(tmp_path, {"x.yml": "# nothing yet\n"}))
    assert "the file is empty" in error.message


def test_brief_file_holding_a_list(tmp_path):
    """A top-level list is explained: one brief, or `briefs:`."""
    error = only_error(make_content(tmp_path, {"x.yml": "- title: a\n"}))
    assert "'briefs:' list, got a list" in error.message


# -- wrong types --------------------------------------------------------------------


def test_unquoted_no_in_text_field(tmp_path):
    """`title: NO` is a yes/no value in YAML; the error says to quote it."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(title="NO")}))
    assert error.field == "title"
    assert error.line == 1
    assert error.message == (
        "wrong type for 'title': expected text, got a yes/no value (NO); put it in quotes: \"NO\""
    )


def test_unquoted_time_in_list_item(tmp_path):
    """`- 12:30` is a sexagesimal number in YAML 1.1; the item and line are named."""
    text = brief_text() + "points:\n  - fine\n  - 12:30\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert error.line == 6
    assert "'points' item 2: expected text, got a number (12:30)" in error.message


def test_quoted_no_is_fine(tmp_path):
    """Quoting the value makes it text, so the same brief loads."""
    content = make_content(tmp_path, {"x.yml": brief_text(title='"NO"')})
    from bot.content.loader import load_content

    assert load_content(content).briefs[0].title == "NO"


def test_text_field_given_a_list(tmp_path):
    """A list where text belongs is named as such."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(summary="[a, b]")}))
    assert error.message == "wrong type for 'summary': expected text, got a list"


def test_list_field_given_text(tmp_path):
    """`tags: ai` (not a list) explains how to write a list."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(tags="ai")}))
    assert error.field == "tags"
    assert "expected a list" in error.message


def test_date_given_a_yes_no_value(tmp_path):
    """`date: yes` is not a date."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(date="yes")}))
    assert error.message == (
        "wrong type for 'date': expected a date (YYYY-MM-DD), got a yes/no value (yes)"
    )


def test_source_given_text(tmp_path):
    """`source: https://...` (not a mapping) asks for name and url."""
    text = brief_text(source="https://example.org/")
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert "expected a mapping with 'name' and 'url'" in error.message


def test_glossary_entry_that_is_not_a_mapping(tmp_path):
    """A bare string in `terms:` is named as the wrong kind of item."""
    glossary = GLOSSARY + "  - Just a word\n"
    error = only_error(make_content(tmp_path, None, glossary))
    assert error.line == 11
    assert "must be a glossary entry" in error.message


def test_glossary_without_terms_key(tmp_path):
    """A glossary file must hold `terms:`."""
    errors = load_errors(make_content(tmp_path, {"x.yml": brief_text()}, "term: x\n"))
    assert any("missing 'terms:'" in e.message for e in errors)


# -- missing fields, ids ----------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "date", "summary"])
def test_missing_required_brief_field(tmp_path, field):
    """Each required brief field, when missing, is named at the brief's line."""
    fields = {"title": "T", "date": "2024-05-01", "summary": "S"}
    del fields[field]
    text = "".join(f"{k}: {v}\n" for k, v in fields.items())
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert (error.field, error.line, error.message) == (
        field,
        1,
        f"missing required field '{field}'",
    )


@pytest.mark.parametrize("field", ["term", "definition"])
def test_missing_required_term_field(tmp_path, field):
    """A glossary entry without `term` or `definition` is named at the entry's line."""
    entry = {"term": "Moratorium", "definition": "A pause."}
    del entry[field]
    glossary = GLOSSARY + "  - " + "".join(f"{k}: {v}\n" for k, v in entry.items())
    error = only_error(make_content(tmp_path, None, glossary))
    assert error.field == field
    assert error.line == 11
    assert error.message == f"missing required field '{field}' (entry 4 of 'terms')"


def test_invalid_id(tmp_path):
    """An id with capitals or spaces is refused with an example of a good one."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(id="'Chip Rules'")}))
    assert error.field == "id"
    assert "lowercase letters, digits and single hyphens" in error.message
    assert "got 'Chip Rules'" in error.message


def test_invalid_file_name_as_default_id(tmp_path):
    """A file named so that its name cannot be an id asks to rename it or add `id`."""
    error = only_error(make_content(tmp_path, {"Chip Rules.yml": brief_text()}))
    assert "file name 'Chip Rules' is not a valid brief id" in error.message


def test_brief_list_items_need_ids(tmp_path):
    """In a `briefs:` list there is no file name to fall back on, so `id` is required."""
    text = "briefs:\n  - title: T\n    date: 2024-05-01\n    summary: S\n"
    error = only_error(make_content(tmp_path, {"many.yml": text}))
    assert (error.line, error.field) == (2, "id")
    assert "missing required field 'id' (brief 1 of 'briefs')" in error.message


def test_brief_list_item_that_is_not_a_mapping(tmp_path):
    """A bare string in `briefs:` is reported at its line."""
    text = "briefs:\n  - just text\n"
    errors = load_errors(make_content(tmp_path, {"many.yml": text}))
    assert any(e.line == 2 and "must be a brief" in e.message for e in errors)


def test_duplicate_brief_ids_across_files(tmp_path):
    """Two files with the same id: the error names both places."""
    content = make_content(tmp_path, {"a.yml": brief_text(id="chips"), "chips.yml": brief_text()})
    error = only_error(content)
    assert error.field == "id"
    assert error.path.endswith("chips.yml")
    assert "duplicate brief id 'chips'" in error.message
    assert "a.yml:1" in error.message


# -- glossary uniqueness and references --------------------------------------------


def test_duplicate_term_across_glossary_files(tmp_path):
    """The same term (ignoring case and punctuation) in two glossary files is an error."""
    content = make_content(tmp_path)
    write(
        content / "glossary" / "more.yml", "terms:\n  - term: export-controls\n    definition: x\n"
    )
    error = only_error(content)
    assert error.path.endswith("more.yml")
    assert error.line == 2
    assert "duplicate term 'export-controls'" in error.message
    assert "glossary.yml:6" in error.message


def test_alias_clashing_with_another_term(tmp_path):
    """An alias that is another entry's term is reported at the alias, with that term's place."""
    glossary = (
        GLOSSARY + "  - term: Moratorium\n    definition: A pause.\n    aliases: [Frontier AI]\n"
    )
    error = only_error(make_content(tmp_path, None, glossary))
    assert error.field == "aliases"
    assert error.line == 13
    assert "alias 'Frontier AI' is the name of another term" in error.message
    assert "glossary.yml:8" in error.message


def test_alias_repeating_its_own_term(tmp_path):
    """An alias equal to the entry's own term is pointless and reported."""
    glossary = (
        GLOSSARY + "  - term: Moratorium\n    definition: A pause.\n    aliases: [moratorium]\n"
    )
    error = only_error(make_content(tmp_path, None, glossary))
    assert "repeats the term 'Moratorium' itself" in error.message


def test_unresolved_brief_term_suggests_close_one(tmp_path):
    """A brief term not in the glossary is reported with the closest real term."""
    text = brief_text() + "terms:\n  - Distilation\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert (error.field, error.line) == ("terms", 5)
    assert error.message == (
        "'terms' names 'Distilation', which is not in the glossary (did you mean 'Distillation'?)"
    )


def test_brief_term_resolves_through_alias_and_case(tmp_path):
    """Terms resolve by alias and ignoring case, so these load without errors."""
    text = brief_text() + "terms: [MODEL DISTILLATION, frontier-ai]\n"
    from bot.content.loader import load_content

    assert load_content(make_content(tmp_path, {"x.yml": text})).briefs[0].terms == (
        "MODEL DISTILLATION",
        "frontier-ai",
    )


def test_unresolved_see_also(tmp_path):
    """A see_also entry that names no glossary term is reported at its line."""
    glossary = GLOSSARY.replace("see_also: [Export controls]", "see_also: [Export control rules]")
    error = only_error(make_content(tmp_path, None, glossary))
    assert (error.field, error.line) == ("see_also", 5)
    assert "'Export control rules', which is not in the glossary" in error.message


def test_see_also_pointing_to_itself(tmp_path):
    """A term listing itself (or its alias) in see_also is reported."""
    glossary = GLOSSARY.replace("see_also: [Export controls]", "see_also: [model distillation]")
    error = only_error(make_content(tmp_path, None, glossary))
    assert "points to the term itself" in error.message


def test_duplicate_term_within_one_brief(tmp_path):
    """Listing the same term twice in one brief is reported."""
    text = brief_text() + "terms: [Distillation, distillation]\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert "'terms' lists 'distillation' twice" in error.message


# -- related and featured_on -------------------------------------------------------


def test_related_id_that_does_not_exist(tmp_path):
    """`related` naming a missing brief gets the closest existing id."""
    briefs = {"chips.yml": brief_text(), "rules.yml": brief_text(related="[chip]")}
    error = only_error(make_content(tmp_path, briefs))
    assert (error.field, error.line) == ("related", 4)
    assert (
        error.message == "'related' names 'chip', but no brief has that id (did you mean 'chips'?)"
    )


def test_related_id_listed_twice(tmp_path):
    """The same related id twice in one brief is reported at the second one."""
    briefs = {"chips.yml": brief_text(), "rules.yml": brief_text(related="[chips, chips]")}
    error = only_error(make_content(tmp_path, briefs))
    assert error.field == "related"
    assert error.message.startswith("'related' lists 'chips' twice (first at line")


def test_related_pointing_to_itself(tmp_path):
    """A brief cannot be related to itself."""
    error = only_error(make_content(tmp_path, {"chips.yml": brief_text(related="[chips]")}))
    assert error.message == "'related' lists 'chips', the brief itself"


def test_featured_date_pinned_by_two_briefs(tmp_path):
    """Two briefs pinning the same date: one error naming both briefs."""
    briefs = {
        "a.yml": brief_text(featured_on="2024-06-01"),
        "b.yml": brief_text(featured_on="[2024-06-02, 2024-06-01]"),
    }
    error = only_error(make_content(tmp_path, briefs))
    assert error.path.endswith("b.yml")
    assert error.field == "featured_on"
    assert "2024-06-01 is already pinned by brief 'a'" in error.message
    assert "a.yml:1" in error.message


def test_featured_date_listed_twice_in_one_brief(tmp_path):
    """The same date twice in one brief's list is reported."""
    error = only_error(
        make_content(tmp_path, {"a.yml": brief_text(featured_on="[2024-06-01, '2024-06-01']")})
    )
    assert "lists 2024-06-01 twice" in error.message


def test_featured_on_not_a_date(tmp_path):
    """`featured_on: tomorrow` is not a date."""
    error = only_error(make_content(tmp_path, {"a.yml": brief_text(featured_on="tomorrow")}))
    assert "'featured_on' must be a date written YYYY-MM-DD, got 'tomorrow'" in error.message


# -- dates, urls --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-02-30", "'2024-02-30'"])
def test_date_that_does_not_exist(tmp_path, value):
    """February 30th is not a real date, quoted or not."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(date=value)}))
    assert error.message == "'date' is not a real date: 2024-02-30"


@pytest.mark.parametrize("value", ["May 1, 2024", "2024-5-1", "'01/05/2024'"])
def test_date_in_another_format(tmp_path, value):
    """Dates must be written YYYY-MM-DD."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(date=value)}))
    assert "must be a date written YYYY-MM-DD" in error.message


def test_date_with_time(tmp_path):
    """A date-time is not a publication date."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(date="2024-05-01 10:00:00")}))
    assert "got a date and time" in error.message


def test_quoted_date_is_accepted(tmp_path):
    """A date written as a quoted string in YYYY-MM-DD form is fine."""
    from bot.content.loader import load_content

    content = make_content(tmp_path, {"x.yml": brief_text(date="'2024-05-01'")})
    assert load_content(content).briefs[0].date.isoformat() == "2024-05-01"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.org/file", "must start with http:// or https://"),
        ("example.org/story", "must start with http:// or https://"),
        ("https://", "has no valid host name"),
        ("'https://exa mple.org/'", "must not contain spaces"),
        ("http://example.org:99999/", "is not a valid link"),
        ("javascript:alert(1)", "must start with http:// or https://"),
    ],
)
def test_bad_source_url(tmp_path, url, problem):
    """Source urls must be well-formed http(s) links."""
    text = brief_text() + f"source:\n  name: CSET\n  url: {url}\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert (error.field, error.line) == ("source.url", 6)
    assert problem in error.message


# -- lengths and empties ------------------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("title", MAX_TITLE), ("summary", MAX_SUMMARY)])
def test_text_over_slack_limit(tmp_path, field, limit):
    """Text longer than Slack can show is refused, with its length and the limit."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(**{field: "x" * (limit + 1)})}))
    assert error.field == field
    assert f"is {limit + 1:,} characters long; the limit is {limit:,}" in error.message


def test_definition_over_limit(tmp_path):
    """Glossary definitions have a limit too."""
    glossary = GLOSSARY + f"  - term: Moratorium\n    definition: {'x' * (MAX_DEFINITION + 1)}\n"
    error = only_error(make_content(tmp_path, None, glossary))
    assert error.field == "definition"


def test_tag_over_limit(tmp_path):
    """A list item longer than its limit names the item."""
    text = brief_text(tags=f"[ok, {'t' * (MAX_TAG + 1)}]")
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert f"'tags' item 2 is {MAX_TAG + 1} characters long" in error.message


def test_too_many_points(tmp_path):
    """More bullets than a message can hold is an error."""
    points = "".join(f"  - point {i}\n" for i in range(MAX_POINTS + 1))
    error = only_error(make_content(tmp_path, {"x.yml": brief_text() + "points:\n" + points}))
    assert error.message == f"'points' has {MAX_POINTS + 1} items; the limit is {MAX_POINTS}"


@pytest.mark.parametrize("value", ["''", "'   '", ""])
def test_empty_title(tmp_path, value):
    """Empty or blank text is refused."""
    error = only_error(make_content(tmp_path, {"x.yml": brief_text(title=value)}))
    assert error.message == "'title' is empty"


def test_empty_list_item(tmp_path):
    """A blank bullet is refused, naming the item."""
    text = brief_text() + "points:\n  - one\n  - ''\n"
    error = only_error(make_content(tmp_path, {"x.yml": text}))
    assert error.message == "'points' item 2 is empty"
    assert error.line == 6


# -- folders and collection --------------------------------------------------------


def test_missing_content_folder(tmp_path):
    """A content folder that does not exist says so."""
    error = only_error(tmp_path / "nope")
    assert "the content folder does not exist" in error.message


def test_missing_briefs_folder(tmp_path):
    """A content folder without briefs/ says where briefs go."""
    (tmp_path / "content").mkdir()
    error = only_error(tmp_path / "content")
    assert error.path.endswith("briefs")
    assert "no briefs folder" in error.message


def test_no_briefs(tmp_path):
    """An empty briefs folder is an error: there is nothing to serve."""
    error = only_error(make_content(tmp_path, {}))
    assert "no briefs found" in error.message


def test_all_errors_collected_across_files(tmp_path):
    """Errors in several files are all reported at once, in path and line order."""
    content = make_content(
        tmp_path,
        {
            "a.yml": brief_text(titel="x"),
            "b.yml": "title: [\n",
            "c.yml": BRIEF,
        },
        GLOSSARY + "  - term: Distillation\n    definition: again\n",
    )
    errors = load_errors(content)
    names = [Path(e.path).name for e in errors]
    assert names == sorted(names)
    assert {"a.yml", "b.yml", "glossary.yml"} <= set(names)
    assert "c.yml" not in names


def test_unreadable_entry_named_like_a_brief(tmp_path):
    """A folder named `x.yml` inside briefs/ is reported, not a crash."""
    content = make_content(tmp_path)
    (content / "briefs" / "odd.yml").mkdir()
    error = only_error(content)
    assert error.path.endswith("odd.yml")
    assert error.message.startswith("this is a folder, not a file;")
