"""Content is built with the cyclic collector paused, and the collector always comes
back on as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.long_lived import building_long_lived


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_collector_is_paused_while_building_and_resumes() -> None:
    """Inside, no collection runs; afterwards the collector is on again."""
    with building_long_lived():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_resumes_after_a_failed_build() -> None:
    """An exception inside still turns the collector back on."""
    with pytest.raises(ValueError), building_long_lived():
        raise ValueError("bad content")
    assert gc.isenabled()


def test_nested_use_leaves_the_outer_build_in_charge() -> None:
    """An inner build does not turn the collector on under the outer one."""
    with building_long_lived():
        with building_long_lived():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    """Code that turned the collector off itself finds it still off."""
    gc.disable()
    with building_long_lived():
        pass
    assert not gc.isenabled()
