"""The layers hold: no module imports from a layer above it (import-linter contracts in
pyproject.toml, `[tool.importlinter]`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.dev_tools import dev_tool

ROOT = Path(__file__).resolve().parent.parent


LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
)


def lint_imports(config: Path, root: Path = ROOT) -> tuple[int, str]:
    """Run import-linter on bot/ with the contracts in `config`; its exit code and report.

    In a process of its own: import-linter sets up logging with `dictConfig`, which turns
    off every logger already made, briefbot's included, for the tests after it."""
    dev_tool("importlinter.cli")
    done = subprocess.run(
        [sys.executable, "-c", LINT, str(config)],
        cwd=root,  # import-linter finds `bot` on the path, as the suite does
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_no_layer_imports_from_a_layer_above_it() -> None:
    """Every top-level module has its layer and imports only from below it; siblings in a
    layer import nothing of each other; no two sibling modules import each other, however
    deep; the store and the pure core import nothing of Slack's libraries."""
    code, report = lint_imports(ROOT / "pyproject.toml")
    assert code == 0, report
    assert "Contracts: 3 kept, 0 broken." in report


def _copy_of_bot(tmp_path: Path) -> Path:
    """bot/ and pyproject.toml in a folder of their own, to break a rule in without harm."""
    shutil.copytree(ROOT / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "code", "broken"),
    [
        # A module nobody gave a layer: the exhaustive layers contract names it.
        ("bot/newcomer.py", "X = 1\n", "briefbot's layers"),
        # The core reaching up to the store.
        ("bot/search/upward.py", "import bot.store\n", "briefbot's layers"),
        # Two siblings importing each other, deep inside a package.
        ("bot/search/words.py", "import bot.search.corpus\n", "no import cycle"),
        # Siblings in one layer (`|`) stay independent.
        ("bot/store/sideways.py", "import bot.slack.mrkdwn\n", "briefbot's layers"),
    ],
)
def test_a_new_module_out_of_place_breaks_the_layers(
    tmp_path: Path, path: str, code: str, broken: str
) -> None:
    """The contracts are real: each way of breaking them is reported, naming the contract."""
    root = _copy_of_bot(tmp_path)
    target = root / path
    target.write_text((target.read_text() if target.exists() else "") + code)
    status, report = lint_imports(root / "pyproject.toml", root)
    assert status == 1, report
    assert broken in report.split("Broken contracts")[-1], report


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
