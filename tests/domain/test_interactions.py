"""Likes and comments: counts kept exact, rights, blocks, and who is told."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialhub.domain import blocks, comments, likes, posts
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from tests.support.chat import key, recipients
from tests.support.social import act, follow, post


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def counts(viewer: int, post_id: str) -> tuple[int, int]:
    shown = act(viewer, lambda s, u: posts.get_post(s, u, post_id))
    return shown.like_count, shown.comment_count


def comment(user: int, post_id: str, body: str, reply_to: str | None = None) -> str:
    return act(
        user,
        lambda s, u: comments.check_add_comment(s, u, post_id, body=body, reply_to_id=reply_to).id,
    )


def test_likes_count_once_and_tell_the_author(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "like me")
    events.clear()
    for _ in range(2):
        act(bob, lambda s, u: likes.check_like(s, u, post_id))
    act(alice, lambda s, u: likes.check_like(s, u, post_id))
    assert recipients(events, "like", "add") == {key(alice)}
    assert len([e for k, e in events if e["type"] == "like"]) == 1  # not for your own post
    counted = [e["data"]["like_count"] for k, e in events if e["op"] == "counts"]
    assert counted == [1, 2]
    assert counts(carol, post_id) == (2, 0)
    assert act(bob, lambda s, u: posts.get_post(s, u, post_id)).liked_by_me
    page = act(carol, lambda s, u: likes.list_likers(s, u, post_id, limit=1))
    assert [p.username for p in page.people] == ["alice"]
    rest = act(carol, lambda s, u: likes.list_likers(s, u, post_id, cursor=page.next_cursor))
    assert [p.username for p in rest.people] == ["bob"]
    for _ in range(2):
        act(bob, lambda s, u: likes.check_unlike(s, u, post_id))
    assert counts(carol, post_id) == (1, 0)


def test_nobody_likes_or_comments_what_they_cannot_see(people: tuple[int, int, int]) -> None:
    alice, bob, carol = people
    follow(bob, "alice")
    private = post(alice, "followers only", visibility="followers")
    with pytest.raises(NotFound):
        act(carol, lambda s, u: likes.check_like(s, u, private))
    with pytest.raises(NotFound):
        comment(carol, private, "let me in")
    comment(bob, private, "I can")


def test_comments_replies_and_counts(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "discuss")
    events.clear()
    top = comment(bob, post_id, "first!")
    assert recipients(events, "comment", "add") == {key(alice), f"topic:post:{post_id}"}
    events.clear()
    reply = comment(carol, post_id, "@bob agreed", reply_to=top)
    assert recipients(events, "comment", "add") == {key(alice), key(bob), f"topic:post:{post_id}"}
    # A reply to a reply joins the same thread: one level only.
    deep = comment(alice, post_id, "thanks both", reply_to=reply)
    page = act(carol, lambda s, u: comments.list_comments(s, u, post_id))
    assert [c.body for c in page.comments] == ["first!"]
    assert page.comments[0].reply_count == 2
    assert [r.id for r in page.comments[0].replies] == [reply, deep]
    assert '<a href="/u/bob"' in page.comments[0].replies[0].html
    assert counts(carol, post_id) == (0, 3)

    with pytest.raises(InvalidInput):
        comment(bob, post_id, "   ")
    with pytest.raises(InvalidInput):
        comment(bob, post_id, "x" * 2001)
    other = post(alice, "another")
    with pytest.raises(NotFound):
        comment(bob, other, "misplaced", reply_to=top)


def test_edit_and_delete_rights(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "my post")
    bobs = comment(bob, post_id, "bob's take")
    comment(carol, post_id, "reply", reply_to=bobs)
    with pytest.raises(PermissionDenied):
        act(alice, lambda s, u: comments.check_edit_comment(s, u, bobs, body="alice edits"))
    with pytest.raises(PermissionDenied):
        act(carol, lambda s, u: comments.check_delete_comment(s, u, bobs))
    events.clear()
    act(bob, lambda s, u: comments.check_edit_comment(s, u, bobs, body="bob's better take"))
    assert recipients(events, "comment", "edit") == {f"topic:post:{post_id}"}
    shown = act(bob, lambda s, u: comments.get_comment(s, u, bobs))
    assert (shown.body, shown.edited, shown.can_edit, shown.can_delete) == (
        "bob's better take",
        True,
        True,
        True,
    )
    # The post's author deletes any comment; its replies go with it.
    act(alice, lambda s, u: comments.check_delete_comment(s, u, bobs))
    assert counts(alice, post_id) == (0, 0)
    assert act(alice, lambda s, u: comments.list_comments(s, u, post_id)).comments == []


def test_blocks_stop_comments_and_hide_them(
    people: tuple[int, int, int], make_user: Callable[..., int]
) -> None:
    alice, bob, carol = people
    post_id = post(alice, "open to all")
    comment(carol, post_id, "carol was here")
    comment(bob, post_id, "bob too")
    act(alice, lambda s, u: blocks.check_block(s, u, "bob"))
    with pytest.raises(NotFound):
        comment(bob, post_id, "let me")
    # Someone who blocks Carol no longer sees her comments under other people's posts.
    dave = make_user("dave")
    act(dave, lambda s, u: blocks.check_block(s, u, "carol"))
    shown = act(dave, lambda s, u: comments.list_comments(s, u, post_id))
    assert [c.body for c in shown.comments] == ["bob too"]
