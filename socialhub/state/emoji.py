"""Which message the reaction picker is open for (one picker per open chat, not one per message)."""

from __future__ import annotations

import reflex as rx


class ReactionPickerState(rx.State):
    message_id: str = ""

    @rx.var
    def is_open(self) -> bool:
        return self.message_id != ""

    @rx.event
    def open_for(self, message_id: str) -> None:
        self.message_id = message_id

    @rx.event
    def set_open(self, value: bool) -> None:
        """The dialog's own open/close (Escape, a click outside); it opens only through open_for."""
        if not value:
            self.message_id = ""
