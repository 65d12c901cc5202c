"""Times are formatted in the viewer's time zone, read from the `sh_tz` cookie of the tab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from reflex.istate.data import RouterData

from socialhub.state.chat_list import ChatListState
from socialhub.state.clock import UTC_CLOCK, clock_for, tab_clock, zone_from_cookies
from socialhub.state.conversation import ConversationState
from tests.state.conftest import SignedInTab
from tests.support.chat import open_dm, send

WINTER = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 23, 30, tzinfo=UTC)


def test_a_zone_formats_local_times_with_its_daylight_saving() -> None:
    berlin, tokyo = clock_for("Europe/Berlin"), clock_for("Asia/Tokyo")
    assert berlin.time(WINTER) == "00:30"  # UTC+1
    assert berlin.time(SUMMER) == "01:30"  # UTC+2
    assert tokyo.date_time(WINTER) == "2026-01-16 08:30"
    assert berlin.day(WINTER) == "2026-01-16"
    assert UTC_CLOCK.day(WINTER) == "2026-01-15"
    assert berlin.month_year(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "January 2027"


def test_a_naive_time_is_read_as_utc() -> None:
    naive = WINTER.replace(tzinfo=None)
    assert clock_for("Asia/Tokyo").time(naive) == clock_for("Asia/Tokyo").time(WINTER) == "08:30"


@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "x" * 200]
)
def test_a_missing_or_unknown_zone_is_utc(zone: str) -> None:
    assert clock_for(zone) is UTC_CLOCK


def test_the_zone_comes_from_the_cookie_url_encoded() -> None:
    cookie = "sh_session=abc; sh_tz=America%2FArgentina%2FBuenos_Aires"
    assert zone_from_cookies(cookie) == "America/Argentina/Buenos_Aires"
    assert zone_from_cookies("sh_session=abc") == ""


def test_day_labels_are_relative_to_the_viewers_today() -> None:
    tokyo = clock_for("Asia/Tokyo")
    now = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # already 3 December in Tokyo
    assert tokyo.day_label("2026-12-03", now) == "Today"
    assert tokyo.day_label("2026-12-02", now) == "Yesterday"
    assert tokyo.day_label("2026-11-30", now) == "Monday, 30 November"
    assert tokyo.day_label("2025-11-30", now) == "30 November 2025"
    assert UTC_CLOCK.day_label("2026-12-02", now) == "Today"


async def test_a_tab_shows_the_chat_times_in_its_browsers_zone(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = open_dm(bob, "alice")
    message = send(bob, chat, "what time is it?")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    headers = dict(root.router.headers.raw_headers.items())
    cookie = f"{headers['cookie']}; sh_tz=Asia%2FKolkata"
    path = f"/messages/{chat}"
    root.router = RouterData.from_router_data(
        {"headers": {**headers, "cookie": cookie}, "pathname": path, "asPath": path}
    )
    assert tab_clock(root).name == "Asia/Kolkata"

    chat_list = await root.get_state(ChatListState)
    await ChatListState.load.fn(chat_list)
    conversation = await root.get_state(ConversationState)
    expected = clock_for("Asia/Kolkata").time(message.created_at)  # UTC+5:30
    assert expected != UTC_CLOCK.time(message.created_at)
    assert [row.when for row in conversation.messages] == [expected]
    assert [row.when for row in chat_list.chats] == [expected]
