"""The store (bot/store): records, the ledger, migrations, installations."""
