"""Posts: writing, visibility, edits, deletes, images, reposts, quotes, views, and who is told."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from socialhub.db import get_engine, transaction
from socialhub.domain import auth, blocks, comments, likes, media, posts, stories
from socialhub.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    UnsupportedMedia,
)
from socialhub.models import Comment, Post, PostHashtag, PostLike
from socialhub.models.poll_views import PollSpec
from tests.conftest import reset_settings
from tests.support import images
from tests.support.chat import key, only, recipients
from tests.support.social import act, follow, post


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    """Alice, Bob (follows Alice) and Carol (does not)."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    follow(bob, "alice")
    return alice, bob, carol


def view(viewer: int, post_id: str) -> posts.PostView:
    return act(viewer, lambda s, u: posts.get_post(s, u, post_id))


def repost(user: int, post_id: str) -> str:
    return act(user, lambda s, u: posts.check_repost(s, u, post_id).id)


def test_a_post_links_tags_and_mentions_and_tells_followers(
    people: tuple[int, int, int], events: list, session: Session
) -> None:
    alice, bob, carol = people
    events.clear()
    post_id = post(alice, "Climbing with @bob today #Alps #alps #sun_2 #1 <b>hi</b>")
    assert recipients(events, "post", "add") == {
        key(alice),
        key(bob),
        "topic:explore",
        f"topic:profile:{alice}",
    }
    assert only(events, "post", "add")[0]["data"] == {"post_id": post_id, "author_id": alice}
    rows = session.exec(select(PostHashtag).where(PostHashtag.post_id == post_id)).all()
    assert sorted(r.tag for r in rows) == ["alps", "sun_2"]
    assert {r.author_id for r in rows} == {alice}
    shown = view(carol, post_id)
    assert '<a href="/u/bob" class="mention"' in shown.html
    assert '<a href="/tag/alps" class="hashtag"' in shown.html
    assert "<b>" not in shown.html
    assert shown.body.endswith("<b>hi</b>")  # stored as plain text, escaped only when rendered
    assert (shown.author.username, shown.is_mine, shown.edited) == ("alice", False, False)
    assert (shown.has_poll, shown.poll, shown.liked_by_me, shown.reposted_by_me) == (
        False,
        None,
        False,
        False,
    )


def test_followers_only_posts(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    events.clear()
    post_id = post(alice, "for my followers", visibility="followers")
    assert recipients(events, "post", "add") == {key(alice), key(bob), f"topic:profile:{alice}"}
    assert view(bob, post_id).visibility == "followers"
    with pytest.raises(NotFound):
        view(carol, post_id)


def test_a_block_hides_posts_both_ways(people: tuple[int, int, int]) -> None:
    alice, _, carol = people
    post_id = post(alice, "public")
    act(carol, lambda s, u: blocks.check_block(s, u, "alice"))
    with pytest.raises(NotFound):
        view(carol, post_id)
    with pytest.raises(NotFound):
        view(alice, post(carol, "mine"))


def test_a_suspended_authors_posts_are_hidden(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    post_id = post(alice, "soon gone")
    act(alice, lambda s, u: auth.do_suspend_user(s, u))
    with pytest.raises(NotFound):
        view(bob, post_id)


@pytest.mark.parametrize(
    ("body", "options", "code"),
    [
        ("x" * 5001, {}, "too_long"),
        ("   ", {}, "empty"),
        ("hi", {"visibility": "friends"}, "bad_visibility"),
        ("hi", {"images": [images.png()] * 5}, "too_many_images"),
        ("hi", {"poll": PollSpec(options=["only one"])}, "poll_option_count"),
        ("hi", {"poll": PollSpec(options=["a", "A"])}, "poll_duplicate_option"),
        ("hi", {"poll": PollSpec(options=["a", "b"], closes_in_minutes=1)}, "poll_duration"),
    ],
    ids=["long", "empty", "visibility", "images", "poll1", "polldup", "pollshort"],
)
def test_bad_posts_are_refused_and_nothing_is_kept(
    people: tuple[int, int, int], session: Session, body: str, options: dict, code: str
) -> None:
    alice, _, _ = people
    with pytest.raises(InvalidInput) as caught:
        post(alice, body, **options)
    assert caught.value.code == code
    assert session.exec(select(Post)).all() == []
    assert not (media.get_storage().path("posts") / str(alice)).exists()


def test_empty_text_is_fine_with_images_a_poll_or_a_quote(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    assert view(alice, post(alice, "", images=[images.png()])).images
    polled = view(alice, post(alice, "", poll=PollSpec(options=["yes", "no"])))
    assert polled.has_poll
    quote = view(bob, post(bob, "", quote_of_id=post(alice, "quotable")))
    assert quote.quote_of is not None
    assert quote.quote_of.body == "quotable"


def test_images_are_processed_and_cleaned_up(people: tuple[int, int, int]) -> None:
    alice, _, _ = people
    with pytest.raises(InvalidInput):
        post(alice, "", images=[images.png()], visibility="friends")
    with pytest.raises(UnsupportedMedia):
        post(alice, "", images=[images.png(), images.SCRIPT_AS_PNG])
    assert not (media.get_storage().path("posts") / str(alice)).exists()

    # A post whose transaction fails after its images were stored leaves no files behind.
    with pytest.raises(RuntimeError), transaction() as s:
        user = s.get(posts.User, alice)
        assert user is not None
        failed = posts.check_create_post(s, user, body="", images=[images.png(), images.png()])
        stored = [
            media.get_storage().path(f"posts/{alice}/{record['id']}-{size}.webp")
            for record in failed.images
            for size in record["sizes"]
        ]
        assert all(path.exists() for path in stored)
        raise RuntimeError("boom")
    assert not any(path.exists() for path in stored)

    post_id = post(alice, "", images=[images.photo_with_exif(size=(2400, 1600)), images.gif()])
    shown = view(alice, post_id)
    assert (shown.images[0].width, shown.images[0].height) == (2400, 1600)
    assert shown.images[0].url.startswith(f"/api/v1/media/posts/{alice}/")
    assert "-640.webp" in shown.images[0].url
    assert "-1600.webp" in shown.images[0].full_url
    record = act(alice, lambda s, u: s.get(Post, post_id)).images[0]  # type: ignore[union-attr]
    path = media.get_storage().path(f"posts/{alice}/{record['id']}-640.webp")
    assert path.exists()
    act(alice, lambda s, u: posts.check_delete_post(s, u, post_id))
    assert not path.exists()


def test_only_the_author_edits_or_deletes(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "first #one")
    hidden = post(alice, "followers only", visibility="followers")
    for intruder in (bob, carol):
        with pytest.raises(PermissionDenied) as denied:
            act(intruder, lambda s, u: posts.check_edit_post(s, u, post_id, body="mine now"))
        assert denied.value.code == "not_author"
        with pytest.raises(PermissionDenied):
            act(intruder, lambda s, u: posts.check_delete_post(s, u, post_id))
    # A post you may not see is not found, whatever you try.
    with pytest.raises(NotFound):
        act(carol, lambda s, u: posts.check_edit_post(s, u, hidden, body="x"))
    with pytest.raises(NotFound):
        act(carol, lambda s, u: posts.check_delete_post(s, u, hidden))
    with pytest.raises(NotFound):
        act(alice, lambda s, u: posts.check_delete_post(s, u, "0" * 32))

    events.clear()
    act(alice, lambda s, u: posts.check_edit_post(s, u, post_id, body="second #two"))
    assert recipients(events, "post", "edit") == {f"topic:post:{post_id}"}
    content = only(events, "post", "edit")[0]["data"]["post"]
    assert (content["body"], content["visibility"], content["edited"]) == (
        "second #two",
        "public",
        True,
    )
    assert '<a href="/tag/two" class="hashtag"' in content["html"]
    assert "liked_by_me" not in content
    edited = view(bob, post_id)
    assert (edited.body, edited.edited) == ("second #two", True)
    assert edited.edited_at is not None
    with transaction() as s:
        assert s.exec(select(PostHashtag.tag).where(PostHashtag.post_id == post_id)).all() == [
            "two"
        ]
    events.clear()
    act(alice, lambda s, u: posts.check_delete_post(s, u, post_id))
    assert recipients(events, "post", "delete") == {f"topic:post:{post_id}"}
    assert only(events, "post", "delete")[0]["data"] == {"post_id": post_id}
    with pytest.raises(NotFound):
        view(alice, post_id)


def test_edit_rules(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "hello")
    events.clear()
    act(alice, lambda s, u: posts.check_edit_post(s, u, post_id, body=" hello "))
    assert events == []  # the same text: nothing changes
    assert not view(alice, post_id).edited
    for change, code in (
        ({}, "nothing_to_change"),
        ({"body": ""}, "empty"),
        ({"body": "x" * 5001}, "too_long"),
        ({"visibility": "friends"}, "bad_visibility"),
    ):
        with pytest.raises(InvalidInput) as caught:
            act(alice, lambda s, u, c=change: posts.check_edit_post(s, u, post_id, **c))
        assert caught.value.code == code

    # Narrowing the audience: the edit event carries no content (watchers reload), and the
    # post is gone for non-followers.
    act(alice, lambda s, u: posts.check_edit_post(s, u, post_id, visibility="followers"))
    assert only(events, "post", "edit")[0]["data"] == {"post_id": post_id, "post": None}
    assert view(bob, post_id).visibility == "followers"
    with pytest.raises(NotFound):
        view(carol, post_id)

    shared = repost(bob, post(alice, "to share"))
    with pytest.raises(InvalidInput) as caught:
        act(bob, lambda s, u: posts.check_edit_post(s, u, shared, body="my words"))
    assert caught.value.code == "repost"


def test_a_reload_shows_only_the_posts_the_viewer_may_still_see(
    people: tuple[int, int, int],
) -> None:
    alice, bob, carol = people
    kept, narrowed, deleted = post(alice, "stays"), post(alice, "open"), post(alice, "gone")
    act(
        alice,
        lambda s, u: posts.check_edit_post(
            s, u, narrowed, body="for followers now", visibility="followers"
        ),
    )
    act(alice, lambda s, u: posts.check_delete_post(s, u, deleted))

    def reload(viewer: int) -> dict[str, str]:
        ids = [kept, narrowed, deleted, "missing"]
        return {v.id: v.body for v in act(viewer, lambda s, u: posts.get_posts(s, u, ids))}

    assert reload(carol) == {kept: "stays"}  # the narrowed post is gone, its new text unseen
    assert reload(bob) == reload(alice) == {kept: "stays", narrowed: "for followers now"}


def test_deleting_a_post_takes_its_reposts_likes_and_comments(
    people: tuple[int, int, int], session: Session
) -> None:
    alice, bob, carol = people
    original = post(alice, "popular")
    shared = repost(bob, original)
    act(carol, lambda s, u: likes.check_like(s, u, original))
    act(carol, lambda s, u: comments.check_add_comment(s, u, original, body="nice"))
    quote = post(carol, "about that", quote_of_id=original)
    act(alice, lambda s, u: posts.check_delete_post(s, u, original))
    assert session.get(Post, shared) is None
    assert session.exec(select(PostLike)).all() == []
    assert session.exec(select(Comment)).all() == []
    # The quote stays, without its quote (the table keeps no trace of what it quoted).
    assert view(carol, quote).quote_of is None


def test_reposts(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    follow(bob, "carol")
    original = post(alice, "worth sharing")
    events.clear()
    first = repost(carol, original)
    assert repost(carol, original) == first
    assert repost(carol, first) == first  # a repost of a repost shares the original
    assert recipients(events, "post", "counts") == {f"topic:post:{original}"}
    assert only(events, "post", "counts")[-1]["data"]["repost_count"] == 1
    # Stored for the reposter and their followers; not on explore (it lists originals only).
    assert recipients(events, "post", "add") == {key(carol), key(bob), f"topic:profile:{carol}"}
    assert view(bob, original).repost_count == 1
    assert view(carol, original).reposted_by_me
    assert not view(bob, original).reposted_by_me
    shared = view(bob, first)
    assert shared.repost_of is not None
    assert (shared.repost_of.id, shared.author.username, shared.body) == (original, "carol", "")

    mine = repost(alice, original)  # your own public post: allowed, like a pinned re-share
    assert view(alice, original).repost_count == 2
    act(alice, lambda s, u: posts.check_undo_repost(s, u, mine))  # by the repost's id

    private = post(alice, "followers only", visibility="followers")
    with pytest.raises(PermissionDenied) as caught:
        repost(bob, private)
    assert caught.value.code == "not_public"
    with pytest.raises(NotFound):
        repost(carol, private)
    with pytest.raises(NotFound):
        repost(carol, "f" * 32)

    events.clear()
    bobs = repost(bob, original)
    act(carol, lambda s, u: posts.check_undo_repost(s, u, bobs))  # by someone else's repost
    assert recipients(events, "post", "delete") == {f"topic:post:{first}"}
    assert view(bob, original).repost_count == 1
    act(bob, lambda s, u: posts.check_undo_repost(s, u, original))
    assert view(bob, original).repost_count == 0
    with pytest.raises(NotFound):
        view(bob, first)
    act(carol, lambda s, u: posts.check_undo_repost(s, u, original))  # again: no change
    with pytest.raises(NotFound):
        act(carol, lambda s, u: posts.check_undo_repost(s, u, "f" * 32))


def test_a_repost_can_be_taken_back_once_the_original_is_hidden(
    people: tuple[int, int, int],
) -> None:
    alice, _, carol = people
    original = post(alice, "shared then blocked")
    shared = repost(carol, original)
    act(alice, lambda s, u: blocks.check_block(s, u, "carol"))
    assert view(carol, shared).repost_of is None
    act(carol, lambda s, u: posts.check_undo_repost(s, u, original))
    with pytest.raises(NotFound):
        view(carol, shared)


def test_quotes(people: tuple[int, int, int], make_user: Callable[..., int]) -> None:
    alice, bob, carol = people
    original = post(alice, "worth quoting")
    quote = post(bob, "so true", quote_of_id=original)
    quoted = view(carol, quote)
    assert quoted.quote_of is not None
    assert (quoted.quote_of.body, quoted.quote_unavailable) == ("worth quoting", False)
    assert view(alice, original).repost_count == 0  # quotes are posts, not reposts

    # A quote of a repost quotes the original; a followers-only post cannot be quoted.
    shared = repost(carol, original)
    assert view(carol, post(carol, "", quote_of_id=shared)).quote_of.id == original  # type: ignore[union-attr]
    private = post(alice, "followers only", visibility="followers")
    with pytest.raises(PermissionDenied):
        post(bob, "leak", quote_of_id=private)

    # Reposting a quote shows the quote's own quote inside the repost.
    reshared = view(carol, repost(carol, quote))
    assert reshared.repost_of is not None
    assert reshared.repost_of.quote_of is not None
    assert reshared.repost_of.quote_of.id == original

    # Someone who may not see the quoted post sees a marker instead.
    dave = make_user("dave")
    act(alice, lambda s, u: blocks.check_block(s, u, "dave"))
    hidden = view(dave, quote)
    assert (hidden.quote_of, hidden.quote_unavailable) == (None, True)

    # Once the quoted post is deleted, the quote stays a quote, marked for everyone.
    act(alice, lambda s, u: posts.check_delete_post(s, u, original))
    for viewer in (alice, bob, carol):
        after = view(viewer, quote)
        assert (after.body, after.quote_of, after.quote_unavailable) == ("so true", None, True)


def test_views_of_a_page_take_a_fixed_number_of_queries(
    people: tuple[int, int, int], make_user: Callable[..., int]
) -> None:
    _, bob, carol = people

    def queries_for(count: int) -> int:
        ids = []
        for i in range(count):
            author = make_user(f"writer{count}x{i}")
            original = post(author, f"original {i}", poll=PollSpec(options=["a", "b"]))
            ids += [post(author, f"quote {i}", quote_of_id=original), repost(carol, original)]
        statements = 0

        def counted(*_args: object) -> None:
            nonlocal statements
            statements += 1

        with transaction() as s:
            user = s.get(posts.User, bob)
            assert user is not None
            page = s.exec(select(Post).where(Post.id.in_(ids))).all()  # type: ignore[attr-defined]
            sa.event.listen(get_engine(), "before_cursor_execute", counted)
            try:
                views = posts.post_views(s, user, page)
            finally:
                sa.event.remove(get_engine(), "before_cursor_execute", counted)
        assert all(v.quote_of or v.repost_of for v in views)
        assert all((v.quote_of or v.repost_of).poll is not None for v in views)  # type: ignore[union-attr]
        return statements

    assert queries_for(2) == queries_for(8)


def test_posts_comments_and_stories_are_rate_limited_per_account(
    people: tuple[int, int, int],
) -> None:
    alice, bob, _carol = people
    reset_settings(
        RATE_LIMIT_POST="2/minute", RATE_LIMIT_COMMENT="1/minute", RATE_LIMIT_STORY="1/hour"
    )
    try:
        first = post(alice, "one")
        post(alice, "two")
        with pytest.raises(RateLimited) as limited:
            post(alice, "three")
        assert 0 < limited.value.retry_after <= 60
        post(bob, "others write on")
        act(bob, lambda s, u: comments.check_add_comment(s, u, first, body="nice"))
        with pytest.raises(RateLimited):
            act(bob, lambda s, u: comments.check_add_comment(s, u, first, body="again"))
        act(bob, lambda s, u: stories.check_create_story(s, u, body="story"))
        with pytest.raises(RateLimited):
            act(bob, lambda s, u: stories.check_create_story(s, u, body="another"))
    finally:
        reset_settings(
            RATE_LIMIT_POST="1000/minute",
            RATE_LIMIT_COMMENT="1000/minute",
            RATE_LIMIT_STORY="1000/minute",
        )
