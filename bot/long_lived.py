"""Keeping Python's cyclic garbage collector off the content.

Ten thousand briefs, their indexes and the loader's per-file results are a few million
small objects that live until the next reload and form no reference cycles. Left to
itself, the collector would walk all of them several times while they are built (each
pass over a heap that keeps growing) and again in the first passes after: about a
tenth of a cold load. Refcounting alone frees them once a newer snapshot replaces
them, so the collector has nothing to find there.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def building_long_lived() -> Iterator[None]:
    """Build long-lived, cycle-free objects without the cyclic collector walking them.

    On entry, collects what garbage there is (cheap: earlier content is frozen) so that
    none of it is frozen with the new objects, then pauses the collector. On a normal
    exit, moves every object alive into the permanent generation (`gc.freeze()`, which
    costs nothing) and resumes collecting. Objects that other threads create meanwhile
    are frozen too; should one of them end in a reference cycle, that cycle stays
    until the process ends: a few kilobytes per reload at most.

    Nested use, or use while the collector is off for another reason, changes nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.collect()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        gc.enable()
