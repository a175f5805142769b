"""Background jobs that run beside the listeners (listed in `bot.runtime.background_jobs`).

Each job is `start(services, client) -> stop`: it may talk to Slack, the store and the
content, which is why it lives here at the edge and not in the packages it drives.
"""
