"""Small building blocks shared by the pages."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.utils.imports import ImportDict

# What the upload buttons offer to pick (the server sniffs what it gets anyway).
IMAGE_TYPES: dict[str, list[str]] = {
    "image/jpeg": [],
    "image/png": [],
    "image/webp": [],
    "image/gif": [],
}


def user_avatar(src: rx.Var[str], name: rx.Var[str], size: str = "3", **props: Any) -> rx.Component:
    """A round avatar; the first letters of the name stand in while there is no picture."""
    return rx.avatar(
        src=src,
        fallback=name.to(str)[:2].upper(),
        size=size,
        radius="full",
        alt=name,
        **props,
    )


def counted(field: rx.Component, limit: int, *, label: str = "Text") -> rx.Component:
    """A long text box with its counter: `assets/limits.js` shows "4,950 / 5,000" near the limit
    and refuses the form's submit while it is over (never `max_length`, which cuts silently)."""
    return rx.el.div(
        field,
        rx.el.div(class_name="sh-counter", aria_live="polite"),
        class_name="sh-counted",
        data_limit=str(limit),
        data_label=label,
    )


class ToastBridge(rx.Fragment):  # type: ignore[misc]  # Reflex exports it untyped
    """Lets the plain scripts in `assets/` show a toast (`window.shToast(message)`), as the
    server's refusals do."""

    def add_imports(self) -> ImportDict:
        return {"react": "useEffect", "$/utils/state": "refs"}

    def add_hooks(self) -> list[str | rx.Var[Any]]:
        return [
            "useEffect(() => { window.shToast = (message) => "
            "refs['__toast']?.error(message, { id: 'too_long', closeButton: true }); }, [])"
        ]


def field_error(errors: rx.Var[dict[str, str]], name: str) -> rx.Component:
    return rx.cond(
        errors.contains(name),
        rx.text(errors[name], color_scheme="red", size="2", role="alert", id=f"{name}-error"),
    )


def labelled_input(
    label: str,
    name: str,
    errors: rx.Var[dict[str, str]],
    *,
    type: str = "text",
    placeholder: str = "",
    default_value: rx.Var[str] | str = "",
    autocomplete: str = "off",
    max_length: int | None = None,
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, class_name="sh-label"),
        rx.input(
            id=name,
            name=name,
            type=type,
            placeholder=placeholder,
            default_value=default_value,
            auto_complete=autocomplete,
            max_length=max_length,
            aria_label=label,
            aria_invalid=errors.contains(name),
            width="100%",
            size="3",
        ),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def load_more(cursor: rx.Var[str], on_click: Any, loading: rx.Var[bool]) -> rx.Component:
    """The end of a paged list: `assets/infinite.js` presses it as it scrolls into view."""
    return rx.cond(
        cursor != "",
        rx.center(
            rx.button(
                "Load more", variant="soft", on_click=on_click, loading=loading, id="load-more"
            ),
            width="100%",
        ),
    )


def plural(count: rx.Var[int], singular: str, many: str = "") -> rx.Var[str]:
    """The noun for `count` of it: "follower" for 1, "followers" otherwise (`many` when the
    word does not just take an s)."""
    return rx.cond(count == 1, singular, many or f"{singular}s").to(str)


def counted_noun(count: rx.Var[int], singular: str, many: str = "") -> rx.Var[str]:
    """ "1 member", "2 members", "0 members"."""
    return count.to(str) + " " + plural(count, singular, many)


def count_link(
    count: rx.Var[int], label: str, href: rx.Var[str] | str, id: str, *, many: str = ""
) -> rx.Component:
    """A count such as "12 followers", linking to the list it counts: `label` is the singular
    ("follower"); `many` when it does not just take an s ("following")."""
    return rx.link(
        rx.text(
            rx.text.strong(count.to(str)),
            " ",
            plural(count, label, many),
            size="2",
            id=id,
        ),
        href=href,
        color_scheme="gray",
        high_contrast=True,
    )


def choice(
    options: list[str], label: str, *, value: rx.Var[str], on_change: Any, **props: Any
) -> rx.Component:
    """A select whose button carries its name (`rx.select(aria_label=...)` puts the label on
    the root, which renders nothing, so screen readers met an unnamed button)."""
    return rx.select.root(
        rx.select.trigger(aria_label=label, id=props.pop("id", None)),
        rx.select.content(*[rx.select.item(option, value=option) for option in options]),
        value=value,
        on_change=on_change,
        **props,
    )


def labelled_choice(
    label: str, id: str, options: list[tuple[str, str]], *, value: rx.Var[str], on_change: Any
) -> rx.Component:
    """A select with its visible label above it; `options` are (value, shown text) pairs."""
    return rx.vstack(
        rx.el.label(label, html_for=id, class_name="sh-label"),
        rx.select.root(
            rx.select.trigger(aria_label=label, id=id),
            rx.select.content(*[rx.select.item(text, value=v) for v, text in options]),
            value=value,
            on_change=on_change,
        ),
        spacing="1",
    )


def upload_zone(label: str, *children: rx.Component, **props: Any) -> rx.Component:
    """`rx.upload.root` whose hidden file input is named too: Reflex renders the input itself
    and passes it no props, so the label is set on it here."""
    upload = rx.upload.root(*children, **props)
    zone = upload.children[0]
    file_input = zone.children[0]
    file_input.custom_attrs["aria-label"] = label
    return upload


def renew_and_delete(
    ask: Any, item_id: rx.Var[str] | rx.Var[int], name: rx.Var[str], *, renew: str, what: str
) -> list[rx.Component]:
    """A secret's "Regenerate ..." and the item's "Delete" (`ask(action, id, name)` opens the
    confirmation of either)."""
    return [
        rx.button(
            f"Regenerate {what}",
            size="1",
            variant="soft",
            on_click=ask(renew, item_id, name),
            aria_label=f"Regenerate the {what} of " + name,
        ),
        rx.button(
            "Delete",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=ask("delete", item_id, name),
            aria_label="Delete " + name,
        ),
    ]


def copy_button(value: rx.Var[str], *, id: str, label: str = "Copy link") -> rx.Component:
    """Copies `value` to the clipboard (assets' `data-copy` handler, with its toast)."""
    return rx.button(
        rx.icon("copy", size=14),
        label,
        type="button",
        size="1",
        variant="soft",
        data_copy=value,
        id=id,
    )


def link_with_copy(url: rx.Var[str], *, id: str, copy_id: str, label: str) -> rx.Component:
    """A link shown as code beside its copy button."""
    return rx.hstack(
        rx.code(url, id=id, size="2"),
        copy_button(url, id=copy_id, label=label),
        align="center",
        wrap="wrap",
    )
