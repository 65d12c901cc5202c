"""Errors, once and where they belong: a failed submit puts every message under its field, and
only what belongs to no field of the form reaches a toast (one toast, however many)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from socialhub.domain.errors import DomainError, field_parts
from socialhub.state.base import Failed


def split_errors(
    error: DomainError, fields: Collection[str], aliases: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """(the message under each form field, the messages no field of the form can show).

    `aliases` maps a domain field to the form's own name for it (`usernames` -> `members`)."""
    under: dict[str, str] = {}
    elsewhere: list[str] = []
    parts = field_parts(error)
    for field, part in parts:
        name = (aliases or {}).get(field, field)
        if name in fields and name not in under:
            under[name] = part.message
        else:
            elsewhere.append(part.message)
    if not parts:
        elsewhere.append(error.message)
    return under, elsewhere


def failure_toast(error: DomainError, messages: list[str]) -> EventSpec:
    """One toast for every message that belongs to no field, keyed by the error's code so the
    same refusal twice replaces itself rather than stacking."""
    toast: EventSpec = rx.toast.error(
        "; ".join(dict.fromkeys(messages)), id=error.code, close_button=True
    )
    return toast


class FormErrors(rx.State, mixin=True):
    """A form's errors: `field_errors` feeds `field_error`/`labelled_input` under each field.

    A state lists its form's field names in `FORM_FIELDS` and reports a failed submit with
    `return self._report(failed)`."""

    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset()
    FIELD_ALIASES: ClassVar[Mapping[str, str]] = {}

    field_errors: dict[str, str] = {}

    def _clear_errors(self) -> None:
        self.field_errors = {}

    def _report(self, failed: Failed) -> EventSpec | None:
        """Show `failed` where it belongs: under the fields, and a toast only for the rest."""
        under, elsewhere = split_errors(failed.error, self.FORM_FIELDS, self.FIELD_ALIASES)
        self.field_errors = under
        return failure_toast(failed.error, elsewhere) if elsewhere else None
