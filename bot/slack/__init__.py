"""Everything that knows Slack's formats: mrkdwn text and Block Kit messages and views."""
