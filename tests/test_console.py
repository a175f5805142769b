"""The local console: the README's run command with no Slack tokens shows the bot working."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot.console import run
from tests.support.processes import ROOT, bot_env


def test_console_answers_commands_and_buttons() -> None:
    """Commands, a button press, a shared post, a threaded related reply and App Home render."""
    out: list[str] = []
    code = run(
        ROOT / "content",
        lines=[
            "/brief distilation",
            "8",
            "9",
            "/define sae",
            "/define qqqzzz",
            "home",
            "/nope",
            "nonsense",
            "99",
            "quit",
        ],
        write=out.append,
    )
    text = "\n".join(out)
    assert code == 0
    assert "AI DISTILLATION" in text  # the brief, title as a header
    assert "[8] Share in channel" in text
    assert "briefbot in #general\n" in text or "briefbot in #general" in text
    assert "Shared by @U0ALICE" in text  # button 8 shared it
    assert "Related briefs" in text
    assert "“SAE” is another name for" in text
    assert "No glossary term matches" in text
    assert "App Home" in text
    assert "/nope is not a briefbot command" in text
    assert "There is no button [99]" in text


def test_related_in_the_console_threads_under_the_shared_post() -> None:
    """Pressing Related briefs on the shared post shows a thread reply."""
    out: list[str] = []
    run(ROOT / "content", lines=["/brief distillation", "8"], write=out.append)
    shared = "\n".join(out)
    number = re.findall(r"\[(\d+)\] Related briefs", shared)[-1]
    out.clear()
    run(ROOT / "content", lines=["/brief distillation", "8", number], write=out.append)
    assert "› thread" in "\n".join(out)


def test_console_shows_typed_ampersands_and_brackets_as_typed() -> None:
    """What a person types with & < > comes back to them exactly as typed."""
    out: list[str] = []
    run(ROOT / "content", lines=["/brief <!channel> & R&D zzqq", "quit"], write=out.append)
    assert "No brief matches “<!channel> & R&D zzqq”." in "\n".join(out)


@pytest.mark.slow
def test_bare_command_without_tokens_starts_the_console(tmp_path) -> None:
    """`python -m bot` (what `python3 tasks.py run` runs) with no tokens opens the console."""
    env = bot_env(tmp_path, "https://slack.com/api/")
    env.pop("SLACK_API_URL")
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/define rocq\nquit\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "briefbot console" in done.stdout and "Rocq" in done.stdout
