"""/api/v1/users: profiles, avatars and user search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from socialhub.api.deps import CurrentCaller, OptionalCaller, reader
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import media, presence
from socialhub.domain import users as users_domain
from socialhub.domain.visitors import PublicRead
from socialhub.models.users import MeView, PresenceView, UserUpdate, UserView

router = APIRouter(prefix="/users", tags=["users"], responses=ERROR_RESPONSES)


def read_limited(file: UploadFile) -> bytes:
    """The upload's bytes, read no further than the domain needs to refuse a bigger one."""
    return file.file.read(media.image_read_limit())


@router.get("/me", response_model=MeView)
def get_me(caller: CurrentCaller) -> MeView:
    with transaction() as db:
        return users_domain.me_view(caller.user(db))


@router.patch("/me", response_model=MeView)
def update_me(body: UserUpdate, caller: CurrentCaller) -> MeView:
    """Change any of display name, bio, status text and presence."""
    with transaction() as db:
        return users_domain.me_view(users_domain.check_update_profile(db, caller.user(db), body))


@router.put("/me/avatar", response_model=MeView)
def set_avatar(
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF, <= 10 MB")],
    caller: CurrentCaller,
) -> MeView:
    """Upload a new avatar. It is re-encoded to WebP (400 and 64 px) with all metadata removed."""
    data = read_limited(file)
    with transaction() as db:
        return users_domain.me_view(users_domain.check_set_avatar(db, caller.user(db), data))


@router.get("", response_model=list[UserView])
def search(
    caller: CurrentCaller,
    q: Annotated[str, Query(max_length=50, description="prefix of a username or display name")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[UserView]:
    with transaction() as db:
        return [users_domain.user_view(u) for u in users_domain.search_users(db, q, limit=limit)]


@router.get("/{username}/presence", response_model=PresenceView)
def get_presence(username: str, caller: CurrentCaller) -> PresenceView:
    """Online status and last seen, or `hidden` where their privacy setting or a block says so."""
    with transaction() as db:
        return presence.get_presence(db, caller.user(db), username)


@router.get("/{username}", response_model=UserView)
def get_user(username: str, caller: OptionalCaller) -> UserView:
    """A profile; also without a token (404 `user_not_found`)."""
    with transaction() as db:
        reader(db, caller, PublicRead.profile)
        return users_domain.user_view(users_domain.access_user(db, username))
