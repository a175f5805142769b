"""Content is built with the cyclic collector paused and then frozen: garbage made
before is still collected, replaced content is still freed, and the collector always
comes back on."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.content.loader import ContentLoader
from bot.long_lived import building_long_lived
from tests.content_files import BRIEF, make_content


class Node:
    """An object that can sit in a reference cycle and be watched through a weakref."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not was_enabled:
        gc.disable()


def _cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_garbage_made_before_is_collected_not_frozen() -> None:
    """A dropped reference cycle made before the build is collected when it starts."""
    watched = _cycle()
    with building_long_lived():
        assert watched() is None


def test_objects_built_are_frozen_and_the_collector_resumes() -> None:
    """What the build made is in the permanent generation afterwards; collecting is on."""
    before = gc.get_freeze_count()
    with building_long_lived():
        assert not gc.isenabled()
        built = [[n] for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(built)


def test_a_failed_build_freezes_nothing_and_resumes() -> None:
    """An exception inside leaves nothing frozen and the collector on."""
    before = gc.get_freeze_count()
    with pytest.raises(ValueError), building_long_lived():
        _kept = [[n] for n in range(1000)]
        raise ValueError("bad content")
    assert gc.isenabled()
    assert gc.get_freeze_count() == before


def test_nested_use_leaves_the_outer_build_in_charge() -> None:
    """An inner build neither turns the collector on nor freezes the outer one's objects."""
    with building_long_lived():
        with building_long_lived():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_replaced_content_does_not_pile_up_frozen(tmp_path: Path) -> None:
    """Libraries that nothing uses any more are freed by reference counting, frozen or not."""
    counts = []
    for round_ in range(4):
        briefs = {f"b{n}.yml": BRIEF.replace("Chips", f"Chips {n} {round_}") for n in range(200)}
        library = ContentLoader(make_content(tmp_path / str(round_), briefs)).load()
        counts.append(gc.get_freeze_count())
        del library
    # One library of 200 briefs is about 1,800 frozen objects; had the earlier ones
    # stayed, the count would climb by that much a round.
    assert max(counts[1:]) - min(counts[1:]) < 200
