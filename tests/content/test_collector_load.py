"""A loaded library and the loader's memory hold no containers the garbage collector
must walk at every full collection: posting lists, the vocabulary and the names a brief
refers to are tuples of strings and numbers, which the collector stops tracking."""

from __future__ import annotations

import gc

from bot.content.loader import ContentLoader
from tests.content_files import brief_text, make_content


def _load_and_collect(tmp_path):
    briefs = {
        f"brief-{n}.yml": brief_text(
            title=f"Export rules number {n}",
            terms="[Distillation, export controls]",
            tags="[chips, policy]",
        )
        for n in range(5)
    }
    loader = ContentLoader(make_content(tmp_path, briefs))
    library = loader.load()
    gc.collect()
    return loader, library


def test_posting_lists_and_vocabulary_are_left_alone_by_the_collector(tmp_path):
    """After one collection, every posting map, tag map and the sorted vocabulary is
    untracked, so a full collection in the running bot no longer walks every number
    of every posting list (two million at 10,000 briefs)."""
    _, library = _load_and_collect(tmp_path)
    for segment in library.corpus.segments:
        assert all(docs for postings in segment.postings for docs in postings.values())
        assert not any(gc.is_tracked(postings) for postings in segment.postings)
        assert not gc.is_tracked(segment.tag_docs)
    assert not gc.is_tracked(library.corpus.vocabulary.in_order)


def test_the_names_a_brief_refers_to_are_kept_untracked(tmp_path):
    """The loader keeps each brief's term and related names for the next reload as plain
    tuples shared with the Brief (given out as Refs on demand), not one NamedTuple each."""
    loader, library = _load_and_collect(tmp_path)
    entries = [entry for result in loader._results for entry in result.briefs]
    assert len(entries) == 5
    for entry in entries:
        assert entry.brief is not None and entry.term_texts is entry.brief.terms
        assert [ref.key for ref in entry.terms] == ["distillation", "export controls"]
        assert not gc.is_tracked(entry.term_texts) and not gc.is_tracked(entry.term_lines)
    assert library.briefs_by_term["Distillation"]
