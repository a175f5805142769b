"""Events: the App Home tab, mentions, people's profiles and uninstalls.
app-manifest.yml must subscribe to exactly these."""

from collections.abc import Callable

from slack_bolt import App

from bot.listeners.events import app_home, delivered_once, mentions, people, uninstalled

EVENTS: dict[str, Callable[..., None]] = {
    "app_home_opened": app_home.app_home_opened,
    "app_mention": mentions.app_mentioned,
    "app_uninstalled": uninstalled.app_uninstalled,
    "tokens_revoked": uninstalled.tokens_revoked,
    "user_change": people.user_changed,
}


def register(app: App) -> None:
    app.middleware(delivered_once.once_per_event)
    for name, callback in EVENTS.items():
        app.event(name)(callback)
