"""Bot accounts: created, listed, re-keyed and deleted by their owner; added to servers.

A bot is a `users` row with `is_bot` set and no usable password (it cannot log in through the
web UI or /auth/login). Its token, `bot_<session id>.<secret>`, is shown once (at creation and
on regenerate); only the secret's SHA-256 is kept, on a session of kind `bot`. Regenerating
revokes that session, so the old token fails at once; deleting the bot deletes the user row and
with it its sessions and memberships. A bot sends `Authorization: Bearer <token>` to the same
REST API as everyone (`socialhub/api/deps.py`), under the same permissions and rate limits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.config import get_settings
from socialhub.domain import auth as auth_domain
from socialhub.domain import media, moderation, permissions, ratelimit, roles, servers, users
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from socialhub.domain.permissions import Permission
from socialhub.domain.validation import clean_text
from socialhub.models import AuthSession, MemberRoleLink, Role, ServerMember, SessionKind, User
from socialhub.models.base import utcnow
from socialhub.models.bots import BotAccount, BotView, BotWithToken, ServerBotView
from socialhub.models.server_views import RoleBrief

NAME_MIN = 2
NAME_MAX = 32
DESCRIPTION_MAX = 300
MAX_BOTS_PER_OWNER = 10
TOKEN_PREFIX = "bot_"  # noqa: S105 (a prefix, not a secret)
# A bot's token lasts until it is regenerated or the bot deleted.
TOKEN_DAYS = 365 * 100
_SLUG = re.compile(r"[^a-z0-9_]+")


def bot_not_found() -> NotFound:
    return NotFound("no such bot", code="bot_not_found")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _name(raw: object) -> str:
    name = clean_text(raw, field="name", max_length=NAME_MAX)  # type: ignore[arg-type]
    if len(name) < NAME_MIN:
        raise InvalidInput(
            f"a bot's name is {NAME_MIN}-{NAME_MAX} characters",
            field="name",
            code="invalid_name",
            details={"min_length": NAME_MIN, "max_length": NAME_MAX},
        )
    return name


def _username(session: Session, name: str) -> str:
    base = _SLUG.sub("_", name.lower()).strip("_")[:20] or "bot"
    while True:
        username = f"{base}_{secrets.token_hex(3)}"
        if len(username) < 3:
            continue
        taken = session.exec(select(User.id).where(col(User.username_lower) == username)).first()
        if taken is None:
            return username


def bot_view(user: User, bot: BotAccount) -> BotView:
    large, small = users.avatar_urls(user)
    return BotView(
        id=user.id or 0,
        username=user.username,
        name=user.display_name,
        description=bot.description,
        created_at=bot.created_at,
        avatar_url=large,
        avatar_small_url=small,
    )


def _issue_token(session: Session, bot_user: User) -> str:
    secret = secrets.token_urlsafe(32)
    auth = AuthSession(
        user_id=bot_user.id or 0,
        kind=SessionKind.bot.value,
        device="bot token",
        secret_hash=_sha256(secret),
        expires_at=utcnow() + timedelta(days=TOKEN_DAYS),
    )
    session.add(auth)
    session.flush()
    return f"{TOKEN_PREFIX}{auth.id}.{secret}"


def _revoke_tokens(session: Session, bot_user: User, reason: str) -> None:
    """Revoked like any session, so the bot's open event stream ends too."""
    for auth in session.exec(
        select(AuthSession).where(
            col(AuthSession.user_id) == bot_user.id, col(AuthSession.revoked_at).is_(None)
        )
    ).all():
        auth_domain.do_revoke_session(session, auth, reason=reason)


# The owner's bots ---------------------------------------------------------------------------------


def check_create_bot(
    session: Session, actor: User, *, name: object, description: object = ""
) -> BotWithToken:
    if actor.is_bot:
        raise PermissionDenied("a bot cannot create bots", code="bot_cannot_create_bots")
    clean_name = _name(name)
    clean_description = clean_text(
        description if description is not None else "",  # type: ignore[arg-type]
        field="description",
        max_length=DESCRIPTION_MAX,
    )
    owned = session.exec(
        select(func.count()).select_from(BotAccount).where(col(BotAccount.owner_id) == actor.id)
    ).one()
    if owned >= MAX_BOTS_PER_OWNER:
        raise Conflict(
            f"you may own at most {MAX_BOTS_PER_OWNER} bots",
            code="too_many_bots",
            details={"max": MAX_BOTS_PER_OWNER},
        )
    ratelimit.hit("bot_create", f"user:{actor.id}", limit="20/hour")
    username = _username(session, clean_name)
    email = f"bot-{uuid.uuid4().hex}@bots.invalid"
    user = User(
        username=username,
        username_lower=username,
        email=email,
        email_lower=email,
        password_hash="!",  # noqa: S106 (matches no password: a bot never logs in with one)
        display_name=clean_name,
        display_name_lower=clean_name.lower(),
        is_bot=True,
    )
    session.add(user)
    session.flush()
    bot = BotAccount(user_id=user.id or 0, owner_id=actor.id or 0, description=clean_description)
    session.add(bot)
    session.flush()
    token = _issue_token(session, user)
    return BotWithToken(**bot_view(user, bot).model_dump(), token=token)


def list_my_bots(session: Session, actor: User) -> list[BotView]:
    rows = session.exec(
        select(User, BotAccount)
        .join(BotAccount, col(BotAccount.user_id) == col(User.id))
        .where(col(BotAccount.owner_id) == actor.id)
        .order_by(col(BotAccount.created_at), col(User.id))
    ).all()
    return [bot_view(user, bot) for user, bot in rows]


def _my_bot(session: Session, actor: User, bot_id: int) -> tuple[User, BotAccount]:
    """The actor's own bot; someone else's bot is the same 404 as an unknown one."""
    bot = session.get(BotAccount, bot_id) if isinstance(bot_id, int) else None
    if bot is None or bot.owner_id != actor.id:
        raise bot_not_found()
    user = session.get(User, bot.user_id)
    if user is None:
        raise bot_not_found()
    return user, bot


def check_regenerate_token(session: Session, actor: User, bot_id: int) -> BotWithToken:
    user, bot = _my_bot(session, actor, bot_id)
    _revoke_tokens(session, user, "token_regenerated")
    token = _issue_token(session, user)
    return BotWithToken(**bot_view(user, bot).model_dump(), token=token)


def check_set_bot_avatar(session: Session, actor: User, bot_id: int, data: bytes) -> BotView:
    """The owner gives the bot an avatar, through the users' avatar pipeline (sniffed by
    content, size-limited, re-encoded to WebP without metadata)."""
    user, bot = _my_bot(session, actor, bot_id)
    # Counted against the owner, before the image is decoded: the limit also spares the CPU.
    ratelimit.hit("avatar", f"user:{actor.id}")
    processed = media.process_square_image(data, max_bytes=get_settings().avatar_max_bytes)
    return bot_view(users.do_set_avatar(session, user, processed), bot)


def check_remove_bot_avatar(session: Session, actor: User, bot_id: int) -> BotView:
    user, bot = _my_bot(session, actor, bot_id)
    return bot_view(users.do_remove_avatar(session, user), bot)


def check_delete_bot(session: Session, actor: User, bot_id: int) -> None:
    """The bot leaves its servers and its sessions are deleted (its token fails at once). Its
    user row stays as a suspended tombstone named "Deleted bot", so the messages it sent keep
    an author (and the stream's events for it their user), and its username is freed."""
    user, bot = _my_bot(session, actor, bot_id)
    members = session.exec(select(ServerMember).where(col(ServerMember.user_id) == user.id)).all()
    for member in members:
        server = servers.live_server(session, member.server_id)
        if server is not None:
            servers.do_remove_member(session, server, user.id or 0, reason="bot_deleted")
    _revoke_tokens(session, user, "bot_deleted")
    session.execute(sa.delete(AuthSession).where(col(AuthSession.user_id) == user.id))
    session.delete(bot)
    user.username = user.username_lower = f"deleted_bot_{user.id}"
    user.display_name, user.display_name_lower = "Deleted bot", "deleted bot"
    user.suspended_at = user.updated_at = utcnow()
    session.add(user)
    session.flush()


# Signing in with the token ------------------------------------------------------------------------


def is_bot_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


def authenticate_bot_token(session: Session, token: str) -> tuple[AuthSession, User]:
    """The bot's session and user for a `bot_<session id>.<secret>` token; every failure is
    the same 401 `invalid_token` (a revoked token included: it must not tell it once worked)."""
    session_id, _, secret = token.removeprefix(TOKEN_PREFIX).partition(".")
    invalid = NotAuthenticated("invalid bot token", code="invalid_token")
    if not session_id or not secret:
        raise invalid
    found = session.exec(
        select(AuthSession, User)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(col(AuthSession.id) == session_id)
    ).first()
    if found is None:
        raise invalid
    auth, user = found
    if (
        auth.kind != SessionKind.bot.value
        or not user.is_bot
        or not auth.secret_hash
        or not hmac.compare_digest(auth.secret_hash, _sha256(secret))
        or auth.revoked_at is not None
        or auth.expires_at < utcnow()
    ):
        raise invalid
    if user.suspended_at is not None:
        raise NotAuthenticated("this account is suspended", code="account_suspended")
    return auth, user


# Servers ------------------------------------------------------------------------------------------


def _find_bot(session: Session, *, bot_id: object, username: object) -> User:
    user: User | None = None
    if isinstance(bot_id, int) and not isinstance(bot_id, bool):
        user = session.get(User, bot_id)
    elif isinstance(username, str) and username.strip():
        user = session.exec(
            select(User).where(col(User.username_lower) == username.strip().lower())
        ).first()
    else:
        raise InvalidInput("give the bot's id or username", field="bot_id", code="missing")
    if user is None or not user.is_bot:
        raise bot_not_found()
    return user


def check_add_bot_to_server(
    session: Session,
    actor: User,
    server_id: str,
    *,
    bot_id: object = None,
    username: object = None,
    role_id: object = None,
) -> ServerMember:
    """A member with MANAGE_SERVER adds any bot (whose id or username they know) to the
    server; with `role_id`, it also gets that role, by the role code's own rules (MANAGE_ROLES,
    a role below the adder's highest)."""
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    bot_user = _find_bot(session, bot_id=bot_id, username=username)
    if role_id is not None and not isinstance(role_id, str):
        raise InvalidInput("role_id must be text", field="role_id")
    if role_id:  # refused before anything is done (the role code checks again on adding it)
        access.require(Permission.MANAGE_ROLES)
        role = session.get(Role, role_id)
        if role is None or role.server_id != server_id or role.is_everyone:
            raise roles.role_not_found()
        if not permissions.above_role(access.snapshot, access.facts, role.position):
            raise roles.role_above_you()
    if servers.membership(session, server_id, bot_user.id or 0) is not None:
        raise Conflict("this bot is already a member", code="already_member")
    if servers.is_banned(session, server_id, bot_user.id or 0):
        raise PermissionDenied("this bot is banned from this server", code="banned")
    member = servers.do_add_member(session, access.server, bot_user)
    if role_id:
        roles.check_add_member_role(session, actor, server_id, bot_user.id or 0, role_id)
    return member


def list_server_bots(session: Session, actor: User, server_id: str) -> list[ServerBotView]:
    """The server's bot members, by shown name, each with its roles (highest first): what any
    member sees of them in the member list too. Two queries."""
    permissions.access_server(session, actor, server_id)
    rows = session.exec(
        select(ServerMember, User)
        .join(User, col(User.id) == col(ServerMember.user_id))
        .where(col(ServerMember.server_id) == server_id, col(User.is_bot).is_(True))
        .order_by(col(ServerMember.sort_name), col(ServerMember.user_id))
    ).all()
    held: dict[int, list[Role]] = {}
    if rows:
        for user_id, role in session.exec(
            select(MemberRoleLink.user_id, Role)
            .join(Role, col(Role.id) == col(MemberRoleLink.role_id))
            .where(
                col(MemberRoleLink.server_id) == server_id,
                col(MemberRoleLink.user_id).in_([member.user_id for member, _ in rows]),
            )
            .order_by(col(Role.position).desc(), col(Role.id))
        ).all():
            held.setdefault(user_id, []).append(role)
    return [
        ServerBotView(
            user=user_brief(user),
            shown_name=servers.shown_name(member.nickname, user),
            roles=[
                RoleBrief(id=r.id, name=r.name, colour=r.colour, position=r.position)
                for r in held.get(member.user_id, [])
            ],
            joined_at=member.joined_at,
        )
        for member, user in rows
    ]


def check_remove_bot_from_server(
    session: Session, actor: User, server_id: str, bot_id: int, *, reason: str = ""
) -> None:
    """Removing a bot is a kick (KICK_MEMBERS, above the bot's highest role, in the audit
    log); a user who is not a bot member of the server is `bot_not_found`."""
    permissions.access_server(session, actor, server_id)
    user = session.get(User, bot_id) if isinstance(bot_id, int) and 0 < bot_id < 2**31 else None
    if user is None or not user.is_bot or servers.membership(session, server_id, bot_id) is None:
        raise bot_not_found()
    moderation.check_kick_member(session, actor, server_id, bot_id, reason=reason)
