"""Reading a large content folder on two cores.

Parsing and checking YAML is pure Python work, so threads would take turns, not help.
When a cold load has thousands of files, a helper process reads the last share of them
while the loading process reads the rest; the helper's results come back pickled over
a pipe. Starting the helper and moving its results back costs about a third of what it
saves, so small folders (every test but one, the console, most teams) never start one.

The helper is a plain `python -m bot.content.second_core` child rather than a
multiprocessing worker: "spawn" would run the caller's own script again in the child
(an admin's script without an `if __name__ == "__main__"` guard would run twice), and
"fork" would copy the locks of the bot's other threads in whatever state they were.

Anything that goes wrong with the helper (no second core, no interpreter to start, a
child that fails) only costs time: the loader reads those files itself.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MIN_FILES = 2_000
"""Fewer files than this are read in one process: the helper would not pay for itself."""

HELPER_SHARE = 0.36
"""The share of files the helper reads: under half, because it starts later and must
also pickle what it read (measured at 10,000 briefs; bench/README.md)."""

# The folder that holds the `bot` package, so the child imports this very copy.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def cores_available() -> int:
    """How many cores this process may run on (its CPU affinity, where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def helper_share(count: int, min_files: int = MIN_FILES) -> int:
    """How many of `count` files to hand to a helper process (0: read them all here)."""
    if count < min_files or cores_available() < 2 or not sys.executable:
        return 0
    return max(1, int(count * HELPER_SHARE))


class Helper:
    """A child process running `work(items)` while the caller does the rest.

    `work` is named as "module:function" (a module-level function); items and results
    must pickle. The pickled data only ever travels between this process and its own
    child.
    """

    def __init__(self, work: str, items: Sequence[Any]) -> None:
        self._output = b""
        self._errors = b""
        self._process: subprocess.Popen[bytes] | None = None
        self._talking: threading.Thread | None = None
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if part
        )
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, work],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
        except OSError as error:
            log.info("reading content in one process: cannot start a helper (%s)", error)
            return
        payload = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        # Feeding the child and draining its output happen in a thread, so neither
        # waits on a full pipe while this process reads its own share.
        self._talking = threading.Thread(
            target=self._talk, args=(payload,), name="content-helper", daemon=True
        )
        self._talking.start()

    def _talk(self, payload: bytes) -> None:
        assert self._process is not None
        try:
            self._output, self._errors = self._process.communicate(payload)
        except OSError as error:  # the child died before reading everything
            self._process.kill()
            self._process.wait()
            self._errors = str(error).encode()

    def results(self) -> list[Any] | None:
        """The helper's results, in order; None if it failed (then do the work yourself)."""
        if self._process is None or self._talking is None:
            return None
        self._talking.join()
        if self._process.returncode != 0:
            last = self._errors.decode("utf-8", "replace").strip().splitlines()[-1:]
            log.warning(
                "the helper reading content failed (exit %s%s); reading it here instead",
                self._process.returncode,
                f": {last[0]}" if last else "",
            )
            return None
        try:
            results = pickle.loads(self._output)
        except Exception as error:  # e.g. something else wrote to the child's stdout
            log.warning("the helper reading content sent no results (%r); reading it here", error)
            return None
        return results if isinstance(results, list) else None


def _serve(work: str) -> None:
    """The child's side: items from stdin, `work(items)`, results to stdout."""
    module_name, _, function_name = work.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    items = pickle.load(sys.stdin.buffer)
    results = function(items)
    sys.stdout.buffer.write(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _serve(sys.argv[1])
