"""The emoji section of the server settings: upload, list, rename and delete the server's custom
emoji and stickers, and whether its emoji may be used elsewhere."""

from __future__ import annotations

from typing import Any

import reflex as rx

from socialhub.components.server_settings import section_heading
from socialhub.components.ui import upload_zone
from socialhub.state.server_settings_emoji import (
    EMOJI_UPLOAD_ID,
    STICKER_UPLOAD_ID,
    EmojiItem,
    EmojiSettingsState,
)
from socialhub.state.uploads import UploadState

E = EmojiSettingsState
ACCEPT = {"image/png": [".png"], "image/gif": [".gif"], "image/webp": [".webp"]}


def _uploader(kind: str, upload_id: str, on_drop: Any, hint: str) -> rx.Component:
    """A name field and an upload button; the field's value goes with the upload."""
    typed = rx.Var(_js_expr=f"document.getElementById('new-{kind}-name')?.value ?? ''").to(str)
    return rx.hstack(
        rx.input(
            placeholder="name (a-z, 0-9, _)",
            max_length=32,
            aria_label=f"New {kind} name",
            id=f"new-{kind}-name",
        ),
        upload_zone(
            f"Upload {kind}",
            rx.vstack(
                rx.button(f"Upload {kind}", type="button", variant="soft"),
                rx.text(hint, size="1", color_scheme="gray"),
                align="start",
            ),
            id=upload_id,
            multiple=False,
            max_files=1,
            accept=ACCEPT,
            on_drop=on_drop(rx.upload_files(upload_id=upload_id), typed),
            on_drop_rejected=UploadState.refuse,
            aria_label=f"Upload {kind}",
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def _row(kind: str, item: rx.Var[EmojiItem], size: str) -> rx.Component:
    return rx.hstack(
        rx.image(src=item.url, alt=":" + item.name + ":", width=size, height=size),
        rx.cond(
            E.can_manage,
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="kind", value=kind),
                    rx.el.input(type="hidden", name="id", value=item.id),
                    rx.input(
                        name="name",
                        default_value=item.name,
                        key=item.name,
                        max_length=32,
                        aria_label="Name of " + item.name,
                    ),
                    rx.button("Rename", type="submit", size="1", variant="soft"),
                    spacing="2",
                    align="center",
                ),
                on_submit=E.rename_item,
                reset_on_submit=False,
            ),
            rx.text(":", item.name, ":", size="2"),
        ),
        rx.cond(item.animated, rx.badge("animated", size="1")),
        rx.cond(
            E.can_manage,
            rx.icon_button(
                rx.icon("trash-2", size=14),
                size="1",
                variant="ghost",
                color_scheme="red",
                on_click=E.delete_item(kind, item.id),
                aria_label="Delete " + item.name,
            ),
        ),
        spacing="3",
        align="center",
        class_name=f"ss-{kind}-row",
        data_name=item.name,
    )


def emoji_section() -> rx.Component:
    return rx.vstack(
        section_heading(
            "Emoji",
            "Members write :name: to use one. Animated ones play, and hold still for "
            "people who asked for less motion.",
        ),
        rx.text(E.limits, size="1", color_scheme="gray", id="emoji-limits"),
        rx.cond(
            E.can_manage,
            rx.vstack(
                rx.hstack(
                    rx.switch(
                        checked=E.share_emoji,
                        on_change=E.set_share,
                        id="share-emoji",
                        aria_label="Members may use these emoji in other servers and in DMs",
                    ),
                    rx.el.label(
                        "Members may use these emoji in other servers and in DMs",
                        html_for="share-emoji",
                    ),
                    align="center",
                ),
                _uploader(
                    "emoji",
                    EMOJI_UPLOAD_ID,
                    E.upload_emoji,
                    "PNG, GIF or WebP, up to 256 KB",
                ),
                rx.cond(E.uploading, rx.spinner(aria_label="Uploading")),
                spacing="3",
                width="100%",
            ),
        ),
        rx.vstack(
            rx.foreach(E.emoji, lambda e: _row("emoji", e, "32px")),
            spacing="2",
            id="emoji-list",
            width="100%",
        ),
        rx.heading("Stickers", size="4", as_="h3"),
        rx.cond(
            E.can_manage,
            _uploader(
                "sticker",
                STICKER_UPLOAD_ID,
                E.upload_sticker,
                "PNG, GIF or WebP, up to 512 KB",
            ),
        ),
        rx.vstack(
            rx.foreach(E.stickers, lambda e: _row("sticker", e, "64px")),
            spacing="2",
            id="sticker-list",
            width="100%",
        ),
        spacing="4",
        width="100%",
        id="emoji-section",
    )
