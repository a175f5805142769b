"""The content pipeline (bot/content): files, fields, loading, reloading, schemas, export."""
