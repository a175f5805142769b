"""`LocalSlack`: a stand-in for Slack's Web API and response URLs, served on 127.0.0.1.

It speaks real HTTP (`transport.py`), so the unmodified slack_sdk `WebClient` (and Bolt
on top of it) talks to it through `base_url=local.api_url`, as it would talk to Slack.
This module decides what each request means: a Web API method, a response URL, or a
subclass's own route.
`briefbot console` runs the app against it. Hooks (`add_hook`) may answer a call
differently or watch every answer: the tests' faults and call records are hooks that live
in `tests/fakeslack`.

Standard library only: it ships with the product.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.localslack import inbound, response_urls
from bot.localslack.hooks import CallHook, Detour
from bot.localslack.oauth import AUTHORIZE_PATH, LocalOAuth, Team
from bot.localslack.records import Call
from bot.localslack.transport import (
    HttpServer,
    Reply,
    Request,
    RequestHandler,
    bearer,
    decode_body,
    send,
)
from bot.localslack.webapi import ApiError, Event, Method, WebApi
from bot.localslack.workspace import (
    DEFAULT_TZ,
    TEAM_ID,
    Channel,
    User,
    Workspace,
    default_channels,
    default_users,
)

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]

DEFAULT_BOT_TOKEN = "xoxb-localslack"
DEFAULT_APP_TOKEN = "xapp-localslack"
RESPONSE_URL_METHOD = response_urls.SOURCE
OAUTH_ACCESS = "oauth.v2.access"


@dataclass(frozen=True, slots=True)
class _Arrival:
    """One HTTP request as it arrived: who asks for the answer, its headers, and when
    (the monotonic clock that hooks and faults use, and the wall clock that records show)."""

    handler: RequestHandler
    headers: dict[str, str]
    at: float
    wall: float


class LocalSlack:
    """A small Slack workspace with a Web API and response URLs on 127.0.0.1.

    Use it as a context manager, or call `start()` and `stop()`::

        with LocalSlack(bot_tokens=["xoxb-test"]) as slack:
            client = WebClient("xoxb-test", base_url=slack.api_url)
            client.chat_postMessage(channel="C0GENERAL", text="hello")
            assert slack.messages("C0GENERAL")[0]["text"] == "hello"
    """

    def __init__(
        self,
        *,
        bot_tokens: Iterable[str] = (DEFAULT_BOT_TOKEN,),
        app_tokens: Iterable[str] = (DEFAULT_APP_TOKEN,),
        strict_channels: bool = True,
        with_defaults: bool = True,
        port: int = 0,
    ) -> None:
        """Set up the workspace; nothing listens until `start()`.

        `strict_channels`: unknown channel ids get `channel_not_found` (as in Slack);
        when False they are created on first use, public and with the bot in them.
        `with_defaults`: add #general (C0GENERAL) and a few people (U0ALICE, U0BOB,
        U0CAROL) in different time zones, so the console works out of the box.
        """
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._port = port
        self._server: HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._with_defaults = with_defaults
        self.workspace = self._new_workspace()
        """The local workspace (TEAM_ID), which every token not issued over OAuth calls."""
        self.workspaces: dict[str, Workspace] = {TEAM_ID: self.workspace}
        """One workspace per team (or org) that installed over OAuth, by its id."""
        self.api = WebApi(
            self.workspace,
            base_url=lambda: self.base_url,
            socket_url=self.socket_url,
            strict_channels=strict_channels,
        )
        self._methods: dict[str, Method] = self.api.methods()
        self.oauth = LocalOAuth(clock=lambda: self.api.clock())
        # Answered with the request's headers (its client credentials), in _run_method.
        self._methods[OAUTH_ACCESS] = Method(lambda p: {}, token_kind="none")
        self._bot_tokens = set(bot_tokens)
        self._app_tokens = set(app_tokens)
        self._revoked: set[str] = set()
        self._hooks: list[CallHook] = []
        self._responses: list[dict[str, Any]] = []
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._listeners: list[Listener] = []
        self._traffic = threading.Condition()
        self._in_flight = 0
        self._arrivals = 0
        self._last_traffic = time.monotonic()

    # --- lifecycle --------------------------------------------------------

    def start(self) -> LocalSlack:
        """Start serving on 127.0.0.1 in a daemon thread; return self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = HttpServer(self._port, self._serve)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"localslack-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests held by a hook's delay are released at once."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the Web API listens on (after `start()`)."""
        if self._server is None:
            raise RuntimeError("LocalSlack is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT/ (the workspace URL `auth.test` reports)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        """The Web API base for slack_sdk: `WebClient(base_url=local.api_url)`."""
        return self.base_url + "api/"

    # --- extension points -------------------------------------------------

    def socket_url(self) -> str | None:
        """The Socket Mode URL `apps.connections.open` hands out; None = no Socket Mode."""
        return None

    def handle_route(self, request: Request) -> Reply | None:
        """Answer a path that is neither /api/ nor /response/; None means 404."""
        return None

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(kind, data)` after each change in the workspace.

        Kinds: "message", "message_changed", "message_deleted", "ephemeral",
        "ephemeral_changed", "ephemeral_deleted", "view", "modal", "response".
        """
        self._listeners.append(listener)

    def add_hook(self, hook: CallHook) -> None:
        """Let `hook` answer calls differently (a delay, an error) and see every answer.

        Hooks are asked in the order they were added; the first `Detour` wins.
        """
        with self._lock:
            self._hooks.append(hook)

    # --- workspace set-up -------------------------------------------------

    def _new_workspace(self) -> Workspace:
        workspace = Workspace()
        for user in default_users() if self._with_defaults else default_users()[-1:]:
            workspace.users[user.id] = user
        if self._with_defaults:
            for channel in default_channels():
                workspace.channels[channel.id] = channel
        return workspace

    def workspace_of(self, team: str | None = None) -> Workspace:
        """The workspace of `team` (default: the local one), made on first use with the
        same people and default channels as the local one; its own channels and messages."""
        with self._lock:
            if team is None:
                return self.workspace
            if team not in self.workspaces:
                self.workspaces[team] = self._new_workspace()
            return self.workspaces[team]

    def team_of_token(self, token: str | None) -> str:
        """The team (or org) a token was issued to over OAuth; TEAM_ID for any other."""
        with self._lock:
            issued = self.oauth.tokens.get(str(token)) if token else None
            return issued.team.id if issued is not None else TEAM_ID

    def add_channel(
        self,
        id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
        team: str | None = None,
    ) -> Channel:
        """Add (or replace) a channel, in `team`'s workspace (default: the local one)."""
        channel = Channel(
            id,
            name or id.lower(),
            is_private=is_private,
            is_archived=is_archived,
            bot_is_member=bot_is_member,
        )
        with self._lock:
            self.workspace_of(team).channels[id] = channel
        return channel

    def update_channel(self, id: str, **changes: Any) -> Channel:
        """Change a channel in place, e.g. `update_channel("C1", is_archived=True)`."""
        with self._lock:
            channel = self.workspace.channels[id]
            for key, value in changes.items():
                if not hasattr(channel, key):
                    raise AttributeError(f"channels have no attribute {key!r}")
                setattr(channel, key, value)
            return channel

    def add_user(
        self,
        id: str,
        name: str | None = None,
        *,
        tz: str | None = DEFAULT_TZ,
        real_name: str = "",
        is_admin: bool = False,
        is_bot: bool = False,
        team: str | None = None,
    ) -> User:
        """Add (or replace) a person, in `team`'s workspace (default: the local one);
        `tz=None` means Slack knows no time zone for them."""
        user = User(id, name or id.lower(), real_name, tz=tz, is_admin=is_admin, is_bot=is_bot)
        with self._lock:
            self.workspace_of(team).users[id] = user
        return user

    def open_dm(self, user: str, *, team: str | None = None) -> str:
        """The id of the DM between the bot and `user`, as `conversations.open` gives it."""
        with self._lock:
            return self.workspace_of(team).open_im(user).id

    def update_user(self, id: str, *, team: str | None = None, **changes: Any) -> dict[str, Any]:
        """Change a person as their profile or an admin would (`tz="Asia/Tokyo"`,
        `deleted=True` for a deactivated account); returns the user as `users.info` and
        the `user_change` event describe them, for the event a test or the console sends."""
        with self._lock:
            workspace = self.workspace_of(team)
            user = dataclasses.replace(workspace.users[id], **changes)
            workspace.users[id] = user
            return user.to_api(self.api.clock(), team or TEAM_ID)

    def post_as(
        self,
        user: str,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A message by `user` (a person, or another app's bot user) in `channel` (a reply
        when `thread_ts` is given), stored and announced to listeners as Slack stores it;
        `text` is already escaped, as Slack sends it, and may be empty when `blocks` (a
        person's `inbound.rich_text(…)`) or legacy `attachments` carry the message, kept
        as given. Returns the stored message (its `ts` is what events carry)."""
        with self._lock:
            found = self.workspace.find_channel(channel)
            if found is None:
                raise KeyError(f"no channel {channel!r} in the local workspace")
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": self.workspace.next_ts(self.api.clock()),
                "team": TEAM_ID,
                "channel": found.id,
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            if blocks is not None:
                message["blocks"] = copy.deepcopy(blocks)
            if attachments is not None:
                message["attachments"] = copy.deepcopy(attachments)
            self.workspace.add_message(message)
            self.api.events.append(Event("message", copy.deepcopy(message)))
            events = self._drain_events()
        self._notify(events)
        return copy.deepcopy(message)

    def add_token(self, token: str, *, kind: str = "bot") -> None:
        """Accept another token ("bot" for xoxb-, "app" for xapp-)."""
        with self._lock:
            (self._app_tokens if kind == "app" else self._bot_tokens).add(token)
            self._revoked.discard(token)

    def enable_oauth(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_lifetime: int | None = None,
        redirect_url: str | None = None,
    ) -> None:
        """Let teams install the app over OAuth with these client credentials.

        With `token_lifetime` (seconds) tokens rotate: bot tokens are `xoxe.xoxb-…` and
        expire, and `oauth.v2.access` hands out a refresh token with each; it applies to
        the tokens issued from then on. `redirect_url` is the app's configured redirect
        URL, where installers go back when the app's authorize link names none.
        """
        with self._lock:
            self.oauth.client_id, self.oauth.client_secret = client_id, client_secret
            self.oauth.token_lifetime = token_lifetime
            self.oauth.redirect_url = redirect_url

    def add_team(
        self,
        id: str,
        name: str | None = None,
        *,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> None:
        """Another workspace that may install the app (`/slack/install?team=ID`)."""
        with self._lock:
            self.oauth.teams[id] = Team(id, name or id, enterprise_id, enterprise_name)

    def install(self, id: str, name: str | None = None) -> str:
        """Another workspace with the app installed, without the consent page and the
        code exchange (a test of the flow goes through them); its bot token."""
        with self._lock:
            return self.oauth.installed(Team(id, name or id))

    def add_org(self, enterprise_id: str, name: str | None = None) -> None:
        """An Enterprise Grid org that may install the app org-wide (`?team=E…`)."""
        with self._lock:
            org = Team(enterprise_id, name or enterprise_id, enterprise_id, name, is_org=True)
            self.oauth.teams[enterprise_id] = org

    def tokens_of(self, team_id: str) -> list[str]:
        """Every bot token issued to the team (or org) over OAuth, oldest first."""
        with self._lock:
            return [t for t, info in self.oauth.tokens.items() if info.team.id == team_id]

    def uninstall(self, team_id: str) -> list[str]:
        """The team removes the app: its tokens stop working (`token_revoked`) and its
        refresh tokens too. Returns the bot tokens revoked; send the app the
        `app_uninstalled` event yourself, as Slack would."""
        with self._lock:
            gone = self.oauth.revoke_team(team_id)
            self._revoked.update(gone)
            return gone

    def revoke_token(self, token: str) -> None:
        """From now on calls with `token` get `token_revoked`."""
        with self._lock:
            self._revoked.add(token)

    def new_response_url(
        self,
        *,
        channel: str | None = "C0GENERAL",
        user: str | None = "U0ALICE",
        message_ts: str | None = None,
    ) -> str:
        """A fresh response URL, as Slack puts in slash commands and button clicks.

        `channel` and `user` say where an in-channel or ephemeral answer goes;
        `message_ts` is the message (channel or ephemeral) that `replace_original`
        and `delete_original` act on.
        """
        key = uuid.uuid4().hex
        with self._lock:
            self._response_urls[key] = {
                "channel": channel,
                "user": user,
                "message_ts": message_ts,
            }
        return f"{self.base_url}response/{key}"

    # --- what is stored ---------------------------------------------------

    def messages(
        self,
        channel: str | None = None,
        thread_ts: str | None = None,
        *,
        include_deleted: bool = False,
        team: str | None = None,
    ) -> list[dict[str, Any]]:
        """Messages posted in `channel` (every channel if None), oldest first, in `team`'s
        workspace (every workspace if None; each message's `team` says whose).

        Without `thread_ts` this is everything, top-level messages and thread replies;
        with it, the thread's parent and its replies. Each dict is Slack's message
        object plus `channel` (and `unfurl_links`/`unfurl_media` when they were sent).
        """
        with self._lock:
            spaces = list(self.workspaces.values()) if team is None else [self.workspace_of(team)]
            if channel is None:
                pool = [m for w in spaces for msgs in w.messages.values() for m in msgs]
            else:
                pool = [m for w in spaces for m in w.messages.get(channel, [])]
            if len(spaces) > 1 or channel is None:
                pool.sort(key=lambda m: m["ts"])
            if thread_ts is not None:
                pool = [m for m in pool if thread_ts in (m["ts"], m.get("thread_ts"))]
            if not include_deleted:
                pool = [m for m in pool if not m.get("deleted")]
            return copy.deepcopy(pool)

    def ephemeral(
        self, user: str | None = None, channel: str | None = None
    ) -> list[dict[str, Any]]:
        """Ephemeral messages still showing, from `chat.postEphemeral` and response URLs."""
        with self._lock:
            return copy.deepcopy(
                [
                    e
                    for e in self.workspace.ephemeral
                    if not e.get("deleted")
                    and (user is None or e["user"] == user)
                    and (channel is None or e["channel"] == channel)
                ]
            )

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Every accepted post to a response URL, with its effect (`stored_as`)."""
        with self._lock:
            return copy.deepcopy(self._responses)

    # --- modals -------------------------------------------------------------

    def issue_trigger(self, user: str, team: str | None = None) -> str:
        """A fresh trigger id for an interaction by `user`, as Slack puts in a click, a
        shortcut or a slash command; `views.open` exchanges it once, within 3 seconds."""
        trigger = inbound.new_trigger_id()
        with self._lock:
            self.workspace_of(team).triggers[trigger] = user
        return trigger

    def modals(self, user: str | None = None, team: str | None = None) -> list[dict[str, Any]]:
        """The modals open now (for `user`, if given), oldest first, as Slack keeps them:
        each with the `user` it is open for and the `errors` last shown in it."""
        with self._lock:
            return copy.deepcopy(
                [
                    m
                    for m in self.workspace_of(team).modals.values()
                    if not m.get("closed") and (user is None or m["user"] == user)
                ]
            )

    def modal(self, view_id: str, team: str | None = None) -> dict[str, Any]:
        """The modal `view_id` (open or closed); KeyError if none was opened."""
        with self._lock:
            return copy.deepcopy(self.workspace_of(team).modals[view_id])

    def submission(
        self, view_id: str, values: dict[str, str], team: str | None = None
    ) -> dict[str, Any]:
        """The `view_submission` payload of the modal's person submitting it with `values`
        (by block id; fields not given keep what the modal prefilled)."""
        with self._lock:
            view = copy.deepcopy(self.workspace_of(team).modals[view_id])
        return inbound.view_submission(view, values, user_id=view["user"], team_id=view["team_id"])

    def submitted(
        self, view_id: str, answer: dict[str, Any] | None, team: str | None = None
    ) -> str:
        """Apply the app's answer to a submission as Slack does; return what happened.

        `response_action: errors` keeps the modal open showing each field's message
        ("errors"); `update` replaces it ("updated"); `clear`, or an empty answer, closes it
        ("closed"). A `push` is not supported here and closes nothing ("pushed").
        """
        answer = answer or {}
        action = answer.get("response_action")
        with self._lock:
            modals = self.workspace_of(team).modals
            stored = modals[view_id]
            if action == "errors":
                stored["errors"] = dict(answer.get("errors") or {})
                outcome = "errors"
            elif action == "update" and isinstance(answer.get("view"), dict):
                replaced = self.api._stored_modal(answer["view"], view_id, stored["user"])
                modals[view_id] = replaced
                outcome = "updated"
            elif action == "push":
                outcome = "pushed"
            else:
                stored["closed"] = True
                outcome = "closed"
            event = Event("modal", {"user": stored["user"], "outcome": outcome, "id": view_id})
        self._notify([event])
        return outcome

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """The App Home view last published for each user id."""
        with self._lock:
            return copy.deepcopy(self.workspace.views)

    def clear(self) -> None:
        """Forget messages, ephemerals, responses and views.

        Channels, people, tokens and hooks stay.
        """
        with self._lock:
            self._responses.clear()
            for workspace in self.workspaces.values():
                workspace.messages.clear()
            self.workspace.ephemeral.clear()
            self.workspace.views.clear()
            self.workspace.modals.clear()

    # --- traffic ----------------------------------------------------------

    @property
    def arrivals(self) -> int:
        """How many requests have arrived so far (any path, answered or not)."""
        with self._traffic:
            return self._arrivals

    def wait_quiet(self, quiet: float = 0.05, timeout: float = 10.0) -> bool:
        """Wait until no request is being served and none arrived or was answered for
        `quiet` seconds; False if that did not happen within `timeout` seconds.

        A request held by a delay counts as being served until its answer is sent.
        """
        deadline = time.monotonic() + timeout
        with self._traffic:
            while True:
                now = time.monotonic()
                calm = now - self._last_traffic
                if self._in_flight == 0 and calm >= quiet:
                    return True
                if now >= deadline:
                    return False
                # Woken by every arrival and answer; else when the window would be over.
                until = deadline if self._in_flight else min(deadline, now + quiet - calm)
                self._traffic.wait(until - now)

    def _traffic_changed(self, change: int) -> None:
        with self._traffic:
            self._in_flight += change
            self._arrivals += max(change, 0)
            self._last_traffic = time.monotonic()
            self._traffic.notify_all()

    # --- serving ----------------------------------------------------------

    def _serve(self, handler: RequestHandler) -> None:
        """Route one HTTP request; never let a bad request kill the handler thread."""
        self._traffic_changed(+1)
        try:
            self._route(handler)
        except Exception:
            log.exception("local Slack failed to serve %s", handler.path)
            send(handler, Reply(500, {"ok": False, "error": "internal_error"}))
        finally:
            self._traffic_changed(-1)

    def _route(self, handler: RequestHandler) -> None:
        arrived, wall = time.monotonic(), time.time()
        url = urlsplit(handler.path)
        try:
            length = max(0, int(handler.headers.get("Content-Length") or 0))
        except ValueError:
            send(handler, Reply(400, {"ok": False, "error": "invalid_content_length"}))
            return
        raw = handler.rfile.read(length) if length else b""
        headers = dict(handler.headers.items())
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        arrival = _Arrival(handler, headers, arrived, wall)

        if url.path.startswith("/api/"):
            self._serve_api(arrival, url.path.removeprefix("/api/"), query, raw)
        elif url.path.startswith("/response/"):
            self._serve_response_url(arrival, url.path.removeprefix("/response/"), raw)
        elif url.path == AUTHORIZE_PATH and handler.command == "GET":
            with self._lock:
                status, page, extra = self.oauth.authorize_page(query)
            send(handler, Reply(status, page, extra, content_type="text/html; charset=utf-8"))
        else:
            request = Request(handler.command, url.path, query, headers, raw)
            reply = self.handle_route(request)
            send(handler, reply or Reply(404, {"ok": False, "error": "not_found"}))

    def _serve_api(self, arrival: _Arrival, method: str, query: dict[str, str], raw: bytes) -> None:
        try:
            params = {**query, **decode_body(arrival.headers, raw)}
        except ValueError:
            params = dict(query)
            body = {"ok": False, "error": "invalid_json"}
            self._finish(arrival, method, params, Reply(200, body))
            return
        channel = params.get("channel")
        channel = str(channel) if channel is not None else None

        def run() -> tuple[Reply, bool]:
            return self._run_method(method, params, arrival.headers)

        self._answer(arrival, method, channel, params, run)

    def _answer(
        self,
        arrival: _Arrival,
        method: str,
        channel: str | None,
        params: dict[str, Any],
        run: Callable[[], tuple[Reply, bool]],
    ) -> None:
        """Serve one call, or the hooks' detour of it, then tell the hooks and answer."""
        with self._lock:
            team = self.team_of_token(bearer(arrival.headers) or params.get("token"))
            decision = self._intercept(method, channel, arrival.at, team)
        if decision is None:
            reply, applied = run()
            self._finish(arrival, method, params, reply, applied=applied)
            return
        reply, applied = Reply(), False
        if decision.apply:
            reply, applied = run()
        if decision.delay > 0:
            self._stopping.wait(decision.delay)
        if decision.answers_normally:
            if not decision.apply:
                reply, applied = run()
        else:
            reply = _fault_reply(decision)
        self._finish(arrival, method, params, reply, applied=applied, decision=decision)

    def _intercept(
        self, method: str, channel: str | None, arrived: float, team: str
    ) -> Detour | None:
        for hook in self._hooks:
            detour = hook.intercept(method, channel, arrived, team)
            if detour is not None:
                return detour
        return None

    def _run_method(
        self, name: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[Reply, bool]:
        """Run a Web API method; return the answer and whether it took effect."""
        method = self._methods.get(name)
        if method is None:
            return Reply(200, {"ok": False, "error": "unknown_method"}), False
        with self._lock:
            problem = self._check_token(method, headers, params)
            if problem is not None:
                return Reply(200, {"ok": False, "error": problem}), False
            token = bearer(headers) or params.get("token")
            issued = self.oauth.tokens.get(str(token)) if token else None
            if issued is not None:
                team = issued.team
                self.api.caller = {
                    "id": team.id,
                    "name": team.name,
                    "enterprise_id": team.enterprise_id,
                    "is_enterprise_install": team.is_org,
                }
                # Each team's calls see its own channels and messages.
                self.api.workspace = self.workspace_of(team.id)
            try:
                if name == OAUTH_ACCESS:
                    answer = self.oauth.access(params, headers)
                else:
                    answer = method.handler(params)
            except ApiError as exc:
                answer = exc.to_response()
            except Exception:
                log.exception("local Slack method %s failed", name)
                answer = {"ok": False, "error": "internal_error"}
            finally:
                self.api.caller = None
                self.api.workspace = self.workspace
            events = self._drain_events()
        self._notify(events)
        return Reply(200, answer), bool(answer.get("ok"))

    def _check_token(
        self, method: Method, headers: dict[str, str], params: dict[str, Any]
    ) -> str | None:
        if method.token_kind == "none":
            return None
        token = bearer(headers) or params.get("token")
        if not token:
            return "not_authed"
        if token in self._revoked:
            return "token_revoked"
        if token in self.oauth.tokens:
            problem = self.oauth.problem_with(token)
            if problem is not None:
                return problem
            return None if method.token_kind == "bot" else "not_allowed_token_type"
        if token in self._bot_tokens:
            return None if method.token_kind == "bot" else "not_allowed_token_type"
        if token in self._app_tokens:
            return None if method.token_kind == "app" else "not_allowed_token_type"
        return "invalid_auth"

    def _serve_response_url(self, arrival: _Arrival, key: str, raw: bytes) -> None:
        with self._lock:
            context = self._response_urls.get(key)
        try:
            body = decode_body(arrival.headers, raw)
        except ValueError:
            body = {}
        if isinstance(body.get("payload"), str):
            # Also accept the form encoding some clients use: payload=<json>.
            try:
                body = json.loads(body["payload"])
            except json.JSONDecodeError:
                body = {}
        if not isinstance(body, dict):
            body = {}
        params = {"url_id": key, **body}
        if context is None:
            reply = Reply(404, {"ok": False, "error": "invalid_url"})
            self._finish(arrival, RESPONSE_URL_METHOD, params, reply)
            return

        def run() -> tuple[Reply, bool]:
            return self._apply_response(key, context, body, arrival.wall)

        channel = context.get("channel")
        self._answer(arrival, RESPONSE_URL_METHOD, channel, params, run)

    def _apply_response(
        self, key: str, context: dict[str, Any], body: dict[str, Any], wall: float
    ) -> tuple[Reply, bool]:
        """Check and apply a post to a response URL, and record it in `responses`."""
        problem = response_urls.problem_with(body)
        if problem is not None:
            return Reply(400, problem), False
        record: dict[str, Any] = {
            "url": f"{self.base_url}response/{key}",
            "channel": context["channel"],
            "user": context["user"],
            "original_ts": context["message_ts"],
            "response_type": body.get("response_type") or "ephemeral",
            "replace_original": response_urls.truthy(body.get("replace_original")),
            "delete_original": response_urls.truthy(body.get("delete_original")),
            "text": body.get("text") if isinstance(body.get("text"), str) else "",
            "blocks": body.get("blocks"),
            "thread_ts": body.get("thread_ts"),
            "body": body,
            "wall": wall,
        }
        with self._lock:
            stored = response_urls.apply_response(self.workspace, self.api.events, context, body)
            record["stored_as"] = stored
            record["ts"] = stored["ts"] if stored else None
            self._responses.append(record)
            self.api.events.append(Event("response", copy.deepcopy(record)))
            events = self._drain_events()
        self._notify(events)
        return Reply(200, {"ok": True}), True

    def _finish(
        self,
        arrival: _Arrival,
        method: str,
        params: dict[str, Any],
        reply: Reply,
        *,
        applied: bool = False,
        decision: Detour | None = None,
    ) -> None:
        call = Call(
            method=method,
            params=params,
            headers=arrival.headers,
            at=arrival.at,
            wall=arrival.wall,
            status=reply.status,
            response=reply.body if isinstance(reply.body, dict) else None,
            fault=decision.label if decision else None,
            early=decision.early if decision else False,
            applied=applied,
            path=arrival.handler.path,
            retry_after=decision.retry_after if decision else None,
            finished_at=time.monotonic(),
        )
        with self._lock:
            for hook in self._hooks:
                hook.answered(call)
        send(arrival.handler, reply)

    def _drain_events(self) -> list[Event]:
        events = list(self.api.events)
        self.api.events.clear()
        return events

    def _notify(self, events: list[Event]) -> None:
        for event in events:
            for listener in list(self._listeners):
                try:
                    listener(event.kind, event.data)
                except Exception:
                    log.exception("local Slack listener failed on %s", event.kind)


def _fault_reply(decision: Detour) -> Reply:
    headers = {}
    if decision.retry_after is not None:
        headers["Retry-After"] = str(decision.retry_after)
    return Reply(decision.status, {"ok": False, "error": decision.error}, headers)
