"""The reaction picker's one piece of server state: which message it is open for. The picking
itself (emoji-mart, then the chat's react handler) is tested in the browser:
tests/e2e/test_emoji_stories_e2e.py."""

from __future__ import annotations

from reflex.state import State

from socialhub.state.emoji import ReactionPickerState


async def picker_tab() -> ReactionPickerState:
    tab = await State(_reflex_internal_init=True).get_state(ReactionPickerState)
    assert isinstance(tab, ReactionPickerState)
    return tab


async def test_it_opens_for_a_message_and_closes_on_its_own_dismissal() -> None:
    tab = await picker_tab()
    assert not tab.is_open
    # The dialog's own open_change never opens it without a message.
    ReactionPickerState.set_open.fn(tab, True)
    assert not tab.is_open
    ReactionPickerState.open_for.fn(tab, "m-1")
    assert (tab.is_open, tab.message_id) == (True, "m-1")
    ReactionPickerState.open_for.fn(tab, "m-2")
    assert tab.message_id == "m-2"
    ReactionPickerState.set_open.fn(tab, False)
    assert (tab.is_open, tab.message_id) == (False, "")
