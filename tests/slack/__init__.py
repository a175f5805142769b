"""Slack formats (bot/slack): Block Kit messages and their limits."""
