"""`python -m bot` is the same entry point as the `briefbot` console script."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
