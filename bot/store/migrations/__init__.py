"""Alembic schema migrations for the store; run them with `bot.store.upgrade(engine)`."""
