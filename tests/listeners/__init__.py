"""The listeners (bot/listeners): commands, buttons, events and shortcuts through the real app."""
