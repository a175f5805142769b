"""How long the test suite takes against an older commit, on the same tests, in one run.

    .venv/bin/python -m bench.suite_time --base REV [--runs N] [--workers N]

Tests move between folders, so the suite of today is not comparable with an older one
as a whole: it has tests the old one did not. This takes the tests of REV, finds each of
them in today's suite (same file name, same test and parameters, wherever the file now
lives), and times both, turn about, so that the machine's ups and downs fall on both:
REV's whole suite, then today's copies of the same tests, `--runs` times. Both run with
this checkout's .venv (REV's own tree first on the path), and with
BRIEFBOT_TEST_POSTGRES_URL as the caller set it.

It prints each run's wall time, the means and today / REV. Nothing here is asserted: a
slower suite is a figure to read, not a failure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export(rev: str, into: Path) -> None:
    """Write the tree of `rev` into `into` (no worktree, so nothing of git's state changes)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True)
    if archive.returncode != 0:
        reason = archive.stderr.decode(errors="replace").strip()
        sys.exit(f"cannot read commit {rev!r}: {reason} (give a commit of this repository)")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)


def collected(tree: Path) -> list[str]:
    """The node ids pytest collects in `tree`; exits saying why when it collects none."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist"],
        cwd=tree,
        env=_env(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    nodes = [line.strip() for line in proc.stdout.splitlines() if "::" in line]
    if not nodes:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        sys.exit(f"pytest collected no tests in {tree}; its last lines:\n{tail}")
    return nodes


def key(node_id: str) -> str:
    """A test's name that survives a move to another folder: file name and test."""
    path, _, rest = node_id.partition("::")
    return f"{Path(path).name}::{rest}"


def matching(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Today's node ids of the old tests, and the old tests not found today. A name that
    two of today's files share is not found: which one is the old test's cannot be told."""
    names = Counter(key(node) for node in new)
    by_key = {key(node): node for node in new if names[key(node)] == 1}
    found = [by_key[key(node)] for node in old if key(node) in by_key]
    missing = [node for node in old if key(node) not in by_key]
    return found, missing


def timed_run(tree: Path, node_ids: list[str], workers: int) -> tuple[float, list[str]]:
    """Seconds pytest takes in `tree` over `node_ids` (all when empty), and its summary:
    the tests that failed or were skipped, and the last line."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", str(workers)]
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, *node_ids], cwd=tree, env=_env(tree), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    lines = proc.stdout.strip().splitlines() or ["(no output)"]
    summary = [line for line in lines if line.startswith(("FAILED", "ERROR", "SKIPPED"))]
    return seconds, [*summary, lines[-1]]


def _env(tree: Path) -> dict[str, str]:
    # The tree's own `bot` first, also in the processes tests start.
    return {**os.environ, "PYTHONPATH": str(tree)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite_time", description=__doc__)
    parser.add_argument("--base", required=True, help="the older commit to compare with")
    parser.add_argument("--runs", type=int, default=2, help="runs of each (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="pytest -n (default 2)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.workers < 1:
        parser.error("--runs and --workers take a whole number from 1 up")
    with tempfile.TemporaryDirectory(prefix="briefbot-base-") as folder:
        base = Path(folder)
        export(args.base, base)
        old, new = collected(base), collected(ROOT)
        same, missing = matching(old, new)
        print(f"{args.base}: {len(old)} tests; found today: {len(same)} of them ({len(new)} today)")
        for node in missing:
            print(f"  not found today: {node}")
        times: dict[str, list[float]] = {"base": [], "today": []}
        for run in range(1, args.runs + 1):
            for name, tree, ids in (("base", base, []), ("today", ROOT, same)):
                seconds, summary = timed_run(tree, ids, args.workers)
                times[name].append(seconds)
                print(f"run {run} {name:5}: {seconds:7.1f} s  {summary[-1]}", flush=True)
                for line in summary[:-1]:
                    print(f"  {line}")
    base_mean, today_mean = statistics.mean(times["base"]), statistics.mean(times["today"])
    print(f"mean: {args.base} {base_mean:.1f} s, today {today_mean:.1f} s")
    print(f"today / {args.base}: {today_mean / base_mean:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
