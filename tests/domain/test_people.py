"""Finding people: mention candidates (chat members first), people search, follow suggestions
for a new user, and the preview of an invite link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from socialhub.db import transaction
from socialhub.domain import blocks, chats, invites, people
from socialhub.domain.errors import InvalidInput, NotFound
from socialhub.models import InviteLink, User
from socialhub.models.base import utcnow
from tests.support.chat import create_group
from tests.support.social import act, follow


@pytest.fixture
def crowd(make_user: Callable[..., int]) -> dict[str, int]:
    names = ("vic", "mara", "marc", "maria", "mateo", "zed")
    users = {name: make_user(name, display_name=name.title()) for name in names}
    users["me"] = users["vic"]
    return users


def mention(viewer: int, prefix: str, chat: str | None = None, limit: int = 8) -> list[str]:
    return [
        c.username
        for c in act(
            viewer,
            lambda s, u: people.mention_candidates(s, u, prefix, conversation_id=chat, limit=limit),
        )
    ]


def block(actor: int, username: str) -> None:
    act(actor, lambda s, u: blocks.check_block(s, u, username))


def test_mentions_put_chat_members_first_then_people_followed(crowd: dict[str, int]) -> None:
    me = crowd["me"]
    chat = create_group(me, ["mateo", "zed"])
    follow(me, "marc")
    assert mention(me, "ma") == ["marc", "mara", "maria", "mateo"]
    assert mention(me, "@MA", chat) == ["mateo", "marc", "mara", "maria"]
    found = act(me, lambda s, u: people.mention_candidates(s, u, "ma", conversation_id=chat))
    assert [(c.in_chat, c.is_following) for c in found][:2] == [(True, False), (False, True)]


def test_a_bare_at_offers_members_and_people_followed_only(crowd: dict[str, int]) -> None:
    me = crowd["me"]
    chat = create_group(me, ["zed"])
    follow(me, "maria")
    assert mention(me, "@", chat) == ["zed", "maria"]
    assert mention(me, "") == ["maria"]


def test_mentions_never_offer_me_blocked_or_suspended_people(crowd: dict[str, int]) -> None:
    me = crowd["me"]
    block(me, "mara")
    block(crowd["marc"], "vic")
    with transaction() as s:
        user = s.get(User, crowd["maria"])
        assert user is not None
        user.suspended_at = utcnow()
        s.add(user)
    assert mention(me, "m") == ["mateo"]
    assert mention(crowd["mara"], "vi") == []


def test_mentions_in_a_chat_i_am_not_in_are_not_found(crowd: dict[str, int]) -> None:
    chat = create_group(crowd["mara"], ["marc"])
    with pytest.raises(NotFound):
        mention(crowd["me"], "ma", chat)


def test_mention_limits_and_bad_input(crowd: dict[str, int]) -> None:
    me = crowd["me"]
    assert len(mention(me, "ma", limit=2)) == 2
    for bad in ({"prefix": "x" * 51}, {"prefix": "ma", "limit": 0}, {"prefix": "ma", "limit": 51}):
        with pytest.raises(InvalidInput):
            mention(me, **bad)  # type: ignore[arg-type]
    assert mention(me, "100%_") == []  # wildcards are text


def test_search_people_followed_first_and_not_in_a_chat(crowd: dict[str, int]) -> None:
    me = crowd["me"]
    follow(me, "mateo")
    block(crowd["maria"], "vic")

    def search(query: str, not_in: str | None = None) -> list[str]:
        found = act(me, lambda s, u: people.search_people(s, u, query, not_in_conversation=not_in))
        return [p.username for p in found]

    assert search("ma") == ["mateo", "mara", "marc"]
    assert search("") == []
    assert search("vi") == []  # never myself
    chat = create_group(me, ["mara"])
    assert search("ma", not_in=chat) == ["mateo", "marc"]
    with pytest.raises(NotFound):
        search("ma", not_in=create_group(crowd["zed"], []))


def test_suggestions_friends_of_friends_then_popular(crowd: dict[str, int]) -> None:
    me, mara = crowd["me"], crowd["mara"]
    for fan in (crowd["marc"], crowd["zed"], crowd["mateo"]):
        follow(fan, "maria")  # the most followed
    follow(me, "mara")
    follow(mara, "zed")  # followed by someone I follow
    block(me, "mateo")

    suggested = act(me, lambda s, u: people.suggest_follows(s, u, limit=10))
    names = [p.username for p in suggested]
    assert names[:2] == ["zed", "maria"]
    assert "mara" not in names  # already followed
    assert "vic" not in names
    assert "mateo" not in names
    assert set(names) == {"zed", "maria", "marc"}
    assert [(p.mutual_count, p.followers_count) for p in suggested[:2]] == [(1, 1), (0, 3)]


def test_a_new_user_on_a_new_instance_gets_suggestions(make_user: Callable[..., int]) -> None:
    older, newest = make_user("older"), make_user("newest")
    assert [p.username for p in act(newest, people.suggest_follows)] == ["older"]
    assert [p.username for p in act(older, people.suggest_follows)] == ["newest"]


def invite(owner: int, chat: str, **options: object) -> str:
    return act(
        owner,
        lambda s, u: chats.check_create_invite(s, u, chat, **options),  # type: ignore[arg-type]
    ).code


def test_an_invite_preview_shows_the_group_before_joining(crowd: dict[str, int]) -> None:
    owner, guest = crowd["mara"], crowd["me"]
    chat = create_group(owner, ["marc"], title="Climbers")
    code = invite(owner, chat)
    preview = act(guest, lambda s, u: invites.preview_invite(s, u, code))
    assert (preview.title, preview.member_count, preview.is_member) == ("Climbers", 2, False)
    assert preview.picture_url is None
    # Looking is not joining.
    with transaction() as s:
        assert chats.membership(s, chat, guest) is None
    act(guest, lambda s, u: chats.check_join_by_invite(s, u, code))
    preview = act(guest, lambda s, u: invites.preview_invite(s, u, code))
    assert (preview.member_count, preview.is_member) == (3, True)


def test_dead_invite_links_have_no_preview(crowd: dict[str, int]) -> None:
    owner, guest = crowd["mara"], crowd["me"]
    chat = create_group(owner, [], title="Climbers")
    revoked, expired, used = (
        invite(owner, chat),
        invite(owner, chat),
        invite(owner, chat, max_uses=1),
    )
    act(owner, lambda s, u: chats.check_revoke_invite(s, u, revoked))
    with transaction() as s:
        link = s.get(InviteLink, expired)
        assert link is not None
        link.expires_at = utcnow() - timedelta(seconds=1)
        s.add(link)
    act(crowd["marc"], lambda s, u: chats.check_join_by_invite(s, u, used))
    for code in (revoked, expired, used, "no-such-code", ""):
        with pytest.raises(NotFound) as caught:
            act(guest, lambda s, u, code=code: invites.preview_invite(s, u, code))
        assert caught.value.code == "invite_not_found"
