"""`python -m bot` is the same entry point as the `briefbot` console script."""

import sys

from bot.cli import main

# Guarded: a helper process started with "spawn" imports this module again
# (bot/content/second_core.py) and must not run the command a second time.
if __name__ == "__main__":
    sys.exit(main())
