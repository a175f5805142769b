"""What briefs and terms mean: vectors from a small static embedding model, kept with the content.

The model is WordLlama's `l2_supercat_256` (the `wordllama` package ships it inside its
wheel: a table of 32,000 tokens by 256 numbers, 16 MB, and its tokenizer), read here
with `tokenizers` and numpy only, on the CPU, without any download. A text's vector is
the mean of its tokens' vectors, so texts about the same thing in different words land
close together ("why nobody agrees on how to manage the dangers" and the brief on gaps in
risk management), though a static table knows words, not sentences: how often it finds
what a question means is measured in bench/README.md ("Search by meaning").

Briefs are split into words as the word index splits them (`bot.search.corpus`): the
distinct words of the title (counted TITLE_WEIGHT times), of the id, of the terms and
tags, and of the summary and points, stopwords dropped; each word's tokens are summed.
One tokenizer pass covers every distinct word of a whole library, so a cold load of
10,000 briefs embeds about 36,000 words, not two million tokens, straight from the word
index's posting lists.

The vectors live in a `MeaningIndex`, built with each Library by `build_meaning_index`
from the previous index: rows of briefs that are the very same objects are copied, so a
reload embeds only the briefs whose files changed. Nothing is cached between calls; the
model itself is loaded once by whoever builds the content loader (`load_model`) and
passed in.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from bot.model import Brief, Term
from bot.search.corpus import CorpusIndex, words_of
from bot.search.words import word_set

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tokenizers import Tokenizer

Vectors = NDArray[np.float32]

_WEIGHTS = os.path.join("weights", "l2_supercat_256.safetensors")
_TOKENIZER = os.path.join("tokenizers", "l2_supercat_tokenizer_config.json")
TITLE_WEIGHT = 2
"""A title word counts this many times: the title says most about what a brief means."""
_FIELD_WEIGHTS = (TITLE_WEIGHT, 1, 1, 1)
"""Per field of the word index (TITLE, IDENT, KEYS, TEXT)."""
_ENCODE_BATCH = 2048
QUESTION_WORDS = 3
"""A query of this many words or more is a question: what "did you mean" offers for one
of its words must also be near the question in meaning (SUGGESTION_FLOOR), so that
"what time does the pharmacy close" is not offered a term named Close about else."""
SUGGESTION_FLOOR = 0.15


class ModelMissing(RuntimeError):
    """The packaged model files are not where the `wordllama` package keeps them."""


@dataclass(frozen=True, eq=False)
class MeaningModel:
    """A static embedding model: tokens -> vectors, a text's vector the mean of its tokens'."""

    tokenizer: Tokenizer
    table: NDArray[np.floating[Any]]
    """One row per token id, as the package stores it (float16: half the memory; rows are
    summed in float32)."""
    name: str = "wordllama l2_supercat_256"

    @property
    def dimensions(self) -> int:
        return int(self.table.shape[1])

    def word_sums(self, words: Sequence[str]) -> tuple[Vectors, NDArray[np.float32]]:
        """For each word, the sum of its tokens' vectors, and how many tokens it has."""
        sums = np.zeros((len(words), self.dimensions), dtype=np.float32)
        counts = np.zeros(len(words), dtype=np.float32)
        if not words:
            return sums, counts
        # In batches: each Encoding also holds offsets, masks and strings, a few hundred
        # bytes a word, and only the ids are kept.
        ids_of: list[list[int]] = []
        for start in range(0, len(words), _ENCODE_BATCH):
            batch = list(words[start : start + _ENCODE_BATCH])
            ids_of += [e.ids for e in self.tokenizer.encode_batch(batch, add_special_tokens=False)]
        lengths = np.fromiter(map(len, ids_of), dtype=np.int64, count=len(words))
        ids = np.fromiter(chain.from_iterable(ids_of), dtype=np.int64, count=int(lengths.sum()))
        sums[:] = _segment_sums(self.table, ids, lengths)
        counts[:] = lengths
        return sums, counts

    def embed(self, text: str) -> Vectors | None:
        """The unit vector of `text`, or None when it has no words worth embedding."""
        found = sorted(word_set(text))
        if not found:
            return None
        sums, counts = self.word_sums(found)
        # A word the model only knows as a string of letter pieces ("zzqxv") means
        # nothing to it: it is left out rather than let its pieces' vectors point anywhere.
        lengths = np.fromiter((len(w) for w in found), dtype=np.float32, count=len(found))
        known = counts <= np.maximum(2.0, lengths / 3.0)
        if not known.any():
            return None
        return _unit(sums[known].sum(axis=0), float(counts[known].sum()))


def load_model() -> MeaningModel:
    """Load the model that the `wordllama` package ships (0.1-0.8 s, about 30 MB in memory).

    Raises ModelMissing when the package or its files are not installed.
    """
    from tokenizers import Tokenizer

    spec = importlib.util.find_spec("wordllama")
    # The files are read where the package keeps them, without importing it: its own
    # code (training, clustering) is not needed to look vectors up.
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise ModelMissing("the wordllama package is not installed: pip install wordllama")
    base = locations[0]
    weights, tokenizer = os.path.join(base, _WEIGHTS), os.path.join(base, _TOKENIZER)
    for path in (weights, tokenizer):
        if not os.path.isfile(path):
            raise ModelMissing(f"the packaged model file {path} is missing")
    return MeaningModel(Tokenizer.from_file(tokenizer), _read_safetensors(weights))


def _read_safetensors(path: str) -> NDArray[np.floating[Any]]:
    """The one tensor of a safetensors file (an 8-byte header size, a JSON header, data)."""
    with open(path, "rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header: dict[str, Any] = json.loads(handle.read(size))
        header.pop("__metadata__", None)
        ((_, info),) = header.items()
        start, end = info["data_offsets"]
        handle.seek(8 + size + start)
        data = handle.read(end - start)
    dtypes = {"F16": np.float16, "F32": np.float32}
    table = np.frombuffer(data, dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return table.copy()


def _segment_sums(
    table: NDArray[np.floating[Any]], ids: NDArray[np.int64], lengths: NDArray[np.int64]
) -> Vectors:
    """For each run of `lengths[i]` consecutive `ids`, the sum of those rows of `table`.

    Runs of one length are summed together, a few thousand at a time, as (runs, length,
    dimensions) blocks: a few operations for a whole vocabulary in bounded memory
    (`np.add.reduceat` along rows is many times slower).
    """
    sums = np.zeros((len(lengths), table.shape[1]), dtype=np.float32)
    starts = np.cumsum(lengths) - lengths
    for length in np.unique(lengths[lengths > 0]).tolist():
        which = np.flatnonzero(lengths == length)
        for first in range(0, len(which), _ENCODE_BATCH):
            some = which[first : first + _ENCODE_BATCH]
            rows = table[ids[starts[some][:, None] + np.arange(length)]]
            sums[some] = rows.sum(axis=1, dtype=np.float32)
    return sums


def _unit(vector: Vectors, count: float) -> Vectors | None:
    if count <= 0:
        return None
    vector = vector / count
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:
        return None
    return (vector / norm).astype(np.float32)


# -- the index kept with the content -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class MeaningIndex:
    """Unit vectors of every brief and every term, as of one load."""

    model: MeaningModel | None
    """None: no model was given, and search, related and define use words alone."""
    briefs: tuple[Brief, ...] = ()
    """In row order (the library's, newest first)."""
    matrix: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    """One unit row per brief (a zero row for a brief without words)."""
    row_of: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Brief id -> its row."""
    terms: tuple[Term, ...] = ()
    term_matrix: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    """One unit row per term: its name, aliases and definition."""
    term_row: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """`Term.term` -> its row."""
    embedded: int = 0
    """How many briefs and terms this build had to embed (the rest were reused)."""

    def embed(self, text: str) -> Vectors | None:
        """The query's unit vector, or None without a model or words."""
        return self.model.embed(text) if self.model is not None else None

    def brief_similarities(self, vector: Vectors) -> NDArray[np.float32]:
        """Cosine similarity of `vector` with every brief, in row order."""
        return _products(self.matrix, vector)

    def term_similarities(self, vector: Vectors) -> NDArray[np.float32]:
        return _products(self.term_matrix, vector)

    def closeness(self, vector: Vectors, brief_id: str = "", term: str = "") -> float | None:
        """Cosine similarity of `vector` with one brief (by id) or term (by `Term.term`),
        or None when this index does not hold it."""
        if brief_id in self.row_of:
            return float(self.matrix[self.row_of[brief_id]] @ vector)
        if term in self.term_row:
            return float(self.term_matrix[self.term_row[term]] @ vector)
        return None


def _products(matrix: Vectors, vector: Vectors) -> NDArray[np.float32]:
    # einsum runs on the calling thread; a BLAS product spreads one query over threads
    # that every other request shares, which was 3-10x slower on a busy 2-core machine.
    products: NDArray[np.float32] = np.einsum("ij,j->i", matrix, vector)
    return products


def brief_text_words(brief: Brief) -> tuple[list[str], list[str]]:
    """A brief's words as the word index splits them (bot/search/corpus.py): the title's,
    counted TITLE_WEIGHT times, then those of its id, its terms and tags, and its summary
    and points (a word in several of these counts in each)."""
    title, ident, keys, text, _ = words_of(brief)
    return list(title), [*ident, *keys, *text]


def term_text(term: Term) -> str:
    return " ".join((term.term, *term.aliases, term.definition))


def build_meaning_index(
    model: MeaningModel | None,
    briefs: tuple[Brief, ...],
    terms: tuple[Term, ...],
    previous: MeaningIndex | None = None,
    corpus: CorpusIndex | None = None,
) -> MeaningIndex:
    """The vectors of `briefs` and `terms`, reusing `previous` rows for the very same objects.

    `corpus`, the word index built over the same `briefs`, only makes a cold build faster:
    its posting lists already hold every brief's words, so they are not split again.
    """
    if model is None:
        return MeaningIndex(None)
    reuse = previous if previous is not None and previous.model is model else None
    if reuse is None and corpus is not None and _indexes_exactly(corpus, briefs):
        matrix, embedded = _embed_from_postings(model, corpus), len(briefs)
    else:
        matrix, embedded = _brief_rows(model, briefs, reuse)
    if reuse is not None and _same(reuse.terms, terms):
        term_matrix = reuse.term_matrix
    else:
        term_matrix = _embed_texts(model, [term_text(t) for t in terms])
        embedded += len(terms)
    return MeaningIndex(
        model=model,
        briefs=briefs,
        matrix=matrix,
        row_of=MappingProxyType({b.id: row for row, b in enumerate(briefs)}),
        terms=terms,
        term_matrix=term_matrix,
        term_row=MappingProxyType({t.term: row for row, t in enumerate(terms)}),
        embedded=embedded,
    )


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _brief_rows(
    model: MeaningModel, briefs: tuple[Brief, ...], previous: MeaningIndex | None
) -> tuple[Vectors, int]:
    matrix = np.zeros((len(briefs), model.dimensions), dtype=np.float32)
    fresh: list[int] = []
    if previous is not None and len(previous.briefs):
        old_row_of, old_briefs = previous.row_of, previous.briefs
        old_rows = np.fromiter(
            (old_row_of.get(b.id, -1) for b in briefs), dtype=np.int64, count=len(briefs)
        )
        fresh = [
            row
            for row, (old, brief) in enumerate(zip(old_rows.tolist(), briefs, strict=True))
            if old < 0 or old_briefs[old] is not brief
        ]
        # One pass over the previous rows; the fresh ones are overwritten below.
        np.take(previous.matrix, np.maximum(old_rows, 0), axis=0, out=matrix)
    else:
        fresh = list(range(len(briefs)))
    if fresh:
        matrix[fresh] = _embed_briefs(model, [briefs[row] for row in fresh])
    return matrix, len(fresh)


def _embed_briefs(model: MeaningModel, briefs: Sequence[Brief]) -> Vectors:
    """Unit vectors of `briefs`: every distinct word of all of them is tokenized once."""
    return _embed_word_sets(model, [brief_text_words(b) for b in briefs])


def _indexes_exactly(corpus: CorpusIndex, briefs: tuple[Brief, ...]) -> bool:
    """Whether document n of `corpus` is brief n, for every n (a fresh full build)."""
    return not corpus.dead and len(corpus.docs) == len(briefs) and _same(corpus.docs, briefs)


def _embed_from_postings(model: MeaningModel, corpus: CorpusIndex) -> Vectors:
    """What `_embed_briefs` gives, word by word over the posting lists instead of brief by
    brief (the same words and weights: `brief_text_words` is the corpus's split)."""
    fields = [(seg.postings[f], _FIELD_WEIGHTS[f]) for seg in corpus.segments for f in range(4)]
    words = sorted(set().union(*(postings.keys() for postings, _ in fields)))
    sums, _ = model.word_sums(words)
    row_of = {word: position for position, word in enumerate(words)}
    # Every (document, word, weight) of the posting lists, then grouped by document: each
    # brief's rows are then summed at once, in the processor's cache.
    docs = np.fromiter(
        chain.from_iterable(docs for postings, _ in fields for docs in postings.values()),
        dtype=np.int64,
    )
    lengths = np.fromiter(
        (len(d) for postings, _ in fields for d in postings.values()), dtype=np.int64
    )
    word_rows = np.repeat(
        np.fromiter((row_of[w] for postings, _ in fields for w in postings), dtype=np.int64),
        lengths,
    )
    weights = np.repeat(
        np.fromiter((weight for postings, weight in fields for _ in postings), dtype=np.float32),
        lengths,
    )
    order = np.argsort(docs, kind="stable")
    word_rows, weights = word_rows[order], weights[order]
    bounds = np.searchsorted(docs[order], np.arange(len(corpus.docs) + 1)).tolist()
    out = np.zeros((len(corpus.docs), model.dimensions), dtype=np.float32)
    take = sums.take
    for doc in range(len(corpus.docs)):
        start, end = bounds[doc], bounds[doc + 1]
        if end > start:
            out[doc] = weights[start:end] @ take(word_rows[start:end], axis=0)
    return _normalized(out)


def _normalized(out: Vectors) -> Vectors:
    norms = np.linalg.norm(out, axis=1)
    good = norms > 0
    out[good] /= norms[good, None]
    return out


def _embed_texts(model: MeaningModel, texts: Iterable[str]) -> Vectors:
    return _embed_word_sets(model, [([], list(word_set(text))) for text in texts])


def _embed_word_sets(model: MeaningModel, sets: Sequence[tuple[list[str], list[str]]]) -> Vectors:
    # Sorted, so that the same words give the same sums in any order of briefs.
    words = sorted(set().union(*(set(title).union(rest) for title, rest in sets)))
    vocabulary = {word: position for position, word in enumerate(words)}
    sums, _ = model.word_sums(words)
    out = np.zeros((len(sets), model.dimensions), dtype=np.float32)
    get = vocabulary.__getitem__
    take = sums.take
    for row, (title, rest) in enumerate(sets):
        # Title words twice (TITLE_WEIGHT); one brief's rows at a time stay in the
        # processor's cache, many times faster than gathering a whole library's at once.
        title_ids = list(map(get, title))
        picked = [*(title_ids * TITLE_WEIGHT), *map(get, rest)]
        if picked:
            out[row] = take(picked, axis=0).sum(axis=0)
    return _normalized(out)
