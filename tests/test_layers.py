"""The layers hold: no module imports from a layer above it (import-linter contracts in
pyproject.toml, `[tool.importlinter]`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.dev_tools import dev_tool

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, str]:
    """Run import-linter on bot/ with the contracts in `config`; its exit code and report."""
    cli = dev_tool("importlinter.cli")
    capsys.readouterr()
    here = Path.cwd()
    os.chdir(ROOT)  # import-linter finds `bot` on the path, as the suite does
    try:
        code = cli.lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    finally:
        os.chdir(here)
    return code, capsys.readouterr().out


def test_no_layer_imports_from_a_layer_above_it(capsys: pytest.CaptureFixture[str]) -> None:
    """Content, search, related, featured and the schedule rules know nothing of Slack, the
    store or the daily jobs; the store nothing of the daily jobs or Slack; Block Kit building
    no store or listeners; only the app's assembly imports the listeners."""
    code, report = lint_imports(capsys, ROOT / "pyproject.toml")
    assert code == 0, report
    assert "Contracts: 4 kept, 0 broken." in report


def test_an_upward_import_breaks_the_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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
    code, report = lint_imports(capsys, config)
    assert code == 1
    assert "the app imports no listeners BROKEN" in report
    assert "bot.app is not allowed to import bot.listeners" in report
