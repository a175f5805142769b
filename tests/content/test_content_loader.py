"""The content loader: what it reads, what it builds, and how it reloads."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bot.content.errors import ContentInvalid
from bot.content.loader import ContentLoader, load_content, load_library
from bot.content.safe_yaml import InvalidDate, read_yaml, resolve_plain
from bot.model import Origin, Source, normalize_key
from tests.content_files import BRIEF, GLOSSARY, brief_text, make_content, write

REPO_CONTENT = Path(__file__).resolve().parents[2] / "content"


# -- the shipped content ------------------------------------------------------------


def test_shipped_content_loads_into_a_library():
    """The repository's own content is valid and every brief term resolves."""
    library = load_library(REPO_CONTENT)
    assert len(library.briefs) >= 6
    assert len(library.terms) >= 10
    for brief in library.briefs:
        for name in brief.terms:
            assert library.resolve_term(name) is not None, (brief.id, name)


def test_shipped_briefs_are_complete():
    """Every shipped brief has points, terms, tags and an https source, like the seed page."""
    for brief in load_content(REPO_CONTENT).briefs:
        assert brief.points and brief.terms and brief.tags, brief.id
        assert brief.source is not None and brief.source.url.startswith("https://"), brief.id


# -- what a brief file becomes ------------------------------------------------------


def test_one_brief_file_becomes_a_brief(tmp_path):
    """All fields of a one-brief file arrive in the Brief, id taken from the file name."""
    content = make_content(tmp_path, {"chip-rules.yml": BRIEF})
    (brief,) = load_content(content).briefs
    assert brief.id == "chip-rules"
    assert brief.title == "Chips, rules and copies"
    assert brief.date == dt.date(2024, 5, 1)
    assert brief.points == ("One point.", "Another point.")
    assert brief.terms == ("Distillation", "export controls")
    assert brief.tags == ("policy",)
    assert brief.source == Source("CSET", "https://cset.georgetown.edu/article/x")
    assert brief.origin == Origin(str(content / "briefs" / "chip-rules.yml"), 1)


def test_explicit_id_wins_over_file_name(tmp_path):
    """An `id:` field overrides the file name."""
    (brief,) = load_content(make_content(tmp_path, {"x.yml": brief_text(id="own-id")})).briefs
    assert brief.id == "own-id"


def test_file_with_a_briefs_list(tmp_path):
    """A file may hold several briefs under `briefs:`, each with its own line."""
    text = (
        "briefs:\n"
        "  - id: one\n    title: One\n    date: 2024-01-01\n    summary: First.\n"
        "  - id: two\n    title: Two\n    date: 2024-01-02\n    summary: Second.\n"
    )
    briefs = load_content(make_content(tmp_path, {"many.yml": text})).briefs
    assert [(b.id, b.origin.line) for b in briefs] == [("one", 2), ("two", 6)]


def test_text_is_trimmed_and_block_scalars_work(tmp_path):
    """Folded and literal blocks load as text without trailing newlines."""
    text = brief_text(summary=">\n  Folded\n  paragraph.\n") + "points:\n  - |\n    kept\n"
    (brief,) = load_content(make_content(tmp_path, {"x.yml": text})).briefs
    assert brief.summary == "Folded paragraph."
    assert brief.points == ("kept",)


def test_featured_on_single_date_or_list(tmp_path):
    """`featured_on` takes one date or a list, stored sorted."""
    briefs = {
        "a.yml": brief_text(featured_on="2024-06-01"),
        "b.yml": brief_text(featured_on="['2024-07-02', 2024-07-01]"),
    }
    loaded = {b.id: b for b in load_content(make_content(tmp_path, briefs)).briefs}
    assert loaded["a"].featured_on == (dt.date(2024, 6, 1),)
    assert loaded["b"].featured_on == (dt.date(2024, 7, 1), dt.date(2024, 7, 2))


def test_related_between_briefs(tmp_path):
    """`related` ids that exist are kept in the written order."""
    briefs = {"a.yml": brief_text(related="[c, b]"), "b.yml": brief_text(), "c.yml": brief_text()}
    loaded = {b.id: b for b in load_content(make_content(tmp_path, briefs)).briefs}
    assert loaded["a"].related == ("c", "b")


def test_unicode_and_markdown_text(tmp_path):
    """Non-ASCII text and light Markdown pass through unchanged."""
    text = brief_text(title="'Künstliche Intelligenz: **fast** — _sicher_'")
    (brief,) = load_content(make_content(tmp_path, {"x.yml": text})).briefs
    assert brief.title == "Künstliche Intelligenz: **fast** — _sicher_"


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    """Files saved with a UTF-8 BOM (some Windows editors) load."""
    content = make_content(tmp_path, {"x.yml": b"\xef\xbb\xbf" + brief_text().encode()})
    assert load_content(content).briefs[0].id == "x"


# -- glossary files ---------------------------------------------------------------


def test_glossary_terms_with_aliases_and_see_also(tmp_path):
    """Glossary entries load with aliases and see-also, and origins with lines."""
    terms = {t.term: t for t in load_content(make_content(tmp_path)).terms}
    assert terms["Distillation"].aliases == ("model distillation",)
    assert terms["Distillation"].see_also == ("Export controls",)
    assert terms["Export controls"].origin.line == 6


def test_glossary_folder_is_merged(tmp_path):
    """Files in content/glossary/ add terms to content/glossary.yml."""
    content = make_content(tmp_path)
    write(content / "glossary" / "more.yml", "terms:\n  - term: AGI\n    definition: General AI.\n")
    keys = {normalize_key(t.term) for t in load_content(content).terms}
    assert {"distillation", "agi"} <= keys


def test_glossary_folder_alone_is_enough(tmp_path):
    """content/glossary.yml is optional when content/glossary/ holds the terms."""
    content = make_content(tmp_path, glossary=None)
    write(content / "glossary" / "all.yml", GLOSSARY)
    assert len(load_content(content).terms) == 3


def test_other_files_are_ignored(tmp_path):
    """schedule.yml, schemas/, non-.yml and hidden files are not read as content."""
    content = make_content(tmp_path)
    write(content / "schedule.yml", "this: is: not: a: brief\n")
    write(content / "schemas" / "brief.schema.json", "{}")
    write(content / "briefs" / "README.md", "# notes\n")
    write(content / "briefs" / ".chips.yml.swp", b"\x00\xff")
    write(content / "briefs" / ".#chips.yml", "junk: [")
    write(content / "glossary" / "notes.txt", "junk")
    assert [b.id for b in load_content(content).briefs] == ["chips"]


# -- reloading ----------------------------------------------------------------------


def _bump(path: Path, text: str) -> None:
    """Rewrite `path` so its stat surely differs (mtime moved forward by a second)."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_second_load_reparses_only_changed_file(tmp_path):
    """After one file changes, a second load re-reads just that file."""
    briefs = {f"b{i}.yml": brief_text() for i in range(5)}
    content = make_content(tmp_path, briefs)
    loader = ContentLoader(content)
    loader.load_content()
    assert loader.files_parsed == 6
    _bump(content / "briefs" / "b3.yml", brief_text(title="Changed"))
    loaded = {b.id: b for b in loader.load_content().briefs}
    assert loader.files_parsed == 1
    assert loaded["b3"].title == "Changed"
    assert loaded["b2"].title == "Chips, rules and copies"


def test_unchanged_content_returns_the_same_library(tmp_path):
    """Loading unchanged content again parses nothing and returns the same snapshot."""
    loader = ContentLoader(make_content(tmp_path))
    first = loader.load()
    second = loader.load()
    assert loader.files_parsed == 0
    assert second is first


def test_added_and_removed_files_are_noticed(tmp_path):
    """New files join and deleted files leave on the next load."""
    content = make_content(tmp_path, {"a.yml": brief_text(), "b.yml": brief_text()})
    loader = ContentLoader(content)
    assert len(loader.load_content().briefs) == 2
    (content / "briefs" / "a.yml").unlink()
    write(content / "briefs" / "c.yml", brief_text())
    assert sorted(b.id for b in loader.load_content().briefs) == ["b", "c"]
    assert loader.files_parsed == 1


def test_broken_edit_raises_and_fix_recovers(tmp_path):
    """A bad edit raises ContentInvalid (never half the content); fixing it loads again."""
    content = make_content(tmp_path, {"a.yml": brief_text(), "b.yml": brief_text()})
    loader = ContentLoader(content)
    assert len(loader.load_content().briefs) == 2
    _bump(content / "briefs" / "b.yml", "title: [broken\n")
    with pytest.raises(ContentInvalid):
        loader.load_content()
    with pytest.raises(ContentInvalid):  # the cached error is reported again, not forgotten
        loader.load_content()
    _bump(content / "briefs" / "b.yml", brief_text(title="Fixed"))
    assert {b.title for b in loader.load_content().briefs} == {"Chips, rules and copies", "Fixed"}


def test_glossary_edit_rechecks_brief_terms(tmp_path):
    """Removing a term from the glossary makes briefs that use it fail, without re-reading them."""
    content = make_content(tmp_path)
    loader = ContentLoader(content)
    loader.load_content()
    _bump(content / "glossary.yml", GLOSSARY.replace("Export controls", "Trade rules"))
    with pytest.raises(ContentInvalid) as caught:
        loader.load_content()
    assert loader.files_parsed == 1
    assert any(
        "'export controls', which is not in the glossary" in e.message for e in caught.value.errors
    )


def test_same_size_rewrite_is_seen(tmp_path):
    """A rewrite of the same length right after a load is still picked up."""
    content = make_content(tmp_path, {"a.yml": brief_text(title="AAAA")})
    loader = ContentLoader(content)
    assert loader.load_content().briefs[0].title == "AAAA"
    (content / "briefs" / "a.yml").write_text(brief_text(title="BBBB"), encoding="utf-8")
    assert loader.load_content().briefs[0].title == "BBBB"


def test_changed_paths_hint_picks_up_edits_additions_and_deletions(tmp_path):
    """With `changed` from a watcher, edited, new and deleted files are all handled."""
    content = make_content(tmp_path, {"a.yml": brief_text(), "b.yml": brief_text()})
    loader = ContentLoader(content)
    loader.load_content()
    briefs = content / "briefs"
    _bump(briefs / "a.yml", brief_text(title="Edited"))
    write(briefs / "c.yml", brief_text(title="New"))
    (briefs / "b.yml").unlink()
    changed = [briefs / "a.yml", str(briefs / "c.yml"), (briefs / "b.yml").resolve()]
    loaded = {b.id: b.title for b in loader.load_content(changed=changed).briefs}
    assert loaded == {"a": "Edited", "c": "New"}
    assert loader.files_parsed == 2


def test_changed_paths_hint_looks_only_at_named_paths(tmp_path):
    """A hinted load trusts the watcher: files it did not name are not looked at."""
    content = make_content(tmp_path, {"a.yml": brief_text(), "b.yml": brief_text()})
    loader = ContentLoader(content)
    loader.load_content()
    _bump(content / "briefs" / "b.yml", brief_text(title="Unseen yet"))
    write(content / "schedule.yml", "not: content\n")
    hinted = loader.load_content(changed=[content / "schedule.yml"])
    assert loader.files_parsed == 0
    assert "Unseen yet" not in {b.title for b in hinted.briefs}
    assert "Unseen yet" in {b.title for b in loader.load_content().briefs}


def test_changed_folder_triggers_a_full_rescan(tmp_path):
    """When a folder itself changes (glossary/ created), everything is listed again."""
    content = make_content(tmp_path, glossary=GLOSSARY)
    loader = ContentLoader(content)
    loader.load_content()
    write(content / "glossary" / "more.yml", "terms:\n  - term: AGI\n    definition: x\n")
    loaded = loader.load_content(changed=[content / "glossary"])
    assert "AGI" in {t.term for t in loaded.terms}


def test_changed_paths_hint_reports_new_errors(tmp_path):
    """A file broken after a hinted load is reported, and the next hint with the fix recovers."""
    content = make_content(tmp_path)
    loader = ContentLoader(content)
    loader.load_content()
    path = content / "briefs" / "chips.yml"
    _bump(path, "title: [broken\n")
    with pytest.raises(ContentInvalid):
        loader.load_content(changed=[path])
    _bump(path, brief_text(title="Fixed"))
    assert loader.load_content(changed=[path]).briefs[0].title == "Fixed"


def test_load_library_raises_instead_of_partial_library(tmp_path):
    """load_library on content with one bad file raises; it never returns the good part."""
    content = make_content(tmp_path, {"good.yml": brief_text(), "bad.yml": brief_text(date="x")})
    with pytest.raises(ContentInvalid) as caught:
        load_library(content)
    assert [Path(e.path).name for e in caught.value.errors] == ["bad.yml"]


# -- safe_yaml details ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NO", False),
        ("on", True),
        ("~", None),
        ("12:30", 750),
        ("0x1F", 31),
        ("017", 15),
        ("1_000", 1000),
        ("1.5e+3", 1500.0),
        ("2024-05-01", dt.date(2024, 5, 1)),
        ("2024-02-30", InvalidDate("2024-02-30")),
        ("Nope", "Nope"),
        ("1.2.3", "1.2.3"),
    ],
)
def test_plain_scalars_resolve_like_yaml_1_1(text, value):
    """Unquoted values read as PyYAML's safe loader would read them."""
    assert resolve_plain(text) == value


def test_every_key_and_item_has_its_line():
    """read_yaml records the line of each key and list item."""
    document = read_yaml(b"a: 1\nb:\n  - x\n  -\n    c: d\n")
    root = document.value
    assert root.lines == {"a": 1, "b": 2}
    assert root["b"].lines == [3, 5]
    assert root["b"][1].line == 5
    assert root.raw == {"a": "1"}
