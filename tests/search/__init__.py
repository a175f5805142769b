"""Search (bot/search): /brief search, /define lookup and their properties."""
