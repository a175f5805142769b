"""The daily post, sent to Slack: planning each sweep, posting, reporting what it did.

The pure rules of when a post is due live in `bot.schedule`; the ledger that makes
each post go out once lives in `bot.store.ledger`. This package talks to Slack.
"""
