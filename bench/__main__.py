"""Run the benchmarks: `python -m bench [NAME ...] [--dir DIR] [--briefs N] [--terms N]`.

NAME is any of load, reload, search, define, related, memory, suggestions, explain,
meaning (default: all). The synthetic library is generated into a temporary folder
(deleted afterwards) unless --dir names a folder to generate into once and reuse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from bench.measure import Report, ms

NAMES = (
    "load",
    "reload",
    "search",
    "define",
    "related",
    "memory",
    "suggestions",
    "explain",
    "meaning",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(NAMES))
    parser.add_argument("--dir", help="generate the library here once and reuse it")
    parser.add_argument("--briefs", type=int, default=10_000)
    parser.add_argument("--terms", type=int, default=2_000)
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    names = args.names or list(NAMES)

    started = time.perf_counter()
    print(
        f"briefbot benchmarks, {dt.date.today().isoformat()}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    temporary = None
    if args.dir:
        root = Path(args.dir)
    else:
        temporary = tempfile.mkdtemp(prefix="briefbot-bench-")
        root = Path(temporary) / "content"
    try:
        if not (root / "briefs").is_dir():
            took = time.perf_counter()
            generate(root, args.briefs, args.terms)
            print(
                f"generated {args.briefs} briefs and {args.terms} terms in "
                f"{ms(time.perf_counter() - took)} into {root}"
            )
        return run(root, names, started)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


def run(root: Path, names: list[str], started: float) -> int:
    # Imported here so `--help` answers without loading the bot.
    from bench import benchmarks
    from bot.content.loader import load_library

    report = Report()
    library = None
    if "load" in names:
        library = benchmarks.bench_load(root, report)
    if "reload" in names:
        benchmarks.bench_reload(root, report)
        library = None  # files changed: load again for the next benchmarks
    if {"search", "define", "related", "explain"} & set(names) and library is None:
        library = load_library(root)
    if "search" in names:
        benchmarks.bench_search(library, report)
    if "define" in names:
        benchmarks.bench_define(library, report)
    if "related" in names:
        benchmarks.bench_related(library, report)
    if "explain" in names:
        from bench.explain import bench_explain

        bench_explain(library, report)
    if "memory" in names:
        benchmarks.bench_memory(root, report)
    if "suggestions" in names:
        from bench.suggestions import bench_suggestions

        bench_suggestions(root, report)
    if "meaning" in names:
        from bench.meaning import run as bench_meaning

        library = None
        bench_meaning(root, report)
    print()
    print(report.table())
    print(f"\n(total {ms(time.perf_counter() - started)})")
    missed = [row for row in report.rows if row[3] == "MISSED"]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
