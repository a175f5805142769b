"""Events: the App Home tab and mentions. app-manifest.yml must subscribe to exactly these."""

from collections.abc import Callable

from slack_bolt import App

from bot.listeners.events import app_home, delivered_once, mentions

EVENTS: dict[str, Callable[..., None]] = {
    "app_home_opened": app_home.app_home_opened,
    "app_mention": mentions.app_mentioned,
}


def register(app: App) -> None:
    app.middleware(delivered_once.once_per_event)
    for name, callback in EVENTS.items():
        app.event(name)(callback)
