"""The layers hold: no module imports from a layer above it (import-linter contracts in
pyproject.toml, `[tool.importlinter]`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.dev_tools import dev_tool

ROOT = Path(__file__).resolve().parent.parent


LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
)


def lint_imports(config: Path) -> tuple[int, str]:
    """Run import-linter on bot/ with the contracts in `config`; its exit code and report.

    In a process of its own: import-linter sets up logging with `dictConfig`, which turns
    off every logger already made, briefbot's included, for the tests after it."""
    dev_tool("importlinter.cli")
    done = subprocess.run(
        [sys.executable, "-c", LINT, str(config)],
        cwd=ROOT,  # import-linter finds `bot` on the path, as the suite does
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_no_layer_imports_from_a_layer_above_it() -> None:
    """Content, search, related, featured and the schedule rules know nothing of Slack, the
    store or the daily jobs; the store nothing of the daily jobs or Slack; Block Kit building
    no store or listeners; only the app's assembly imports the listeners."""
    code, report = lint_imports(ROOT / "pyproject.toml")
    assert code == 0, report
    assert "Contracts: 4 kept, 0 broken." in report


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The check is real: a contract that forbids an import bot/ makes (the app importing
    the listeners) is reported broken, naming the import."""
    config = tmp_path / "pyproject.toml"
    config.write_text(
        """[tool.importlinter]
root_package = "bot"

[[tool.importlinter.contracts]]
name = "the app imports no listeners"
type = "forbidden"
source_modules = ["bot.app"]
forbidden_modules = ["bot.listeners"]
"""
    )
    code, report = lint_imports(config)
    assert code == 1
    assert "the app imports no listeners BROKEN" in report
    assert "bot.app is not allowed to import bot.listeners" in report
