"""The daily jobs read top-down: no module of bot/daily imports one that imports it back,
and the store imports none of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.dev_tools import dev_tool

ROOT = Path(__file__).resolve().parent.parent

# In a process of its own, like the other import checks (tests/test_layers.py).
CYCLES = """
import grimp
graph = grimp.build_graph("bot")
modules = sorted(m for m in graph.modules if m.startswith(("bot.daily", "bot.store")))
for i, a in enumerate(modules):
    for b in modules[i + 1:]:
        there = graph.find_shortest_chain(a, b)
        back = graph.find_shortest_chain(b, a)
        if there and back:
            print(" -> ".join(there), "|", " -> ".join(back))
"""


def test_no_import_cycle_in_the_daily_jobs_or_the_store() -> None:
    """Each pair of modules of bot/daily and bot/store imports at most one way, counting
    imports made only for type checking."""
    dev_tool("grimp")
    done = subprocess.run(
        [sys.executable, "-c", CYCLES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", f"import cycles:\n{done.stdout}"
