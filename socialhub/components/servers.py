"""The Discord layout's pieces: the server rail, the channel sidebar, the channel header, the
member list and the pinned messages panel (the messenger's chats show it too), the
notification menus, and the server dialogs (create, invite)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventHandler, EventSpec

from socialhub.components.confirm import confirm_event
from socialhub.components.threads import threads_popover
from socialhub.components.ui import (
    IMAGE_TYPES,
    field_error,
    link_with_copy,
    upload_zone,
    user_avatar,
)
from socialhub.config import get_settings
from socialhub.state.conversation import ConversationState
from socialhub.state.server_invites import ServerInviteState
from socialhub.state.server_members import ServerMembersState
from socialhub.state.server_pins import PinItem, ServerPinsState
from socialhub.state.server_profile import ServerProfileState
from socialhub.state.server_reads import ChannelItem, MemberItem, RailItem
from socialhub.state.servers import (
    LEVEL_NAMES,
    SERVER_ICON_UPLOAD_ID,
    ServerCreateState,
    ServerState,
)
from socialhub.state.uploads import UploadState

# What the notification menus offer (the values are the domain's, notify_levels).
LEVEL_CHOICES = (("all", "All messages"), ("mentions", "Only mentions"), ("nothing", "Nothing"))
MUTE_CHOICES = (
    ("1h", "For 1 hour"),
    ("8h", "For 8 hours"),
    ("24h", "For 24 hours"),
    ("forever", "Until I turn it back on"),
)


def _badge(count: rx.Var[int], label: str) -> rx.Component:
    return rx.cond(
        count > 0,
        rx.el.span(count.to(str), class_name="sh-mention-badge", aria_label=label),
    )


def server_icon(icon_url: rx.Var[str], initials: rx.Var[str]) -> rx.Component:
    """The server's icon, or its initials while it has none."""
    return rx.cond(
        icon_url != "",
        rx.image(src=icon_url, alt="", class_name="sh-server-icon", loading="lazy"),
        rx.text(initials, weight="bold"),
    )


def rail_item(server: rx.Var[RailItem]) -> rx.Component:
    active = ServerState.server_id == server.id
    return rx.el.div(
        rx.cond(server.unread & ~active, rx.el.span(class_name="sh-rail-dot")),
        rx.link(
            server_icon(server.icon_url, server.initials),
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
        data_muted=server.muted.to(str),
        data_server=server.id,
    )


def _form_value(js: str) -> rx.Var[str]:
    """A form field's value as it is when Create is pressed (sent with the icon's upload)."""
    return rx.Var(_js_expr=js).to(str)


def icon_picker() -> rx.Component:
    limit_mb = get_settings().avatar_max_bytes // (1024 * 1024)
    return rx.vstack(
        rx.text("Icon (optional)", class_name="sh-label"),
        rx.hstack(
            upload_zone(
                "Server icon",
                rx.button(
                    rx.icon("image", size=14),
                    "Choose an image",
                    type="button",
                    variant="soft",
                    size="1",
                ),
                id=SERVER_ICON_UPLOAD_ID,
                multiple=False,
                max_files=1,
                accept=IMAGE_TYPES,
                no_drag=True,
                on_drop_rejected=UploadState.refuse,
            ),
            rx.text(
                rx.selected_files(SERVER_ICON_UPLOAD_ID).join(", "),
                size="1",
                color_scheme="gray",
                id="new-server-icon-name",
                class_name="sh-ellipsis",
            ),
            align="center",
            width="100%",
        ),
        rx.text(
            f"JPEG, PNG, WebP or GIF, up to {limit_mb} MB. Without one, the name's initials.",
            size="1",
            color_scheme="gray",
        ),
        spacing="1",
        width="100%",
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
                    icon_picker(),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Create", type="submit", loading=ServerCreateState.creating),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                # The icon goes up with the name and the choice, in one request: the server and
                # its icon are made together or not at all (state/servers.py).
                on_submit=ServerCreateState.create(
                    rx.upload_files(upload_id=SERVER_ICON_UPLOAD_ID),
                    _form_value("document.getElementById('server-name')?.value ?? ''"),
                    _form_value(
                        "document.querySelector('#server-public[data-state=checked]')"
                        " ? 'public' : 'private'"
                    ),
                ),
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


def thread_row(thread: rx.Var[ChannelItem]) -> rx.Component:
    """A thread under its channel: the active ones, and an archived one while it is open."""
    active = ServerState.channel_id == thread.id
    return rx.cond(
        ~thread.archived | active,
        rx.link(
            rx.icon("corner-down-right", size=14),
            rx.text(thread.name, class_name="sh-ellipsis", flex="1"),
            _badge(ServerState.mention_counts[thread.id].to(int), "mentions"),
            href="/servers/" + ServerState.server_id + "/" + thread.id,
            class_name="sh-channel sh-thread-row",
            data_active=active.to(str),
            data_unread=ServerState.unread_ids.contains(thread.id).to(str),
            data_thread=thread.name,
            aria_current=rx.cond(active, "page", "false"),
            on_click=ServerState.close_drawer,
            underline="none",
        ),
    )


def channel_row(channel: rx.Var[ChannelItem]) -> rx.Component:
    active = ServerState.channel_id == channel.id
    return rx.cond(channel.kind == "thread", thread_row(channel), _channel_row(channel, active))


def _channel_row(channel: rx.Var[ChannelItem], active: rx.Var[bool]) -> rx.Component:
    return rx.fragment(
        rx.cond(
            channel.header != "",
            rx.text(channel.header, size="1", weight="bold", class_name="sh-category"),
        ),
        rx.link(
            rx.icon(rx.cond(channel.kind == "announcement", "megaphone", "hash"), size=16),
            rx.text(channel.name, class_name="sh-ellipsis", flex="1"),
            rx.cond(channel.muted, rx.icon("bell-off", size=14, aria_label="muted")),
            _badge(ServerState.mention_counts[channel.id].to(int), "mentions"),
            href="/servers/" + ServerState.server_id + "/" + channel.id,
            class_name="sh-channel",
            data_active=active.to(str),
            data_unread=ServerState.unread_ids.contains(channel.id).to(str),
            data_muted=channel.muted.to(str),
            data_channel=channel.name,
            aria_current=rx.cond(active, "page", "false"),
            on_click=ServerState.close_drawer,
            underline="none",
        ),
    )


def _choice(label: str | rx.Var[str], selected: rx.Var[bool], on_click: EventSpec) -> rx.Component:
    """A menu item that shows whether it is the current choice (a tick, and data-selected)."""
    return rx.dropdown_menu.item(
        rx.hstack(
            rx.box(rx.cond(selected, rx.icon("check", size=14)), width="14px"),
            rx.text(label),
            align="center",
            spacing="2",
        ),
        on_click=on_click,
        data_selected=selected.to(str),
    )


def _mute_items(muted: rx.Var[bool], until: rx.Var[str], on_mute: EventHandler) -> rx.Component:
    """Mute for a while or until turned back on; Unmute while muted."""
    return rx.cond(
        muted,
        rx.fragment(
            rx.dropdown_menu.item(
                rx.hstack(rx.icon("bell-ring", size=14), "Unmute", align="center"),
                on_click=on_mute("off"),
            ),
            rx.cond(
                until != "",
                rx.text(
                    "Muted until ",
                    until,
                    size="1",
                    color_scheme="gray",
                    padding_x="8px",
                ),
                rx.text(
                    "Muted until you turn it back on",
                    size="1",
                    color_scheme="gray",
                    padding_x="8px",
                ),
            ),
        ),
        rx.dropdown_menu.sub(
            rx.dropdown_menu.sub_trigger(
                rx.hstack(rx.icon("bell-off", size=14), "Mute", align="center")
            ),
            rx.dropdown_menu.sub_content(
                *[
                    rx.dropdown_menu.item(label, on_click=on_mute(value))
                    for value, label in MUTE_CHOICES
                ]
            ),
        ),
    )


def server_notifications_menu() -> rx.Component:
    """The server header menu's Notifications: the server's level and mute."""
    return rx.dropdown_menu.sub(
        rx.dropdown_menu.sub_trigger(
            rx.hstack(rx.icon("bell", size=14), "Notifications", align="center")
        ),
        rx.dropdown_menu.sub_content(
            *[
                _choice(
                    label,
                    ServerState.notify_level == value,
                    ServerState.set_server_level(value),
                )
                for value, label in LEVEL_CHOICES
            ],
            rx.dropdown_menu.separator(),
            _mute_items(
                ServerState.server_muted, ServerState.server_muted_until, ServerState.mute_server
            ),
            id="server-notifications",
        ),
    )


def channel_notifications_menu() -> rx.Component:
    """The bell in the channel header: the open channel's level (or as the server) and mute."""
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.cond(
                    ServerState.channel_muted,
                    rx.icon("bell-off", size=18),
                    rx.icon("bell", size=18),
                ),
                variant="ghost",
                aria_label="Channel notifications",
                data_muted=ServerState.channel_muted.to(str),
                id="channel-notifications-button",
            )
        ),
        rx.dropdown_menu.content(
            _choice(
                "As the server (" + _level_name(ServerState.notify_level) + ")",
                ServerState.channel_level == "",
                ServerState.set_channel_level(""),
            ),
            *[
                _choice(
                    label,
                    ServerState.channel_level == value,
                    ServerState.set_channel_level(value),
                )
                for value, label in LEVEL_CHOICES
            ],
            rx.dropdown_menu.separator(),
            _mute_items(
                ServerState.channel_muted,
                ServerState.channel_muted_until,
                ServerState.mute_channel,
            ),
            id="channel-notifications",
        ),
    )


def _level_name(level: rx.Var[str]) -> rx.Var[str]:
    return rx.match(level, *[(value, name) for value, name in LEVEL_NAMES.items()], level).to(str)


def server_menu() -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.button(
                rx.el.span(
                    server_icon(ServerState.server_icon_url, ServerState.server_initials),
                    class_name="sh-header-icon",
                    id="server-header-icon",
                ),
                rx.text(ServerState.server_name, class_name="sh-ellipsis", weight="bold", flex="1"),
                rx.icon("chevron-down", size=16),
                variant="ghost",
                width="100%",
                justify="between",
                id="server-menu",
                aria_label="Server menu",
            )
        ),
        rx.dropdown_menu.content(
            server_notifications_menu(),
            rx.dropdown_menu.item(
                rx.icon("pencil", size=14),
                "Edit server profile",
                on_click=ServerProfileState.open_dialog,
                id="edit-server-profile",
            ),
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
                    link_with_copy(
                        ServerInviteState.invite_url,
                        id="server-invite-url",
                        copy_id="copy-server-invite",
                        label="Copy",
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


def server_profile_dialog() -> rx.Component:
    """My nickname in the open server (the domain says whether I may change it)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Your profile in ", ServerState.server_name),
            rx.el.form(
                rx.vstack(
                    rx.el.label("Nickname", html_for="server-nickname", class_name="sh-label"),
                    rx.input(
                        default_value=ServerProfileState.nickname,
                        placeholder=ServerProfileState.own_name,
                        name="nickname",
                        id="server-nickname",
                        max_length=32,
                        width="100%",
                        disabled=~ServerProfileState.can_change,
                    ),
                    rx.text(
                        rx.cond(
                            ServerProfileState.can_change,
                            "The name you go by in this server only. Leave it empty to show "
                            "your own name.",
                            "This server does not let you change your nickname.",
                        ),
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(
                            "Save",
                            type="submit",
                            id="server-nickname-save",
                            disabled=~ServerProfileState.can_change,
                        ),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=ServerProfileState.save,
                reset_on_submit=False,
            ),
            max_width="26em",
        ),
        open=ServerProfileState.dialog_open,
        on_open_change=ServerProfileState.set_dialog_open,
    )


def pin_row(pin: rx.Var[PinItem]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(pin.author_name, size="1", weight="bold"),
            rx.spacer(),
            rx.cond(
                ConversationState.open_can_pin,
                rx.button(
                    "Unpin",
                    size="1",
                    variant="ghost",
                    on_click=ServerPinsState.unpin(pin.id),
                    aria_label="Unpin",
                ),
            ),
            width="100%",
            align="center",
        ),
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
        channel_notifications_menu(),
        threads_popover(),
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
    return rx.fragment(
        rx.cond(
            member.header != "",
            rx.text(
                member.header,
                size="1",
                weight="bold",
                class_name="sh-member-group",
                data_group=member.header,
            ),
        ),
        member_row(member),
    )


def member_row(member: rx.Var[MemberItem]) -> rx.Component:
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
            rx.hstack(
                rx.text(
                    member.display_name,
                    size="2",
                    weight="medium",
                    class_name="sh-ellipsis",
                    color=rx.cond(member.colour != "", member.colour, "inherit"),
                ),
                rx.cond(
                    member.is_bot,
                    rx.badge("BOT", size="1", variant="soft", class_name="bot-tag"),
                ),
                spacing="1",
                align="center",
                min_width="0",
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
        data_group=member.group,
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
