"""The briefbot command line (bot/cli)."""
