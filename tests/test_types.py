"""bot/ type-checks: mypy, configured in pyproject.toml (`[tool.mypy]`), finds no error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.dev_tools import dev_tool

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_error_in_bot() -> None:
    """mypy over bot/ (strict for the core, the CLI and the console) reports no error; on
    failure, its report is the message."""
    dev_tool("mypy")
    # In a process of its own: mypy tunes the garbage collector and the recursion limit.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", "bot"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found"), done.stdout
