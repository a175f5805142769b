"""Search by meaning: how often each ranker finds what a plain question means, and what it costs.

    python -m bench meaning --dir DIR     # DIR: the generated library (made once, reused)

Three rankers answer the same questions, through the functions the bot answers with:

- **words**: the library built without a model, so `search_briefs` and `define` go by
  words alone (today's typo-tolerant, idf-weighted ranker over titles, ids, terms, tags,
  summaries and points: the lexical ranker);
- **hybrid**: the library built with the packaged model (what the bot serves);
- **vectors**: the model's cosine similarity alone (every brief ranked, no words), to
  show what each half brings.

Sets (bench/questions.py): 100 questions for the shipped briefs and 52 for glossary
terms, each written from the sense, 30 unrelated questions, and 400 typo'd titles. Each
is asked of the shipped content alone and of the shipped content copied into the
generated library of 10,000 briefs and 2,000 terms (9,994 distractors that share the
AI-policy vocabulary).
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from bench.benchmarks import typo_query
from bench.measure import Report, cpu_timed, latencies, median, ms, p95
from bench.questions import BRIEF_QUESTIONS, TERM_QUESTIONS, UNRELATED_QUESTIONS
from bot.content.library import Library
from bot.content.loader import ContentLoader, load_library
from bot.model import normalize_key
from bot.search.brief_index import search_briefs
from bot.search.glossary_index import define
from bot.search.meaning import MeaningModel, build_meaning_index, load_model

SHIPPED = Path(__file__).resolve().parent.parent / "content"
TOP3_TARGET = 0.85
TYPO_TARGET = 0.99
UNRELATED_TARGET = 0.90


def mixed_library(generated: Path) -> Path:
    """`generated` with the shipped briefs and glossary copied in (beside it, made once).

    Generated terms whose names the shipped glossary also uses (as a term or an alias)
    are renamed, with every reference to them, so that both glossaries load together.
    """
    mixed = generated.parent / (generated.name + "-with-shipped")
    if (mixed / "briefs").is_dir():
        return mixed
    shutil.copytree(generated, mixed)
    shipped = yaml.safe_load((SHIPPED / "glossary.yml").read_text())
    taken = {
        normalize_key(name)
        for entry in shipped["terms"]
        for name in (entry["term"], *entry.get("aliases", ()))
    }
    renamed: dict[str, str] = {}
    parts = [mixed / "glossary.yml", *sorted((mixed / "glossary").glob("*.yml"))]
    for part in parts:
        glossary = yaml.safe_load(part.read_text())
        for entry in glossary["terms"]:
            if normalize_key(entry["term"]) in taken:
                renamed[entry["term"]] = entry["term"] + " zq"
            entry["aliases"] = [
                a for a in entry.get("aliases", ()) if normalize_key(a) not in taken
            ]
            if not entry["aliases"]:
                del entry["aliases"]
        for entry in glossary["terms"]:
            entry["term"] = renamed.get(entry["term"], entry["term"])
            if "see_also" in entry:
                entry["see_also"] = [renamed.get(n, n) for n in entry["see_also"]]
        part.write_text(yaml.safe_dump(glossary, sort_keys=False))
    for path in (mixed / "briefs").glob("*.yml"):
        brief = yaml.safe_load(path.read_text())
        if any(name in renamed for name in brief.get("terms", ())):
            brief["terms"] = [renamed.get(n, n) for n in brief["terms"]]
            path.write_text(yaml.safe_dump(brief, sort_keys=False))
    for brief in (SHIPPED / "briefs").glob("*.yml"):
        shutil.copy(brief, mixed / "briefs" / brief.name)
    (mixed / "glossary" / "shipped.yml").write_text(yaml.safe_dump(shipped, sort_keys=False))
    return mixed


def _vector_ranking(library: Library, query: str) -> list[str]:
    vector = library.meaning.embed(query)
    if vector is None:
        return []
    similarities = library.meaning.brief_similarities(vector)
    top = np.argsort(-similarities)[:3]
    return [library.meaning.briefs[i].id for i in top.tolist()]


def _term_by_vector(library: Library, query: str) -> str | None:
    vector = library.meaning.embed(query)
    if vector is None:
        return None
    similarities = library.meaning.term_similarities(vector)
    return library.meaning.terms[int(np.argmax(similarities))].term


def evaluate(name: str, words: Library, hybrid: Library, report: Report, typos: int) -> None:
    """Every set against every ranker, on one library."""
    rng = random.Random(7)
    targets = [rng.choice(hybrid.briefs) for _ in range(typos)]
    typo_queries = [typo_query(rng, b.title) for b in targets]
    for ranker, library in (("words", words), ("hybrid", hybrid), ("vectors", hybrid)):
        vectors = ranker == "vectors"
        top3 = 0
        for question, wanted in BRIEF_QUESTIONS:
            if vectors:
                found = _vector_ranking(library, question)
            else:
                found = [h.brief.id for h in search_briefs(library, question).hits[:3]]
            top3 += wanted in found
        first = 0
        for query, brief in zip(typo_queries, targets, strict=True):
            if vectors:
                best = (_vector_ranking(library, query) or [None])[0]
            else:
                hit = search_briefs(library, query).best
                best = hit.brief.id if hit else None
            first += best == brief.id
        nothing = 0
        for question in UNRELATED_QUESTIONS:
            if vectors:
                continue
            found_search = search_briefs(library, question)
            found_define = define(library, question)
            nothing += (
                not found_search.hits
                and not found_search.suggestions
                and found_define.term is None
                and not found_define.candidates
                and not found_define.meanings
            )
        terms = offered = 0
        for question, wanted in TERM_QUESTIONS:
            if vectors:
                terms += _term_by_vector(library, question) == wanted
            else:
                answer = define(library, question)
                terms += answer.term is not None and answer.term.term == wanted
                offered += wanted in [t.term for t in (*answer.candidates, *answer.meanings)]
        n_b, n_t, n_u = len(BRIEF_QUESTIONS), len(TERM_QUESTIONS), len(UNRELATED_QUESTIONS)
        unrelated = "—" if vectors else f"{nothing / n_u:.1%} ({nothing}/{n_u})"
        report.add(
            f"{name}, {ranker}: plain questions, brief in top 3 / /define answers the term "
            f"/ typo'd title first / unrelated find and offer nothing",
            f"{top3 / n_b:.1%} ({top3}/{n_b}) / {terms / n_t:.1%} ({terms}/{n_t}), "
            f"{(terms + offered) / n_t:.1%} answered or offered / "
            f"{first / typos:.1%} ({first}/{typos}) / {unrelated}",
            ">= 85% / — / >= 99% / >= 90%" if ranker == "hybrid" else "",
            (
                top3 / n_b >= TOP3_TARGET
                and first / typos >= TYPO_TARGET
                and nothing / n_u >= UNRELATED_TARGET
            )
            if ranker == "hybrid"
            else None,
        )


def latency(words: Library, hybrid: Library, report: Report, queries: int = 300) -> None:
    rng = random.Random(11)
    asked = [q for q, _ in BRIEF_QUESTIONS] + [
        typo_query(rng, rng.choice(hybrid.briefs).title) for _ in range(queries)
    ]
    for query in asked[:20]:
        search_briefs(hybrid, query)
    hybrid_times = latencies(lambda q: search_briefs(hybrid, q), asked)
    word_times = latencies(lambda q: search_briefs(words, q), asked)
    embed_times = latencies(lambda q: hybrid.meaning.embed(q), asked)
    choices = [f"{b.title} {b.summary}" for b in hybrid.briefs]
    base = latencies(lambda q: process.extract(q, choices, scorer=fuzz.WRatio, limit=5), asked[:20])
    size = len(hybrid.briefs)
    report.add(
        f"search median / p95 at {size:,} briefs, hybrid ({len(asked)} queries: questions "
        f"and typo'd titles, embedding included)",
        f"{ms(median(hybrid_times))} / {ms(p95(hybrid_times))} = "
        f"{median(base) / median(hybrid_times):.0f}x faster than the baseline",
        "median <= 5 ms",
        median(hybrid_times) <= 0.005,
    )
    report.add(
        "— words only, same queries / embedding the query alone",
        f"{ms(median(word_times))} / {ms(p95(word_times))}; "
        f"{ms(median(embed_times))} / {ms(p95(embed_times))}",
    )
    report.add(
        "— baseline: process.extract(WRatio) over titles+summaries, 20 of the same queries",
        f"{ms(median(base))} median",
    )


def cold_and_reload(root: Path, model: MeaningModel, report: Report, edits: int = 15) -> None:
    """Cold load without and with vectors (CPU time, alternating, best of 3), then reloads."""
    without: list[float] = []
    with_vectors: list[float] = []
    for _ in range(3):
        without.append(cpu_timed(lambda: ContentLoader(root).load()))
        with_vectors.append(cpu_timed(lambda: ContentLoader(root, model).load()))
    ratio = min(with_vectors) / min(without)
    report.add(
        "cold load, CPU, best of 3: without vectors (today) / with vectors",
        f"{min(without):.2f} s / {min(with_vectors):.2f} s = {ratio:.2f}x",
        "<= 1.5x",
        ratio <= 1.5,
    )
    loader = ContentLoader(root, model)
    library = loader.load()
    paths = sorted((root / "briefs").glob("*.yml"))[:edits]
    originals = {p: p.read_bytes() for p in paths}
    times: list[float] = []
    embedded: list[int] = []
    try:
        for i, path in enumerate(paths):
            text = originals[path].decode()
            path.write_text(text.replace("title: ", f"title: Revised {i} ", 1))
            started = time.perf_counter()
            library = loader.load(changed=[path])
            times.append(time.perf_counter() - started)
            embedded.append(library.meaning.embedded)
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    report.add(
        f"reload after one edit with vectors, the watcher passes the path (median of {edits})",
        f"{ms(median(times))} (max {ms(max(times))}); briefs embedded again: "
        f"{statistics.median(embedded):.0f}",
        "<= 50 ms",
        median(times) <= 0.05,
    )


def growth(library: Library, model: MeaningModel, report: Report) -> None:
    """Embedding and one query's vector scan at 1,000, 10,000 and 50,000 briefs."""
    briefs = library.briefs
    questions = [q for q, _ in BRIEF_QUESTIONS[:40]]
    rows = []
    for size in (1_000, 10_000, 50_000):
        # Past the library's size, briefs repeat: the cost depends on the count only.
        subset = tuple(briefs[i % len(briefs)] for i in range(size))
        took = cpu_timed(lambda s=subset: build_meaning_index(model, s, ()))
        index = build_meaning_index(model, subset, ())
        vectors = [index.embed(q) for q in questions]
        scan = latencies(
            lambda v, index=index: np.argpartition(-index.brief_similarities(v), 20)[:20],
            vectors,
        )
        rows.append((size, took, median(scan), index.matrix.nbytes))
    report.add(
        "growth, 1,000 / 10,000 / 50,000 briefs: embedding all (CPU) / one query's scan "
        "/ vectors' memory",
        "; ".join(f"{size:,}: {ms(t)} / {ms(s)} / {b / 1e6:.0f} MB" for size, t, s, b in rows),
        "linear",
    )


def run(root: Path, report: Report) -> None:
    took = time.perf_counter()
    model = load_model()
    report.add("loading the model (once per process)", ms(time.perf_counter() - took))
    mixed = mixed_library(root)
    shipped_words, shipped = load_library(SHIPPED), load_library(SHIPPED, model)
    print("meaning: shipped content", file=sys.stderr)
    evaluate("shipped content (6 briefs)", shipped_words, shipped, report, typos=100)
    words, hybrid = load_library(mixed), load_library(mixed, model)
    print(f"meaning: {len(hybrid.briefs):,} briefs", file=sys.stderr)
    evaluate(
        f"in the generated library ({len(hybrid.briefs):,} briefs)", words, hybrid, report, 400
    )
    latency(words, hybrid, report)
    del words, shipped_words
    cold_and_reload(mixed, model, report)
    growth(hybrid, model, report)
