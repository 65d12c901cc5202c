"""Posts: writing, visibility, edits, deletes, images, reposts, quotes, and who is told."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import blocks, media, posts
from socialhub.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    UnsupportedMedia,
)
from socialhub.models import Post, PostHashtag
from socialhub.models.poll_views import PollSpec
from tests.support import images
from tests.support.chat import key, recipients
from tests.support.social import act, follow, post


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    """Alice, Bob (follows Alice) and Carol (does not)."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    follow(bob, "alice")
    return alice, bob, carol


def view(viewer: int, post_id: str) -> posts.PostView:
    return act(viewer, lambda s, u: posts.get_post(s, u, post_id))


def test_a_post_links_tags_and_mentions_and_tells_followers(
    people: tuple[int, int, int], events: list, session: Session
) -> None:
    alice, bob, carol = people
    events.clear()
    post_id = post(alice, "Climbing with @bob today #Alps #alps #sun <b>hi</b>")
    assert recipients(events, "post", "add") == {
        key(alice),
        key(bob),
        "topic:explore",
        f"topic:profile:{alice}",
    }
    tags = session.exec(select(PostHashtag.tag).where(PostHashtag.post_id == post_id)).all()
    assert sorted(tags) == ["alps", "sun"]
    shown = view(carol, post_id)
    assert '<a href="/u/bob" class="mention"' in shown.html
    assert '<a href="/tag/alps" class="hashtag"' in shown.html
    assert "<b>" not in shown.html
    assert (shown.author.username, shown.is_mine, shown.edited) == ("alice", False, False)


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


def test_images_are_processed_and_cleaned_up(people: tuple[int, int, int]) -> None:
    alice, _, _ = people
    with pytest.raises(UnsupportedMedia):
        post(alice, "", images=[images.png(), images.SCRIPT_AS_PNG])
    assert not (media.get_storage().path("posts") / str(alice)).exists()

    # A post whose transaction fails after its images were stored leaves no files behind.
    with pytest.raises(RuntimeError), transaction() as s:
        user = s.get(posts.User, alice)
        assert user is not None
        failed = posts.check_create_post(s, user, body="", images=[images.png()])
        stored = media.get_storage().path(f"posts/{alice}/{failed.images[0]['id']}-640.webp")
        assert stored.exists()
        raise RuntimeError("boom")
    assert not stored.exists()

    post_id = post(alice, "", images=[images.photo_with_exif(size=(1200, 800))])
    shown = view(alice, post_id)
    assert (shown.images[0].width, shown.images[0].height) == (1200, 800)
    record = act(alice, lambda s, u: s.get(Post, post_id)).images[0]  # type: ignore[union-attr]
    act(alice, lambda s, u: posts.check_delete_post(s, u, post_id))
    assert not media.get_storage().path(f"posts/{alice}/{record['id']}-640.webp").exists()


def test_only_the_author_edits_or_deletes(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "first #one")
    for intruder in (bob, carol):
        with pytest.raises(PermissionDenied):
            act(intruder, lambda s, u: posts.check_edit_post(s, u, post_id, body="mine now"))
        with pytest.raises(PermissionDenied):
            act(intruder, lambda s, u: posts.check_delete_post(s, u, post_id))
    events.clear()
    act(alice, lambda s, u: posts.check_edit_post(s, u, post_id, body="second #two"))
    assert recipients(events, "post", "edit") == {f"topic:post:{post_id}"}
    edited = view(bob, post_id)
    assert (edited.body, edited.edited) == ("second #two", True)
    with transaction() as s:
        assert s.exec(select(PostHashtag.tag)).all() == ["two"]
    events.clear()
    act(alice, lambda s, u: posts.check_delete_post(s, u, post_id))
    assert recipients(events, "post", "delete") == {f"topic:post:{post_id}"}
    with pytest.raises(NotFound):
        view(alice, post_id)


def test_reposts_and_quotes(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    original = post(alice, "worth sharing")
    events.clear()
    first = act(carol, lambda s, u: posts.check_repost(s, u, original).id)
    again = act(carol, lambda s, u: posts.check_repost(s, u, original).id)
    assert first == again
    assert recipients(events, "post", "counts") == {f"topic:post:{original}"}
    assert view(bob, original).repost_count == 1
    assert view(carol, original).reposted_by_me
    shared = view(bob, first)
    assert shared.repost_of is not None
    assert shared.repost_of.id == original

    quote = post(bob, "so true", quote_of_id=original)
    quoted = view(carol, quote)
    assert quoted.quote_of is not None
    assert quoted.quote_of.body == "worth sharing"

    private = post(alice, "followers only", visibility="followers")
    with pytest.raises(PermissionDenied) as caught:
        act(bob, lambda s, u: posts.check_repost(s, u, private))
    assert caught.value.code == "not_public"
    with pytest.raises(PermissionDenied):
        post(bob, "leak", quote_of_id=private)

    act(carol, lambda s, u: posts.check_undo_repost(s, u, original))
    assert view(bob, original).repost_count == 0
    with pytest.raises(NotFound):
        view(bob, first)
