"""The story viewer's server side: each story's time on screen, the progress bars, and the
views that a step (a tap, or the bar running out in the browser) records. The clock, the taps
and the hold are the browser's: tests/e2e/test_emoji_stories_e2e.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialhub.domain import stories
from socialhub.state.stories import (
    READING_CHARS_PER_SECOND,
    STORY_MAX_SECONDS,
    STORY_SECONDS,
    StoryState,
    story_seconds,
)
from tests.state.conftest import SignedInTab
from tests.support.social import act, follow


def test_a_story_shows_long_enough_to_read_within_bounds() -> None:
    assert story_seconds("") == STORY_SECONDS  # a picture without a caption
    assert story_seconds("short") == STORY_SECONDS
    assert story_seconds("x" * 150) == round(150 / READING_CHARS_PER_SECOND, 1) == 10.0
    assert story_seconds("x" * stories.BODY_MAX) == STORY_MAX_SECONDS
    assert story_seconds("  padded  ") == STORY_SECONDS


@pytest.fixture
def alices_three_stories(make_user: Callable[..., int]) -> tuple[int, int]:
    alice, bob = make_user("alice"), make_user("bob")
    follow(bob, "alice")
    for body in ("one", "two " + "x" * 200, "three"):
        act(alice, lambda s, u, body=body: stories.check_create_story(s, u, body=body))
    return alice, bob


async def viewer_tab(signed_in_tab: SignedInTab, user_id: int) -> StoryState:
    root = await signed_in_tab(user_id, "/stories/alice")
    tab = await root.get_state(StoryState)
    assert isinstance(tab, StoryState)
    assert await StoryState.open_viewer.fn(tab) is None
    return tab


def seen_counts(alice: int) -> list[int]:
    shown = act(alice, lambda s, u: stories.list_stories(s, u, "alice"))
    return [item.view_count or 0 for item in shown.stories]


async def test_the_bars_follow_the_story_on_screen_and_each_step_records_a_view(
    alices_three_stories: tuple[int, int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = alices_three_stories
    tab = await viewer_tab(signed_in_tab, bob)
    assert (tab.bars, tab.progress) == (["current", "todo", "todo"], "1 / 3")
    assert [card.seconds for card in tab.items] == [STORY_SECONDS, 13.6, STORY_SECONDS]
    assert seen_counts(alice) == [1, 0, 0]

    await StoryState.step.fn(tab, 1)
    assert (tab.bars, tab.current.seconds) == (["done", "current", "todo"], 13.6)
    await StoryState.step.fn(tab, 1)
    assert tab.bars == ["done", "done", "current"]
    assert seen_counts(alice) == [1, 1, 1]
    await StoryState.step.fn(tab, -1)
    assert tab.bars == ["done", "current", "todo"]
    assert seen_counts(alice) == [1, 1, 1]  # one view per person


async def test_a_second_visit_opens_at_the_first_unseen_story(
    alices_three_stories: tuple[int, int], signed_in_tab: SignedInTab
) -> None:
    _, bob = alices_three_stories
    first = await viewer_tab(signed_in_tab, bob)
    await StoryState.step.fn(first, 1)
    again = await viewer_tab(signed_in_tab, bob)
    assert again.bars == ["done", "done", "current"]


async def test_pause_holds_until_play_and_a_new_visit_plays(
    alices_three_stories: tuple[int, int], signed_in_tab: SignedInTab
) -> None:
    _, bob = alices_three_stories
    tab = await viewer_tab(signed_in_tab, bob)
    assert not tab.paused
    StoryState.toggle_pause.fn(tab)
    await StoryState.step.fn(tab, 1)
    assert tab.paused  # a step keeps it paused
    StoryState.toggle_pause.fn(tab)
    assert not tab.paused
    StoryState.toggle_pause.fn(tab)
    assert await StoryState.open_viewer.fn(tab) is None
    assert not tab.paused
