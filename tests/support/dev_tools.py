"""The dev tools some checks run (mypy, import-linter): `pip install -e .[dev]` brings them."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def dev_tool(module: str) -> ModuleType:
    """Import `module`; where it is missing, skip saying how to install it, or fail in CI
    (CI=true), where the check must run."""
    try:
        return importlib.import_module(module)
    except ImportError:
        missing = f"{module} is not installed; `python3 tasks.py test` installs the dev tools"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}, and CI must run this check")
        pytest.skip(f"{missing} (or: pip install -e '.[dev]')")
