"""The members section (roles, kick, ban, timeout) and the invites section."""

from __future__ import annotations

import reflex as rx

from socialhub.components.ui import labelled_choice, link_with_copy, user_avatar
from socialhub.state.server_settings import ServerSettingsState
from socialhub.state.server_settings_members import (
    DELETE_WINDOWS,
    INVITE_EXPIRIES,
    INVITE_USE_LIMITS,
    TIMEOUTS,
    InviteRow,
    InviteSettingsState,
    MemberRow,
    MemberSettingsState,
    RoleChip,
)

M = MemberSettingsState
S = ServerSettingsState


def role_badge(member: rx.Var[MemberRow], role: rx.Var[RoleChip]) -> rx.Component:
    return rx.badge(
        role.name,
        rx.cond(
            S.can_manage_roles,
            rx.el.button(
                rx.icon("x", size=12),
                on_click=M.toggle_role(member.user_id, role.id),
                aria_label="Take " + role.name + " from " + member.shown_name,
                class_name="ss-chip-remove",
            ),
        ),
        variant="soft",
        style={"border_left": "3px solid " + rx.cond(role.colour, role.colour, "gray")},
        class_name="ss-role-chip",
    )


def role_menu(member: rx.Var[MemberRow]) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("plus", size=14),
                size="1",
                variant="soft",
                aria_label="Roles of " + member.shown_name,
                class_name="ss-member-roles",
            )
        ),
        rx.menu.content(
            rx.foreach(
                M.roles,
                lambda role: rx.menu.item(
                    rx.cond(
                        member.role_ids.contains(role.id),
                        rx.icon("check", size=14),
                        rx.box(width="14px"),
                    ),
                    role.name,
                    on_click=M.toggle_role(member.user_id, role.id),
                ),
            )
        ),
    )


def actions_menu(member: rx.Var[MemberRow]) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=14),
                size="1",
                variant="ghost",
                aria_label="Moderate " + member.shown_name,
                class_name="ss-member-actions",
            )
        ),
        rx.menu.content(
            rx.cond(
                S.can_moderate,
                rx.fragment(
                    rx.menu.item(
                        "Time out…", on_click=M.ask("timeout", member.user_id, member.shown_name)
                    ),
                    rx.cond(
                        member.timeout != "",
                        rx.menu.item("End timeout", on_click=M.end_timeout(member.user_id)),
                    ),
                ),
            ),
            rx.cond(
                S.can_kick,
                rx.menu.item(
                    "Kick…",
                    color="red",
                    on_click=M.ask("kick", member.user_id, member.shown_name),
                ),
            ),
            rx.cond(
                S.can_ban,
                rx.menu.item(
                    "Ban…", color="red", on_click=M.ask("ban", member.user_id, member.shown_name)
                ),
            ),
        ),
    )


def member_row(member: rx.Var[MemberRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            user_avatar(member.avatar_url, member.shown_name, size="2"),
            rx.vstack(
                rx.hstack(
                    rx.text(member.shown_name, weight="medium", size="2"),
                    rx.text("@", member.username, size="1", color_scheme="gray"),
                    rx.cond(
                        member.is_bot,
                        rx.badge("BOT", size="1", variant="soft", class_name="bot-tag"),
                    ),
                    rx.cond(member.is_owner, rx.badge("Owner", color_scheme="amber")),
                    rx.cond(
                        member.timeout != "",
                        rx.badge("Timed out until ", member.timeout, color_scheme="orange"),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.foreach(member.roles, lambda role: role_badge(member, role)),
                    rx.cond(S.can_manage_roles, role_menu(member)),
                    spacing="1",
                    wrap="wrap",
                    align="center",
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                member.can_edit_nickname,
                rx.icon_button(
                    rx.icon("pencil", size=14),
                    size="1",
                    variant="ghost",
                    on_click=M.edit_nickname(member.user_id),
                    aria_label="Nickname of " + member.shown_name,
                    title="Nickname",
                    class_name="ss-member-nickname",
                ),
            ),
            rx.cond(S.moderates & ~member.is_owner, actions_menu(member)),
            align="center",
            width="100%",
        ),
        class_name="ss-member",
        data_username=member.username,
    )


def moderation_dialog() -> rx.Component:
    title = rx.match(
        M.action,
        ("kick", "Kick "),
        ("ban", "Ban "),
        "Time out ",
    )
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title, M.action_name, "?"),
            rx.alert_dialog.description(
                rx.match(
                    M.action,
                    ("kick", "They leave the server; a new invite lets them back in."),
                    (
                        "ban",
                        "They leave the server and no invite lets them back in until unbanned.",
                    ),
                    "They can still read, but not write, react or join calls until it ends.",
                ),
                size="2",
            ),
            rx.vstack(
                rx.cond(
                    M.action == "timeout",
                    rx.vstack(
                        rx.el.label(
                            "For how long", html_for="timeout-length", class_name="sh-label"
                        ),
                        rx.select.root(
                            rx.select.trigger(aria_label="For how long", id="timeout-length"),
                            rx.select.content(
                                *[rx.select.item(label, value=value) for value, label in TIMEOUTS]
                            ),
                            value=M.timeout_seconds,
                            on_change=M.set_timeout_seconds,
                        ),
                        spacing="1",
                    ),
                ),
                rx.cond(
                    M.action == "ban",
                    rx.vstack(
                        rx.el.label(
                            "Delete their messages from",
                            html_for="ban-delete",
                            class_name="sh-label",
                        ),
                        rx.select.root(
                            rx.select.trigger(
                                aria_label="Delete their messages from", id="ban-delete"
                            ),
                            rx.select.content(
                                *[
                                    rx.select.item(label, value=value)
                                    for value, label in DELETE_WINDOWS
                                ]
                            ),
                            value=M.delete_window,
                            on_change=M.set_delete_window,
                        ),
                        spacing="1",
                    ),
                ),
                rx.el.label(
                    "Reason (in the audit log)", html_for="mod-reason", class_name="sh-label"
                ),
                rx.input(
                    value=M.reason,
                    on_change=M.set_reason,
                    id="mod-reason",
                    aria_label="Reason",
                    max_length=500,
                    width="100%",
                ),
                spacing="2",
                width="100%",
                margin_top="0.75em",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="mod-cancel")
                ),
                rx.button(
                    rx.match(M.action, ("kick", "Kick"), ("ban", "Ban"), "Time out"),
                    color_scheme="red",
                    on_click=M.confirm_action,
                    id="mod-confirm",
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
        ),
        open=M.action != "",
        on_open_change=M.set_open,
    )


def nickname_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Nickname of ", M.nickname_of),
            rx.dialog.description(
                "The name they go by in this server. Leave it empty to show their own name.",
                size="2",
            ),
            rx.el.form(
                rx.vstack(
                    rx.el.label("Nickname", html_for="member-nickname", class_name="sh-label"),
                    rx.input(
                        default_value=M.nickname,
                        name="nickname",
                        id="member-nickname",
                        max_length=32,
                        width="100%",
                        auto_focus=True,
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Save", type="submit", id="member-nickname-save"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                    margin_top="0.75em",
                ),
                on_submit=M.save_nickname,
                reset_on_submit=False,
            ),
            max_width="26em",
        ),
        open=M.nickname_user_id != 0,
        on_open_change=M.set_nickname_open,
    )


def members_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Members", size="5", as_="h2"),
        rx.text(S.member_count.to(str), " members", size="2", color_scheme="gray"),
        rx.el.ul(rx.foreach(M.members, member_row), class_name="ss-member-list", id="member-list"),
        rx.cond(
            M.next_cursor != "",
            rx.button(
                "Load more members",
                variant="soft",
                on_click=M.load_more,
                loading=M.loading,
                id="members-more",
            ),
        ),
        moderation_dialog(),
        nickname_dialog(),
        spacing="3",
        width="100%",
        id="members-section",
    )


# Invites -------------------------------------------------------------------------------------

INV = InviteSettingsState


def invite_row(invite: rx.Var[InviteRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.code(invite.code)),
        rx.el.td(invite.creator),
        rx.el.td(invite.uses),
        rx.el.td(invite.expires),
        rx.el.td(
            rx.button(
                "Revoke",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=INV.revoke(invite.code),
                aria_label="Revoke invite " + invite.code,
            )
        ),
        data_code=invite.code,
    )


def new_invite_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("New invite", size="3", as_="h3"),
            rx.hstack(
                labelled_choice(
                    "Expires after",
                    "invite-expiry",
                    INVITE_EXPIRIES,
                    value=INV.expiry,
                    on_change=INV.set_expiry,
                ),
                labelled_choice(
                    "Number of uses",
                    "invite-uses",
                    INVITE_USE_LIMITS,
                    value=INV.max_uses,
                    on_change=INV.set_max_uses,
                ),
                rx.button("Create invite", on_click=INV.create_invite, id="create-invite"),
                spacing="3",
                align="end",
                wrap="wrap",
            ),
            rx.cond(
                INV.new_url != "",
                link_with_copy(
                    INV.new_url, id="new-invite-url", copy_id="copy-new-invite", label="Copy link"
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def invites_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Invites", size="5", as_="h2"),
        rx.cond(S.can_create_invite, new_invite_card()),
        rx.cond(
            INV.invites.length() > 0,
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        rx.el.th("Code"),
                        rx.el.th("Created by"),
                        rx.el.th("Uses"),
                        rx.el.th("Expires"),
                        rx.el.th(rx.el.span("Actions", class_name="ss-offscreen")),
                    )
                ),
                rx.el.tbody(rx.foreach(INV.invites, invite_row)),
                class_name="ss-table",
                id="invite-table",
            ),
            rx.text("No live invites.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
        id="invites-section",
    )
