"""Posts channels: a feed of social posts inside a server, seen only by who may view the channel,
never on profiles, home, explore, hashtags or trending; likes, comments and moderation there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from socialhub.db import read_session, transaction
from socialhub.domain import (
    comments,
    feeds,
    likes,
    messages,
    permissions,
    polls,
    posts,
    reports,
    servers,
    trending,
    visitors,
)
from socialhub.domain.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import (
    AuditLogEntry,
    ChannelType,
    PermissionOverwrite,
    Post,
    Server,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollSpec
from tests.support.chat import Events, key, only, recipients
from tests.support.servers import everyone, general, make_server
from tests.support.social import act, follow


@dataclass(frozen=True)
class Club:
    """A server owned by Ada with a posts channel hidden from @everyone: Bob may view and post,
    Eve may view and moderate but not post, Cyd (a member) may not view it; Dan is no member.
    Ada and Dan follow Bob."""

    ada: int
    bob: int
    cyd: int
    dan: int
    eve: int
    server_id: str
    channel_id: str
    text_channel_id: str


def _overwrite(s: Session, server_id: str, channel_id: str, target: str, **bits: int) -> None:
    kind = "member" if target.isdigit() else "role"
    s.add(
        PermissionOverwrite(
            server_id=server_id, scope_id=channel_id, target_type=kind, target_id=target, **bits
        )
    )


@pytest.fixture
def club(make_user: Callable[..., int]) -> Club:
    ada, bob, cyd, dan, eve = (make_user(n) for n in ("ada", "bob", "cyd", "dan", "eve"))
    server_id = make_server(ada, members=(bob, cyd, eve))
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        channel = servers.do_create_channel(s, server, name="club", channel_type=ChannelType.posts)
        _overwrite(
            s,
            server_id,
            channel.id,
            everyone(s, server_id).id,
            deny=int(Permission.VIEW_CHANNEL),
        )
        _overwrite(s, server_id, channel.id, str(bob), allow=int(Permission.VIEW_CHANNEL))
        _overwrite(
            s,
            server_id,
            channel.id,
            str(eve),
            allow=int(Permission.VIEW_CHANNEL | Permission.MANAGE_MESSAGES),
            deny=int(Permission.SEND_MESSAGES),
        )
        permissions.bump_version(s, server)
        text_channel_id = general(s, server_id).id
        channel_id = channel.id
    follow(ada, "bob")
    follow(dan, "bob")
    return Club(ada, bob, cyd, dan, eve, server_id, channel_id, text_channel_id)


def channel_post(author: int, channel_id: str, body: str = "hello club", **kw: Any) -> str:
    return act(
        author,
        lambda s, u: posts.check_create_post(s, u, body=body, channel_id=channel_id, **kw).id,
    )


def feed_ids(viewer: int, channel_id: str) -> list[str]:
    page = act(viewer, lambda s, u: feeds.channel_feed(s, u, channel_id))
    return [p.id for p in page.posts]


def visitor() -> User:
    return visitors.check_may_read(None, visitors.PublicRead.post)


def refused(work: Callable[[Session, User], object], user: int | None) -> DomainError:
    """The error `work` raises for `user` (None: a visitor)."""
    with pytest.raises(DomainError) as caught:
        if user is None:
            with transaction() as s:
                work(s, visitor())
        else:
            act(user, work)
    return caught.value


def test_viewers_post_like_and_comment_and_only_they_hear_of_it(club: Club, events: Events) -> None:
    events.clear()
    post_id = channel_post(club.bob, club.channel_id, "first post in the club")
    viewers = {key(club.ada), key(club.bob), key(club.eve)}
    assert recipients(events, "post", "add") == viewers
    assert only(events, "post", "add")[0]["data"] == {
        "post_id": post_id,
        "author_id": club.bob,
        "channel_id": club.channel_id,
        "server_id": club.server_id,
    }

    act(club.ada, lambda s, u: likes.check_like(s, u, post_id))
    act(club.ada, lambda s, u: comments.check_add_comment(s, u, post_id, body="welcome"))
    assert recipients(events, "like", "add") == {key(club.bob)}
    assert recipients(events, "comment", "add") == {key(club.bob), f"topic:post:{post_id}"}

    page = act(club.ada, lambda s, u: feeds.channel_feed(s, u, club.channel_id))
    (shown,) = page.posts
    assert (shown.id, shown.channel_id, shown.like_count, shown.comment_count) == (
        post_id,
        club.channel_id,
        1,
        1,
    )
    assert shown.liked_by_me
    assert feed_ids(club.eve, club.channel_id) == [post_id]
    likers = act(club.bob, lambda s, u: likes.list_likers(s, u, post_id))
    assert [p.id for p in likers.people] == [club.ada]

    events.clear()
    act(club.bob, lambda s, u: posts.check_edit_post(s, u, post_id, body="edited"))
    assert recipients(events, "post", "update") == viewers
    assert only(events, "post", "update")[0]["data"]["post"]["body"] == "edited"
    # Whoever watches the post's page reloads it through the access rule.
    assert recipients(events, "post", "edit") == {f"topic:post:{post_id}"}
    assert only(events, "post", "edit")[0]["data"]["post"] is None


def test_outsiders_members_without_view_and_visitors_find_nothing(club: Club) -> None:
    poll = PollSpec(options=["yes", "no"])
    post_id = channel_post(club.bob, club.channel_id, "members only", poll=poll)
    comment_id = act(club.ada, lambda s, u: comments.check_add_comment(s, u, post_id, body="hi").id)
    reads: list[Callable[[Session, User], object]] = [
        lambda s, u: posts.get_post(s, u, post_id),
        lambda s, u: likes.list_likers(s, u, post_id),
        lambda s, u: likes.check_like(s, u, post_id),
        lambda s, u: comments.list_comments(s, u, post_id),
        lambda s, u: comments.get_comment(s, u, comment_id),
        lambda s, u: comments.check_add_comment(s, u, post_id, body="me too"),
        lambda s, u: polls.get_poll(s, u, post_id),
        lambda s, u: polls.check_vote(s, u, post_id, [1]),
        lambda s, u: posts.check_repost(s, u, post_id),
        lambda s, u: reports.check_report(
            s, u, target_kind="post", target_id=post_id, reason="spam"
        ),
    ]
    for who in (club.cyd, club.dan, None):
        for read in reads:
            error = refused(read, who)
            assert isinstance(error, NotFound), (who, read)
        if who is not None:
            assert act(who, lambda s, u: posts.get_posts(s, u, [post_id])) == []
            error = refused(lambda s, u: feeds.channel_feed(s, u, club.channel_id), who)
            assert (type(error), error.code) == (NotFound, "channel_not_found")


def test_channel_posts_stay_out_of_every_social_feed(club: Club) -> None:
    inside = channel_post(club.bob, club.channel_id, "#secret in the club")
    outside = act(club.bob, lambda s, u: posts.check_create_post(s, u, body="#open to all").id)
    for viewer in (club.ada, club.bob, club.dan):
        home = act(viewer, lambda s, u: feeds.home_feed(s, u))
        profile = act(viewer, lambda s, u: feeds.profile_feed(s, u, "bob"))
        explore = act(viewer, lambda s, u: feeds.explore_feed(s, u))
        assert [p.id for p in home.posts] == [outside]
        assert [p.id for p in profile.posts] == [outside]
        assert [p.id for p in explore.posts] == [outside]
        for tag in ("secret", "open"):
            page = act(viewer, lambda s, u, t=tag: feeds.hashtag_feed(s, u, t))
            assert [p.id for p in page.posts] == ([outside] if tag == "open" else [])
    new = act(club.ada, lambda s, u: feeds.count_new_home_posts(s, u, ""))
    assert new == 1
    with transaction() as s:
        ranking = trending.do_refresh_trending(s, now=utcnow() + timedelta(seconds=1))
    assert [t.tag for t in ranking] == ["open"]
    with transaction() as s:
        anonymous = visitors.check_may_read(None, visitors.PublicRead.explore)
        assert [p.id for p in feeds.explore_feed(s, anonymous).posts] == [outside]
        assert [p.id for p in feeds.profile_feed(s, anonymous, "bob").posts] == [outside]
    assert feed_ids(club.ada, club.channel_id) == [inside]


def test_channel_posts_are_not_shared_outside_their_channel(club: Club) -> None:
    post_id = channel_post(club.bob, club.channel_id)
    for sharer in (club.ada, club.bob):
        error = refused(lambda s, u: posts.check_repost(s, u, post_id), sharer)
        assert (type(error), error.code) == (PermissionDenied, "channel_post")
        error = refused(
            lambda s, u: posts.check_create_post(s, u, body="look", quote_of_id=post_id), sharer
        )
        assert (type(error), error.code) == (PermissionDenied, "channel_post")
    # Quoting it inside the channel is a conversation there.
    quote = channel_post(club.ada, club.channel_id, "indeed", quote_of_id=post_id)
    page = act(club.bob, lambda s, u: feeds.channel_feed(s, u, club.channel_id))
    assert [p.id for p in page.posts] == [quote, post_id]
    assert page.posts[0].quote_of is not None
    assert page.posts[0].quote_of.id == post_id
    error = refused(
        lambda s, u: posts.check_edit_post(s, u, post_id, visibility="followers"), club.bob
    )
    assert (type(error), error.code) == (InvalidInput, "channel_post")


def test_who_may_post_where(club: Club) -> None:
    cases: list[tuple[int, str, type[DomainError], str]] = [
        (club.bob, "0" * 32, NotFound, "channel_not_found"),
        (club.cyd, club.channel_id, NotFound, "channel_not_found"),
        (club.dan, club.channel_id, NotFound, "channel_not_found"),
        (club.bob, club.text_channel_id, InvalidInput, "not_a_posts_channel"),
        (club.eve, club.channel_id, PermissionDenied, "missing_permission"),
    ]
    for author, channel_id, kind, code in cases:
        error = refused(
            lambda s, u, c=channel_id: posts.check_create_post(s, u, body="hi", channel_id=c),
            author,
        )
        assert (type(error), error.code) == (kind, code), (author, channel_id)
    # The channel takes posts, not chat messages.
    with pytest.raises(PermissionDenied) as caught:
        act(club.bob, lambda s, u: messages.check_send_message(s, u, club.channel_id, body="yo"))
    assert caught.value.code == "posts_channel"

    post_id = channel_post(club.bob, club.channel_id)
    with transaction() as s:
        member = s.get(ServerMember, (club.server_id, club.bob))
        assert member is not None
        member.timeout_until = utcnow() + timedelta(hours=1)
        s.add(member)
    error = refused(
        lambda s, u: posts.check_create_post(s, u, body="hi", channel_id=club.channel_id),
        club.bob,
    )
    assert (type(error), error.code) == (PermissionDenied, "timed_out")
    # A timed-out member still reads the channel, but neither likes nor comments.
    assert feed_ids(club.bob, club.channel_id) == [post_id]
    for work in (
        lambda s, u: likes.check_like(s, u, post_id),
        lambda s, u: comments.check_add_comment(s, u, post_id, body="me"),
    ):
        error = refused(work, club.bob)
        assert (type(error), error.code) == (PermissionDenied, "missing_permission")


def test_slow_mode_and_automod_hold_for_posts_as_for_messages(club: Club) -> None:
    """The channel's slow mode spaces a member's posts (moderators skip it); the server's
    automod refuses a post, or an edit, that a blocking rule matches."""
    from socialhub.domain import automod
    from socialhub.domain.errors import RateLimited
    from socialhub.models import AutomodAction, AutomodKind, Conversation

    with transaction() as s:
        channel = s.get(Conversation, club.channel_id)
        assert channel is not None
        channel.slow_mode_seconds = 60
        s.add(channel)
        automod.do_create_rule(
            s,
            club.server_id,
            club.ada,
            kind=AutomodKind.word,
            value="spoiler",
            action=AutomodAction.block,
        )
    first = channel_post(club.bob, club.channel_id, "first")
    error = refused(
        lambda s, u: posts.check_create_post(s, u, body="second", channel_id=club.channel_id),
        club.bob,
    )
    assert isinstance(error, RateLimited)
    assert error.code == "slow_mode"
    assert 0 < error.retry_after <= 60
    channel_post(club.ada, club.channel_id, "owner one")
    channel_post(club.ada, club.channel_id, "owner two")  # MANAGE_MESSAGES: no slow mode
    # Automod (the slow mode turned off).
    with transaction() as s:
        channel = s.get(Conversation, club.channel_id)
        assert channel is not None
        channel.slow_mode_seconds = 0
        s.add(channel)
    error = refused(
        lambda s, u: posts.check_create_post(
            s, u, body="a SPOILER ahead", channel_id=club.channel_id
        ),
        club.bob,
    )
    assert (type(error), error.code) == (PermissionDenied, "automod_blocked")
    error = refused(lambda s, u: posts.check_edit_post(s, u, first, body="spoiler"), club.bob)
    assert (type(error), error.code) == (PermissionDenied, "automod_blocked")
    assert act(club.bob, lambda s, u: posts.check_edit_post(s, u, first, body="fine").body) == (
        "fine"
    )
    # Nothing refused was written.
    bodies = [
        p.body for p in act(club.ada, lambda s, u: feeds.channel_feed(s, u, club.channel_id)).posts
    ]
    assert sorted(bodies) == ["fine", "owner one", "owner two"]


def test_a_deleted_channel_or_server_takes_its_posts_images_along(club: Club) -> None:
    """The posts go by cascade; their image files once the deletion commits (a channel's
    deletion, then the purge job of a deleted server)."""
    from backend_jobs import servers as server_jobs
    from socialhub.domain import channels, media
    from tests.support import images

    def files(post_id: str) -> list[Path]:
        with read_session() as s:
            post = s.get(Post, post_id)
            assert post is not None
            return [
                media.get_storage().path(f"{record['prefix']}/{record['id']}-{size}.webp")
                for record in post.images
                for size in record["sizes"]
            ]

    doomed = channel_post(club.bob, club.channel_id, "", images=[images.png()])
    stored = files(doomed)
    with transaction() as s:
        server = s.get(Server, club.server_id)
        assert server is not None
        other = servers.do_create_channel(s, server, name="other", channel_type=ChannelType.posts)
        other_id = other.id
    kept = channel_post(club.ada, other_id, "", images=[images.png()])
    kept_files = files(kept)
    assert stored
    assert kept_files
    assert all(p.exists() for p in stored + kept_files)

    act(club.ada, lambda s, u: channels.check_delete_channel(s, u, club.channel_id))
    assert not any(p.exists() for p in stored)
    assert all(p.exists() for p in kept_files)  # another channel's posts keep theirs

    server_name = act(club.ada, lambda s, u: servers.get_server(s, u, club.server_id).server.name)
    act(
        club.ada,
        lambda s, u: servers.check_delete_server(s, u, club.server_id, confirm_name=server_name),
    )
    assert all(p.exists() for p in kept_files)  # until the job purges the server
    assert server_jobs.purge_deleted_servers.call_local() == 1
    assert not any(p.exists() for p in kept_files)


def test_moderators_delete_any_post_and_comment_of_the_channel(
    club: Club, events: Events, session: Session
) -> None:
    post_id = channel_post(club.ada, club.channel_id)
    comment_id = act(club.bob, lambda s, u: comments.check_add_comment(s, u, post_id, body="x").id)
    error = refused(lambda s, u: posts.check_delete_post(s, u, post_id), club.bob)
    assert (type(error), error.code) == (PermissionDenied, "not_author")
    error = refused(lambda s, u: posts.check_delete_post(s, u, post_id), club.cyd)
    assert isinstance(error, NotFound)

    view = act(club.eve, lambda s, u: comments.get_comment(s, u, comment_id))
    assert view.can_delete
    act(club.eve, lambda s, u: comments.check_delete_comment(s, u, comment_id))
    events.clear()
    act(club.eve, lambda s, u: posts.check_delete_post(s, u, post_id))
    assert recipients(events, "post", "delete") == {
        key(club.ada),
        key(club.bob),
        key(club.eve),
        f"topic:post:{post_id}",
    }
    assert feed_ids(club.bob, club.channel_id) == []
    logged = session.exec(
        select(AuditLogEntry.action, AuditLogEntry.actor_id, AuditLogEntry.target_id).where(
            AuditLogEntry.server_id == club.server_id,
            AuditLogEntry.action.in_(["post_delete", "comment_delete"]),  # type: ignore[attr-defined]
        )
    ).all()
    assert sorted(logged) == [
        ("comment_delete", club.eve, comment_id),
        ("post_delete", club.eve, post_id),
    ]


def test_losing_the_channel_hides_its_posts_even_from_their_author(club: Club) -> None:
    post_id = channel_post(club.bob, club.channel_id)
    with transaction() as s:
        row = s.exec(
            select(PermissionOverwrite).where(
                PermissionOverwrite.scope_id == club.channel_id,
                PermissionOverwrite.target_id == str(club.bob),
            )
        ).one()
        row.allow = 0
        s.add(row)
        server = s.get(Server, club.server_id)
        assert server is not None
        permissions.bump_version(s, server)
    error = refused(lambda s, u: posts.get_post(s, u, post_id), club.bob)
    assert isinstance(error, NotFound)
    with read_session() as s:
        assert posts.get_posts(s, s.get(User, club.bob), [post_id]) == []  # type: ignore[arg-type]
    assert feed_ids(club.ada, club.channel_id) == [post_id]
