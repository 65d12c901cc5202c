"""Accounts and profiles: registration, edits, avatars, lookup and search."""

from __future__ import annotations

import re
from functools import lru_cache

import bcrypt
import sqlalchemy as sa
import zxcvbn
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, or_, select
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from socialhub.config import get_settings
from socialhub.domain import media, ratelimit
from socialhub.domain.errors import Conflict, FieldCheck, InvalidInput, NotFound
from socialhub.domain.validation import clean_text
from socialhub.models import Presence, PresenceVisibility, ServerMember, SiteRole, User
from socialhub.models.base import utcnow
from socialhub.models.servers import member_sort_name
from socialhub.models.users import MeView, UserUpdate, UserView
from socialhub.realtime.events import publish_on_commit

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,30}$")
# What normalize_username accepts: the same, in any case, with blanks around.
USERNAME_INPUT_PATTERN = r"^\s*[A-Za-z0-9_]{3,30}\s*$"
PASSWORD_MIN = 8
PASSWORD_MAX = 128  # bcrypt reads 72 bytes; longer inputs are refused rather than truncated.
PASSWORD_MAX_BYTES = 72
DISPLAY_NAME_MAX = 50
BIO_MAX = 300
STATUS_MAX = 100
SEARCH_LIMIT_MAX = 50


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def normalize_username(raw: str) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("username must be text", field="username")
    username = raw.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput(
            "username must be 3-30 characters of a-z, 0-9 and _",
            field="username",
            code="invalid_username",
        )
    return username


def normalize_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except (EmailNotValidError, AttributeError) as exc:
        raise InvalidInput(
            "enter a valid email address", field="email", code="invalid_email"
        ) from exc
    return str(result.normalized)


def check_password_strength(password: str, *, username: str = "", email: str = "") -> None:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise InvalidInput(
            f"password must be at least {PASSWORD_MIN} characters",
            field="password",
            code="weak_password",
        )
    if len(password.encode()) > PASSWORD_MAX_BYTES or len(password) > PASSWORD_MAX:
        raise InvalidInput(
            f"password must be at most {PASSWORD_MAX_BYTES} bytes",
            field="password",
            code="too_long",
        )
    lowered = password.lower()
    if lowered in _common_passwords() or lowered in {username, email.lower()}:
        raise InvalidInput(
            "this password is too common; choose another",
            field="password",
            code="common_password",
        )
    if zxcvbn.zxcvbn(password[:64], user_inputs=[username, email])["score"] < 1:
        raise InvalidInput(
            "this password is too easy to guess", field="password", code="weak_password"
        )


def hash_password(password: str) -> str:
    rounds = get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def password_matches(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode()[:72], password_hash.encode())
    except ValueError:
        return False


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username_lower == username.strip().lower())).first()


def get_user_by_login(session: Session, login: str) -> User | None:
    """Find an account by username or email, ignoring case."""
    value = login.strip().lower()
    column = User.email_lower if "@" in value else User.username_lower
    return session.exec(select(User).where(column == value)).first()


def access_user(session: Session, username: str) -> User:
    user = get_user_by_username(session, username)
    if user is None or user.suspended_at is not None:
        raise NotFound("no such user", code="user_not_found")
    return user


def check_register_user(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    confirm: str | None = None,
) -> User:
    """Every wrong field is reported at once (FieldErrors when there are several). `confirm`
    is the password typed again, where a form asks for it."""
    check = FieldCheck()
    if confirm is not None and confirm != password:
        check.add(InvalidInput("the passwords do not match", field="confirm", code="mismatch"))
    name = check(lambda: normalize_username(username))
    address = check(lambda: normalize_email(email))
    check(lambda: check_password_strength(password, username=name or "", email=address or ""))
    shown = check(
        lambda: clean_text(
            display_name or name or "", field="display_name", max_length=DISPLAY_NAME_MAX
        )
    )
    if name is not None and get_user_by_username(session, name) is not None:
        check.add(
            Conflict("this username is taken", code="username_taken", details={"field": "username"})
        )
    taken = select(User).where(User.email_lower == (address or "").lower())
    if address is not None and session.exec(taken).first() is not None:
        check.add(
            Conflict(
                "an account with this email exists", code="email_taken", details={"field": "email"}
            )
        )
    check.raise_any()
    assert name is not None
    assert address is not None
    assert shown is not None
    return do_register_user(
        session,
        username=name,
        email=address,
        password_hash=hash_password(password),
        display_name=shown,
    )


def do_register_user(
    session: Session,
    *,
    username: str,
    email: str,
    password_hash: str,
    display_name: str,
    role: SiteRole = SiteRole.user,
) -> User:
    user = User(
        username=username,
        username_lower=username.lower(),
        email=email,
        email_lower=email.lower(),
        password_hash=password_hash,
        display_name=display_name or username,
        display_name_lower=(display_name or username).lower(),
        role=role.value,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    return user


def user_view(user: User) -> UserView:
    assert user.id is not None
    large, small = avatar_urls(user)
    return UserView(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        bio=user.bio,
        status_text=user.status_text,
        avatar_url=large,
        avatar_small_url=small,
        created_at=user.created_at,
        is_bot=user.is_bot,
    )


def me_view(user: User) -> MeView:
    return MeView(
        **user_view(user).model_dump(),
        email=user.email,
        presence=Presence(user.presence),
        presence_visibility=PresenceVisibility(user.presence_visibility),
        role=SiteRole(user.role),
    )


def avatar_key(user: User, size: int) -> str:
    return media.square_image_key(f"avatars/{user.id}", user.avatar_version or "", size)


def avatar_urls(user: User) -> tuple[str | None, str | None]:
    large, small = media.AVATAR_SIZES
    prefix = f"avatars/{user.id}"
    return (
        media.square_image_url(prefix, user.avatar_version, large),
        media.square_image_url(prefix, user.avatar_version, small),
    )


def _publish_user_update(session: Session, user: User) -> None:
    assert user.id is not None
    publish_on_commit(
        session,
        type="user",
        op="update",
        data=user_view(user).model_dump(mode="json"),
        users=[user.id],
        topics=[f"profile:{user.id}"],
    )


def check_update_profile(session: Session, actor: User, update: UserUpdate) -> User:
    """Every wrong field is reported at once (FieldErrors when there are several)."""
    check = FieldCheck()
    changes: dict[str, str] = {}
    if update.display_name is not None:
        name = check(
            lambda: clean_text(
                update.display_name or "", field="display_name", max_length=DISPLAY_NAME_MAX
            )
        )
        if name == "":
            check.add(
                InvalidInput("display name cannot be empty", field="display_name", code="empty")
            )
        elif name is not None:
            changes["display_name"] = name
    if update.bio is not None:
        bio = update.bio
        text = check(lambda: clean_text(bio, field="bio", max_length=BIO_MAX, multiline=True))
        if text is not None:
            changes["bio"] = text
    if update.status_text is not None:
        status = update.status_text
        text = check(lambda: clean_text(status, field="status_text", max_length=STATUS_MAX))
        if text is not None:
            changes["status_text"] = text
    check.raise_any()
    if update.presence is not None:
        changes["presence"] = Presence(update.presence).value
    if update.presence_visibility is not None:
        changes["presence_visibility"] = PresenceVisibility(update.presence_visibility).value
    return do_update_profile(session, actor, changes)


def do_update_profile(session: Session, user: User, changes: dict[str, str]) -> User:
    if not changes:
        return user
    for key, value in changes.items():
        setattr(user, key, value)
    if "display_name" in changes:
        user.display_name_lower = user.display_name.lower()
        # The server member lists sort by the shown name wherever no nickname stands for it.
        session.execute(
            sa.update(ServerMember)
            .where(col(ServerMember.user_id) == user.id, col(ServerMember.nickname) == "")
            .values(sort_name=member_sort_name(user.display_name or user.username))
        )
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    _publish_user_update(session, user)
    return user


def check_set_avatar(session: Session, actor: User, data: bytes) -> User:
    # Before the image is decoded: the limit also spares the CPU.
    ratelimit.hit("avatar", f"user:{actor.id}")
    processed = media.process_square_image(data, max_bytes=get_settings().avatar_max_bytes)
    return do_set_avatar(session, actor, processed)


def do_set_avatar(session: Session, user: User, processed: media.ProcessedImage) -> User:
    user.avatar_version = media.store_square_image(f"avatars/{user.id}", processed)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    _publish_user_update(session, user)
    return user


def do_remove_avatar(session: Session, user: User) -> User:
    """Back to no avatar (the name's initials stand in); its files go at once."""
    if user.avatar_version is None:
        return user
    user.avatar_version = None
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    media.get_storage().delete_prefix(f"avatars/{user.id}", keep=set())
    _publish_user_update(session, user)
    return user


def search_users(session: Session, query: str, *, limit: int = 20) -> list[User]:
    """Users whose username or display name starts with `query`, ignoring case."""
    text = query.strip().lower().lstrip("@")
    if not text:
        return []
    if len(text) > DISPLAY_NAME_MAX:
        raise InvalidInput("search text is too long", field="q", code="too_long")
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.exec(
            select(User)
            .where(
                col(User.suspended_at).is_(None),
                or_(
                    col(User.username_lower).like(pattern, escape="\\"),
                    col(User.display_name_lower).like(pattern, escape="\\"),
                ),
            )
            .order_by(col(User.username_lower))
            .limit(limit)
        ).all()
    )
