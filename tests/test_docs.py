"""The README stays true: its quick start, its configuration table and its content guide."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.config import ENV_HELP

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_exactly_run_and_test() -> None:
    """The quick start has two commands: one runs the bot, one runs the tests."""
    assert quick_start_commands() == ["python3 tasks.py run", "python3 tasks.py test"]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run calls the README's test command."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert quick_start_commands()[1] in ci


def test_tasks_script_needs_only_the_standard_library() -> None:
    """tasks.py imports nothing outside Python's standard library, so it runs on a fresh machine."""
    import sys

    source = (ROOT / "tasks.py").read_text()
    modules = set(re.findall(r"^(?:import|from) (\w+)", source, re.M))
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}


def test_every_setting_is_documented() -> None:
    """Each environment variable the bot reads has a row in the configuration table."""
    for name in ENV_HELP:
        assert f"| `{name}` |" in README, name


def test_every_content_field_is_documented() -> None:
    """Each field of the brief and glossary schemas has a row in the content guide."""
    for kind, definition in (("brief", "brief"), ("glossary", "term")):
        schema = json.loads((ROOT / "content" / "schemas" / f"{kind}.schema.json").read_text())
        fields = schema["$defs"][definition]["properties"]
        for field in fields:
            assert f"| `{field}` |" in README, f"{kind}: {field}"


def test_procfile_runs_both_modes() -> None:
    """The Procfile starts Socket Mode as a worker and HTTP mode as web."""
    procfile = (ROOT / "Procfile").read_text()
    assert re.search(r"^worker: briefbot run$", procfile, re.M)
    assert re.search(r"^web: briefbot serve .*\$PORT", procfile, re.M)


def test_code_passes_the_linter_and_formatter() -> None:
    """ruff check and ruff format --check are clean, as the README asks before each commit."""
    import subprocess
    import sys

    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def project_structure() -> dict[str, list[str]]:
    """The README's Project structure: each folder's entries as listed, by folder
    (`bot/` and the packages listed inside it, e.g. `bot/listeners/`)."""
    section = README.split("## Project structure", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```\n(.*?)```", section, re.S)
    listed: dict[str, list[str]] = {}
    parents: list[str] = []
    for line in block.splitlines():
        depth = (len(line) - len(line.lstrip())) // 2
        name = line.split()[0]
        parents = [*parents[:depth], name]
        if depth:
            listed.setdefault("".join(parents[:-1]), []).append(name)
    return listed


def test_project_structure_names_every_module_and_package_of_bot() -> None:
    """Every module and package directly in bot/ (and in each package the README opens up)
    is in the README's Project structure, and nothing listed there is gone."""
    listed = project_structure()
    for folder, names in listed.items():
        if not folder.startswith("bot/"):
            continue
        here = ROOT / folder
        actual = sorted(
            path.name + ("/" if path.is_dir() else "")
            for path in here.iterdir()
            if (path.suffix == ".py" and not path.name.startswith("__"))
            or (path.is_dir() and (path / "__init__.py").exists())
        )
        assert sorted(names) == actual, folder
