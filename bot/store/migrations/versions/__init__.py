"""Migration revisions, oldest first: 0001_initial, then one file per schema change."""
