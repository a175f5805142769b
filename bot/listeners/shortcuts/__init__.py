"""Shortcuts: what people start from Slack's menus. app-manifest.yml must declare exactly
these callback_ids under `features.shortcuts`."""

from collections.abc import Callable

from slack_bolt import App

from bot.listeners.shortcuts import explain_terms
from bot.slack.explain_blocks import EXPLAIN_IN_THREAD, EXPLAIN_TERMS

SHORTCUTS: dict[str, Callable[..., None]] = {
    EXPLAIN_TERMS: explain_terms.explain_terms_shortcut,
}


def register(app: App) -> None:
    for callback_id, callback in SHORTCUTS.items():
        app.shortcut(callback_id)(callback)
    # The button on the private answer Explain terms gives.
    app.action(EXPLAIN_IN_THREAD)(explain_terms.post_in_thread_clicked)
