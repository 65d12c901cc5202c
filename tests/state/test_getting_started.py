"""The states of getting started: mention candidates for the box being written in, the people
picker, the invite preview before joining and people to follow on an empty home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from socialhub.db import transaction
from socialhub.domain import chats
from socialhub.state.chat_admin import ChatAdminState
from socialhub.state.conversation import ConversationState
from socialhub.state.getting_started import (
    InvitePreviewState,
    MentionState,
    PeoplePickerState,
    SuggestionState,
)
from tests.state.conftest import SignedInTab, event_args
from tests.support.chat import create_group, load_user
from tests.support.social import follow


@pytest.fixture
def crowd(make_user: Callable[..., int]) -> dict[str, int]:
    return {name: make_user(name) for name in ("owner", "mara", "marc", "maria")}


async def state_of(tab: Any, cls: type[Any]) -> Any:
    return await tab.get_state(cls)


async def test_mentions_answer_the_request_they_were_asked(
    crowd: dict[str, int], signed_in_tab: SignedInTab
) -> None:
    owner = crowd["owner"]
    chat = create_group(owner, ["maria"])
    follow(owner, "marc")
    mentions = await state_of(await signed_in_tab(owner, f"/messages/{chat}"), MentionState)

    await MentionState.lookup.fn(mentions, f"{chat}|ma")
    assert mentions.request == f"{chat}|ma"
    assert [(p.username, p.note) for p in mentions.candidates] == [
        ("maria", "in this chat"),
        ("marc", "you follow"),
        ("mara", ""),
    ]
    await MentionState.lookup.fn(mentions, "|mar")
    assert [p.username for p in mentions.candidates] == ["marc", "mara", "maria"]
    # A chat I am not in offers nobody, and says nothing.
    await MentionState.lookup.fn(mentions, "nope|ma")
    assert (mentions.request, mentions.candidates) == ("nope|ma", [])


async def test_the_picker_gathers_chips_for_a_new_group(
    crowd: dict[str, int], signed_in_tab: SignedInTab
) -> None:
    picker = await state_of(await signed_in_tab(crowd["owner"], "/messages"), PeoplePickerState)
    PeoplePickerState.start.fn(picker, "group")
    await PeoplePickerState.search.fn(picker, "mar")
    assert [p.username for p in picker.results] == ["mara", "marc", "maria"]
    PeoplePickerState.choose.fn(picker, "marc")
    PeoplePickerState.choose.fn(picker, "mara")
    PeoplePickerState.choose.fn(picker, "maria")
    assert picker.chosen_usernames == "marc,mara,maria"
    # The results stay put (ticked), and picking one again takes it back.
    assert [p.username for p in picker.results] == ["mara", "marc", "maria"]
    PeoplePickerState.choose.fn(picker, "maria")
    assert picker.chosen_usernames == "marc,mara"
    PeoplePickerState.remove.fn(picker, "marc")
    assert picker.chosen_usernames == "mara"
    PeoplePickerState.start.fn(picker, "group")
    assert (picker.chosen, picker.results, picker.query) == ([], [], "")


async def test_the_picker_adds_people_to_the_open_group(
    crowd: dict[str, int], signed_in_tab: SignedInTab
) -> None:
    owner = crowd["owner"]
    chat = create_group(owner, ["mara"])
    tab = await signed_in_tab(owner, f"/messages/{chat}")
    conversation = await state_of(tab, ConversationState)
    assert await conversation._open(chat) is None
    picker = await state_of(tab, PeoplePickerState)
    PeoplePickerState.start.fn(picker, "add")
    await PeoplePickerState.search.fn(picker, "mar")
    assert [p.username for p in picker.results] == ["marc", "maria"]  # mara is in already
    PeoplePickerState.choose.fn(picker, "maria")

    events = await PeoplePickerState.add_to_chat.fn(picker)
    assert picker.chosen == []
    assert "Members added" in str(events)
    admin = await state_of(tab, ChatAdminState)
    assert sorted(m.username for m in admin.members) == ["mara", "maria", "owner"]
    with transaction() as s:
        assert chats.membership(s, chat, crowd["maria"]) is not None


async def test_the_invite_page_previews_and_joins_only_on_request(
    crowd: dict[str, int], signed_in_tab: SignedInTab
) -> None:
    owner, guest = crowd["owner"], crowd["mara"]
    chat = create_group(owner, [], title="Climbers")
    with transaction() as s:
        code = chats.check_create_invite(s, load_user(s, owner), chat).code
    preview = await state_of(await signed_in_tab(guest, f"/join/{code}"), InvitePreviewState)

    await InvitePreviewState.load.fn(preview)
    assert (preview.title, preview.members_text, preview.is_member) == (
        "Climbers",
        "1 member",
        False,
    )
    with transaction() as s:
        assert chats.membership(s, chat, guest) is None

    events = [e async for e in InvitePreviewState.join.fn(preview)]
    assert event_args(events, "path") == [f"/messages/{chat}"]
    with transaction() as s:
        assert chats.membership(s, chat, guest) is not None


async def test_an_unknown_invite_shows_the_problem(
    crowd: dict[str, int], signed_in_tab: SignedInTab
) -> None:
    preview = await state_of(await signed_in_tab(crowd["mara"], "/join/nope"), InvitePreviewState)
    await InvitePreviewState.load.fn(preview)
    assert (preview.title, preview.problem) == ("", "this invite link is not valid")


async def test_people_to_follow_only_while_following_nobody(
    crowd: dict[str, int], signed_in_tab: SignedInTab
) -> None:
    follow(crowd["mara"], "maria")
    suggestions = await state_of(await signed_in_tab(crowd["owner"], "/"), SuggestionState)
    await SuggestionState.load.fn(suggestions)
    names = [p.username for p in suggestions.people]
    assert names[0] == "maria"
    assert suggestions.people[0].note == "1 follower"

    await SuggestionState.toggle_follow.fn(suggestions, "maria")
    assert suggestions.followed == ["maria"]
    await SuggestionState.toggle_follow.fn(suggestions, "maria")
    assert suggestions.followed == []
    await SuggestionState.toggle_follow.fn(suggestions, "marc")
    await SuggestionState.load.fn(suggestions)
    assert suggestions.people == []


async def test_a_visitor_gets_no_suggestions_and_no_toast(make_user: Callable[..., int]) -> None:
    from reflex.state import State

    make_user("someone")
    root = State(_reflex_internal_init=True)
    suggestions = await root.get_state(SuggestionState)
    assert await SuggestionState.load.fn(suggestions) is None
    assert suggestions.people == []
