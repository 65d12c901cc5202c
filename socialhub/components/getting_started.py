"""Getting started: the `@mention` list, the people picker, invite link actions and people to
follow. The keys and the caret are the browser's (`assets/mentions.js`, `assets/share.js`)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.utils.imports import ImportDict

from socialhub.components.ui import copy_button, user_avatar
from socialhub.state.getting_started import (
    MentionState,
    PeoplePickerState,
    PersonChip,
    SuggestionState,
)


class NoticeBridge(rx.Fragment):  # type: ignore[misc]  # Reflex exports it untyped
    """`window.shNotice(message)`: a success toast for the plain scripts ("Link copied")."""

    def add_imports(self) -> ImportDict:
        return {"react": "useEffect", "$/utils/state": "refs"}

    def add_hooks(self) -> list[str | rx.Var[Any]]:
        return [
            "useEffect(() => { window.shNotice = (message) => "
            "refs['__toast']?.success(message, { id: 'notice' }); }, [])"
        ]


def mention_option(person: rx.Var[PersonChip]) -> rx.Component:
    return rx.el.li(
        user_avatar(person.avatar_url, person.display_name, size="1"),
        rx.el.span(person.display_name, class_name="sh-mention-name"),
        rx.cond(person.is_bot, rx.badge("BOT", size="1", variant="soft", class_name="bot-tag")),
        rx.el.span("@", person.username, class_name="sh-mention-handle"),
        rx.el.span(person.note, class_name="sh-mention-note"),
        role="option",
        id="mention-option-" + person.username,
        data_username=person.username,
        class_name="sh-mention-option",
    )


def mention_popup() -> rx.Component:
    """One list for the page, placed by `assets/mentions.js` beside the box being written in."""
    return rx.el.div(
        # The script writes "<chat id>|<prefix>" here to ask for candidates.
        rx.el.input(
            type="text",
            id="mention-request",
            on_change=MentionState.lookup,
            tab_index=-1,
            aria_hidden="true",
            class_name="sh-visually-hidden",
        ),
        rx.el.ul(
            rx.foreach(MentionState.candidates, mention_option),
            role="listbox",
            id="mention-list",
            aria_label="People to mention",
            data_for=MentionState.request,
        ),
        id="mention-popup",
        class_name="sh-mention-popup",
        hidden=True,
    )


def picker_chip(person: rx.Var[PersonChip]) -> rx.Component:
    return rx.badge(
        user_avatar(person.avatar_url, person.display_name, size="1"),
        person.display_name,
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            type="button",
            on_click=PeoplePickerState.remove(person.username),
            aria_label="Remove " + person.username,
        ),
        size="2",
        radius="full",
        variant="soft",
        class_name="sh-picker-chip",
        data_username=person.username,
    )


def picker_result(person: rx.Var[PersonChip]) -> rx.Component:
    picked = PeoplePickerState.chosen_names.contains(person.username)
    return rx.button(
        user_avatar(person.avatar_url, person.display_name, size="1"),
        rx.text(person.display_name, weight="medium", size="2"),
        rx.text("@", person.username, color_scheme="gray", size="1"),
        rx.spacer(),
        rx.text(person.note, color_scheme="gray", size="1"),
        rx.cond(picked, rx.icon("check", size=14, aria_hidden="true")),
        type="button",
        variant=rx.cond(picked, "soft", "ghost"),
        aria_pressed=rx.cond(picked, "true", "false"),
        width="100%",
        justify="start",
        on_click=PeoplePickerState.choose(person.username),
        aria_label="Choose " + person.username,
        class_name="sh-picker-result",
    )


def people_picker(mode: str, *, label: str) -> rx.Component:
    """Search people and gather them as chips. In the new group form ("group") the chosen
    usernames go with the form as `members`; for the open group ("add") an Add button adds
    them."""
    finish: rx.Component = (
        rx.button(
            "Add",
            type="button",
            size="1",
            on_click=PeoplePickerState.add_to_chat,
            disabled=PeoplePickerState.chosen.length() == 0,
            id="picker-add",
        )
        if mode == "add"
        else rx.el.input(type="hidden", name="members", value=PeoplePickerState.chosen_usernames)
    )
    return rx.vstack(
        rx.el.label(label, html_for=f"picker-{mode}", class_name="sh-label"),
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                id=f"picker-{mode}",
                name=f"picker-{mode}-search",
                data_picker_search="true",
                value=PeoplePickerState.query,
                on_change=PeoplePickerState.search.debounce(200),
                placeholder="Search by username or name",
                aria_label=label,
                auto_complete="off",
                width="100%",
            ),
            finish,
            width="100%",
            align="center",
        ),
        rx.vstack(
            rx.foreach(PeoplePickerState.results, picker_result),
            width="100%",
            spacing="1",
            id=f"picker-{mode}-results",
        ),
        # Below the results: a chip appearing must not move the list under the pointer.
        rx.cond(
            PeoplePickerState.chosen.length() > 0,
            rx.hstack(
                rx.foreach(PeoplePickerState.chosen, picker_chip),
                wrap="wrap",
                spacing="1",
                id=f"picker-{mode}-chosen",
                aria_label="Chosen people",
            ),
        ),
        width="100%",
        spacing="1",
        on_mount=PeoplePickerState.start(mode),
    )


def invite_link_actions(url: rx.Var[str]) -> rx.Component:
    """Copy (the clipboard) and Share (the Web Share API, shown only where there is one)."""
    return rx.hstack(
        copy_button(url, id="copy-invite"),
        rx.button(
            rx.icon("share-2", size=14),
            "Share",
            type="button",
            size="1",
            variant="soft",
            data_share=url,
            data_share_title="Join my group on SocialHub",
            class_name="sh-share",
            id="share-invite",
        ),
        spacing="2",
    )


def suggestion_row(person: rx.Var[PersonChip]) -> rx.Component:
    following = SuggestionState.followed.contains(person.username)
    return rx.hstack(
        rx.link(user_avatar(person.avatar_url, person.display_name), href="/u/" + person.username),
        rx.vstack(
            rx.link(person.display_name, href="/u/" + person.username, weight="bold"),
            rx.text("@", person.username, " · ", person.note, size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.spacer(),
        rx.button(
            rx.cond(following, "Following", "Follow"),
            size="1",
            variant=rx.cond(following, "soft", "solid"),
            on_click=SuggestionState.toggle_follow(person.username),
            aria_label=rx.cond(following, "Unfollow ", "Follow ") + person.username,
        ),
        align="center",
        width="100%",
        class_name="suggestion-row",
    )


def follow_suggestions() -> rx.Component:
    """For someone who follows nobody yet: people to follow, and the way to explore."""
    return rx.cond(
        SuggestionState.people.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("People to follow", size="3", as_="h2"),
                rx.text(
                    "Your home shows posts of the people you follow. Start with a few:",
                    size="2",
                    color_scheme="gray",
                ),
                rx.foreach(SuggestionState.people, suggestion_row),
                rx.link("Explore what everyone is posting", href="/explore", id="explore-link"),
                width="100%",
                spacing="2",
            ),
            width="100%",
            id="follow-suggestions",
        ),
    )
