"""A server's custom emoji and stickers: upload (the avatar pipeline: sniffed, size-limited,
re-encoded to WebP, animations kept), rename, delete, limits and MANAGE_EMOJI; and their use.

How a message names a custom emoji: `<:name:id>` (Discord's form). The composer's `:name:` is
turned into it when the message is sent (or edited), for the emoji the sender may use there:
in a server channel its server's emoji first, then, anywhere, the emoji of the servers the
sender belongs to that share theirs (`ServerEmojiSettings.share_emoji`, on by default). A
`<:name:id>` the sender may not use, or an unknown `:name:`, stays plain text. The stored text
is resolved only when shown (`images_for` + `text.render`): a deleted emoji shows `:name:`.
A reaction with a custom emoji is stored as `custom:<id>`, under the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.db import on_commit, on_rollback
from socialhub.domain import media, ratelimit
from socialhub.domain.audit import do_audit
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from socialhub.domain.permissions import (
    Permission,
    ServerAccess,
    access_channel,
    access_server,
    publish_server_event,
)
from socialhub.models import (
    Conversation,
    ConversationKind,
    CustomEmoji,
    Server,
    ServerEmojiSettings,
    ServerMember,
    Sticker,
    User,
)
from socialhub.models.custom_emoji import (
    CustomEmojiView,
    EmojiCatalogue,
    StickerRef,
    StickerView,
)

NAME_PATTERN = r"^[a-z0-9_]{2,32}$"
_NAME = re.compile(NAME_PATTERN)
EMOJI_MAX_BYTES = 256 * 1024
EMOJI_SIDE = 128
STATIC_LIMIT = 50
ANIMATED_LIMIT = 50
STICKER_MAX_BYTES = 512 * 1024
STICKER_SIDE = 320
STICKER_LIMIT = 30
REACTION_PREFIX = "custom:"
# Uploads per member, before any image is decoded (a server is filled in one sitting).
UPLOAD_RATE = "100/hour"

# `<:name:id>` in stored text, `:name:` as typed (not inside a word, not part of a token).
TOKEN = re.compile(r"<:([a-z0-9_]{2,32}):([0-9a-f]{32})>")
_TYPED = re.compile(r"(?<![\w<]):([a-z0-9_]{2,32}):(?!\w)")
_CODE = re.compile(r"(```[\s\S]*?```|`[^`\n]*`)")
_REACTION = re.compile(r"^custom:([0-9a-f]{32})$")


_Item = TypeVar("_Item", CustomEmoji, Sticker)


@dataclass(frozen=True)
class EmojiImage:
    name: str
    url: str
    # The first frame, for viewers who asked for reduced motion ("" when not animated).
    still_url: str


@dataclass(frozen=True)
class ItemKind(Generic[_Item]):
    """What sets a server's emoji and its stickers apart: one upload, rename and delete path
    serves both."""

    model: type[_Item]
    # The event type, the audit log's target type and actions, the error codes' stem.
    name: str
    plural: str
    # Where its images are stored (`<folder>/<server>/<id>.webp`).
    folder: str
    max_bytes: int
    side: int
    # How many a server may have: `limit` of all, or, with `animated_limit`, `limit` still
    # ones and `animated_limit` animated ones.
    limit: int
    animated_limit: int | None = None


EMOJI: ItemKind[CustomEmoji] = ItemKind(
    CustomEmoji,
    name="emoji",
    plural="emoji",
    folder="emoji",
    max_bytes=EMOJI_MAX_BYTES,
    side=EMOJI_SIDE,
    limit=STATIC_LIMIT,
    animated_limit=ANIMATED_LIMIT,
)
STICKER: ItemKind[Sticker] = ItemKind(
    Sticker,
    name="sticker",
    plural="stickers",
    folder="stickers",
    max_bytes=STICKER_MAX_BYTES,
    side=STICKER_SIDE,
    limit=STICKER_LIMIT,
)


def _key(folder: str, server_id: str, item_id: str, *, still: bool = False) -> str:
    return f"{folder}/{server_id}/{item_id}{'-still' if still else ''}.webp"


def _image(kind: ItemKind[_Item], row: _Item) -> EmojiImage:
    return EmojiImage(
        name=row.name,
        url=media.signed_url(_key(kind.folder, row.server_id, row.id)),
        still_url=media.signed_url(_key(kind.folder, row.server_id, row.id, still=True))
        if row.animated
        else "",
    )


def emoji_image(row: CustomEmoji) -> EmojiImage:
    return _image(EMOJI, row)


def token(row: CustomEmoji) -> str:
    return f"<:{row.name}:{row.id}>"


def emoji_view(row: CustomEmoji) -> CustomEmojiView:
    return CustomEmojiView(
        id=row.id,
        server_id=row.server_id,
        name=row.name,
        animated=row.animated,
        url=emoji_image(row).url,
        token=token(row),
        created_at=row.created_at,
    )


def sticker_view(row: Sticker) -> StickerView:
    return StickerView(
        id=row.id,
        server_id=row.server_id,
        name=row.name,
        animated=row.animated,
        url=_image(STICKER, row).url,
        created_at=row.created_at,
    )


# Reading -----------------------------------------------------------------------------------------


def share_emoji(session: Session, server_id: str) -> bool:
    settings = session.get(ServerEmojiSettings, server_id)
    return settings.share_emoji if settings else True


def server_items(session: Session, kind: ItemKind[_Item], server_id: str) -> list[_Item]:
    model = kind.model
    return list(
        session.exec(
            select(model).where(col(model.server_id) == server_id).order_by(col(model.name))
        ).all()
    )


def server_emoji(session: Session, server_id: str) -> list[CustomEmoji]:
    return server_items(session, EMOJI, server_id)


def server_stickers(session: Session, server_id: str) -> list[Sticker]:
    return server_items(session, STICKER, server_id)


def get_catalogue(session: Session, actor: User, server_id: str) -> EmojiCatalogue:
    """A member reads their server's emoji and stickers, with the limits."""
    access = access_server(session, actor, server_id)
    return EmojiCatalogue(
        server_id=server_id,
        emoji=[emoji_view(e) for e in server_emoji(session, server_id)],
        stickers=[sticker_view(s) for s in server_stickers(session, server_id)],
        share_emoji=share_emoji(session, server_id),
        can_manage=access.can(Permission.MANAGE_EMOJI),
        static_limit=STATIC_LIMIT,
        animated_limit=ANIMATED_LIMIT,
        sticker_limit=STICKER_LIMIT,
    )


def usable_emoji(
    session: Session, actor: User, conversation: Conversation | None
) -> list[CustomEmoji]:
    """The custom emoji the actor may use in the conversation: a channel's own server's first,
    then those of the actor's other servers that share theirs."""
    here = conversation.server_id if conversation is not None else None
    shared = sa.func.coalesce(col(ServerEmojiSettings.share_emoji), sa.true())
    rows = session.exec(
        select(CustomEmoji)
        .join(ServerMember, col(ServerMember.server_id) == col(CustomEmoji.server_id))
        .join(Server, col(Server.id) == col(CustomEmoji.server_id))
        .outerjoin(
            ServerEmojiSettings,
            col(ServerEmojiSettings.server_id) == col(CustomEmoji.server_id),
        )
        .where(
            col(ServerMember.user_id) == (actor.id or 0),
            col(Server.deleted_at).is_(None),
            sa.or_(col(CustomEmoji.server_id) == (here or ""), shared),
        )
        .order_by(
            sa.case((col(CustomEmoji.server_id) == (here or ""), 0), else_=1),
            col(ServerMember.joined_at),
            col(CustomEmoji.name),
        )
    ).all()
    return list(rows)


def _live(session: Session, model: type[_Item], ids: Iterable[str]) -> list[_Item]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(
        session.exec(
            select(model)
            .join(Server, col(Server.id) == col(model.server_id))
            .where(col(model.id).in_(wanted), col(Server.deleted_at).is_(None))
        ).all()
    )


def images_for(session: Session, bodies: Iterable[str]) -> dict[str, EmojiImage]:
    """The images of the custom emoji these texts name, by id (the deleted ones left out)."""
    ids = {m.group(2) for body in bodies if "<:" in body for m in TOKEN.finditer(body)}
    return {row.id: emoji_image(row) for row in _live(session, CustomEmoji, ids)}


def reaction_images(session: Session, keys: Iterable[str]) -> dict[str, EmojiImage]:
    """The images of the custom-emoji reactions among `keys`, by key."""
    ids = {m.group(1) for k in keys if (m := _REACTION.match(k))}
    return {REACTION_PREFIX + row.id: emoji_image(row) for row in _live(session, CustomEmoji, ids)}


def sticker_refs(session: Session, ids: Iterable[str]) -> dict[str, StickerRef]:
    refs = {}
    for row in _live(session, Sticker, ids):
        image = _image(STICKER, row)
        refs[row.id] = StickerRef(
            id=row.id, name=row.name, url=image.url, still_url=image.still_url
        )
    return refs


@dataclass(frozen=True)
class PickerGroup:
    server_id: str
    server_name: str
    emoji: list[CustomEmoji]


@dataclass(frozen=True)
class Picker:
    """What the emoji picker and the sticker button offer in a conversation."""

    groups: list[PickerGroup]
    stickers: list[Sticker]


def get_picker(session: Session, actor: User, conversation_id: str) -> Picker:
    """The custom emoji the actor may use in the conversation, by server (the channel's own
    first), and the stickers of a channel's server (a channel they may view; elsewhere none)."""
    conversation = session.get(Conversation, conversation_id) if conversation_id else None
    stickers: list[Sticker] = []
    if conversation is not None and conversation.kind == ConversationKind.channel.value:
        access = access_channel(session, actor, conversation.id, channel=conversation)
        stickers = server_stickers(session, access.server.server.id)
    names = {}
    groups: dict[str, list[CustomEmoji]] = {}
    for row in usable_emoji(session, actor, conversation):
        groups.setdefault(row.server_id, []).append(row)
    if groups:
        names = dict(
            session.exec(
                select(Server.id, Server.name).where(col(Server.id).in_(list(groups)))
            ).all()
        )
    return Picker(
        groups=[PickerGroup(sid, names.get(sid, ""), rows) for sid, rows in groups.items()],
        stickers=stickers,
    )


# Use ---------------------------------------------------------------------------------------------


def encode(session: Session, actor: User, conversation: Conversation, body: str) -> str:
    """The text to store for what the sender typed: each `:name:` they may use becomes
    `<:name:id>`, each `<:name:id>` they may not use becomes `:name:` (code is left alone)."""
    if ":" not in body:
        return body
    usable = usable_emoji(session, actor, conversation)
    if not usable:
        return TOKEN.sub(lambda m: f":{m.group(1)}:", body) if "<:" in body else body
    by_id = {e.id: e for e in usable}
    by_name: dict[str, CustomEmoji] = {}
    for e in usable:
        by_name.setdefault(e.name, e)

    def keep_or_plain(match: re.Match[str]) -> str:
        found = by_id.get(match.group(2))
        return token(found) if found else f":{match.group(1)}:"

    def resolve(match: re.Match[str]) -> str:
        found = by_name.get(match.group(1))
        return token(found) if found else match.group(0)

    parts = _CODE.split(body)
    for index in range(0, len(parts), 2):  # the odd ones are code
        parts[index] = _TYPED.sub(resolve, TOKEN.sub(keep_or_plain, parts[index]))
    return "".join(parts)


def _reaction_parts(text: str) -> tuple[str | None, str | None]:
    """The emoji id a reaction value names (`custom:<id>`, `<:name:id>`), or its short code's
    name (`:name:`); (None, None) for anything else."""
    by_id = _REACTION.match(text) or TOKEN.fullmatch(text)
    if by_id:
        return by_id.group(by_id.lastindex or 1), None
    by_name = re.fullmatch(r":([a-z0-9_]{2,32}):", text)
    return None, by_name.group(1) if by_name else None


def reaction_key(
    session: Session, actor: User, conversation: Conversation, value: str
) -> str | None:
    """`custom:<id>` for a custom emoji the actor may react with (given as `custom:<id>`,
    `<:name:id>` or `:name:`); None when `value` is not a custom emoji they may use by name
    (the caller then wants a Unicode emoji); 422 `emoji_not_available` for one by id they may
    not use here."""
    wanted, name = _reaction_parts((value or "").strip())
    if wanted is None and name is None:
        return None
    for row in usable_emoji(session, actor, conversation):
        if row.id == wanted or (name is not None and row.name == name):
            return REACTION_PREFIX + row.id
    if name is not None:
        return None  # an unknown short code: not an emoji at all
    raise InvalidInput("you cannot use this emoji here", field="emoji", code="emoji_not_available")


def stored_reaction_key(
    session: Session, actor: User, conversation: Conversation, value: str
) -> str:
    """The key a reaction is stored under, for a value in any form `reaction_key` takes (or a
    Unicode emoji). By id it needs no right to use the emoji: taking back one's own reaction
    works after the emoji stopped being shared, or was deleted."""
    text = (value or "").strip()
    wanted, _ = _reaction_parts(text)
    if wanted is not None:
        return REACTION_PREFIX + wanted
    return reaction_key(session, actor, conversation, text) or text


def sticker_for_send(session: Session, conversation: Conversation, sticker_id: str) -> Sticker:
    """A sticker of the channel's own server (stickers are not shared elsewhere)."""
    sticker = session.get(Sticker, sticker_id) if sticker_id else None
    if (
        sticker is None
        or conversation.kind != ConversationKind.channel.value
        or sticker.server_id != conversation.server_id
    ):
        raise NotFound("no such sticker in this server", code="sticker_not_found")
    return sticker


# Managing ----------------------------------------------------------------------------------------


def _manage(session: Session, actor: User, server_id: str) -> ServerAccess:
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_EMOJI)
    return access


def _clean_name(name: str) -> str:
    clean = (name or "").strip()
    if not _NAME.fullmatch(clean):
        raise InvalidInput(
            "a name is 2-32 lower-case letters, digits or underscores",
            field="name",
            code="invalid_name",
        )
    return clean


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"the file is larger than {max_bytes // 1024} KB",
            details={"field": "file", "max_bytes": max_bytes},
        )


def _name_taken(session: Session, kind: ItemKind[_Item], server_id: str, name: str) -> None:
    model = kind.model
    if session.exec(
        select(model.id).where(col(model.server_id) == server_id, col(model.name) == name)
    ).first():
        raise Conflict(
            f"this server already has one named {name}",
            code="name_taken",
            details={"field": "name"},
        )


def _check_room(
    session: Session, kind: ItemKind[_Item], server_id: str, animated: bool | None
) -> None:
    """Room for one more (`animated` None: all of the kind count together)."""
    model = kind.model
    limit = kind.animated_limit if animated and kind.animated_limit is not None else kind.limit
    query = select(sa.func.count()).select_from(model).where(col(model.server_id) == server_id)
    if animated is not None:
        query = query.where(col(model.animated).is_(animated))
    if int(session.exec(query).one()) < limit:
        return
    if animated is None:
        message, details = f"{limit} {kind.plural}", {"limit": limit}
    else:
        still = "animated" if animated else "still"
        message, details = f"{limit} {still} {kind.plural}", {"limit": limit, "animated": animated}
    raise Conflict(
        f"this server already has {message}",
        code=f"{kind.name}_limit_reached",
        details=details,
    )


def _store(
    session: Session, kind: ItemKind[_Item], row: _Item, processed: media.ProcessedEmoji
) -> None:
    storage = media.get_storage()
    keys = [_key(kind.folder, row.server_id, row.id)]
    storage.put(keys[0], processed.blob)
    if processed.animated:
        keys.append(_key(kind.folder, row.server_id, row.id, still=True))
        storage.put(keys[1], processed.still)
    on_rollback(session, lambda: _unlink(keys))


def _unlink(keys: list[str]) -> None:
    storage = media.get_storage()
    for key in keys:
        storage.delete(key)


def _audit(
    session: Session,
    kind: ItemKind[_Item],
    server_id: str,
    actor_id: int | None,
    action: str,
    row: _Item,
    *,
    old: str | None,
    new: str | None,
) -> None:
    do_audit(
        session,
        server_id,
        actor_id,
        action,
        target_type=kind.name,
        target_id=row.id,
        changes={"name": {"old": old, "new": new}},
    )


def _publish(session: Session, server_id: str, kind: str, op: str, item_id: str) -> None:
    publish_server_event(session, server_id, type=kind, op=op, data={"id": item_id})


def check_create_item(
    session: Session, actor: User, kind: ItemKind[_Item], server_id: str, *, name: str, data: bytes
) -> _Item:
    """MANAGE_EMOJI uploads one: PNG, GIF or WebP up to the kind's size, fitted in its square,
    within the server's limits (those counted apart by animation once the image is read)."""
    access = _manage(session, actor, server_id)
    clean = _clean_name(name)
    _name_taken(session, kind, server_id, clean)
    _check_size(data, kind.max_bytes)
    by_animation = kind.animated_limit is not None
    if not by_animation:
        _check_room(session, kind, server_id, None)
    ratelimit.hit("emoji_upload", f"user:{actor.id}", limit=UPLOAD_RATE)
    processed = media.process_emoji(data, max_bytes=kind.max_bytes, side=kind.side)
    if by_animation:
        _check_room(session, kind, server_id, processed.animated)
    return do_create_item(
        session, kind, access.server, actor_id=actor.id, name=clean, processed=processed
    )


def do_create_item(
    session: Session,
    kind: ItemKind[_Item],
    server: Server,
    *,
    actor_id: int | None,
    name: str,
    processed: media.ProcessedEmoji,
) -> _Item:
    row = kind.model(
        server_id=server.id, name=name, animated=processed.animated, created_by=actor_id
    )
    session.add(row)
    session.flush()
    _store(session, kind, row, processed)
    _audit(
        session,
        kind,
        server.id,
        actor_id,
        "emoji_create" if kind is EMOJI else "sticker_create",
        row,
        old=None,
        new=name,
    )
    _publish(session, server.id, kind.name, "add", row.id)
    return row


def _access_item(session: Session, kind: ItemKind[_Item], server_id: str, item_id: str) -> _Item:
    row = session.get(kind.model, item_id) if item_id else None
    if row is None or row.server_id != server_id:
        raise NotFound(f"no such {kind.name}", code=f"{kind.name}_not_found")
    return row


def check_rename_item(
    session: Session,
    actor: User,
    kind: ItemKind[_Item],
    server_id: str,
    item_id: str,
    *,
    name: str,
) -> _Item:
    access = _manage(session, actor, server_id)
    row = _access_item(session, kind, server_id, item_id)
    clean = _clean_name(name)
    if row.name == clean:
        return row
    _name_taken(session, kind, server_id, clean)
    old = row.name
    row.name = clean
    session.add(row)
    session.flush()
    _audit(
        session,
        kind,
        server_id,
        access.member.user_id,
        "emoji_update" if kind is EMOJI else "sticker_update",
        row,
        old=old,
        new=clean,
    )
    _publish(session, server_id, kind.name, "update", row.id)
    return row


def check_delete_item(
    session: Session, actor: User, kind: ItemKind[_Item], server_id: str, item_id: str
) -> None:
    access = _manage(session, actor, server_id)
    row = _access_item(session, kind, server_id, item_id)
    do_delete_item(session, kind, access.server, row, actor_id=actor.id)


def do_delete_item(
    session: Session, kind: ItemKind[_Item], server: Server, row: _Item, *, actor_id: int | None
) -> None:
    session.delete(row)
    session.flush()
    keys = [_key(kind.folder, row.server_id, row.id, still=still) for still in (False, True)]
    on_commit(session, lambda: _unlink(keys))
    _audit(
        session,
        kind,
        server.id,
        actor_id,
        "emoji_delete" if kind is EMOJI else "sticker_delete",
        row,
        old=row.name,
        new=None,
    )
    _publish(session, server.id, kind.name, "remove", row.id)


# The two kinds by name: what the API, the settings page and the tests call.


def check_create_emoji(
    session: Session, actor: User, server_id: str, *, name: str, data: bytes
) -> CustomEmoji:
    """Up to 256 KB, fitted in 128 x 128; 50 still and 50 animated per server."""
    return check_create_item(session, actor, EMOJI, server_id, name=name, data=data)


def check_create_sticker(
    session: Session, actor: User, server_id: str, *, name: str, data: bytes
) -> Sticker:
    """Up to 512 KB, fitted in 320 x 320; 30 per server."""
    return check_create_item(session, actor, STICKER, server_id, name=name, data=data)


def do_create_emoji(
    session: Session,
    server: Server,
    *,
    actor_id: int | None,
    name: str,
    processed: media.ProcessedEmoji,
) -> CustomEmoji:
    return do_create_item(session, EMOJI, server, actor_id=actor_id, name=name, processed=processed)


def do_create_sticker(
    session: Session,
    server: Server,
    *,
    actor_id: int | None,
    name: str,
    processed: media.ProcessedEmoji,
) -> Sticker:
    return do_create_item(
        session, STICKER, server, actor_id=actor_id, name=name, processed=processed
    )


def check_rename_emoji(
    session: Session, actor: User, server_id: str, emoji_id: str, *, name: str
) -> CustomEmoji:
    return check_rename_item(session, actor, EMOJI, server_id, emoji_id, name=name)


def check_rename_sticker(
    session: Session, actor: User, server_id: str, sticker_id: str, *, name: str
) -> Sticker:
    return check_rename_item(session, actor, STICKER, server_id, sticker_id, name=name)


def check_delete_emoji(session: Session, actor: User, server_id: str, emoji_id: str) -> None:
    check_delete_item(session, actor, EMOJI, server_id, emoji_id)


def check_delete_sticker(session: Session, actor: User, server_id: str, sticker_id: str) -> None:
    check_delete_item(session, actor, STICKER, server_id, sticker_id)


def check_set_share_emoji(session: Session, actor: User, server_id: str, *, share: bool) -> bool:
    """MANAGE_EMOJI: may members use this server's emoji in other servers and in DMs."""
    access = _manage(session, actor, server_id)
    return do_set_share_emoji(session, access.server, actor_id=actor.id, share=share)


def do_set_share_emoji(
    session: Session, server: Server, *, actor_id: int | None, share: bool
) -> bool:
    settings = session.get(ServerEmojiSettings, server.id) or ServerEmojiSettings(
        server_id=server.id
    )
    if settings.share_emoji == share and settings in session:
        return share
    old = share_emoji(session, server.id)
    settings.share_emoji = share
    session.add(settings)
    session.flush()
    if old != share:
        do_audit(
            session,
            server.id,
            actor_id,
            "emoji_settings_update",
            target_type="server",
            target_id=server.id,
            changes={"share_emoji": {"old": old, "new": share}},
        )
        _publish(session, server.id, "emoji", "settings", server.id)
    return share
