"""The emoji picker: emoji-mart (search, frequently used, skin tones), wrapped for Reflex.

Nothing of it is in the page bundles: the picker's code is imported when a picker is first
rendered (a popover or dialog that opens), and its emoji data (about 400 KB of JSON) only when the
picker asks for it, from chunks of our own build. The data is always handed over, so emoji-mart
never fetches it from its CDN (it would without `data`).

emoji-mart keeps the frequently used emoji and the chosen skin tone in localStorage, per browser.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import FunctionStringVar

from socialhub.state import custom_emoji_live  # noqa: F401  (the pickers follow the stream)
from socialhub.state.conversation import ConversationState
from socialhub.state.emoji import CustomEmojiState, ReactionPickerState

# Picked emoji, as text: a standard emoji's character, a custom one's `custom:<id>` (a reaction's
# key; typed into a text box it is `:name:`). assets/emoji.js.
PICKED_TEXT: FunctionStringVar[Any] = FunctionStringVar.create("window.shEmoji.text")
INSERT_INTO_COMPOSER: FunctionStringVar[Any] = FunctionStringVar.create("window.shEmoji.insertInto")


def custom_emoji_categories() -> rx.Var[list[dict[str, Any]]] | list[dict[str, Any]]:
    """The one place that hands server emoji to every picker, as emoji-mart's `custom`
    categories (state/emoji.picker_categories): the open chat's usable emoji, by server."""
    return CustomEmojiState.categories


def _emoji_arg(emoji: rx.Var[dict[str, Any]]) -> list[rx.Var[dict[str, Any]]]:
    return [emoji]


class EmojiMart(rx.NoSSRComponent):
    """@emoji-mart/react's Picker, loaded on first render (the library's own React wrapper)."""

    library = "@emoji-mart/react@1.1.1"
    lib_dependencies: list[str] = ["emoji-mart@5.6.0", "@emoji-mart/data@1.2.1"]
    tag = "Picker"
    is_default = True

    data: rx.Var[Any]
    custom: rx.Var[list[dict[str, Any]]]
    theme: rx.Var[str]
    locale: rx.Var[str]
    auto_focus: rx.Var[bool]
    max_frequent_rows: rx.Var[int]
    per_line: rx.Var[int]
    preview_position: rx.Var[str]
    skin_tone_position: rx.Var[str]
    navigation_position: rx.Var[str]
    dynamic_width: rx.Var[bool]

    # Reflex reads the event's arguments from the annotation (the emoji-mart emoji object).
    on_emoji_select: rx.EventHandler[_emoji_arg]  # type: ignore[type-arg,valid-type]


# A function, so the data is imported (a chunk of its own) when the picker first needs it.
LAZY_DATA: rx.Var[Any] = rx.Var("async () => (await import('@emoji-mart/data')).default")


def emoji_picker(on_pick: Any, **props: Any) -> rx.Component:
    """A picker calling `on_pick` with the picked emoji object (see `PICKED_TEXT`)."""
    return rx.el.div(
        EmojiMart.create(
            data=LAZY_DATA,
            custom=custom_emoji_categories(),
            on_emoji_select=on_pick,
            auto_focus=True,
            theme="auto",
            locale="en",
            max_frequent_rows=2,
            preview_position="none",
            skin_tone_position="search",
            # emoji-mart reads its categories once: a new read mounts it again.
            key=CustomEmojiState.version.to(str),
            **props,
        ),
        class_name="sh-emoji-picker",
        **{"data-testid": "emoji-picker"},
    )


def composer_emoji_button(box_id: str) -> rx.Component:
    """A button beside the text box `box_id` whose picker types into it at the caret."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("smile", size=18),
                type="button",
                size="3",
                variant="soft",
                aria_label="Emoji",
                id=f"{box_id}-emoji",
            )
        ),
        rx.popover.content(
            emoji_picker(INSERT_INTO_COMPOSER.partial(box_id)),
            side="top",
            align="end",
            padding="0",
            aria_label="Emoji picker",
        ),
    )


def custom_emoji_loader(chat_id: rx.Var[str]) -> rx.Component:
    """Reads the chat's custom emoji and stickers whenever another chat opens (mounted again
    for each chat by its key)."""
    return rx.el.span(
        key=chat_id,
        on_mount=CustomEmojiState.load_for_chat(chat_id),
        display="none",
        aria_hidden="true",
        # What the composer's `:` autocomplete offers (assets/emoji.js).
        id="custom-emoji-data",
        data_emoji=CustomEmojiState.autocomplete,
    )


def sticker_button(chat_id: rx.Var[str]) -> rx.Component:
    """The channel's server's stickers; one click sends it."""
    return rx.cond(
        CustomEmojiState.stickers.length() > 0,
        rx.popover.root(
            rx.popover.trigger(
                rx.icon_button(
                    rx.icon("sticker", size=18),
                    type="button",
                    size="3",
                    variant="soft",
                    aria_label="Stickers",
                    id="composer-stickers",
                )
            ),
            rx.popover.content(
                rx.grid(
                    rx.foreach(
                        CustomEmojiState.stickers,
                        lambda sticker: rx.popover.close(
                            rx.button(
                                rx.image(
                                    src=sticker.url,
                                    alt=sticker.name,
                                    class_name="sh-sticker-choice",
                                ),
                                type="button",
                                variant="ghost",
                                height="auto",
                                padding="0.25em",
                                on_click=CustomEmojiState.send_sticker(chat_id, sticker.id),
                                aria_label="Send sticker " + sticker.name,
                            )
                        ),
                    ),
                    columns="3",
                    spacing="2",
                ),
                side="top",
                align="end",
                aria_label="Stickers",
                id="sticker-picker",
            ),
        ),
    )


def reaction_picker_dialog() -> rx.Component:
    """The open chat's one reaction picker; the message menu opens it for a message."""
    message_id = ReactionPickerState.message_id
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add a reaction"),
            rx.dialog.description(
                "Search, or pick one you used recently.", size="2", color_scheme="gray"
            ),
            emoji_picker(
                lambda emoji: [
                    ConversationState.react(message_id, PICKED_TEXT.call(emoji).to(str)),
                    ReactionPickerState.set_open(False),
                ]
            ),
            width="fit-content",
            max_width="calc(100vw - 1em)",
            padding="1em",
            id="reaction-picker",
        ),
        open=ReactionPickerState.is_open,
        on_open_change=ReactionPickerState.set_open,
    )
