"""The roles section: the list (drag to reorder, or the up/down buttons), a role's editor with
a toggle and a plain-language description per permission, create and delete."""

from __future__ import annotations

import reflex as rx

from socialhub.state.server_settings_roles import PermissionToggle, RoleRow, RoleSettingsState

R = RoleSettingsState


def role_row(role: rx.Var[RoleRow], index: rx.Var[int]) -> rx.Component:
    movable = role.editable & ~role.is_everyone
    return rx.el.li(
        rx.hstack(
            rx.cond(
                movable,
                rx.icon("grip-vertical", size=16, class_name="ss-grip", aria_hidden="true"),
                rx.box(width="16px"),
            ),
            rx.box(class_name="ss-role-dot", background=rx.cond(role.colour, role.colour, "gray")),
            rx.button(
                role.name,
                variant="ghost",
                on_click=R.select_role(role.id),
                aria_label="Edit role " + role.name,
                class_name="ss-role-name",
                disabled=~role.editable,
            ),
            rx.spacer(),
            rx.cond(
                movable,
                rx.hstack(
                    rx.icon_button(
                        rx.icon("chevron-up", size=14),
                        size="1",
                        variant="soft",
                        on_click=R.move_role(role.id, -1),
                        aria_label="Move " + role.name + " up",
                        class_name="ss-role-up",
                    ),
                    rx.icon_button(
                        rx.icon("chevron-down", size=14),
                        size="1",
                        variant="soft",
                        on_click=R.move_role(role.id, 1),
                        aria_label="Move " + role.name + " down",
                        class_name="ss-role-down",
                    ),
                    spacing="1",
                ),
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        draggable=movable,
        data_role_id=role.id,
        class_name=rx.cond(role.id == R.selected_id, "ss-role ss-role-selected", "ss-role"),
    )


def create_role_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                name="name",
                placeholder="New role name",
                aria_label="New role name",
                max_length=100,
                id="new-role-name",
            ),
            rx.button(rx.icon("plus", size=14), "Create role", type="submit", id="create-role"),
            spacing="2",
        ),
        on_submit=R.create_role,
        reset_on_submit=True,
    )


def permission_toggle(toggle: rx.Var[PermissionToggle]) -> rx.Component:
    switch_id = "perm-" + toggle.name
    return rx.hstack(
        rx.vstack(
            rx.el.label(toggle.label, html_for=switch_id, class_name="sh-label"),
            rx.text(toggle.description, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
        ),
        rx.switch(
            checked=toggle.on,
            on_change=lambda on: R.toggle_permission(toggle.bit, on),
            id=switch_id,
            aria_label=toggle.label,
        ),
        align="center",
        width="100%",
        class_name="ss-permission",
    )


def role_editor() -> rx.Component:
    role = R.selected
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Edit ", role.name, size="4", as_="h3"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("x", size=16),
                    variant="ghost",
                    on_click=R.close_editor,
                    aria_label="Close the role editor",
                ),
                width="100%",
            ),
            rx.cond(
                ~role.is_everyone,
                rx.vstack(
                    rx.el.label("Role name", html_for="role-name", class_name="sh-label"),
                    rx.input(
                        value=R.edit_name,
                        on_change=R.set_edit_name,
                        id="role-name",
                        aria_label="Role name",
                        max_length=100,
                        width="100%",
                    ),
                    rx.el.label("Colour", html_for="role-colour", class_name="sh-label"),
                    rx.hstack(
                        rx.el.input(
                            type="color",
                            value=rx.cond(R.edit_colour, R.edit_colour, "#99aab5"),
                            on_change=R.set_edit_colour,
                            id="role-colour",
                            aria_label="Colour",
                            class_name="ss-colour",
                        ),
                        rx.text(R.edit_colour, size="1", color_scheme="gray"),
                        align="center",
                    ),
                    rx.hstack(
                        rx.switch(
                            checked=R.edit_hoist,
                            on_change=R.set_edit_hoist,
                            id="role-hoist",
                            aria_label="Show members separately in the member list",
                        ),
                        rx.el.label(
                            "Show members separately in the member list", html_for="role-hoist"
                        ),
                        align="center",
                    ),
                    rx.hstack(
                        rx.switch(
                            checked=R.edit_mentionable,
                            on_change=R.set_edit_mentionable,
                            id="role-mentionable",
                            aria_label="Anyone may @mention this role",
                        ),
                        rx.el.label("Anyone may @mention this role", html_for="role-mentionable"),
                        align="center",
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.heading("Permissions", size="3", as_="h4"),
            rx.vstack(rx.foreach(R.toggles, permission_toggle), spacing="3", width="100%"),
            rx.hstack(
                rx.button("Save role", on_click=R.save_role, loading=R.saving, id="save-role"),
                rx.cond(
                    ~role.is_everyone,
                    rx.button(
                        "Delete role",
                        color_scheme="red",
                        variant="soft",
                        on_click=R.delete_role(role.id),
                        id="delete-role",
                    ),
                ),
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="role-editor",
    )


def roles_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Roles", size="5", as_="h2"),
        rx.text(
            "Members get what all their roles allow. Higher roles outrank lower ones: drag a "
            "role, or use its arrows, to change the order.",
            size="2",
            color_scheme="gray",
        ),
        create_role_form(),
        rx.el.ul(
            rx.foreach(R.roles, role_row),
            class_name="ss-role-list",
            id="role-list",
            aria_label="Roles, most senior first",
        ),
        # assets/server_settings.js writes "<dragged id>:<target id>:<nonce>" here on a drop.
        rx.el.input(
            type="text",
            id="role-drop",
            on_change=R.drop_role,
            aria_hidden="true",
            tab_index=-1,
            class_name="ss-offscreen",
        ),
        rx.cond(R.selected_id != "", role_editor()),
        spacing="3",
        width="100%",
        id="roles-section",
    )
