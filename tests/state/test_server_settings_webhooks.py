"""The webhooks section driven as a tab drives it: create, regenerate and delete (asked
first), an outgoing webhook saved and refused; every refusal of the domain arrives as a toast."""

from __future__ import annotations

from collections.abc import Callable

from socialhub.db import transaction
from socialhub.domain import webhooks
from socialhub.state.server_settings_webhooks import WebhookSettingsState
from tests.state.conftest import SignedInTab
from tests.state.test_server_settings_states import Events, deliver, open_section, toasts
from tests.support.chat import load_user
from tests.support.servers import general, make_server

W = WebhookSettingsState


async def test_webhooks_are_created_regenerated_and_deleted_after_asking(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    with transaction() as s:
        channel = general(s, server_id).id

    bob_tab = await signed_in_tab(bob, f"/servers/{server_id}/settings")
    refused, sent = await open_section(bob_tab, server_id, "webhooks", W)
    assert refused.incoming == []
    assert any("Manage webhooks" in t for t in toasts(sent))

    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    state, sent = await open_section(tab, server_id, "webhooks", W)
    assert toasts(sent) == []
    assert [(c.id, c.name) for c in state.channels] == [(channel, "general")]
    assert state.new_channel == channel

    sent = await W.create_incoming.fn(state, {"name": "   "})  # type: ignore[attr-defined]
    assert any("give the webhook a name" in t for t in toasts(sent))
    sent = await W.create_incoming.fn(state, {"name": "Deploys"})  # type: ignore[attr-defined]
    assert any("Webhook created" in t for t in toasts(sent))
    [row] = state.incoming
    assert (row.name, row.channel_name) == ("Deploys", "general")
    first_url = row.url

    # Regenerate asks first; closing the dialog changes nothing.
    W.ask.fn(state, "regenerate", row.id, row.name)  # type: ignore[attr-defined]
    assert state.confirm_title == "Regenerate the URL?"
    W.set_confirm_open.fn(state, False)  # type: ignore[attr-defined]
    assert await W.confirm.fn(state) is None  # type: ignore[attr-defined]
    assert state.incoming[0].url == first_url
    W.ask.fn(state, "regenerate", row.id, row.name)  # type: ignore[attr-defined]
    sent = await W.confirm.fn(state)  # type: ignore[attr-defined]
    assert any("the old one no longer works" in t for t in toasts(sent))
    assert state.incoming[0].url != first_url

    W.ask.fn(state, "delete", row.id, row.name)  # type: ignore[attr-defined]
    sent = await W.confirm.fn(state)  # type: ignore[attr-defined]
    assert any("Webhook deleted" in t for t in toasts(sent))
    assert state.incoming == []
    # A second delete of the same (a stale tab): the domain's refusal as a toast.
    W.ask.fn(state, "delete", row.id, row.name)  # type: ignore[attr-defined]
    sent = await W.confirm.fn(state)  # type: ignore[attr-defined]
    assert any("no such webhook" in t for t in toasts(sent))


async def test_an_outgoing_webhook_is_saved_listed_and_removed(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice = make_user("alice")
    server_id = make_server(alice)
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    state, _ = await open_section(tab, server_id, "webhooks", W)
    sent = await W.set_outgoing.fn(state, {"url": "gopher://x"})  # type: ignore[attr-defined]
    assert any("http:// or https://" in t for t in toasts(sent))
    assert state.outgoing == []
    sent = await W.set_outgoing.fn(state, {"url": "https://hooks.example/in"})  # type: ignore[attr-defined]
    assert any("Outgoing webhook saved" in t for t in toasts(sent))
    [row] = state.outgoing
    assert (row.url, row.enabled, row.failures, row.last_error) == (
        "https://hooks.example/in",
        True,
        0,
        "",
    )
    with transaction() as s:
        [view] = webhooks.list_outgoing(s, load_user(s, alice), server_id)
    assert row.secret == view.secret
    W.ask.fn(state, "remove_outgoing", row.channel_id, row.channel_name)  # type: ignore[attr-defined]
    sent = await W.confirm.fn(state)  # type: ignore[attr-defined]
    assert any("Outgoing webhook removed" in t for t in toasts(sent))
    assert state.outgoing == []


async def test_the_open_section_follows_what_other_managers_change(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    with transaction() as s:
        channel = general(s, server_id).id
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    state, _ = await open_section(tab, server_id, "webhooks", W)
    events.clear()
    with transaction() as s:  # alice again, in another tab (bob may not: nobody else hears it)
        made = webhooks.check_create_incoming(
            s, load_user(s, alice), server_id, channel_id=channel, name="From elsewhere"
        )
    assert {k for k, e in events if e["type"] == "webhooks"} == {f"user:{alice}"}
    await deliver(tab, events, alice)
    assert [r.name for r in state.incoming] == ["From elsewhere"]
    events.clear()
    with transaction() as s:
        webhooks.check_delete_incoming(s, load_user(s, alice), server_id, made.id)
    await deliver(tab, events, alice)
    assert state.incoming == []
