"""The posts the sweep sends (bot/daily): plans, pacing, faults, recovery, concurrency."""
