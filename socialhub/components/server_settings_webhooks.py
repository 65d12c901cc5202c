"""The webhooks section: incoming webhooks (create, copy URL, regenerate, delete, confirmed) and
the channels' outgoing webhooks (status, last failure)."""

from __future__ import annotations

import reflex as rx

from socialhub.components.ui import copy_button, renew_and_delete
from socialhub.state.server_settings_webhooks import (
    ChannelChoice,
    IncomingRow,
    OutgoingRow,
    WebhookSettingsState,
)

W = WebhookSettingsState


def _channel_select(value: rx.Var[str], on_change: object, *, id: str, label: str) -> rx.Component:
    def item(channel: rx.Var[ChannelChoice]) -> rx.Component:
        return rx.select.item("#", channel.name, value=channel.id)

    return rx.select.root(
        rx.select.trigger(aria_label=label, id=id),
        rx.select.content(rx.foreach(W.channels, item)),
        value=value,
        on_change=on_change,
    )


def incoming_row(hook: rx.Var[IncomingRow]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text(hook.name, weight="medium", size="2", class_name="ss-webhook-name"),
                rx.text("#", hook.channel_name, size="1", color_scheme="gray"),
                spacing="2",
                align="center",
            ),
            rx.code(hook.url, size="1", class_name="ss-webhook-url", word_break="break-all"),
            rx.text(
                "Created ",
                hook.created,
                rx.cond(hook.last_used != "", " · last used " + hook.last_used, ""),
                size="1",
                color_scheme="gray",
            ),
            rx.hstack(
                copy_button(hook.url, id="copy-" + hook.id, label="Copy URL"),
                *renew_and_delete(W.ask, hook.id, hook.name, renew="regenerate", what="URL"),
                spacing="2",
                wrap="wrap",
            ),
            spacing="1",
            width="100%",
        ),
        class_name="ss-member ss-webhook",
        data_webhook=hook.id,
    )


def outgoing_row(hook: rx.Var[OutgoingRow]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text("#", hook.channel_name, weight="medium", size="2"),
                rx.cond(
                    hook.enabled,
                    rx.badge("Active", color_scheme="green", size="1"),
                    rx.badge("Disabled", color_scheme="red", size="1"),
                ),
                spacing="2",
                align="center",
            ),
            rx.code(hook.url, size="1", word_break="break-all"),
            rx.hstack(
                rx.text("Secret", size="1", color_scheme="gray"),
                copy_button(hook.secret, id="copy-secret-" + hook.channel_id, label="Copy secret"),
                spacing="2",
                align="center",
            ),
            rx.cond(
                hook.disabled_reason != "",
                rx.text(hook.disabled_reason, size="1", color_scheme="red", role="status"),
            ),
            rx.cond(
                hook.last_error != "",
                rx.text(
                    "Last failure ",
                    hook.last_failure,
                    ": ",
                    hook.last_error,
                    " (",
                    hook.failures,
                    " in a row)",
                    size="1",
                    color_scheme="gray",
                ),
            ),
            rx.cond(
                hook.last_success != "",
                rx.text("Last delivered ", hook.last_success, size="1", color_scheme="gray"),
            ),
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=W.ask("remove_outgoing", hook.channel_id, hook.channel_name),
                aria_label="Remove the outgoing webhook of #" + hook.channel_name,
            ),
            spacing="1",
            width="100%",
        ),
        class_name="ss-member ss-outgoing",
    )


def confirm_webhook_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(W.confirm_title),
            rx.alert_dialog.description(W.confirm_label, ": ", W.confirm_body, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="webhook-cancel")
                ),
                rx.button(
                    W.confirm_action,
                    color_scheme="red",
                    on_click=W.confirm,
                    id="webhook-confirm",
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
        ),
        open=W.confirm_kind != "",
        on_open_change=W.set_confirm_open,
    )


def webhooks_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Webhooks", size="5", as_="h2"),
        rx.text(
            "An incoming webhook's URL posts messages into its channel: POST JSON "
            '{"content": "..."} to it (optionally "username" and "avatar_url"). '
            "Whoever has the URL can post, so keep it secret.",
            size="2",
            color_scheme="gray",
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="name",
                    placeholder="Webhook name",
                    aria_label="Webhook name",
                    id="webhook-name",
                    max_length=80,
                ),
                _channel_select(
                    W.new_channel, W.set_new_channel, id="webhook-channel", label="Channel"
                ),
                rx.button("Create webhook", type="submit", id="create-webhook"),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=W.create_incoming,
            reset_on_submit=True,
        ),
        rx.cond(
            W.incoming.length() > 0,
            rx.el.ul(
                rx.foreach(W.incoming, incoming_row), class_name="ss-member-list", id="webhook-list"
            ),
            rx.text("No incoming webhooks yet.", size="2", color_scheme="gray"),
        ),
        rx.heading("Outgoing webhooks", size="4", as_="h3"),
        rx.text(
            "Each new message in the channel is POSTed to the URL as JSON, signed: the header "
            "X-SocialHub-Signature is sha256= and the HMAC-SHA256, keyed with the secret, of the "
            "X-SocialHub-Timestamp header, a dot, and the body. Failed deliveries are retried; "
            "after 10 failures in a row the webhook is disabled (save it again to turn it on).",
            size="2",
            color_scheme="gray",
        ),
        rx.form(
            rx.hstack(
                _channel_select(
                    W.out_channel, W.set_out_channel, id="outgoing-channel", label="Channel"
                ),
                rx.input(
                    name="url",
                    placeholder="https://example.com/hook",
                    aria_label="Receiver URL",
                    id="outgoing-url",
                    max_length=2048,
                ),
                rx.button("Save", type="submit", id="save-outgoing"),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=W.set_outgoing,
            reset_on_submit=True,
        ),
        rx.cond(
            W.outgoing.length() > 0,
            rx.el.ul(
                rx.foreach(W.outgoing, outgoing_row),
                class_name="ss-member-list",
                id="outgoing-list",
            ),
            rx.text("No outgoing webhooks.", size="2", color_scheme="gray"),
        ),
        confirm_webhook_dialog(),
        spacing="3",
        width="100%",
        id="webhooks-section",
    )
