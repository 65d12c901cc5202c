"""/api/v1/servers/{server_id}/...: kicks, bans, timeouts, the audit log and automod, on the
domain's moderation functions (which check every permission and the role hierarchy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.api.params import ROW_MAX, RowId, ServerId, TimeCursor, UserId, one_of, text_rules
from socialhub.db import transaction
from socialhub.domain import automod, moderation
from socialhub.models import AutomodAction, AutomodKind
from socialhub.models.moderation_views import (
    AuditPage,
    AutomodFlagPage,
    AutomodFlagView,
    AutomodRuleView,
    BanPage,
    BanView,
    TimeoutView,
)

router = APIRouter(tags=["moderation"], responses=ERROR_RESPONSES)

REASON = text_rules(moderation.REASON_MAX)
Limit = Annotated[int, Query(ge=1, le=moderation.PAGE_MAX)]


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class BanRequest(BaseModel):
    reason: str = Field(default="", json_schema_extra=REASON)
    delete_messages: str = Field(
        default=moderation.DeleteWindow.none.value,
        description="also delete their messages of the last hour, day or week, in every channel",
        json_schema_extra=one_of(w.value for w in moderation.DeleteWindow),
    )


class TimeoutRequest(BaseModel):
    duration_seconds: int = Field(
        description="60, 300, 600, 3600, 86400 or 604800 (60 s to a week)",
        json_schema_extra={"enum": list(moderation.TIMEOUT_SECONDS)},
    )
    reason: str = Field(default="", json_schema_extra=REASON)


class RuleCreate(BaseModel):
    kind: str = Field(
        description="word: matched whole and in any case; pattern: a regular expression "
        "(no backreferences or lookarounds, at most one * or +: 422 `unsafe_pattern`)",
        json_schema_extra=one_of(k.value for k in AutomodKind),
    )
    value: str = Field(json_schema_extra=text_rules(automod.PATTERN_MAX, visible=True))
    action: str = Field(
        description="block: refuse the message or post (403 `automod_blocked`); flag: let it "
        "through and file a flag for the moderators",
        json_schema_extra=one_of(a.value for a in AutomodAction),
    )


ReasonQuery = Annotated[str, Query(description="for the audit log", json_schema_extra=REASON)]


@router.delete("/servers/{server_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def kick_member(
    server_id: ServerId, user_id: UserId, caller: CurrentCaller, reason: ReasonQuery = ""
) -> Response:
    """Kick a member (KICK_MEMBERS); a new invite brings them back.

    Errors: 404 `server_not_found` (also for servers you are not in), `member_not_found`; 403
    `missing_permission`, `role_hierarchy` (their highest role is not below yours),
    `cannot_moderate_owner`, `cannot_moderate_self`; 422 `too_long`."""
    with transaction() as db:
        moderation.check_kick_member(db, caller.user(db), server_id, user_id, reason=reason)
    return no_content()


@router.get("/servers/{server_id}/bans", response_model=BanPage)
def list_bans(
    server_id: ServerId, caller: CurrentCaller, cursor: TimeCursor = None, limit: Limit = 50
) -> BanPage:
    """The server's bans, newest first (BAN_MEMBERS)."""
    with transaction() as db:
        return moderation.list_bans(db, caller.user(db), server_id, cursor=cursor, limit=limit)


@router.put("/servers/{server_id}/bans/{user_id}", response_model=BanView)
def ban_member(
    server_id: ServerId, user_id: UserId, body: BanRequest, caller: CurrentCaller
) -> BanView:
    """Ban a user (BAN_MEMBERS), member or not: they leave and no invite lets them back in.
    Banning again updates the reason.

    Errors: 404 `server_not_found`, `user_not_found`; 403 `missing_permission`,
    `role_hierarchy`, `cannot_moderate_owner`, `cannot_moderate_self`; 422 `bad_window`,
    `too_long`."""
    with transaction() as db:
        ban = moderation.check_ban_member(
            db,
            caller.user(db),
            server_id,
            user_id,
            reason=body.reason,
            delete_messages=body.delete_messages,
        )
        return moderation.ban_views(db, [ban])[0]


@router.delete("/servers/{server_id}/bans/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def unban(server_id: ServerId, user_id: UserId, caller: CurrentCaller) -> Response:
    """Lift a ban (BAN_MEMBERS). Errors: 404 `server_not_found`, `ban_not_found`."""
    with transaction() as db:
        moderation.check_unban(db, caller.user(db), server_id, user_id)
    return no_content()


@router.put("/servers/{server_id}/members/{user_id}/timeout", response_model=TimeoutView)
def timeout_member(
    server_id: ServerId, user_id: UserId, body: TimeoutRequest, caller: CurrentCaller
) -> TimeoutView:
    """Time a member out (MODERATE_MEMBERS): until then they may only view channels and read
    their history.

    Errors: 404 `server_not_found`, `member_not_found`; 403 `missing_permission`,
    `role_hierarchy`, `cannot_moderate_owner`, `cannot_moderate_self`, `cannot_timeout_admin`;
    422 `bad_duration`, `too_long`."""
    with transaction() as db:
        member = moderation.check_timeout_member(
            db,
            caller.user(db),
            server_id,
            user_id,
            seconds=body.duration_seconds,
            reason=body.reason,
        )
        return moderation.timeout_view(member)


@router.delete("/servers/{server_id}/members/{user_id}/timeout", response_model=TimeoutView)
def remove_timeout(
    server_id: ServerId, user_id: UserId, caller: CurrentCaller, reason: ReasonQuery = ""
) -> TimeoutView:
    """End a member's timeout now (MODERATE_MEMBERS; the hierarchy as for a timeout)."""
    with transaction() as db:
        member = moderation.check_remove_timeout(
            db, caller.user(db), server_id, user_id, reason=reason
        )
        return moderation.timeout_view(member)


@router.get("/servers/{server_id}/audit-log", response_model=AuditPage)
def audit_log(
    server_id: ServerId,
    caller: CurrentCaller,
    before: Annotated[
        int | None, Query(ge=1, le=ROW_MAX, description="entries older than this id")
    ] = None,
    action: Annotated[
        str | None,
        Query(pattern=r"^[a-z_]{1,40}$", description="only this action, e.g. member_ban"),
    ] = None,
    actor_id: Annotated[
        int | None, Query(ge=1, le=ROW_MAX, description="only what this user did")
    ] = None,
    target_id: Annotated[
        str | None,
        Query(max_length=moderation.TARGET_ID_MAX, description="only about this target"),
    ] = None,
    limit: Limit = 50,
) -> AuditPage:
    """The audit log, newest first (VIEW_AUDIT_LOG): who did what to whom, why, and what
    changed."""
    with transaction() as db:
        return moderation.list_audit_log(
            db,
            caller.user(db),
            server_id,
            before=before,
            action=action,
            actor_id=actor_id,
            target_id=target_id,
            limit=limit,
        )


@router.get("/servers/{server_id}/automod/rules", response_model=list[AutomodRuleView])
def list_rules(server_id: ServerId, caller: CurrentCaller) -> list[AutomodRuleView]:
    """The server's automod rules (MANAGE_SERVER)."""
    with transaction() as db:
        return automod.list_rules(db, caller.user(db), server_id)


@router.post(
    "/servers/{server_id}/automod/rules",
    response_model=AutomodRuleView,
    status_code=status.HTTP_201_CREATED,
)
def create_rule(server_id: ServerId, body: RuleCreate, caller: CurrentCaller) -> AutomodRuleView:
    """Add an automod rule (MANAGE_SERVER), run on channel messages and on the posts of posts
    channels, new or edited, and on incoming webhooks' messages. Members with MANAGE_MESSAGES
    are exempt (a webhook never is).

    Errors: 422 `bad_kind`, `bad_action`, `empty`, `too_long`, `bad_pattern`,
    `unsafe_pattern`, `pattern_matches_all`, `too_many_rules`."""
    with transaction() as db:
        rule = automod.check_create_rule(
            db, caller.user(db), server_id, kind=body.kind, value=body.value, action=body.action
        )
        return automod.rule_views(db, [rule])[0]


@router.delete(
    "/servers/{server_id}/automod/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_rule(server_id: ServerId, rule_id: RowId, caller: CurrentCaller) -> Response:
    """Delete an automod rule (MANAGE_SERVER); its flags stay. 404 `rule_not_found`."""
    with transaction() as db:
        automod.check_delete_rule(db, caller.user(db), server_id, rule_id)
    return no_content()


@router.get("/servers/{server_id}/automod/flags", response_model=AutomodFlagPage)
def list_flags(
    server_id: ServerId,
    caller: CurrentCaller,
    resolved: Annotated[bool, Query(description="the resolved flags instead of the open")] = False,
    before: Annotated[
        int | None, Query(ge=1, le=ROW_MAX, description="flags older than this id")
    ] = None,
    limit: Limit = 50,
) -> AutomodFlagPage:
    """Channel messages and posts of posts channels that flag rules let through, in one list
    newest first (MANAGE_MESSAGES; only in the channels where you may manage messages). Each
    flag's `kind` says which it names: `message` (then `message` is set) or `post` (then
    `post`, the post's id, author and text). A deleted message or post takes its flags along.

    Errors: 404 `server_not_found` (also for servers you are not in); 403
    `missing_permission`; 422 for a bad `before` or `limit`."""
    with transaction() as db:
        return automod.list_flags(
            db, caller.user(db), server_id, resolved=resolved, before=before, limit=limit
        )


@router.post("/servers/{server_id}/automod/flags/{flag_id}/resolve", response_model=AutomodFlagView)
def resolve_flag(server_id: ServerId, flag_id: RowId, caller: CurrentCaller) -> AutomodFlagView:
    """Mark a flag, of a message or of a post, as looked at (MANAGE_MESSAGES); resolving it
    again changes nothing.

    Errors: 404 `server_not_found`, `flag_not_found` (also for flags in channels where you may
    not manage messages); 403 `missing_permission`."""
    with transaction() as db:
        return automod.check_resolve_flag(db, caller.user(db), server_id, flag_id)
