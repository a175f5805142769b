"""The local Slack (bot/localslack) and the faults tests add to it (tests/fakeslack)."""
