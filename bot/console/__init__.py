"""`briefbot console`: try the real bot in a terminal, with a local stand-in for Slack."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.basics import whole_number
from bot.content.errors import ContentInvalid

INTRO = """\
briefbot console — the real bot, with a local stand-in for Slack. You are @alice in #general.
  /brief                  today's featured brief        /define sae       a definition
  /brief distillation     search (typos are fine)       /define           the glossary
  /brief latest           the newest briefs             /brief help       everything else
  /brief subscribe 09:30  today's brief in #general at 09:30 (while the console runs)
  /brief subscribe new    each new brief as you add it  /brief schedule   what #general gets
  /brief subscribe weekly fri 16:00                     a weekly digest of the new briefs
  1, 2, …                 press the button with that number
  @briefbot related       mention the bot in the thread of its latest post
  say We use an SAE       write a message in #general (messages show as m1, m2, …)
  explain, explain m3     Explain terms on the latest message, or on m3
  vote up, vote down m3   👍 / 👎 on the latest brief or definition shown, or on m3
  dm /brief subscribe daily 09:00  your own brief in your DM with briefbot, your time
  dm /brief snooze 1w     hold your DM briefs a week    dm                your DM so far
  home                    open the App Home tab         quit              leave
  a Suggest button        asks the form's fields one by one (Enter keeps, - empties, cancel)"""

PROMPT = "you> "


def run(
    content_dir: str | Path = "content",
    *,
    lines: Iterable[str] | None = None,
    write: Callable[[str], None] | None = None,
) -> int:
    """Read lines (from the terminal unless given) and print what Slack would show."""
    from bot.console.session import ConsoleSession

    out = write or (lambda text: print(text, flush=True))
    interactive = lines is None and sys.stdin.isatty()

    def announce(shown: list[str]) -> None:
        # Posts that arrive on their own (the daily clock, reload reports) print at once.
        for line in shown:
            out(line)
        if interactive:
            print(PROMPT, end="", flush=True)

    try:
        session = ConsoleSession(content_dir, announce=announce)
    except ContentInvalid as invalid:
        out(f"The content in {content_dir} has errors; fix them and start again:")
        for error in invalid.errors:
            out(f"  {error}")
        return 1
    out(INTRO)
    out(
        f"Loaded {len(session.services.library.briefs)} briefs and "
        f"{len(session.services.library.terms)} terms from {content_dir}; "
        "edits to it are loaded as you save them."
    )
    source = lines if lines is not None else _stdin_lines(interactive)
    try:
        for raw in source:
            line = raw.strip()
            if session.form is not None:
                # A form's prompt takes every line, an empty one (keep the value) too.
                if not interactive:
                    out(f"> {line}")
                for shown in session.answer(line):
                    out(shown)
                continue
            if not line:
                continue
            if line in {"quit", "exit", "q"}:
                break
            if not interactive:
                out(f"> {line}")
            for shown in handle(session, line):
                out(shown)
    except KeyboardInterrupt:
        # Ctrl-C leaves as quietly as quit does.
        if interactive:
            print(flush=True)
    finally:
        session.close()
    return 0


def handle(session: object, line: str) -> list[str]:
    from bot.console.session import ConsoleSession

    assert isinstance(session, ConsoleSession)
    if line.startswith("/"):
        return session.command(line)
    if (number := whole_number(line, 0, 10**9)) is not None:
        return session.press(number)
    if line.lower().startswith(("@briefbot", "@bot")):
        return session.mention(line.split(" ", 1)[1] if " " in line else "")
    if line.lower().startswith("say "):
        return session.say(line[4:])
    if line.lower() == "explain" or line.lower().startswith("explain "):
        return session.explain(line[len("explain") :])
    if line.lower() == "vote" or line.lower().startswith("vote "):
        return _vote(session, line[len("vote") :].split())
    if line.lower() == "dm" or line.lower().startswith("dm "):
        return session.dm(line[2:])
    if line.lower() == "home":
        return session.open_home()
    if line.lower() in {"help", "?"}:
        return [INTRO]
    return [
        f"Not sure what “{line}” means. Type a slash command like /brief, a button number, or help."
    ]


VOTE_HELP = (
    "Type `vote up` or `vote down`, then a message like m3 to choose it (default: the latest)."
)
UP, DOWN = {"up", "👍", "+1", "yes"}, {"down", "👎", "-1", "no"}


def _vote(session: object, words: list[str]) -> list[str]:
    from bot.console.session import ConsoleSession

    assert isinstance(session, ConsoleSession)
    if not words or words[0].lower() not in UP | DOWN or len(words) > 2:
        return [VOTE_HELP]
    return session.vote(words[0].lower() in UP, words[1] if len(words) > 1 else "")


def _stdin_lines(interactive: bool) -> Iterable[str]:
    while True:
        try:
            yield input(PROMPT if interactive else "")
        except EOFError:
            return
