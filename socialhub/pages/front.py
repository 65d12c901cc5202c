"""/ : a member's home feed; for a visitor, explore with the sign-up prompt (as on X)."""

from __future__ import annotations

import reflex as rx

from socialhub.pages.explore import explore_page
from socialhub.pages.home import home_page
from socialhub.state.session import SessionState


def front_page() -> rx.Component:
    return rx.cond(SessionState.is_authenticated, home_page(), explore_page())
