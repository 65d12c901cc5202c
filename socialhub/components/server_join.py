"""The discovery card's way in: Join for an open server, Request to join for one that takes
requests, and Cancel request while mine awaits the moderators' answer."""

from __future__ import annotations

import reflex as rx

from socialhub.state.server_invites import DiscoveryItem, ServerJoinState


def join_button(server: rx.Var[DiscoveryItem]) -> rx.Component:
    """For a server I am not in: what discovery offers (the domain refuses what does not fit,
    with a toast)."""
    return rx.cond(
        server.takes_requests,
        rx.cond(
            server.request_pending,
            rx.button(
                "Cancel request",
                variant="soft",
                color_scheme="gray",
                on_click=ServerJoinState.cancel_join_request(server.id),
                aria_label="Cancel the request to join " + server.name,
            ),
            rx.button(
                "Request to join",
                on_click=ServerJoinState.request_join(server.id),
                aria_label="Request to join " + server.name,
            ),
        ),
        rx.button(
            "Join",
            on_click=ServerJoinState.join(server.id),
            aria_label="Join " + server.name,
        ),
    )
