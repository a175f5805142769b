"""The inverted index over all briefs that search and related briefs share.

For every word it records which briefs use it, and where: in the title, the id, the
terms and tags ("keys"), or the summary and points ("text"). It also knows how many
briefs use each word and tag, which makes rare words count for more.

Building the whole index takes about a second at 10,000 briefs, too slow for a
reload after one file changed. So the index is kept in segments, as
search engines do: a reload that changes a few briefs reuses the segments already
built, adds a small segment for the new or edited briefs and marks the old versions
of edited or deleted briefs as gone. Segments are never changed once built, so a
snapshot that still uses an older index is unaffected. Every count is kept exact, so
the answers are the same whichever way an index was built; only the speed differs.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.model import Brief
from bot.search.fuzzy import Vocabulary, make_vocabulary
from bot.search.words import (
    ASCII_SEPARATORS,
    SHORT_OR_STOP,
    STOPWORDS,
    folded_phrase,
    word_set,
)

TITLE, IDENT, KEYS, TEXT = range(4)
FIELD_COUNT = 4

# A reload rebuilds everything when more than this share of briefs changed, when the
# segments get this many, or when this share of document numbers belongs to replaced
# briefs; each keeps queries fast and memory bounded after many small edits.
_INCREMENTAL_MAX_CHANGED = 0.05
_MAX_SEGMENTS = 8
_MAX_DEAD_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class BriefWords:
    """The distinct words of one brief by field, and its tag and term keys."""

    title: frozenset[str]
    ident: frozenset[str]
    keys: frozenset[str]
    text: frozenset[str]
    tags: frozenset[str]

    @property
    def fields(self) -> tuple[frozenset[str], ...]:
        return (self.title, self.ident, self.keys, self.text)

    @property
    def all(self) -> frozenset[str]:
        return self.title | self.ident | self.keys | self.text


def ident_words(brief_id: str) -> frozenset[str]:
    """The words of a brief id (its slug parts, stopwords dropped)."""
    return frozenset(brief_id.split("-")) - STOPWORDS


def brief_words(brief: Brief) -> BriefWords:
    """Split a brief into the words the index records for it.

    A word is recorded in the summary-and-points field only when title, id, terms and
    tags lack it: a match there always counts for more, so nothing is lost, and the
    index is smaller and faster to build.
    """
    title, ident, keys, text, tags = words_of(brief)
    return BriefWords(title, ident, keys, frozenset(text), tags)


_Words = tuple[frozenset[str], frozenset[str], frozenset[str], set[str], frozenset[str]]


def words_of(brief: Brief) -> _Words:
    """What `brief_words` gives, as a plain tuple with the text words in a mutable set:
    the full build calls this 10,000 times, and the in-place set differences and the
    missing dataclass save a good share of it."""
    title = word_set(brief.title)
    ident = ident_words(brief.id)
    keys = word_set(" ".join((*brief.terms, *brief.tags)))
    summary = " ".join((brief.summary, *brief.points))
    if summary.isascii():
        text = set(summary.translate(ASCII_SEPARATORS).split())
        text -= SHORT_OR_STOP
    else:
        text = set(word_set(summary))
    text -= title
    text -= ident
    text -= keys
    tags = frozenset(folded_phrase(tag) for tag in brief.tags)
    return title, ident, keys, text, tags


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Postings for a run of document numbers. Built once, never changed."""

    first: int
    """Document number of the segment's first brief; the others follow in order."""
    briefs: tuple[Brief, ...]
    postings: tuple[Mapping[str, tuple[int, ...]], ...]
    """Per field (TITLE, IDENT, KEYS, TEXT): word -> document numbers, ascending."""
    tag_docs: Mapping[str, tuple[int, ...]]
    """Folded tag -> document numbers."""


@dataclass(frozen=True, slots=True, eq=False)
class CorpusIndex:
    """Everything search and related briefs need to know about the words of all briefs."""

    briefs: tuple[Brief, ...]
    """The briefs indexed, in the order given (the library's newest first)."""
    segments: tuple[Segment, ...]
    docs: tuple[Brief | None, ...]
    """Document number -> brief; None for an old version of an edited or deleted brief."""
    doc_of: Mapping[str, int]
    """Brief id -> its current document number."""
    field_df: tuple[Mapping[str, int], ...]
    """Per field: word -> how many briefs have it in that field."""
    tag_df: Mapping[str, int]
    """Folded tag -> how many briefs carry it."""
    vocabulary: Vocabulary
    """Every indexed word, for typo-tolerant and prefix lookups."""
    dead: int = 0
    """How many document numbers belong to replaced briefs."""

    @property
    def size(self) -> int:
        return len(self.briefs)

    def frequency(self, word: str) -> int:
        """How many briefs use `word`, counted in the field where most do (0: unknown).

        The field-wise maximum stands in for the number of briefs using the word
        anywhere: it ranks words the same way and costs nothing to keep exact.
        """
        return max(counts.get(word, 0) for counts in self.field_df)

    def docs_with(self, word: str, field: int) -> list[tuple[int, ...]]:
        """The posting lists (one per segment that has any) of `word` in `field`."""
        return [p for seg in self.segments if (p := seg.postings[field].get(word)) is not None]

    def docs_tagged(self, tag: str) -> list[tuple[int, ...]]:
        """The posting lists (one per segment that has any) of a folded tag."""
        return [p for seg in self.segments if (p := seg.tag_docs.get(tag)) is not None]


def _build_segment(briefs: Sequence[Brief], first: int) -> Segment:
    # Each brief's words are indexed and dropped at once rather than kept for all
    # briefs: at 10,000 briefs that would be a hundred megabytes of short-lived sets.
    postings: tuple[defaultdict[str, list[int]], ...] = tuple(
        defaultdict(list) for _ in range(FIELD_COUNT)
    )
    title_docs, ident_docs, keys_docs, text_docs = postings
    tag_docs: defaultdict[str, list[int]] = defaultdict(list)
    for doc, brief in enumerate(briefs, first):
        title, ident, keys, text, tags = words_of(brief)
        for word in title:
            title_docs[word].append(doc)
        for word in ident:
            ident_docs[word].append(doc)
        for word in keys:
            keys_docs[word].append(doc)
        for word in text:
            text_docs[word].append(doc)
        for tag in tags:
            tag_docs[tag].append(doc)
    # Kept as tuples: the garbage collector stops tracking a tuple of numbers once it
    # has seen it, and then a dict of them, whereas it walks every element of every
    # list at each full collection; at 10,000 briefs that is two million numbers, and
    # the running bot's full collections took four times longer.
    return Segment(
        first=first,
        briefs=tuple(briefs),
        postings=tuple(_frozen(p) for p in postings),
        tag_docs=_frozen(tag_docs),
    )


def _frozen(postings: Mapping[str, list[int]]) -> dict[str, tuple[int, ...]]:
    return dict(zip(postings, map(tuple, postings.values()), strict=True))


def _full_build(briefs: tuple[Brief, ...]) -> CorpusIndex:
    segment = _build_segment(briefs, 0)
    field_df = tuple({w: len(docs) for w, docs in p.items()} for p in segment.postings)
    return CorpusIndex(
        briefs=briefs,
        segments=(segment,),
        docs=tuple(briefs),
        doc_of={b.id: doc for doc, b in enumerate(briefs)},
        field_df=field_df,
        tag_df={tag: len(docs) for tag, docs in segment.tag_docs.items()},
        vocabulary=make_vocabulary(set().union(*field_df)),
    )


def _subtract(counts: dict[str, int], keys: frozenset[str]) -> None:
    for key in keys:
        left = counts[key] - 1
        if left:
            counts[key] = left
        else:
            del counts[key]


def _add(counts: dict[str, int], keys: frozenset[str]) -> None:
    for key in keys:
        counts[key] = counts.get(key, 0) + 1


def _incremental_build(
    prev: CorpusIndex, briefs: tuple[Brief, ...], added: list[Brief], removed: list[int]
) -> CorpusIndex:
    """`prev` plus a segment for `added`, minus the documents in `removed`."""
    docs = list(prev.docs)
    doc_of = dict(prev.doc_of)
    field_df = tuple(dict(counts) for counts in prev.field_df)
    tag_df = dict(prev.tag_df)
    touched: set[str] = set()
    for doc in removed:
        brief = docs[doc]
        assert brief is not None
        docs[doc] = None
        if doc_of.get(brief.id) == doc:
            del doc_of[brief.id]
        bw = brief_words(brief)
        for counts, field_words in zip(field_df, bw.fields, strict=True):
            _subtract(counts, field_words)
        _subtract(tag_df, bw.tags)
        touched |= bw.all
    segments = list(prev.segments)
    moved: set[int] = set()
    if len(segments) >= _MAX_SEGMENTS:
        # Fold the small segments into the new one so lookups stay cheap.
        for seg in segments[1:]:
            for doc, brief in enumerate(seg.briefs, seg.first):
                if docs[doc] is brief:
                    docs[doc] = None
                    moved.add(id(brief))
                    added.append(brief)
        segments = segments[:1]
    segments.append(_build_segment(added, len(docs)))
    for brief in added:
        doc_of[brief.id] = len(docs)
        docs.append(brief)
        if id(brief) in moved:
            continue  # already counted
        bw = brief_words(brief)
        for counts, field_words in zip(field_df, bw.fields, strict=True):
            _add(counts, field_words)
        _add(tag_df, bw.tags)
        touched |= bw.all
    was_used = {w for w in touched if any(w in counts for counts in prev.field_df)}
    now_used = {w for w in touched if any(w in counts for counts in field_df)}
    vocabulary = prev.vocabulary.changed(now_used - was_used, was_used - now_used)
    return CorpusIndex(
        briefs=briefs,
        segments=tuple(segments),
        docs=tuple(docs),
        doc_of=doc_of,
        field_df=field_df,
        tag_df=tag_df,
        vocabulary=vocabulary,
        dead=len(docs) - len(doc_of),
    )


def build_corpus_index(
    briefs: tuple[Brief, ...], previous: CorpusIndex | None = None
) -> CorpusIndex:
    """Index `briefs`, reusing `previous` (the index of the library served until now)
    when only a few briefs differ.

    Briefs are matched to `previous` by identity: a reload hands over the very same
    Brief objects for files that did not change. The answers are the same either way.
    """
    briefs = tuple(briefs)
    index = _reuse(previous, briefs) if previous is not None else None
    return index if index is not None else _full_build(briefs)


def _reuse(prev: CorpusIndex, briefs: tuple[Brief, ...]) -> CorpusIndex | None:
    if prev.briefs is briefs:
        return prev
    old_docs, old_doc_of = prev.docs, prev.doc_of
    added: list[Brief] = []
    kept: set[int] = set()
    for brief in briefs:
        doc = old_doc_of.get(brief.id)
        if doc is not None and old_docs[doc] is brief:
            kept.add(doc)
        else:
            added.append(brief)
    unchanged = not added and len(kept) == len(old_doc_of) and len(briefs) == prev.size
    if unchanged and all(a is b for a, b in zip(briefs, prev.briefs, strict=True)):
        return prev
    removed = [doc for doc in old_doc_of.values() if doc not in kept]
    if not added and not removed:
        return dataclasses.replace(prev, briefs=briefs)  # same briefs, another order
    changed = len(added) + len(removed)
    dead = prev.dead + len(removed)
    if (
        changed > max(16, _INCREMENTAL_MAX_CHANGED * len(briefs))
        or dead > _MAX_DEAD_SHARE * max(len(old_docs), 1)
        or len(briefs) != len({b.id for b in briefs})
    ):
        return None
    return _incremental_build(prev, briefs, added, removed)
