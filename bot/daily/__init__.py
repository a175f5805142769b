"""The posts the sweep sends to Slack (daily briefs, new-brief announcements, weekly
digests): one planner per kind, posting each once, reporting what a sweep did.

The pure rules of when a post is due live in `bot.schedule`; the ledger that makes
each post go out once lives in `bot.store.ledger`. This package talks to Slack.
"""
