"""Helpers shared by tests: real services (databases, fake Slack) set up on loopback."""
