"""HTTP mode for any WSGI server: `gunicorn 'bot.wsgi:create_application()'`.

`briefbot serve` runs the same application (bot/gate.py) with waitress.
"""

from __future__ import annotations

from bot.gate import WsgiApp
from bot.runtime import start_http_runtime


def create_application() -> WsgiApp:
    """Build everything from the environment; the entry point for external WSGI servers."""
    return start_http_runtime()
