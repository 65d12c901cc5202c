"""State tests drive a tab's states directly: a root state signed in with a real session cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from reflex.istate.data import RouterData
from reflex.state import State

from socialhub.db import transaction
from socialhub.domain import auth
from socialhub.state.session import SessionState
from tests.support.chat import load_user

SignedInTab = Callable[[int, str], Awaitable[State]]
ORIGIN = "http://socialhub.test"


@pytest.fixture
def signed_in_tab() -> SignedInTab:
    """`await signed_in_tab(user_id, path)`: the root state of that user's tab on `path`."""

    async def make(user_id: int, path: str) -> State:
        with transaction() as s:
            ticket = auth.do_issue_login_ticket(
                s, load_user(s, user_id), device="test", ip="192.0.2.1"
            )
        with transaction() as s:
            cookie = auth.check_redeem_login_ticket(s, ticket)
        root = State(_reflex_internal_init=True)
        root.router = RouterData.from_router_data(
            {
                "headers": {"cookie": f"sh_session={cookie}", "origin": ORIGIN},
                "pathname": path,
                "asPath": path,
            }
        )
        assert await (await root.get_state(SessionState))._resolve()
        return root

    return make


def event_args(events: list[Any], name: str) -> list[str]:
    """The values of argument `name` in the events a handler returned or yielded, in order (the
    JavaScript of `rx.call_script` is `javascript_code`, the element of `rx.set_value` is `ref`)."""
    flat: list[Any] = []
    for event in events:
        flat.extend(event if isinstance(event, list) else [event])
    return [
        str(value._var_value)
        for event in flat
        for arg, value in getattr(event, "args", ())
        if str(arg) == name
    ]


Events = list[tuple[str, Any]]


async def deliver_to(feature: Any, root: State, events: Events, me: int) -> list[Any]:
    """What `me`'s streams got since the last call, handed to a live feature as the listener
    does (observe under the lock, load from the database if it asks, apply); what it sends to
    the tab."""
    from socialhub.state.realtime import RealtimeState, _sent

    batch = [event for key, event in events if key == f"user:{me}"]
    events.clear()
    if not feature.wants(batch):
        return []
    listener = await root.get_state(RealtimeState)
    observed = await feature.observe(listener, batch, me)
    loaded = None
    if feature.needs_database(observed):
        with transaction() as s:
            loaded = feature.load(s, load_user(s, me), observed)
    return _sent(await feature.apply(listener, batch, observed, loaded, me))
