"""briefbot: short AI-policy and AI-safety briefs and a glossary, served in Slack."""

__version__ = "0.1.0"
