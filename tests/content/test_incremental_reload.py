"""A loader reloaded edit by edit, with the changed paths named, ends where a fresh load does."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.content.errors import ContentInvalid
from bot.content.library import Library
from bot.content.loader import ContentLoader
from bot.related import related_briefs
from bot.search.brief_index import search_briefs
from tests.content_files import GLOSSARY, brief_text, make_content, write

TERMS = ["Distillation", "export controls", "frontier models", "Nonexistent idea"]
WORDS = ["chips", "rules", "copies", "frontier", "export", "model", "safety", "audit", "policy"]


def _random_brief(rng: random.Random, names: list[str]) -> str:
    """A brief that is usually valid but sometimes names a missing term, id or bad date."""
    fields = {
        "title": " ".join(rng.sample(WORDS, 3)).capitalize(),
        "date": f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "summary": " ".join(rng.choices(WORDS, k=8)) + ".",
        "tags": f"[{rng.choice(WORDS)}]",
    }
    if rng.random() < 0.6:
        fields["terms"] = f"[{', '.join(rng.sample(TERMS[:3], rng.randint(1, 2)))}]"
    if rng.random() < 0.04:
        fields["terms"] = f"[{TERMS[3]}]"
    if names and rng.random() < 0.2:
        fields["related"] = f"[{rng.choice(names)}]"
    if rng.random() < 0.2:
        fields["featured_on"] = f"2025-01-{rng.randint(1, 25):02}"
    if names and rng.random() < 0.04:
        fields["id"] = rng.choice(names)
    elif rng.random() < 0.1:
        fields["id"] = f"other-{rng.randint(0, 20)}"
    if rng.random() < 0.04:
        fields["date"] = "2024-13-45"
    return brief_text(**fields)


def _outcome(loader: ContentLoader, changed: list[Path] | None) -> Library | tuple:
    try:
        return loader.load(changed=changed)
    except ContentInvalid as exc:
        return exc.errors


def _fresh(content: Path) -> Library | tuple:
    """A load by a new loader, which has no index to reuse, as in a new process."""
    return _outcome(ContentLoader(content), None)


def _assert_same(ours: Library | tuple, fresh: Library | tuple) -> None:
    if isinstance(fresh, tuple) or isinstance(ours, tuple):
        assert ours == fresh
        return
    assert ours.briefs == fresh.briefs
    assert ours.terms == fresh.terms
    assert ours.version == fresh.version
    assert dict(ours.by_id) == dict(fresh.by_id)
    assert dict(ours.term_by_key) == dict(fresh.term_by_key)
    assert dict(ours.briefs_by_term) == dict(fresh.briefs_by_term)
    for query in (*WORDS, "chips rules", "frontir", "audit policy safety"):
        assert search_briefs(ours, query) == search_briefs(fresh, query)
    for brief in fresh.briefs[:5]:
        assert related_briefs(ours, brief.id) == related_briefs(fresh, brief.id)


@pytest.mark.parametrize("seed", range(10))
def test_hinted_reloads_match_a_fresh_load(tmp_path, seed):
    """Random edits, errors, fixes, renames, deletions and glossary edits, each reloaded
    with the changed paths named, give the same library (or errors) as a fresh load."""
    rng = random.Random(seed)
    names = [f"brief-{n}" for n in range(12)]
    content = make_content(tmp_path, {f"{name}.yml": _random_brief(rng, []) for name in names})
    briefs_dir = content / "briefs"
    loader = ContentLoader(content)
    outcome = _outcome(loader, None)
    _assert_same(outcome, _fresh(content))
    for step in range(40):
        existing = sorted(p.stem for p in briefs_dir.glob("*.yml"))
        action = rng.choice(["edit"] * 8 + ["add", "delete", "rename", "glossary", "break"])
        if isinstance(outcome, tuple) and rng.random() < 0.7:
            action = "fix"
        changed: list[Path]
        if action == "fix":
            # Rewrite every file with an error as a plain valid one.
            assert isinstance(outcome, tuple)
            changed = sorted({Path(error.path) for error in outcome})
            for path in changed:
                if path.name == "glossary.yml":
                    write(path, GLOSSARY)
                elif path.suffix == ".yml":
                    write(path, brief_text(title=f"Fixed {step}"))
        elif action == "edit" or (action in ("delete", "rename") and len(existing) < 3):
            path = briefs_dir / f"{rng.choice(existing)}.yml"
            write(path, _random_brief(rng, existing))
            changed = [path]
        elif action == "add":
            path = briefs_dir / f"new-{seed}-{step}.yml"
            write(path, _random_brief(rng, existing))
            changed = [path]
        elif action == "delete":
            path = briefs_dir / f"{rng.choice(existing)}.yml"
            path.unlink()
            changed = [path]
        elif action == "rename":
            path = briefs_dir / f"{rng.choice(existing)}.yml"
            target = briefs_dir / f"renamed-{seed}-{step}.yml"
            path.rename(target)
            changed = [path, target]
        elif action == "glossary":
            path = content / "glossary.yml"
            extra = "  - term: Frontier AI\n    definition: Twice.\n" if rng.random() < 0.2 else ""
            dropped = GLOSSARY.replace("    aliases: [frontier models]\n", "")
            write(path, (GLOSSARY if rng.random() < 0.5 else dropped) + extra)
            changed = [path]
        else:
            path = briefs_dir / f"{rng.choice(existing)}.yml"
            write(path, "title: [unclosed\n" if rng.random() < 0.5 else "just text\n")
            changed = [path]
        outcome = _outcome(loader, changed)
        _assert_same(outcome, _fresh(content))


def test_unchanged_hint_returns_the_same_library(tmp_path):
    """Naming a file that did not change gives back the very same Library object."""
    content = make_content(tmp_path, {"a.yml": brief_text(), "b.yml": brief_text(title="B")})
    loader = ContentLoader(content)
    first = loader.load()
    assert loader.load(changed=[content / "briefs" / "a.yml"]) is first


def _several(*fields: dict[str, str]) -> str:
    """A file holding several briefs under `briefs:`."""
    items = []
    for one in fields:
        lines = brief_text(**one).splitlines()
        items.append("  - " + "\n    ".join(lines) + "\n")
    return "briefs:\n" + "".join(items)


SCRIPTED = {
    "an id referenced elsewhere goes away": {"a.yml": brief_text(id="zzz")},
    "an id taken twice within a file of several": {
        "m.yml": _several({"id": "x"}, {"id": "y"}, {"id": "b", "title": "Again"})
    },
    "a date already pinned": {"a.yml": brief_text(featured_on="2025-01-02")},
    "a term not in the glossary": {"a.yml": brief_text(terms="[Nonexistent idea]")},
    "a related id that does not exist": {"a.yml": brief_text(related="[nope]")},
    "related to itself": {"a.yml": brief_text(related="[a]")},
    "a valid edit": {"a.yml": brief_text(title="New title", related="[x]")},
}


@pytest.mark.parametrize("edit", SCRIPTED.values(), ids=SCRIPTED.keys())
def test_each_cross_file_error_of_an_edit_is_found(tmp_path, edit):
    """An edit that breaks a cross-file rule, reloaded with its path named, reports the
    same errors as a fresh load (and a valid edit gives the same library)."""
    content = make_content(
        tmp_path,
        {
            "a.yml": brief_text(),
            "b.yml": brief_text(related="[a]", featured_on="2025-01-02"),
            "m.yml": _several({"id": "x"}, {"id": "y"}),
        },
    )
    loader = ContentLoader(content)
    loader.load()
    for name, text in edit.items():
        write(content / "briefs" / name, text)
    outcome = _outcome(loader, [content / "briefs" / name for name in edit])
    _assert_same(outcome, _fresh(content))
    assert isinstance(outcome, Library) == (edit is SCRIPTED["a valid edit"])
