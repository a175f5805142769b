"""The inverted index over all briefs that search and related briefs share.

For every word it records which briefs use it, and where: in the title, the id, the
terms and tags ("keys"), or the summary and points ("text"). It also knows how many
briefs use each word, tag and term, which makes rare words count for more.

Rebuilding the whole index takes a noticeable fraction of a second at 10,000 briefs,
too slow for a reload after one file changed. So the index is kept in segments, as
search engines do: a reload that changes a few briefs reuses the segments already
built, adds a small segment for the new or edited briefs and marks the old versions
of edited or deleted briefs as gone. Segments are never changed once built, so a
snapshot that still uses an older index is unaffected. Every count is kept exact, so
the answers are the same whichever way an index was built; only the speed differs.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.content.model import Brief
from bot.search.fuzzy import Vocabulary, make_vocabulary
from bot.search.words import STOPWORDS, folded_phrase

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
    terms: frozenset[str]

    @property
    def fields(self) -> tuple[frozenset[str], ...]:
        return (self.title, self.ident, self.keys, self.text)

    @property
    def all(self) -> frozenset[str]:
        return self.title | self.ident | self.keys | self.text


def _word_set(text: str) -> frozenset[str]:
    # Same words as `words.words`, written with set operations because this runs
    # over every brief on every full build.
    return frozenset(w for w in folded_phrase(text).split() if len(w) > 1) - STOPWORDS


def brief_words(brief: Brief) -> BriefWords:
    """Split a brief into the words the index records for it."""
    return BriefWords(
        title=_word_set(brief.title),
        ident=frozenset(brief.id.split("-")) - STOPWORDS,
        keys=_word_set(" ".join((*brief.terms, *brief.tags))),
        text=_word_set(" ".join((brief.summary, *brief.points))),
        tags=frozenset(folded_phrase(tag) for tag in brief.tags),
        terms=frozenset(folded_phrase(term) for term in brief.terms),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Postings for a run of document numbers. Built once, never changed."""

    first: int
    """Document number of the segment's first brief; the others follow in order."""
    briefs: tuple[Brief, ...]
    postings: tuple[Mapping[str, list[int]], ...]
    """Per field (TITLE, IDENT, KEYS, TEXT): word -> document numbers, ascending."""
    tag_docs: Mapping[str, list[int]]
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
    df: Mapping[str, int]
    """Word -> how many briefs use it anywhere."""
    tag_df: Mapping[str, int]
    """Folded tag -> how many briefs carry it."""
    term_df: Mapping[str, int]
    """Folded term name, as briefs write it -> how many briefs list it."""
    vocabulary: Vocabulary
    """Every indexed word, for typo-tolerant and prefix lookups."""
    dead: int = 0
    """How many document numbers belong to replaced briefs."""

    @property
    def size(self) -> int:
        return len(self.briefs)

    def docs_with(self, word: str, field: int) -> list[list[int]]:
        """The posting lists (one per segment that has any) of `word` in `field`."""
        return [p for seg in self.segments if (p := seg.postings[field].get(word)) is not None]

    def docs_tagged(self, tag: str) -> list[list[int]]:
        """The posting lists (one per segment that has any) of a folded tag."""
        return [p for seg in self.segments if (p := seg.tag_docs.get(tag)) is not None]


def _build_segment(briefs: Sequence[Brief], first: int, words: Sequence[BriefWords]) -> Segment:
    postings: tuple[defaultdict[str, list[int]], ...] = tuple(
        defaultdict(list) for _ in range(FIELD_COUNT)
    )
    tag_docs: defaultdict[str, list[int]] = defaultdict(list)
    for doc, bw in enumerate(words, first):
        for field, field_words in enumerate(bw.fields):
            field_postings = postings[field]
            for word in field_words:
                field_postings[word].append(doc)
        for tag in bw.tags:
            tag_docs[tag].append(doc)
    return Segment(
        first=first,
        briefs=tuple(briefs),
        postings=tuple(dict(p) for p in postings),
        tag_docs=dict(tag_docs),
    )


def _count(words: Sequence[BriefWords]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    df: Counter[str] = Counter()
    tag_df: Counter[str] = Counter()
    term_df: Counter[str] = Counter()
    for bw in words:
        df.update(bw.all)
        tag_df.update(bw.tags)
        term_df.update(bw.terms)
    return df, tag_df, term_df


def _full_build(briefs: tuple[Brief, ...]) -> CorpusIndex:
    words = [brief_words(b) for b in briefs]
    segment = _build_segment(briefs, 0, words)
    df, tag_df, term_df = _count(words)
    return CorpusIndex(
        briefs=briefs,
        segments=(segment,),
        docs=tuple(briefs),
        doc_of={b.id: doc for doc, b in enumerate(briefs)},
        df=df,
        tag_df=tag_df,
        term_df=term_df,
        vocabulary=make_vocabulary(df),
    )


def _subtract(counts: dict[str, int], keys: frozenset[str], gone: set[str]) -> None:
    for key in keys:
        left = counts[key] - 1
        if left:
            counts[key] = left
        else:
            del counts[key]
            gone.add(key)


def _add(counts: dict[str, int], keys: frozenset[str], new: set[str]) -> None:
    for key in keys:
        before = counts.get(key, 0)
        counts[key] = before + 1
        if not before:
            new.add(key)


def _incremental_build(
    prev: CorpusIndex, briefs: tuple[Brief, ...], added: list[Brief], removed: list[int]
) -> CorpusIndex:
    """`prev` plus a segment for `added`, minus the documents in `removed`."""
    docs = list(prev.docs)
    doc_of = dict(prev.doc_of)
    df, tag_df, term_df = dict(prev.df), dict(prev.tag_df), dict(prev.term_df)
    gone: set[str] = set()
    new: set[str] = set()
    unused: set[str] = set()
    for doc in removed:
        brief = docs[doc]
        assert brief is not None
        docs[doc] = None
        if doc_of.get(brief.id) == doc:
            del doc_of[brief.id]
        bw = brief_words(brief)
        _subtract(df, bw.all, gone)
        _subtract(tag_df, bw.tags, unused)
        _subtract(term_df, bw.terms, unused)
    segments = list(prev.segments)
    if len(segments) >= _MAX_SEGMENTS:
        # Fold the small segments into the new one so lookups stay cheap.
        for seg in segments[1:]:
            for doc, brief in enumerate(seg.briefs, seg.first):
                if docs[doc] is brief:
                    docs[doc] = None
                    added.append(brief)
        segments = segments[:1]
    added_words = [brief_words(b) for b in added]
    segments.append(_build_segment(added, len(docs), added_words))
    for brief, bw in zip(added, added_words, strict=True):
        doc_of[brief.id] = len(docs)
        docs.append(brief)
        if brief.id in prev.doc_of and prev.docs[prev.doc_of[brief.id]] is brief:
            continue  # moved out of a folded segment: already counted
        _add(df, bw.all, new)
        _add(tag_df, bw.tags, unused)
        _add(term_df, bw.terms, unused)
    vocabulary = prev.vocabulary
    if gone or new:
        by_length = dict(vocabulary.by_length)
        in_order = list(vocabulary.in_order)
        for word in gone - new:
            by_length[len(word)] = [w for w in by_length[len(word)] if w != word]
            del in_order[bisect.bisect_left(in_order, word)]
        for word in new - gone:
            bucket = list(by_length.get(len(word), ()))
            bisect.insort(bucket, word)
            by_length[len(word)] = bucket
            bisect.insort(in_order, word)
        vocabulary = Vocabulary(by_length, in_order)
    return CorpusIndex(
        briefs=briefs,
        segments=tuple(segments),
        docs=tuple(docs),
        doc_of=doc_of,
        df=df,
        tag_df=tag_df,
        term_df=term_df,
        vocabulary=vocabulary,
        dead=len(docs) - len(doc_of),
    )


_last: CorpusIndex | None = None
_last_lock = threading.Lock()


def build_corpus_index(briefs: tuple[Brief, ...]) -> CorpusIndex:
    """Index `briefs`, reusing the last index built when only a few briefs differ.

    Briefs are matched to the last index by identity: a reload hands over the very
    same Brief objects for files that did not change.
    """
    global _last
    with _last_lock:
        prev = _last
    briefs = tuple(briefs)
    index = _reuse(prev, briefs) if prev is not None else None
    if index is None:
        index = _full_build(briefs)
    with _last_lock:
        _last = index
    return index


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
    changed = len(added) + len(removed)
    dead = prev.dead + len(removed)
    if (
        changed > max(16, _INCREMENTAL_MAX_CHANGED * len(briefs))
        or dead > _MAX_DEAD_SHARE * max(len(old_docs), 1)
        or len(briefs) != len({b.id for b in briefs})
    ):
        return None
    return _incremental_build(prev, briefs, added, removed)


def fold_key(text: str) -> str:
    """A tag or term name as the index keys it."""
    return folded_phrase(text)
