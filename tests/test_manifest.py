"""app-manifest.yml is valid for Slack and matches the listeners the app registers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.listeners.commands import COMMANDS
from bot.listeners.events import EVENTS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "app-manifest.yml").read_text())


def _schema() -> dict:
    if not SCHEMA.exists():
        pytest.fail(f"Slack's manifest schema is missing at {SCHEMA}")
    return json.loads(SCHEMA.read_text())


def test_manifest_validates_against_slacks_schema(manifest: dict) -> None:
    """The manifest passes Slack's official app-manifest JSON Schema."""
    jsonschema.validate(manifest, _schema())


def test_schema_check_catches_a_broken_manifest(manifest: dict) -> None:
    """The schema check is real: an unknown key in display_information is rejected."""
    broken = {**manifest, "display_information": {**manifest["display_information"], "x": 1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema())


def test_every_command_has_a_listener_and_back(manifest: dict) -> None:
    """Slash commands in the manifest are exactly those with a listener."""
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(COMMANDS)


def test_every_event_has_a_listener_and_back(manifest: dict) -> None:
    """Bot events in the manifest are exactly those with a listener."""
    declared = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert declared == set(EVENTS)


def test_scopes_are_least_privilege(manifest: dict) -> None:
    """The bot asks only for the scopes its features use, and no user scopes."""
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes["bot"]) <= {"commands", "chat:write", "app_mentions:read", "users:read"}
    assert "user" not in scopes
    # app_mention needs app_mentions:read; slash commands need commands.
    assert {"commands", "chat:write", "app_mentions:read"} <= set(scopes["bot"])


def test_socket_mode_and_interactivity_are_on(manifest: dict) -> None:
    """The manifest installs as an internal Socket Mode app with buttons working."""
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
