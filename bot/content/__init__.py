"""The content library: briefs and glossary terms that admins keep as YAML."""
