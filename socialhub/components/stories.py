"""Stories: avatars with a ring, the tray, the composer dialog, and the story viewer."""

from __future__ import annotations

from typing import Any

import reflex as rx

from socialhub.components.confirm import confirm_event
from socialhub.components.ui import IMAGE_TYPES, counted, upload_zone, user_avatar
from socialhub.state.stories import (
    BACKGROUNDS,
    BODY_MAX,
    STORY_IMAGE_UPLOAD_ID,
    RingRow,
    StoryState,
    ViewerRow,
)
from socialhub.state.uploads import UploadState


def ringed_avatar(
    avatar: rx.Var[str], name: rx.Var[str], unseen: rx.Var[bool], size: str = "4", **props: Any
) -> rx.Component:
    """An avatar in a coloured ring while it has unseen stories, a grey one once all are seen."""
    return rx.box(
        user_avatar(avatar, name, size=size, **props),
        class_name=rx.cond(unseen, "sh-ring sh-ring-unseen", "sh-ring"),
        custom_attrs={"data-unseen": rx.cond(unseen, "true", "false")},
    )


def story_background(colour: rx.Var[str]) -> rx.Var[str]:
    """A text story's colour, mapped from the fixed palette (anything else falls back)."""
    return rx.match(
        colour,
        *[(name, f"var(--{name}-9)") for name in BACKGROUNDS],
        f"var(--{BACKGROUNDS[0]}-9)",
    )


def tray_ring(ring: rx.Var[RingRow]) -> rx.Component:
    return rx.link(
        rx.vstack(
            ringed_avatar(ring.avatar, ring.name, ring.unseen),
            rx.text(
                rx.cond(ring.mine, "Your story", ring.name), size="1", class_name="sh-ellipsis"
            ),
            align="center",
            spacing="1",
            width="4.5em",
        ),
        href="/stories/" + ring.username,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        aria_label="Stories of " + ring.username,
        id="ring-" + ring.username,
    )


def story_composer() -> rx.Component:
    return rx.dialog.root(
        # The trigger is the button itself: a trigger around a stack made a div pose as a
        # button (aria-haspopup on a div, flagged by Lighthouse).
        rx.vstack(
            rx.dialog.trigger(
                rx.icon_button(
                    rx.icon("plus"),
                    radius="full",
                    size="4",
                    variant="soft",
                    aria_label="Add a story",
                    id="add-story",
                ),
            ),
            rx.text("Add story", size="1", aria_hidden="true"),
            align="center",
            spacing="1",
            width="4.5em",
        ),
        rx.dialog.content(
            rx.dialog.title("New story"),
            rx.dialog.description(
                "Your followers see it for 24 hours.", size="2", color_scheme="gray"
            ),
            rx.vstack(
                counted(
                    rx.text_area(
                        id="story-draft",
                        placeholder="Say something, or add a picture",
                        aria_label="Story text",
                        value=StoryState.draft,
                        on_change=StoryState.set_draft,
                        rows="3",
                        width="100%",
                    ),
                    BODY_MAX,
                ),
                rx.radio_group(
                    list(BACKGROUNDS),
                    value=StoryState.background,
                    on_change=StoryState.set_background,
                    direction="row",
                    aria_label="Background colour",
                ),
                upload_zone(
                    "Story picture",
                    rx.button(rx.icon("image", size=16), "Picture", variant="soft", type="button"),
                    id=STORY_IMAGE_UPLOAD_ID,
                    max_files=1,
                    accept=IMAGE_TYPES,
                    no_drag=True,
                    on_drop_rejected=UploadState.refuse,
                ),
                rx.text(
                    rx.selected_files(STORY_IMAGE_UPLOAD_ID).join(", "),
                    size="1",
                    color_scheme="gray",
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                    rx.button(
                        "Share story",
                        on_click=StoryState.publish(
                            rx.upload_files(upload_id=STORY_IMAGE_UPLOAD_ID)
                        ),
                        loading=StoryState.publishing,
                        id="publish-story",
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        open=StoryState.composing,
        on_open_change=StoryState.set_composing,
    )


def story_tray() -> rx.Component:
    return rx.scroll_area(
        rx.hstack(
            story_composer(),
            rx.foreach(StoryState.rings, tray_ring),
            spacing="3",
            padding_y="0.25em",
        ),
        type="hover",
        scrollbars="horizontal",
        width="100%",
        id="story-tray",
    )


def viewer_row(viewer: rx.Var[ViewerRow]) -> rx.Component:
    return rx.hstack(
        user_avatar(viewer.avatar, viewer.name, size="2"),
        rx.link(viewer.name, href="/u/" + viewer.username, weight="bold", size="2"),
        rx.spacer(),
        rx.text(viewer.when, size="1", color_scheme="gray"),
        align="center",
        width="100%",
        class_name="story-viewer",
    )


def story_body() -> rx.Component:
    story = StoryState.current
    return rx.cond(
        story.kind == "image",
        rx.vstack(
            rx.image(src=story.image, alt="Story picture", max_height="60vh", max_width="100%"),
            rx.cond(story.body != "", rx.text(story.body, size="3", white_space="pre-wrap")),
            align="center",
            width="100%",
        ),
        rx.center(
            rx.text(
                story.body,
                size="6",
                weight="bold",
                align="center",
                white_space="pre-wrap",
                color="white",
                overflow_wrap="anywhere",
            ),
            background=story_background(story.background),
            border_radius="12px",
            padding="2em",
            min_height="50vh",
            width="100%",
        ),
    )


def author_tools() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(
                rx.icon("eye", size=16),
                "Seen by ",
                StoryState.current.view_count,
                variant="soft",
                on_click=StoryState.toggle_viewers,
                id="story-viewers-button",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("trash-2", size=16),
                "Delete",
                color_scheme="red",
                variant="soft",
                on_click=confirm_event("delete_story"),
                id="delete-story",
            ),
            width="100%",
        ),
        rx.cond(
            StoryState.viewers_open,
            rx.vstack(
                rx.foreach(StoryState.viewers, viewer_row),
                rx.cond(
                    StoryState.viewers.length() == 0,
                    rx.text("Nobody has seen it yet.", size="2", color_scheme="gray"),
                ),
                width="100%",
                id="story-viewers",
            ),
        ),
        width="100%",
    )


def story_bar(state: rx.Var[str]) -> rx.Component:
    return rx.el.div(
        rx.el.div(class_name="story-bar-fill"), class_name="story-bar", data_state=state
    )


def story_bars() -> rx.Component:
    """One bar per story; the current one fills in its time on screen, a CSS animation whose end
    moves on (assets/stories.js)."""
    return rx.el.div(
        rx.foreach(StoryState.bars, story_bar),
        class_name="story-bars",
        id="story-bars",
        aria_hidden="true",
        style={"--story-duration": StoryState.current.seconds.to_string() + "s"},
    )


def story_stage() -> rx.Component:
    """The story with its tap zones over it: the left third goes back, the rest forward, and a
    press held pauses (assets/stories.js). The Previous/Next buttons and the arrow keys do the
    same for keyboards and screen readers."""
    return rx.box(
        story_body(),
        rx.el.div(class_name="story-zone", data_zone="previous", aria_hidden="true"),
        rx.el.div(class_name="story-zone", data_zone="next", aria_hidden="true"),
        id="story-stage",
        width="100%",
    )


def story_viewer() -> rx.Component:
    return rx.card(
        rx.vstack(
            story_bars(),
            rx.hstack(
                user_avatar(StoryState.author_avatar, StoryState.author_name, size="2"),
                rx.link(
                    StoryState.author_name, href="/u/" + StoryState.author_username, weight="bold"
                ),
                rx.text(StoryState.current.when, size="1", color_scheme="gray"),
                rx.spacer(),
                rx.text(StoryState.progress, size="1", color_scheme="gray", id="story-progress"),
                rx.icon_button(
                    rx.cond(StoryState.paused, rx.icon("play", size=16), rx.icon("pause", size=16)),
                    variant="ghost",
                    aria_label=rx.cond(StoryState.paused, "Play stories", "Pause stories"),
                    aria_pressed=StoryState.paused.to_string(),
                    on_click=StoryState.toggle_pause,
                    id="story-pause",
                ),
                rx.link(rx.icon("x"), href="/", aria_label="Close stories", id="story-close"),
                align="center",
                width="100%",
            ),
            story_stage(),
            rx.hstack(
                rx.button(
                    rx.icon("chevron-left"),
                    "Previous",
                    variant="soft",
                    on_click=StoryState.step(-1),
                    disabled=StoryState.index == 0,
                    id="story-previous",
                ),
                rx.spacer(),
                rx.button(
                    "Next", rx.icon("chevron-right"), on_click=StoryState.step(1), id="story-next"
                ),
                width="100%",
            ),
            rx.cond(StoryState.mine, author_tools()),
            spacing="3",
            width="100%",
            id="story-viewer",
            data_paused=StoryState.paused.to_string(),
        ),
        width="100%",
    )


def story_avatar(
    avatar: rx.Var[str], name: rx.Var[str], username: rx.Var[str], size: str, **props: Any
) -> rx.Component:
    """An avatar that, while the person has stories for you, wears a ring and opens them."""
    return rx.cond(
        StoryState.story_authors.contains(username),
        rx.link(
            ringed_avatar(
                avatar, name, StoryState.unseen_authors.contains(username), size=size, **props
            ),
            href="/stories/" + username,
            aria_label="Stories of " + username,
        ),
        rx.link(user_avatar(avatar, name, size=size, **props), href="/u/" + username),
    )
