"""/api/v1/users/me/unread: what the caller has unread, as the web app's badge counts it."""

from __future__ import annotations

from fastapi import APIRouter

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import notify
from socialhub.models.unread_views import UnreadView

router = APIRouter(prefix="/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("/me/unread", response_model=UnreadView)
def get_my_unread(caller: CurrentCaller) -> UnreadView:
    """Every chat you are in with its unread count (latest activity first), and `total`: the
    unread messages of the chats you have not muted (the web app's badge and tab title)."""
    with transaction() as db:
        return notify.unread_facts(db, caller.user(db))
