"""The local console (bot/console)."""
