"""Stories: who sees them, the tray's rings, views and the viewer list, deletion and expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import blocks, media, stories
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied, UnsupportedMedia
from socialhub.models import Story, StoryView
from tests.support.chat import key, only, recipients
from tests.support.images import photo_with_exif
from tests.support.social import act, follow


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    """Alice posts stories; Bob follows her; Carol does not."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    follow(bob, "alice")
    return alice, bob, carol


def story(user: int, body: str = "hello", **options: object) -> str:
    return act(user, lambda s, u: stories.check_create_story(s, u, body=body, **options).id)  # type: ignore[arg-type]


def tray(user: int) -> list[tuple[str, bool, int]]:
    rings = act(user, lambda s, u: stories.story_tray(s, u)).rings
    return [(r.author.username, r.unseen, r.count) for r in rings]


def view(user: int, story_id: str) -> None:
    act(user, lambda s, u: stories.check_view_story(s, u, story_id))


def age(story_id: str, hours: float) -> None:
    """Move a story back in time, as if written `hours` ago."""
    with transaction() as s:
        row = s.get(Story, story_id)
        assert row is not None
        row.created_at -= timedelta(hours=hours)
        row.expires_at -= timedelta(hours=hours)
        s.add(row)


def test_followers_see_stories_and_others_do_not(
    people: tuple[int, int, int], events: list
) -> None:
    alice, bob, carol = people
    events.clear()
    first = story(alice, "good morning", background="jade")
    assert recipients(events, "story", "add") == {key(alice), key(bob)}
    added = only(events, "story", "add")[0]["data"]
    assert (added["story_id"], added["author_id"], added["author"]["username"]) == (
        first,
        alice,
        "alice",
    )
    shown = act(bob, lambda s, u: stories.list_stories(s, u, "alice"))
    assert [(i.body, i.background, i.seen, i.view_count) for i in shown.stories] == [
        ("good morning", "jade", False, None)
    ]
    assert act(carol, lambda s, u: stories.list_stories(s, u, "alice")).stories == []
    with pytest.raises(NotFound):
        view(carol, first)
    assert tray(carol) == []
    own = act(alice, lambda s, u: stories.list_stories(s, u, "alice")).stories
    assert [(i.seen, i.view_count) for i in own] == [(True, 0)]


def test_the_tray_rings_unseen_stories_until_all_are_seen(
    people: tuple[int, int, int], make_user: Callable[..., int]
) -> None:
    alice, bob, carol = people
    dave = make_user("dave")
    follow(bob, "dave")
    follow(bob, "carol")
    first, second = story(alice, "one"), story(alice, "two")
    story(dave, "dave's")
    age(story(carol, "older"), 1)
    story(bob, "mine")
    # Your own ring first, then unseen ones, newest first.
    assert tray(bob) == [
        ("bob", False, 1),
        ("dave", True, 1),
        ("alice", True, 2),
        ("carol", True, 1),
    ]
    view(bob, first)
    assert ("alice", True, 2) in tray(bob)
    view(bob, second)
    view(bob, second)  # again: one view
    assert tray(bob)[-1] == ("alice", False, 2)
    shown = act(bob, lambda s, u: stories.list_stories(s, u, "alice")).stories
    assert [i.seen for i in shown] == [True, True]


def test_views_reach_the_author_once_and_only_the_author_lists_them(
    people: tuple[int, int, int], make_user: Callable[..., int], events: list
) -> None:
    alice, bob, _carol = people
    erin = make_user("erin")
    follow(erin, "alice")
    story_id = story(alice)
    events.clear()
    view(bob, story_id)
    view(bob, story_id)
    view(erin, story_id)
    view(alice, story_id)  # the author's own look is not a view
    views = only(events, "story", "view")
    assert [e["data"]["viewer"]["username"] for e in views] == ["bob", "erin"]
    assert recipients(events, "story", "view") == {key(alice)}
    page = act(alice, lambda s, u: stories.list_viewers(s, u, story_id, limit=1))
    assert [v.user.username for v in page.viewers] == ["erin"]
    rest = act(alice, lambda s, u: stories.list_viewers(s, u, story_id, cursor=page.next_cursor))
    assert [v.user.username for v in rest.viewers] == ["bob"]
    assert rest.next_cursor is None
    with pytest.raises(PermissionDenied) as refused:
        act(bob, lambda s, u: stories.list_viewers(s, u, story_id))
    assert refused.value.code == "not_author"
    own = act(alice, lambda s, u: stories.list_stories(s, u, "alice")).stories
    assert own[0].view_count == 2


def test_bad_stories_are_refused_and_write_nothing(
    people: tuple[int, int, int], session: Session
) -> None:
    alice, _bob, _carol = people
    cases = [
        ({"body": "  "}, InvalidInput, "empty"),
        ({"body": "x" * 501}, InvalidInput, "too_long"),
        ({"body": "hi", "background": "#fff"}, InvalidInput, "bad_background"),
        ({"body": "", "image": b"not an image at all"}, UnsupportedMedia, None),
    ]
    for options, error, code in cases:
        with pytest.raises(error) as raised:
            story(alice, **options)
        if code:
            assert raised.value.code == code
    assert session.exec(select(Story)).all() == []
    assert not media.get_storage().path(f"stories/{alice}").exists()


def test_an_image_story_is_re_encoded_without_metadata(people: tuple[int, int, int]) -> None:
    alice, bob, _carol = people
    story_id = story(alice, "caption", image=photo_with_exif(size=(2400, 1200)))
    item = act(bob, lambda s, u: stories.list_stories(s, u, "alice")).stories[0]
    assert item.id == story_id
    assert item.kind == "image"
    assert item.body == "caption"
    assert item.image is not None
    assert (item.image.width, item.image.height) == (2400, 1200)
    with transaction() as s:
        record = s.get(Story, story_id).image  # type: ignore[union-attr]
    assert record is not None
    path = media.get_storage().path(f"stories/{alice}/{record['id']}-1600.webp")
    with Image.open(path) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (1600, 800)
        assert not stored.getexif()


def test_only_the_author_deletes_a_story_and_its_image_goes_too(
    people: tuple[int, int, int], events: list
) -> None:
    alice, bob, _carol = people
    story_id = story(alice, image=photo_with_exif())
    view(bob, story_id)
    with pytest.raises(PermissionDenied):
        act(bob, lambda s, u: stories.check_delete_story(s, u, story_id))
    events.clear()
    act(alice, lambda s, u: stories.check_delete_story(s, u, story_id))
    assert recipients(events, "story", "delete") == {key(alice), key(bob)}
    with transaction() as s:
        assert s.get(Story, story_id) is None
        assert s.exec(select(StoryView)).all() == []
    assert list(media.get_storage().path(f"stories/{alice}").iterdir()) == []
    with pytest.raises(NotFound):
        view(bob, story_id)


def test_expired_stories_are_hidden_then_deleted_by_the_job(
    people: tuple[int, int, int], session: Session
) -> None:
    alice, bob, _carol = people
    old = story(alice, "yesterday", image=photo_with_exif())
    fresh = story(alice, "today")
    view(bob, old)
    age(old, 24)
    # Hidden before the job runs...
    assert [i.id for i in act(bob, lambda s, u: stories.list_stories(s, u, "alice")).stories] == [
        fresh
    ]
    with pytest.raises(NotFound):
        view(bob, old)
    assert tray(bob) == [("alice", True, 1)]
    # ...and gone, with its views and its image, once it has run.
    with transaction() as s:
        assert stories.do_expire_stories(s) == 1
    with transaction() as s:
        assert stories.do_expire_stories(s) == 0
        assert [row.id for row in s.exec(select(Story)).all()] == [fresh]
        assert s.exec(select(StoryView)).all() == []
    assert list(media.get_storage().path(f"stories/{alice}").iterdir()) == []
    left = act(bob, lambda s, u: stories.list_stories(s, u, "alice")).stories[0]
    assert left.expires_at - left.created_at == timedelta(hours=24)


def test_a_block_or_an_unfollow_hides_stories(people: tuple[int, int, int]) -> None:
    alice, bob, _carol = people
    story_id = story(alice)
    act(alice, lambda s, u: blocks.check_block(s, u, "bob"))
    assert tray(bob) == []
    with pytest.raises(NotFound):
        view(bob, story_id)
    act(alice, lambda s, u: blocks.check_unblock(s, u, "bob"))
    assert tray(bob) == []  # the block ended the follow


def test_live_stories_per_author_are_bounded(people: tuple[int, int, int]) -> None:
    alice, _bob, _carol = people
    age(story(alice, "expired"), 24)  # no longer counts
    act(
        alice,
        lambda s, u: [
            stories.check_create_story(s, u, body=str(n)) for n in range(stories.LIVE_MAX)
        ],
    )
    with pytest.raises(InvalidInput) as refused:
        story(alice, "one too many")
    assert refused.value.code == "too_many_stories"
