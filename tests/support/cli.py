"""Running `briefbot ARGS` in this process, through the console script's entry point.

`bot.cli.main(argv)` is what the `briefbot` script and `python -m bot` call, so a test
that calls it drives the same parsing, exit codes and output as a subprocess would, without
paying a Python start-up and imports per command. Process behaviour (signals, start-up
against Slack, a command that must not hang) stays with `tests.support.processes`.
tests/conftest.py loads it for every test: ask for the `cli` fixture.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main

BOT_SETTINGS = ("BRIEFBOT_CONTENT_DIR", "DATABASE_URL")
"""Taken out of the environment for each command, as `processes.briefbot` does, so only
the test decides where content and the database are."""


@dataclass
class Ran:
    """What one command did: its exit code and everything it printed."""

    returncode: int
    stdout: str
    stderr: str


RunCli = Callable[..., Ran]


def run_in_process(
    args: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Ran:
    """`briefbot ARGS` in `cwd` with `env` added to the environment; both are restored after."""
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        if cwd is not None:
            patch.chdir(cwd)
        for name in BOT_SETTINGS:
            patch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse refusing an argument, or --help
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
            if isinstance(exit.code, str):  # as the interpreter would show it
                print(exit.code, file=sys.stderr)
    out, err = capsys.readouterr()
    return Ran(code, out, err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """`cli(*args, cwd=..., env=...)`: run `briefbot ARGS` in this process; a `Ran`."""

    def run(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Ran:
        return run_in_process(args, capsys, cwd=cwd, env=env)

    return run
