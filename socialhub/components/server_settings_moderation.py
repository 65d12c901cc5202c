"""The audit log and automod sections."""

from __future__ import annotations

import reflex as rx

from socialhub.state.server_settings_moderation import (
    ACTION_CHOICES,
    AuditLogState,
    AuditRow,
    AutomodState,
    FlagRow,
    RuleRow,
)

A = AuditLogState
AM = AutomodState


def audit_row(entry: rx.Var[AuditRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(entry.when),
        rx.el.td(entry.actor),
        rx.el.td(entry.action_label),
        rx.el.td(entry.target),
        rx.el.td(
            rx.text(entry.reason, size="2"),
            rx.cond(
                entry.changes != "",
                rx.text(entry.changes, size="1", color_scheme="gray", class_name="ss-changes"),
            ),
        ),
        data_action=entry.action,
        class_name="ss-audit-row",
    )


def audit_log_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Audit log", size="5", as_="h2"),
        rx.hstack(
            rx.select.root(
                rx.select.trigger(aria_label="Filter by action", id="audit-action"),
                rx.select.content(
                    *[rx.select.item(label, value=value) for value, label in ACTION_CHOICES]
                ),
                value=A.action,
                on_change=A.set_action,
            ),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="actor",
                        placeholder="username",
                        aria_label="Filter by who acted",
                        id="audit-actor",
                        default_value=A.actor,
                    ),
                    rx.button("Filter", type="submit", variant="soft", id="audit-filter"),
                    spacing="2",
                ),
                on_submit=A.filter_actor,
                reset_on_submit=False,
            ),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
        rx.cond(
            A.entries.length() > 0,
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        rx.el.th("When"),
                        rx.el.th("Who"),
                        rx.el.th("What"),
                        rx.el.th("Target"),
                        rx.el.th("Reason and changes"),
                    )
                ),
                rx.el.tbody(rx.foreach(A.entries, audit_row)),
                class_name="ss-table",
                id="audit-table",
            ),
            rx.text("Nothing recorded matches.", size="2", color_scheme="gray"),
        ),
        rx.cond(
            A.next_before != 0,
            rx.button("Older entries", variant="soft", on_click=A.load_more, loading=A.loading),
        ),
        spacing="3",
        width="100%",
        id="audit-log-section",
    )


def rule_row(rule: rx.Var[RuleRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.cond(rule.kind == "word", "Word", "Pattern")),
        rx.el.td(rx.code(rule.value)),
        rx.el.td(
            rx.cond(
                rule.action == "block",
                rx.badge("Block", color_scheme="red"),
                rx.badge("Flag", color_scheme="amber"),
            )
        ),
        rx.el.td(rule.creator),
        rx.el.td(
            rx.button(
                "Delete",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=AM.delete_rule(rule.id),
                aria_label="Delete rule " + rule.value,
            )
        ),
        data_value=rule.value,
        class_name="ss-rule-row",
    )


def flag_row(flag: rx.Var[FlagRow]) -> rx.Component:
    is_post = flag.kind == "post"
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(
                    rx.cond(is_post, "Post", "Message"),
                    " in #",
                    flag.channel,
                    " · ",
                    flag.author,
                    " · ",
                    flag.when,
                    size="1",
                    color_scheme="gray",
                    class_name="ss-flag-where",
                ),
                rx.text(flag.body, size="2", class_name="ss-flag-body"),
                rx.text("Matched ", rx.code(flag.rule), size="1", color_scheme="gray"),
                rx.cond(
                    is_post,
                    rx.link("Open the post", href=flag.href, size="1", class_name="ss-flag-link"),
                ),
                spacing="1",
                flex="1",
            ),
            rx.button(
                "Reviewed",
                size="1",
                variant="soft",
                on_click=AM.resolve_flag(flag.id),
                aria_label=rx.cond(is_post, "Mark the post as reviewed", "Mark as reviewed"),
            ),
            width="100%",
            align="center",
        ),
        class_name="ss-member ss-flag",
        data_kind=flag.kind,
        data_flag=flag.id,
    )


def automod_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Automod", size="5", as_="h2"),
        rx.text(
            "A word matches whole words in any case; a pattern is a regular expression. "
            "Rules apply to messages and to the posts of posts channels. Block refuses one "
            "with a clear error; flag lets it through and lists it below for moderators.",
            size="2",
            color_scheme="gray",
        ),
        rx.form(
            rx.hstack(
                rx.select.root(
                    rx.select.trigger(aria_label="Rule kind", id="rule-kind"),
                    rx.select.content(
                        rx.select.item("Word", value="word"),
                        rx.select.item("Pattern", value="pattern"),
                    ),
                    value=AM.new_kind,
                    on_change=AM.set_new_kind,
                ),
                rx.input(
                    name="value",
                    placeholder="word or pattern",
                    aria_label="Word or pattern",
                    id="rule-value",
                    max_length=200,
                ),
                rx.select.root(
                    rx.select.trigger(aria_label="What to do", id="rule-action"),
                    rx.select.content(
                        rx.select.item("Block the message", value="block"),
                        rx.select.item("Flag it for moderators", value="flag"),
                    ),
                    value=AM.new_action,
                    on_change=AM.set_new_action,
                ),
                rx.button("Add rule", type="submit", id="add-rule"),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=AM.add_rule,
            reset_on_submit=True,
        ),
        rx.cond(
            AM.rules.length() > 0,
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        rx.el.th("Kind"),
                        rx.el.th("Matches"),
                        rx.el.th("Action"),
                        rx.el.th("Added by"),
                        rx.el.th(rx.el.span("Actions", class_name="ss-offscreen")),
                    )
                ),
                rx.el.tbody(rx.foreach(AM.rules, rule_row)),
                class_name="ss-table",
                id="rule-table",
            ),
            rx.text("No rules yet.", size="2", color_scheme="gray"),
        ),
        rx.heading("Flagged messages and posts", size="4", as_="h3"),
        rx.cond(
            AM.flags.length() > 0,
            rx.el.ul(rx.foreach(AM.flags, flag_row), class_name="ss-member-list", id="flag-list"),
            rx.text("Nothing flagged waits for review.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
        id="automod-section",
    )
