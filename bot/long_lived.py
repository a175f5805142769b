"""Keeping Python's cyclic garbage collector off content while it is built.

Ten thousand briefs, their indexes and the loader's per-file results are a few million
small objects that form no reference cycles. With the collector running, every pass
while they are built would walk the whole growing heap again, roughly doubling the
time a cold load takes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def building_long_lived() -> Iterator[None]:
    """Pause the cyclic collector while building many cycle-free objects.

    It resumes afterwards, also after an error; nested use, or use while the collector
    is off for another reason, leaves it as it was. Nothing is frozen: the running bot
    freezes its start-up objects once (bot/runtime.py), and a reload frees the content
    it replaces by reference counting alone.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
