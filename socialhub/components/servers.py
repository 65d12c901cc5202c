"""The Discord layout's pieces: the server rail, the channel sidebar, the channel header, the
member list and the pinned messages panel, and the server dialogs (create, invite)."""

from __future__ import annotations

import reflex as rx

from socialhub.components.confirm import confirm_event
from socialhub.components.ui import field_error, user_avatar
from socialhub.state.server_invites import ServerInviteState
from socialhub.state.server_members import ServerMembersState
from socialhub.state.server_pins import PinItem, ServerPinsState
from socialhub.state.server_reads import ChannelItem, MemberItem, RailItem
from socialhub.state.servers import ServerCreateState, ServerState


def _badge(count: rx.Var[int], label: str) -> rx.Component:
    return rx.cond(
        count > 0,
        rx.el.span(count.to(str), class_name="sh-mention-badge", aria_label=label),
    )


def rail_item(server: rx.Var[RailItem]) -> rx.Component:
    active = ServerState.server_id == server.id
    return rx.el.div(
        rx.cond(server.unread & ~active, rx.el.span(class_name="sh-rail-dot")),
        rx.link(
            rx.text(server.initials, weight="bold"),
            href="/servers/" + server.id,
            class_name="sh-rail-icon",
            data_active=active.to(str),
            aria_label=server.name,
            title=server.name,
            underline="none",
        ),
        _badge(server.mentions, "mentions"),
        class_name="sh-rail-item",
        data_unread=server.unread.to(str),
        data_server=server.id,
    )


def create_server_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(
                rx.icon("plus", size=20),
                variant="soft",
                radius="full",
                size="3",
                aria_label="Create a server",
                class_name="sh-rail-action",
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Create a server"),
            rx.form(
                rx.vstack(
                    rx.el.label("Server name", html_for="server-name", class_name="sh-label"),
                    rx.input(
                        id="server-name",
                        name="name",
                        max_length=100,
                        aria_label="Server name",
                        width="100%",
                        auto_focus=True,
                    ),
                    field_error(ServerCreateState.field_errors, "name"),
                    rx.radio_group.root(
                        rx.vstack(
                            rx.hstack(
                                rx.radio_group.item(value="private", id="server-private"),
                                rx.el.label(
                                    "Private: people join by invite", html_for="server-private"
                                ),
                                align="center",
                            ),
                            rx.hstack(
                                rx.radio_group.item(value="public", id="server-public"),
                                rx.el.label(
                                    "Public: listed in discovery, anyone may join",
                                    html_for="server-public",
                                ),
                                align="center",
                            ),
                        ),
                        name="visibility",
                        default_value="private",
                        aria_label="Who may join",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Create", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                on_submit=ServerCreateState.create,
            ),
        ),
        open=ServerCreateState.open,
        on_open_change=ServerCreateState.set_open,
    )


def server_rail() -> rx.Component:
    return rx.el.nav(
        rx.link(
            rx.icon("house", size=20),
            href="/",
            class_name="sh-rail-icon sh-rail-home",
            aria_label="Home",
            title="Home",
        ),
        rx.el.div(class_name="sh-rail-sep"),
        rx.foreach(ServerState.servers, rail_item),
        create_server_dialog(),
        rx.link(
            rx.icon("compass", size=20),
            href="/servers",
            class_name="sh-rail-icon sh-rail-action",
            aria_label="Discover servers",
            title="Discover servers",
        ),
        class_name="sh-rail",
        aria_label="Servers",
        id="server-rail",
    )


def channel_row(channel: rx.Var[ChannelItem]) -> rx.Component:
    active = ServerState.channel_id == channel.id
    return rx.fragment(
        rx.cond(
            channel.header != "",
            rx.text(channel.header, size="1", weight="bold", class_name="sh-category"),
        ),
        rx.el.a(
            rx.icon(rx.cond(channel.kind == "announcement", "megaphone", "hash"), size=16),
            rx.text(channel.name, class_name="sh-ellipsis", flex="1"),
            _badge(channel.mentions, "mentions"),
            href="/servers/" + ServerState.server_id + "/" + channel.id,
            class_name="sh-channel",
            data_active=active.to(str),
            data_unread=channel.unread.to(str),
            data_channel=channel.name,
            aria_current=rx.cond(active, "page", "false"),
            on_click=ServerState.close_drawer,
        ),
    )


def server_menu() -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.button(
                rx.text(ServerState.server_name, class_name="sh-ellipsis", weight="bold"),
                rx.icon("chevron-down", size=16),
                variant="ghost",
                width="100%",
                justify="between",
                id="server-menu",
                aria_label="Server menu",
            )
        ),
        rx.dropdown_menu.content(
            rx.cond(
                ServerState.can_invite,
                rx.dropdown_menu.item(
                    rx.icon("user-plus", size=14),
                    "Invite people",
                    on_click=ServerInviteState.open_dialog,
                ),
            ),
            rx.cond(
                ServerState.can_settings,
                rx.dropdown_menu.item(
                    rx.link(
                        rx.hstack(rx.icon("settings", size=14), "Server settings", align="center"),
                        href="/servers/" + ServerState.server_id + "/settings",
                        underline="none",
                    ),
                ),
            ),
            rx.cond(
                ~ServerState.is_owner,
                rx.dropdown_menu.item(
                    rx.icon("log-out", size=14),
                    "Leave server",
                    color="red",
                    on_click=confirm_event("leave_server", "", ServerState.server_name),
                ),
            ),
        ),
    )


def channel_sidebar() -> rx.Component:
    return rx.el.aside(
        server_menu(),
        rx.el.nav(
            rx.foreach(ServerState.channels, channel_row),
            class_name="sh-channel-list",
            aria_label="Channels",
            id="channel-list",
        ),
        class_name="sh-sidebar",
    )


def invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Invite people to ", ServerState.server_name),
            rx.vstack(
                rx.text("Anyone with this link can join the server.", size="2"),
                rx.cond(
                    ServerInviteState.invite_url != "",
                    rx.hstack(
                        rx.code(ServerInviteState.invite_url, id="server-invite-url", size="2"),
                        rx.button(
                            rx.icon("copy", size=14),
                            "Copy",
                            type="button",
                            size="1",
                            variant="soft",
                            data_copy=ServerInviteState.invite_url,
                            id="copy-server-invite",
                        ),
                        align="center",
                        wrap="wrap",
                    ),
                    rx.spinner(aria_label="Creating the link"),
                ),
                rx.dialog.close(rx.button("Done", variant="soft", size="1")),
                width="100%",
                spacing="3",
            ),
        ),
        open=ServerInviteState.dialog_open,
        on_open_change=ServerInviteState.set_dialog_open,
    )


def pin_row(pin: rx.Var[PinItem]) -> rx.Component:
    return rx.box(
        rx.text(pin.author_name, size="1", weight="bold"),
        rx.text(pin.body, size="2", white_space="pre-wrap"),
        class_name="sh-pin",
        padding="0.5em",
        border_radius="8px",
        background_color=rx.color("gray", 3),
        width="100%",
    )


def pins_popover() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("pin", size=18),
                variant="ghost",
                aria_label="Pinned messages",
                id="pins-button",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.heading("Pinned messages", size="3", as_="h3"),
                rx.cond(
                    ServerPinsState.pins.length() == 0,
                    rx.text("Nothing is pinned here yet.", size="2", color_scheme="gray"),
                ),
                rx.foreach(ServerPinsState.pins, pin_row),
                width="min(22em, 80vw)",
                max_height="60vh",
                overflow_y="auto",
                id="pins-list",
            ),
        ),
        open=ServerPinsState.open,
        on_open_change=ServerPinsState.set_open,
    )


def channel_header() -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("menu", size=20),
            variant="ghost",
            aria_label="Open channels",
            on_click=ServerState.toggle_drawer,
            class_name="sh-drawer-toggle",
            id="drawer-toggle",
        ),
        rx.icon("hash", size=18),
        rx.heading(
            ServerState.channel_name,
            size="4",
            as_="h2",
            id="channel-title",
            class_name="sh-ellipsis",
        ),
        rx.text(
            ServerState.channel_topic,
            size="2",
            color_scheme="gray",
            class_name="sh-ellipsis sh-topic",
            id="channel-topic",
        ),
        rx.spacer(),
        pins_popover(),
        rx.icon_button(
            rx.icon("users", size=18),
            variant="ghost",
            aria_label="Member list",
            aria_pressed=ServerMembersState.open.to(str),
            on_click=ServerMembersState.toggle,
            id="members-toggle",
        ),
        width="100%",
        align="center",
        class_name="sh-channel-header",
    )


def _status_colour(status: rx.Var[str]) -> rx.Var[str]:
    return rx.match(
        status,
        ("online", rx.color("green", 9)),
        ("idle", rx.color("amber", 9)),
        ("dnd", rx.color("red", 9)),
        rx.color("gray", 7),
    )


def member_item(member: rx.Var[MemberItem]) -> rx.Component:
    return rx.hstack(
        rx.box(
            user_avatar(member.avatar_url, member.display_name, size="2"),
            rx.el.span(
                class_name="sh-presence",
                background_color=_status_colour(member.status),
                aria_label=member.status,
            ),
            position="relative",
        ),
        rx.vstack(
            rx.text(
                member.display_name,
                size="2",
                weight="medium",
                class_name="sh-ellipsis",
                color=rx.cond(member.colour != "", member.colour, "inherit"),
            ),
            rx.cond(
                member.role_name != "", rx.text(member.role_name, size="1", color_scheme="gray")
            ),
            spacing="0",
            min_width="0",
        ),
        align="center",
        class_name="sh-member",
        data_username=member.username,
        width="100%",
    )


def member_panel() -> rx.Component:
    return rx.cond(
        ServerMembersState.open,
        rx.el.aside(
            rx.hstack(
                rx.heading("Members", size="3", as_="h3"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("x", size=16),
                    variant="ghost",
                    aria_label="Close the member list",
                    on_click=ServerMembersState.close,
                    class_name="sh-members-close",
                ),
                align="center",
                width="100%",
            ),
            rx.foreach(ServerMembersState.members, member_item),
            rx.cond(
                ServerMembersState.has_more,
                rx.button(
                    "More members",
                    variant="ghost",
                    size="1",
                    on_click=ServerMembersState.load_more,
                ),
            ),
            class_name="sh-members",
            id="member-list",
            aria_label="Members",
        ),
    )
