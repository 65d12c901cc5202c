"""The channels section: channels by category (create, rename, reorder, delete), a channel's
topic and slow mode, and its permission overwrites."""

from __future__ import annotations

import reflex as rx

from socialhub.state.server_settings_channels import (
    CHANNEL_TYPES,
    NO_CATEGORY,
    SLOW_MODES,
    CategoryRow,
    ChannelRow,
    ChannelSettingsState,
    OverwriteCell,
    TargetRow,
)

C = ChannelSettingsState


def channel_item(channel: rx.Var[ChannelRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.icon(
                rx.match(
                    channel.channel_type, ("announcement", "megaphone"), ("posts", "images"), "hash"
                ),
                size=16,
                aria_hidden="true",
            ),
            rx.button(
                channel.name,
                variant="ghost",
                on_click=C.select_channel(channel.id),
                aria_label="Edit channel " + channel.name,
                class_name="ss-channel-name",
            ),
            rx.cond(
                channel.category_id != "",
                rx.cond(
                    channel.synced,
                    rx.badge("Synced", color_scheme="green", size="1", class_name="ss-sync"),
                    rx.badge(
                        "Own permissions", color_scheme="amber", size="1", class_name="ss-sync"
                    ),
                ),
            ),
            rx.spacer(),
            rx.icon_button(
                rx.icon("chevron-up", size=14),
                size="1",
                variant="soft",
                on_click=C.move_channel(channel.id, "up"),
                aria_label="Move " + channel.name + " up",
            ),
            rx.icon_button(
                rx.icon("chevron-down", size=14),
                size="1",
                variant="soft",
                on_click=C.move_channel(channel.id, "down"),
                aria_label="Move " + channel.name + " down",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        class_name=rx.cond(channel.id == C.selected_id, "ss-role ss-role-selected", "ss-role"),
        data_channel=channel.name,
    )


def category_block(category: rx.Var[CategoryRow]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(
                category.id != "",
                rx.button(
                    category.name,
                    variant=rx.cond(category.id == C.selected_id, "soft", "ghost"),
                    size="1",
                    on_click=C.select_category(category.id),
                    aria_label="Edit category " + category.name,
                    class_name="ss-category-name",
                ),
                rx.text(category.name, size="1", weight="bold", class_name="ss-category-name"),
            ),
            rx.spacer(),
            rx.cond(
                category.id != "",
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=C.delete_category(category.id),
                    aria_label="Delete category " + category.name,
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.el.ul(rx.foreach(category.channels, channel_item), class_name="ss-role-list"),
        spacing="1",
        width="100%",
    )


def create_forms() -> rx.Component:
    return rx.hstack(
        rx.form(
            rx.hstack(
                rx.input(
                    name="name",
                    placeholder="new-channel",
                    aria_label="New channel name",
                    id="new-channel-name",
                ),
                rx.select.root(
                    rx.select.trigger(aria_label="Channel type"),
                    rx.select.content(
                        *[rx.select.item(label, value=value) for value, label in CHANNEL_TYPES]
                    ),
                    value=C.new_type,
                    on_change=C.set_new_type,
                ),
                rx.select.root(
                    rx.select.trigger(aria_label="Category of the new channel"),
                    rx.select.content(
                        rx.select.item("No category", value=NO_CATEGORY),
                        rx.foreach(
                            C.category_choices,
                            lambda c: rx.select.item(c.name, value=c.id),
                        ),
                    ),
                    value=C.new_category,
                    on_change=C.set_new_category,
                ),
                rx.button("Create channel", type="submit", id="create-channel"),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=C.create_channel,
            reset_on_submit=True,
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="name",
                    placeholder="Category name",
                    aria_label="New category name",
                    id="new-category-name",
                ),
                rx.button("Create category", type="submit", variant="soft", id="create-category"),
                spacing="2",
            ),
            on_submit=C.create_category,
            reset_on_submit=True,
        ),
        spacing="3",
        wrap="wrap",
    )


def cell_row(cell: rx.Var[OverwriteCell]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(cell.label, size="2", weight="medium"),
            rx.text(cell.description, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
        ),
        rx.radio_group.root(
            rx.hstack(
                rx.el.label(rx.radio_group.item(value="deny"), "Deny", class_name="ss-radio"),
                rx.el.label(rx.radio_group.item(value="neutral"), "Neutral", class_name="ss-radio"),
                rx.el.label(rx.radio_group.item(value="allow"), "Allow", class_name="ss-radio"),
                spacing="3",
            ),
            value=cell.value,
            on_change=lambda value: C.set_cell(cell.bit, value),
            aria_label=cell.label,
            class_name="ss-overwrite-choice",
        ),
        align="center",
        width="100%",
        class_name="ss-permission",
        data_permission=cell.name,
    )


def target_button(target: rx.Var[TargetRow]) -> rx.Component:
    return rx.button(
        target.label,
        variant=rx.cond(target.key == C.target_key, "solid", "soft"),
        size="1",
        on_click=C.select_target(target.key),
        aria_pressed=target.key == C.target_key,
        class_name="ss-target",
    )


def overwrites_card() -> rx.Component:
    return rx.vstack(
        rx.heading(
            rx.cond(
                C.scope_kind == "category",
                "Permissions in this category",
                "Permissions in this channel",
            ),
            size="3",
            as_="h4",
        ),
        rx.cond(
            C.in_category,
            rx.hstack(
                rx.cond(
                    C.synced,
                    rx.badge("Synced with its category", color_scheme="green"),
                    rx.badge("Its own permissions", color_scheme="amber"),
                ),
                rx.button(
                    "Sync with category",
                    size="1",
                    variant="soft",
                    on_click=C.sync_channel,
                    disabled=C.synced,
                    id="sync-channel",
                ),
                align="center",
            ),
        ),
        rx.hstack(
            rx.foreach(C.targets, target_button),
            rx.menu.root(
                rx.menu.trigger(
                    rx.button(
                        rx.icon("plus", size=14),
                        "Role",
                        size="1",
                        variant="outline",
                        id="add-role-overwrite",
                    ),
                ),
                rx.menu.content(
                    rx.foreach(
                        C.roles,
                        lambda r: rx.menu.item(r.name, on_click=C.add_role_target(r.id)),
                    )
                ),
            ),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="username",
                        placeholder="username",
                        size="1",
                        aria_label="Add a member's overwrite",
                    ),
                    rx.button("Member", size="1", variant="outline", type="submit"),
                    spacing="1",
                ),
                on_submit=C.add_member_target,
                reset_on_submit=True,
            ),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        rx.cond(
            C.target_key != "",
            rx.vstack(
                rx.hstack(
                    rx.text("For ", rx.text.strong(C.selected_target.label), size="2"),
                    rx.spacer(),
                    rx.button(
                        "Remove overwrite",
                        size="1",
                        color_scheme="red",
                        variant="ghost",
                        on_click=C.remove_target,
                    ),
                    width="100%",
                ),
                rx.foreach(C.cells, cell_row),
                width="100%",
                spacing="2",
                id="overwrite-editor",
            ),
            rx.text(
                "No overwrites: the roles' own permissions apply. Add a role or a member to "
                "change what they may do here.",
                size="2",
                color_scheme="gray",
            ),
        ),
        spacing="3",
        width="100%",
    )


def channel_editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("#", C.edit_name, size="4", as_="h3"),
                rx.spacer(),
                rx.button(
                    "Delete channel",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=C.delete_channel(C.selected_id),
                    id="delete-channel",
                ),
                rx.icon_button(
                    rx.icon("x", size=16),
                    variant="ghost",
                    on_click=C.close_channel,
                    aria_label="Close the channel editor",
                ),
                width="100%",
                align="center",
            ),
            rx.el.label("Channel name", html_for="channel-name", class_name="sh-label"),
            rx.input(
                value=C.edit_name,
                on_change=C.set_edit_name,
                id="channel-name",
                aria_label="Channel name",
                width="100%",
            ),
            rx.el.label("Topic", html_for="channel-topic", class_name="sh-label"),
            rx.input(
                value=C.edit_topic,
                on_change=C.set_edit_topic,
                id="channel-topic",
                aria_label="Topic",
                width="100%",
            ),
            rx.button("Save channel", on_click=C.save_channel, id="save-channel"),
            rx.hstack(
                rx.el.label("Slow mode", html_for="slow-mode", class_name="sh-label"),
                rx.select.root(
                    rx.select.trigger(aria_label="Slow mode", id="slow-mode"),
                    rx.select.content(
                        *[rx.select.item(label, value=value) for value, label in SLOW_MODES]
                    ),
                    value=C.slow_mode,
                    on_change=C.set_slow_mode,
                ),
                align="center",
                spacing="2",
            ),
            rx.divider(),
            overwrites_card(),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="channel-editor",
    )


def category_editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(C.edit_name, size="4", as_="h3"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("x", size=16),
                    variant="ghost",
                    on_click=C.close_channel,
                    aria_label="Close the category editor",
                ),
                width="100%",
                align="center",
            ),
            rx.el.label("Category name", html_for="category-name", class_name="sh-label"),
            rx.hstack(
                rx.input(
                    value=C.edit_name,
                    on_change=C.set_edit_name,
                    id="category-name",
                    aria_label="Category name",
                    max_length=100,
                    flex="1",
                ),
                rx.button("Save category", on_click=C.save_category, id="save-category"),
                width="100%",
            ),
            rx.text(
                rx.cond(
                    C.category_synced.length() > 0,
                    rx.fragment(
                        "Synced channels follow these permissions: ",
                        C.category_synced.join(", "),
                        ".",
                    ),
                    "No channel of this category is synced with it: each has its own.",
                ),
                size="2",
                color_scheme="gray",
                id="category-synced",
            ),
            rx.divider(),
            overwrites_card(),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="category-editor",
    )


def channels_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Channels", size="5", as_="h2"),
        create_forms(),
        rx.vstack(rx.foreach(C.categories, category_block), width="100%", id="channel-list"),
        rx.cond(
            C.selected_id != "",
            rx.cond(C.scope_kind == "category", category_editor(), channel_editor()),
        ),
        spacing="3",
        width="100%",
        id="channels-section",
    )
