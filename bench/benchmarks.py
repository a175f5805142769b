"""The benchmarks: load, reload, search, define, related and memory at 10,000 briefs.

Each compares against a baseline measured in the same run on the same files, so the
ratios hold on any machine even when the absolute times do not.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bench.measure import Report, best_of, cpu_timed, latencies, median, ms, p95, timed
from bot.content.library import Library, build_library
from bot.content.loader import ContentLoader, load_library
from bot.related import related_briefs
from bot.search.brief_index import search_briefs
from bot.search.corpus import build_corpus_index
from bot.search.glossary_index import define
from bot.search.term_index import build_glossary_index

CSafeLoader = getattr(yaml, "CSafeLoader", None)


def content_files(root: Path) -> list[Path]:
    files = sorted((root / "briefs").glob("*.yml"))
    files += [root / "glossary.yml", *sorted((root / "glossary").glob("*.yml"))]
    return [f for f in files if f.exists()]


# -- cold load ---------------------------------------------------------------------------


def bench_load(root: Path, report: Report, repeat: int = 3) -> Library:
    """Cold load + validate + index vs PyYAML's C loader alone on the same files."""
    print("load: cold load, validate and index vs yaml.CSafeLoader alone")
    files = content_files(root)
    if CSafeLoader is None:
        report.add("cold load", "skipped: PyYAML has no C loader (libyaml) here")
        return load_library(root)

    def parse_only() -> None:
        for path in files:
            yaml.load(path.read_bytes(), Loader=CSafeLoader)

    library: list[Library] = []

    def load_all() -> None:
        library[:] = [load_library(root)]

    # Both run in this one process (no helper process), so CPU time measures the work
    # itself; the wall clock is shown too, and counts whatever else held the cores.
    baseline, ours = float("inf"), float("inf")
    wall_baseline, wall_ours = float("inf"), float("inf")
    for _ in range(repeat):  # interleaved, so both see the same machine load
        started = time.perf_counter()
        baseline = min(baseline, cpu_timed(parse_only))
        wall_baseline = min(wall_baseline, time.perf_counter() - started)
        started = time.perf_counter()
        ours = min(ours, cpu_timed(load_all))
        wall_ours = min(wall_ours, time.perf_counter() - started)
    ratio = ours / baseline
    report.add(
        "cold load: yaml.CSafeLoader alone (baseline), CPU / wall",
        f"{ms(baseline)} / {ms(wall_baseline)}",
    )
    report.add(
        f"cold load+validate+index, {len(files)} files, CPU / wall",
        f"{ms(ours)} = {ratio:.2f}x baseline / {ms(wall_ours)} = {wall_ours / wall_baseline:.2f}x",
        "<= 2.5x",
        ratio <= 2.5,
    )

    # Where the time goes (each the best of two): parsing and checking, assembling
    # the snapshot (which includes the indexes), and the indexes on their own.
    loaded: list = []

    def parse() -> None:
        loaded[:] = [ContentLoader(root).load_content()]

    def assemble() -> None:
        build_library(loaded[0].briefs, loaded[0].terms)

    ordered, terms = library[0].briefs, library[0].terms

    def index() -> None:
        build_corpus_index(ordered)

    def glossary() -> None:
        build_glossary_index(terms)

    parts = [min(cpu_timed(step) for _ in range(2)) for step in (parse, assemble, index, glossary)]
    report.add(
        "  of which (CPU) parse+validate / build_library / search+related index / glossary index",
        " / ".join(ms(t) for t in parts),
    )
    return library[0]


# -- reload after one edit ---------------------------------------------------------------


def bench_reload(root: Path, report: Report, edits: int = 15) -> None:
    """Reload after one brief file changed (see `_bench_reload`); the edited files are
    put back as they were afterwards, so a library kept with --dir stays as generated."""
    originals: dict[Path, bytes] = {}
    try:
        _bench_reload(root, report, edits, originals)
    finally:
        for path, data in originals.items():
            path.write_bytes(data)


def _edit_title(path: Path, prefix: str, originals: dict[Path, bytes]) -> None:
    """Put `prefix` before the title in the brief file at `path`, keeping the original."""
    data = path.read_bytes()
    originals.setdefault(path, data)
    text = data.decode("utf-8").replace("title: ", f"title: {prefix} ", 1)
    path.write_text(text, encoding="utf-8")


def _bench_reload(root: Path, report: Report, edits: int, originals: dict[Path, bytes]) -> None:
    """Reload after one brief file changed: only that file is parsed, indexes are patched.

    Measured both ways: with the changed path passed in, as the file watcher does in
    production (`loader.load(changed=[path])`), and without it, when the loader has to
    stat every file to find the edit.
    """
    print("reload: load again after editing one brief file")
    loader = ContentLoader(root)
    library = loader.load()
    rng = random.Random(11)
    times: dict[bool, list[float]] = {True: [], False: []}
    parsed: dict[bool, list[int]] = {True: [], False: []}
    for hinted in (True, False):
        for n in range(edits):
            brief = rng.choice(library.briefs)
            path = Path(brief.origin.path)
            tag = f"Edited{n}{'h' if hinted else 's'}"
            _edit_title(path, tag, originals)
            start = time.perf_counter()
            library = loader.load(changed=[path]) if hinted else loader.load()
            times[hinted].append(time.perf_counter() - start)
            parsed[hinted].append(loader.files_parsed)
            found = search_briefs(library, f"{tag} {brief.title}")
            assert found.best is not None and found.best.brief.id == brief.id, "edit not found"
    hinted_times, scan_times = times[True], times[False]
    report.add(
        f"reload after one edit, watcher passes the path (production; median of {edits}, "
        f"files parsed: {max(parsed[True])})",
        f"{ms(median(hinted_times))} (max {ms(max(hinted_times))})",
        "< 50 ms",
        median(hinted_times) < 0.050,
    )
    report.add(
        f"reload after one edit, no path given: stats every file (median of {edits}, "
        f"files parsed: {max(parsed[False])})",
        f"{ms(median(scan_times))} (max {ms(max(scan_times))})",
    )
    # Split of one more (hinted) reload: the loader's own work, patching the search and
    # related indexes, and assembling the snapshot (sorting, version hash, term maps).
    # One hinted reload first, so that the split does not include the one-off cost of
    # switching over from the unhinted reloads above.
    path = Path(rng.choice(library.briefs).origin.path)
    _edit_title(path, "Once", originals)
    library = loader.load(changed=[path])
    path = Path(rng.choice(library.briefs).origin.path)
    _edit_title(path, "Again", originals)
    start = time.perf_counter()
    content = loader.load_content(changed=[path])
    parse = time.perf_counter() - start
    ordered = tuple(sorted(content.briefs, key=lambda b: (-b.date.toordinal(), b.id)))
    index = timed(lambda: build_corpus_index(ordered, library.corpus))
    assemble = timed(lambda: build_library(content.briefs, content.terms, library))
    report.add(
        "  of which loader / search+related index patch / build_library (with index reuse)",
        f"{ms(parse)} / {ms(index)} / {ms(assemble)}",
    )


# -- search --------------------------------------------------------------------------------


def typo(rng: random.Random, word: str) -> str:
    """`word` with one random edit: a letter dropped, added, changed or two swapped."""
    i = rng.randrange(len(word))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    kind = rng.choice(("drop", "add", "change", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "add":
        return word[:i] + letter + word[i:]
    if kind == "change":
        return word[:i] + letter + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def typo_query(rng: random.Random, title: str) -> str:
    """A title with one or two typos, in different words of four letters or more."""
    words = title.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    for i in rng.sample(long_words, min(len(long_words), rng.choice((1, 2)))):
        words[i] = typo(rng, words[i])
    return " ".join(words)


def bench_search(library: Library, report: Report, queries: int = 400, baseline_n: int = 30):
    """Typo queries from titles: latency, accuracy, and the plain rapidfuzz scan as baseline."""
    print(f"search: {queries} title queries with one or two typos, {len(library.briefs)} briefs")
    rng = random.Random(5)
    targets = [rng.choice(library.briefs) for _ in range(queries)]
    asked = [typo_query(rng, b.title) for b in targets]
    for query in asked[:20]:
        search_briefs(library, query)  # warm caches
    results: list = []
    times = latencies(lambda q: results.append(search_briefs(library, q)), asked)
    right = sum(
        1 for r, b in zip(results, targets, strict=True) if r.best and r.best.brief.id == b.id
    )
    accuracy = right / queries
    choices = [f"{b.title} {b.summary}" for b in library.briefs]
    base_found: list = []
    base_times = latencies(
        lambda q: base_found.append(process.extract(q, choices, scorer=fuzz.WRatio, limit=5)),
        asked[:baseline_n],
    )
    base_right = sum(
        1
        for found, b in zip(base_found, targets[:baseline_n], strict=True)
        if found and library.briefs[found[0][2]].id == b.id
    )
    speedup = median(base_times) / median(times)
    report.add(
        f"search median / p95 ({queries} typo queries)",
        f"{ms(median(times))} / {ms(p95(times))}",
        "median < 5 ms",
        median(times) < 0.005,
    )
    report.add(
        "search: rapidfuzz.process.extract(WRatio) over titles+summaries (baseline)",
        f"{ms(median(base_times))} median over {baseline_n} queries, "
        f"right first {base_right}/{baseline_n}",
    )
    report.add("search speed-up vs baseline", f"{speedup:.0f}x", ">= 15x", speedup >= 15)
    report.add(
        "search: intended brief first",
        f"{accuracy:.1%} ({right}/{queries})",
        ">= 95%",
        accuracy >= 0.95,
    )
    words = [w for b in targets[:100] for w in b.title.split() if len(w) > 4][:100]
    short = latencies(lambda q: search_briefs(library, q), words)
    report.add("search median / p95, one-word queries", f"{ms(median(short))} / {ms(p95(short))}")


# -- define --------------------------------------------------------------------------------


def bench_define(library: Library, report: Report, queries: int = 600) -> None:
    """/define over the glossary: exact names, aliases, typos and single words."""
    print(f"define: {queries} lookups, {len(library.terms)} terms")
    rng = random.Random(3)
    asked: list[str] = []
    for _ in range(queries):
        term = rng.choice(library.terms)
        kind = rng.randrange(4)
        if kind == 0:
            asked.append(term.term.lower())
        elif kind == 1:
            asked.append(rng.choice(term.aliases or (term.term,)))
        elif kind == 2:
            asked.append(typo_query(rng, term.term) if len(term.term) >= 4 else term.term)
        else:
            asked.append(rng.choice(term.term.split()))
    for query in asked[:20]:
        define(library, query)
    times = latencies(lambda q: define(library, q), asked)
    kinds: dict[str, int] = {}
    for query in asked:
        kind = define(library, query).kind
        kinds[kind] = kinds.get(kind, 0) + 1
    report.add(
        f"define median / p95 ({len(library.terms)} terms)",
        f"{ms(median(times))} / {ms(p95(times))}",
        "median < 1 ms",
        median(times) < 0.001,
    )
    report.add("  answers by kind", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


# -- related -------------------------------------------------------------------------------


def bench_related(library: Library, report: Report, lookups: int = 300) -> None:
    """Related index build at 2.5k/5k/10k briefs (linear, not quadratic) and lookups."""
    print("related: index build at growing sizes, then lookups")
    sizes = [n for n in (2_500, 5_000, 10_000) if n <= len(library.briefs)] or [len(library.briefs)]
    builds: list[tuple[int, float]] = []
    for n in sizes:
        subset = library.briefs[:n]

        def build(subset: tuple = subset) -> None:
            build_corpus_index(subset)

        builds.append((n, best_of(build, 2)))
    first_n, first_t = builds[0]
    last_n, last_t = builds[-1]
    growth = (last_t / first_t) / (last_n / first_n)
    report.add(
        "related index build at " + " / ".join(f"{n:,}" for n, _ in builds) + " briefs",
        " / ".join(ms(t) for _, t in builds) + f"; time grows {growth:.2f}x as fast as size",
        "~1x (linear)",
        growth < 1.5,
    )
    rng = random.Random(9)
    ids = [rng.choice(library.briefs).id for _ in range(lookups)]
    times = latencies(lambda i: related_briefs(library, i), ids)
    report.add(
        f"related lookup median / p95 ({lookups} briefs)",
        f"{ms(median(times))} / {ms(p95(times))}",
        "< 5 ms",
        median(times) < 0.005,
    )


# -- memory ------------------------------------------------------------------------------------

_MEMORY_SCRIPT = """
import json, resource, sys, tracemalloc
trace = sys.argv[2] == "trace"
if trace:
    tracemalloc.start()
from bot.content.loader import load_library
from bot.search.meaning import load_model
library = load_library(sys.argv[1], load_model())
from bot.search.brief_index import search_briefs
search_briefs(library, "policy")
search_briefs(library, "why nobody agrees on how to manage the dangers")
peak = tracemalloc.get_traced_memory()[1] if trace else 0
try:
    # VmHWM is this process's own peak; ru_maxrss would include the parent's size
    # at fork time on Linux.
    with open("/proc/self/status") as status:
        rss = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) * 1024
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak": peak, "rss": rss, "briefs": len(library.briefs)}))
"""


def bench_memory(root: Path, report: Report) -> None:
    """Peak memory of a fresh process loading the library with the model of meaning, as the
    bot does (traced allocations and max RSS)."""
    print("memory: a fresh process loads the library")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    figures = {}
    for mode in ("trace", "rss"):
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_SCRIPT, str(root), mode],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        figures[mode] = json.loads(out.stdout)
    peak = figures["trace"]["peak"] / 2**20
    rss = figures["rss"]["rss"] / 2**20
    report.add(
        f"peak memory at {figures['rss']['briefs']} briefs: max RSS / traced Python peak",
        f"{rss:.0f} MB / {peak:.0f} MB",
        "< 300 MB",
        rss < 300,
    )
