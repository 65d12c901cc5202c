"""The Reflex app: pages, the REST API, the PWA head and the realtime hub task."""

from __future__ import annotations

import sys

import reflex as rx

import backend_jobs.link_previews  # (link previews are fetched by jobs)
import backend_jobs.media  # (uploads are processed by jobs)
import backend_jobs.webhooks  # noqa: F401  (messages' outgoing webhooks are enqueued as jobs)
from socialhub.api.app import create_api
from socialhub.delivery import connections
from socialhub.logs import configure_logging
from socialhub.pages import seo, server_settings
from socialhub.pages.auth import ON_LOAD as PUBLIC_ON_LOAD
from socialhub.pages.auth import login_page, signup_page
from socialhub.pages.developer import developer_page
from socialhub.pages.explore import explore_page
from socialhub.pages.front import front_page
from socialhub.pages.join import join_page
from socialhub.pages.messages import messages_page
from socialhub.pages.not_found import TITLE as NOT_FOUND_TITLE
from socialhub.pages.not_found import not_found_page
from socialhub.pages.people import people_page
from socialhub.pages.post import post_page
from socialhub.pages.profile import profile_page
from socialhub.pages.servers import server_invite_page, server_page, servers_page
from socialhub.pages.settings import settings_page
from socialhub.pages.stories import stories_page
from socialhub.realtime.hub import get_hub
from socialhub.state import (
    live_features,  # noqa: F401  (registers the listener's features)
    server_live,  # noqa: F401  (and the servers' feature)
)
from socialhub.state.chat_list import ChatListState
from socialhub.state.clock import TZ_SCRIPT
from socialhub.state.developer import DeveloperState
from socialhub.state.feed import FeedState
from socialhub.state.getting_started import InvitePreviewState, SuggestionState
from socialhub.state.graph_lists import GraphListState
from socialhub.state.not_found import NotFoundState
from socialhub.state.profile import ProfileState
from socialhub.state.realtime import RealtimeState, TabActivity
from socialhub.state.server_invites import ServerJoinState
from socialhub.state.server_members import ServerMembersState
from socialhub.state.servers import ServerState
from socialhub.state.settings import SettingsState
from socialhub.state.stories import StoryState
from socialhub.state.thread_parent import ThreadParentState
from socialhub.state.unread import UnreadState

configure_logging()
# Database work runs in threads; every sqlite3/psycopg call releases the GIL and must take it
# back from the event loop's thread. At the default 5 ms switch interval a transaction of ten
# statements waited up to 50 ms for the GIL while holding SQLite's write lock (bench/README.md).
sys.setswitchinterval(0.0005)

HEAD = [
    # First: the websocket's handshake must carry the viewer's time zone (state/clock.py).
    rx.script(TZ_SCRIPT),
    # On a phone the on-screen keyboard shrinks the page, so the chat's composer stays above it.
    rx.el.meta(
        name="viewport",
        content="width=device-width, initial-scale=1, interactive-widget=resizes-content",
    ),
    rx.el.link(rel="manifest", href="/manifest.webmanifest"),
    rx.el.meta(name="theme-color", content="#6e56cf"),
    rx.el.link(rel="icon", href="/icon-192.png"),
    rx.el.link(rel="apple-touch-icon", href="/icon-192.png"),
    rx.script("if ('serviceWorker' in navigator) { navigator.serviceWorker.register('/sw.js'); }"),
    # limits.js listens on the window, outbox.js on the document: a send limits.js refuses never
    # reaches the outbox, whichever of the two loaded first.
    rx.script(src="/limits.js"),
    rx.script(src="/outbox.js"),
    rx.script(src="/composer.js"),
    rx.script(src="/infinite.js"),
    rx.script(src="/unread.js"),
    rx.script(src="/mentions.js"),
    rx.script(src="/share.js"),
    rx.script(src="/viewport.js"),
    rx.script(src="/longpress.js"),
    rx.script(src="/posts.js"),
    rx.script(src="/chat_reading.js"),
    rx.script(src="/emoji.js"),
    rx.script(src="/stories.js"),
    rx.script(src="/servers.js"),
    rx.script(src="/commands.js"),
]

app = rx.App(
    api_transformer=create_api(),
    head_components=HEAD,
    stylesheets=[
        "/styles.css",
        "/unread.css",
        "/people.css",
        "/chat_phone.css",
        "/errors.css",
        "/chat_reading.css",
        "/emoji.css",
        "/stories.css",
        "/servers.css",
        "/commands.css",
    ],
)


async def run_hub() -> None:
    await get_hub().run()


# What a tab's listener knows of its screen holds until the tab's next event.
app.add_middleware(TabActivity())
app.register_lifespan_task(run_hub)
app.register_lifespan_task(connections.heartbeat)


def live(*loaders: object) -> list[object]:
    """A signed-in page's on_load: fix the stream position, read the page, start the listener.

    Reflex re-runs on_load on every websocket (re)connect: after a server restart the tab gets
    a listener again and replays what it missed from its stream position (on_mount would not
    fire again). The position is read before the page's data, so nothing slips in between.
    The listener (a background event) is chained by `RealtimeState.start`, the last of the
    steps: Reflex starts a background event the moment it is queued, ahead of the ordinary
    events queued before it, so listed here it would start before the page had read anything."""
    return [RealtimeState.begin, *loaders, UnreadState.load, RealtimeState.start]


app.add_page(
    front_page,  # a visitor gets explore (or /login, with PUBLIC_READS=false)
    route="/",
    title="SocialHub",
    description=seo.SITE_DESCRIPTION,
    on_load=live(FeedState.load, StoryState.load_tray, SuggestionState.load),
)
app.add_page(
    stories_page,
    route="/stories/[username]",
    title="Stories · SocialHub",
    on_load=live(StoryState.open_viewer),
    meta=seo.NOINDEX,
)
app.add_page(
    explore_page,
    route="/explore",
    title="Explore · SocialHub",
    description=seo.EXPLORE_DESCRIPTION,
    on_load=live(FeedState.load),
)
app.add_page(
    explore_page,
    route="/tag/[tag]",
    title="Hashtag · SocialHub",
    description=seo.TAG_DESCRIPTION,
    on_load=live(FeedState.load),
)
app.add_page(
    post_page,
    route="/p/[post_id]",
    title="Post · SocialHub",
    description=seo.POST_DESCRIPTION,
    on_load=live(FeedState.load),
)
app.add_page(
    login_page,
    route="/login",
    title="Log in · SocialHub",
    description=seo.LOGIN_DESCRIPTION,
    on_load=PUBLIC_ON_LOAD,
)
app.add_page(
    signup_page,
    route="/signup",
    title="Sign up · SocialHub",
    description=seo.SIGNUP_DESCRIPTION,
    on_load=PUBLIC_ON_LOAD,
)
app.add_page(
    profile_page,
    route="/u/[username]",
    title="Profile · SocialHub",
    description=seo.PROFILE_DESCRIPTION,
    on_load=live(ProfileState.load, FeedState.load, StoryState.load_tray),
)
for route, title in (
    ("/u/[username]/followers", "Followers"),
    ("/u/[username]/following", "Following"),
    ("/friends", "Friends"),
    ("/friends/requests", "Friend requests"),
    ("/friends/sent", "Sent requests"),
):
    app.add_page(
        people_page,
        route=route,
        title=f"{title} · SocialHub",
        on_load=live(GraphListState.load),
        meta=seo.NOINDEX,
    )
app.add_page(
    settings_page,
    route="/settings",
    title="Settings · SocialHub",
    on_load=live(SettingsState.load),
    meta=seo.NOINDEX,
)
app.add_page(
    developer_page,
    route="/settings/developer",
    title="Developer · SocialHub",
    on_load=live(DeveloperState.load),
    meta=seo.NOINDEX,
)
app.add_page(
    messages_page,
    route="/messages",
    title="Messages · SocialHub",
    on_load=live(ChatListState.load),
    meta=seo.NOINDEX,
)
app.add_page(
    messages_page,
    route="/messages/[chat_id]",
    title="Messages · SocialHub",
    on_load=live(ChatListState.load),
    meta=seo.NOINDEX,
)
app.add_page(
    join_page,
    route="/join/[code]",
    title="Join · SocialHub",
    on_load=InvitePreviewState.load,
    meta=seo.NOINDEX,
)
app.add_page(
    servers_page,
    route="/servers",
    title="Servers · SocialHub",
    on_load=live(ServerState.load, ServerJoinState.load_discovery),
    meta=seo.NOINDEX,
)
for route in ("/servers/[server_id]", "/servers/[server_id]/[channel_id]"):
    app.add_page(
        server_page,
        route=route,
        title="Servers · SocialHub",
        on_load=live(ServerState.load, ThreadParentState.follow, ServerMembersState.sync),
        meta=seo.NOINDEX,
    )
app.add_page(
    server_invite_page,
    route="/server-invite/[code]",
    title="Server invite · SocialHub",
    on_load=live(ServerJoinState.load_invite),
    meta=seo.NOINDEX,
)
app.add_page(
    server_settings.server_settings_page,
    route="/servers/[server_id]/settings",
    title="Server settings · SocialHub",
    on_load=live(*server_settings.LOADERS),
    meta=seo.NOINDEX,
)
# Reflex's own 404 route: served for every unknown path.
app.add_page(not_found_page, route="404", title=NOT_FOUND_TITLE, on_load=NotFoundState.load)
