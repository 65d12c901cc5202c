"""Custom emoji and stickers: upload (sniffed, re-encoded, animations kept), names, limits,
MANAGE_EMOJI, rename, delete, the audit log and events; their use in text, reactions and
sticker messages, in the server itself and, where the server shares them, elsewhere."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import custom_emoji, media, messages
from socialhub.domain.errors import DomainError
from socialhub.domain.permissions import Permission
from socialhub.domain.servers import do_create_channel
from socialhub.models import AuditLogEntry, CustomEmoji, MemberRoleLink, Role, Server, Sticker
from tests.support import images
from tests.support.chat import Events, history, key, load_user, only, open_dm, send
from tests.support.servers import general, make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def call(actor: int, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with transaction() as s:
        return fn(s, load_user(s, actor), *args, **kw)


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as caught:
        yield
    assert caught.value.code == code, caught.value


def animated_gif(frames: int = 3, size: int = 200) -> bytes:
    pictures = [Image.new("RGB", (size, size), (40 * i, 90, 200)) for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=80, loop=0
    )
    return buffer.getvalue()


def channel_id(server_id: str) -> str:
    with transaction() as s:
        return general(s, server_id).id


def give_manage_emoji(server_id: str, user_id: int) -> None:
    with transaction() as s:
        role = Role(
            server_id=server_id, name="Emoji", permissions=int(Permission.MANAGE_EMOJI), position=1
        )
        s.add(role)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=user_id, role_id=role.id))
        server = s.get(Server, server_id)
        assert server is not None
        from socialhub.domain import permissions

        permissions.bump_version(s, server)


def stored(kind: str, row: CustomEmoji | Sticker, *, still: bool = False) -> Image.Image:
    suffix = "-still" if still else ""
    path = media.get_storage().path(f"{kind}/{row.server_id}/{row.id}{suffix}.webp")
    return Image.open(io.BytesIO(path.read_bytes()))


def test_upload_checks_rename_delete_audit_and_events(
    make_user: Callable[..., int], session: Session, events: Events
) -> None:
    owner, member, helper = make_user("owner"), make_user("member"), make_user("helper")
    server_id = make_server(owner, members=(member, helper))

    # Only MANAGE_EMOJI uploads; a stranger does not even see the server.
    with refused("missing_permission"):
        call(member, custom_emoji.check_create_emoji, server_id, name="wave", data=images.png())
    stranger = make_user("stranger")
    with refused("server_not_found"):
        call(stranger, custom_emoji.check_create_emoji, server_id, name="wave", data=images.png())

    # Bad inputs, each with its own code, before anything is stored.
    for name in ("a", "Wave", "has space", "x" * 33, "dash-ed"):
        with refused("invalid_name"):
            call(owner, custom_emoji.check_create_emoji, server_id, name=name, data=images.png())
    with refused("unsupported_media"):
        call(owner, custom_emoji.check_create_emoji, server_id, name="wave", data=b"x")
    with refused("unsupported_media"):
        call(
            owner,
            custom_emoji.check_create_emoji,
            server_id,
            name="wave",
            data=images.SCRIPT_AS_PNG,
        )
    with refused("too_large"):
        call(
            owner,
            custom_emoji.check_create_emoji,
            server_id,
            name="wave",
            data=b"\x89PNG" + b"0" * custom_emoji.EMOJI_MAX_BYTES,
        )
    assert session.exec(select(CustomEmoji)).all() == []

    # A still PNG: re-encoded to WebP, fitted in 128 x 128; then an animated GIF stays animated.
    events.clear()
    wave = call(
        owner, custom_emoji.check_create_emoji, server_id, name="wave", data=images.png((300, 150))
    )
    picture = stored("emoji", wave)
    assert picture.format == "WEBP"
    assert max(picture.size) == custom_emoji.EMOJI_SIDE
    assert not wave.animated
    assert {k for k, e in events if e["type"] == "emoji" and e["op"] == "add"} == {
        key(owner),
        key(member),
        key(helper),
    }
    give_manage_emoji(server_id, helper)
    party = call(
        helper, custom_emoji.check_create_emoji, server_id, name="party", data=animated_gif()
    )
    assert party.animated
    assert getattr(stored("emoji", party), "n_frames", 1) == 3
    assert getattr(stored("emoji", party, still=True), "n_frames", 1) == 1

    with refused("name_taken"):
        call(owner, custom_emoji.check_create_emoji, server_id, name="wave", data=images.png())

    catalogue = call(member, custom_emoji.get_catalogue, server_id)
    assert [e.name for e in catalogue.emoji] == ["party", "wave"]
    assert catalogue.share_emoji
    assert not catalogue.can_manage
    assert catalogue.emoji[1].token == f"<:wave:{wave.id}>"

    # Rename (a taken name refused), delete (its files go once committed).
    with refused("missing_permission"):
        call(member, custom_emoji.check_rename_emoji, server_id, wave.id, name="hello")
    with refused("name_taken"):
        call(owner, custom_emoji.check_rename_emoji, server_id, wave.id, name="party")
    with refused("emoji_not_found"):
        call(owner, custom_emoji.check_rename_emoji, server_id, "0" * 32, name="hello")
    call(owner, custom_emoji.check_rename_emoji, server_id, wave.id, name="hello")
    path = media.get_storage().path(f"emoji/{server_id}/{party.id}.webp")
    call(helper, custom_emoji.check_delete_emoji, server_id, party.id)
    assert not path.exists()
    assert [e.name for e in call(owner, custom_emoji.get_catalogue, server_id).emoji] == ["hello"]

    actions = session.exec(
        select(AuditLogEntry.action, AuditLogEntry.actor_id)
        .where(AuditLogEntry.server_id == server_id, AuditLogEntry.target_type == "emoji")
        .order_by(AuditLogEntry.id)  # type: ignore[arg-type]
    ).all()
    assert actions == [
        ("emoji_create", owner),
        ("emoji_create", helper),
        ("emoji_update", owner),
        ("emoji_delete", helper),
    ]


@SQLITE
def test_count_limits_per_kind(make_user: Callable[..., int]) -> None:
    owner = make_user("owner")
    server_id = make_server(owner)
    still = media.process_emoji(images.png((8, 8)), max_bytes=10_000, side=8)
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        for n in range(custom_emoji.STATIC_LIMIT):
            custom_emoji.do_create_emoji(s, server, actor_id=owner, name=f"e{n}", processed=still)
    with refused("emoji_limit_reached"):
        call(owner, custom_emoji.check_create_emoji, server_id, name="one_more", data=images.png())
    # The animated ones count apart.
    call(owner, custom_emoji.check_create_emoji, server_id, name="moving", data=animated_gif())

    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        for n in range(custom_emoji.STICKER_LIMIT):
            custom_emoji.do_create_sticker(s, server, actor_id=owner, name=f"s{n}", processed=still)
    with refused("sticker_limit_reached"):
        call(
            owner, custom_emoji.check_create_sticker, server_id, name="one_more", data=images.png()
        )


def test_text_reactions_and_sharing_rules(make_user: Callable[..., int], session: Session) -> None:
    owner, member, friend = make_user("owner"), make_user("member"), make_user("friend")
    home = make_server(owner, "Home", members=(member,))
    other = make_server(friend, "Other", members=(member,))
    wave = call(owner, custom_emoji.check_create_emoji, home, name="wave", data=images.png())
    token = f"<:wave:{wave.id}>"

    # In its server's channel `:wave:` is stored as the token and shown as the image; code
    # and unknown names stay text, and the text itself stays inert.
    sent = send(member, channel_id(home), "hi :wave: `:wave:` :nope: <b>")
    assert sent.body == f"hi {token} `:wave:` :nope: <b>"
    view = history(member, channel_id(home))[-1]
    assert 'alt=":wave:"' in view.html
    assert 'class="sh-emoji"' in view.html
    assert "<code>:wave:</code>" in view.html
    assert "&lt;b&gt;" in view.html

    # Elsewhere (another server, a DM): a member of Home may use it while Home shares them...
    assert send(member, channel_id(other), ":wave::wave:").body == token * 2
    dm = open_dm(member, "friend")
    assert send(member, dm, "dm :wave:").body == f"dm {token}"
    # ... a non-member may not, even by its token (it becomes plain text again).
    assert send(friend, dm, f"{token} :wave:").body == ":wave: :wave:"

    # Sharing off: only in Home itself.
    with refused("missing_permission"):
        call(member, custom_emoji.check_set_share_emoji, home, share=False)
    call(owner, custom_emoji.check_set_share_emoji, home, share=False)
    assert send(member, channel_id(other), ":wave:").body == ":wave:"
    assert send(member, channel_id(home), ":wave:").body == token
    # What was sent before still shows its image: the rule is applied when sending.
    assert "sh-emoji" in history(member, dm)[-2].html

    # Reactions: by `:name:`, token or key, under the same rules; shown with the image.
    message = send(owner, channel_id(home), "react to me")
    call(member, messages.check_react, message.id, ":wave:")
    call(owner, messages.check_react, message.id, token)
    reaction = history(owner, channel_id(home))[-1].reactions
    assert [(r.emoji, r.count, r.name) for r in reaction] == [(f"custom:{wave.id}", 2, "wave")]
    assert reaction[0].image_url.startswith(f"/api/v1/media/emoji/{home}/{wave.id}.webp")
    elsewhere = send(friend, channel_id(other), "and me")
    with refused("emoji_not_available"):
        call(member, messages.check_react, elsewhere.id, f"custom:{wave.id}")
    with refused("invalid_emoji"):
        call(member, messages.check_react, elsewhere.id, ":wave:")
    call(owner, custom_emoji.check_set_share_emoji, home, share=True)
    call(member, messages.check_react, elsewhere.id, f"custom:{wave.id}")
    call(member, messages.check_unreact, elsewhere.id, f"custom:{wave.id}")
    assert history(member, channel_id(other))[-1].reactions == []

    # Editing resolves too; a deleted emoji shows its name.
    edited = call(member, messages.check_edit_message, sent.id, body="now :wave:")
    assert edited.body == f"now {token}"
    call(owner, custom_emoji.check_delete_emoji, home, wave.id)
    shown = next(v for v in history(member, channel_id(home)) if v.id == sent.id)
    assert shown.html == "<p>now :wave:</p>"
    assert (
        next(v for v in history(owner, channel_id(home)) if v.id == message.id)
        .reactions[0]
        .image_url
        == ""
    )


def test_stickers_sent_as_messages(
    make_user: Callable[..., int], session: Session, events: Events
) -> None:
    owner, member = make_user("owner"), make_user("member")
    home = make_server(owner, "Home", members=(member,))
    other = make_server(member, "Other")
    with refused("missing_permission"):
        call(member, custom_emoji.check_create_sticker, home, name="hi", data=images.png())
    sticker = call(
        owner, custom_emoji.check_create_sticker, home, name="hi", data=images.png((640, 320))
    )
    assert stored("stickers", sticker).size == (320, 160)
    moving = call(owner, custom_emoji.check_create_sticker, home, name="dance", data=animated_gif())

    events.clear()
    with transaction() as s:
        message = messages.check_send_message(
            s, load_user(s, member), channel_id(home), body="", sticker_id=sticker.id
        )
    view = only(events, "message", "add")[0]["data"]
    assert view["sticker"]["name"] == "hi"
    assert 'class="sh-sticker"' in view["html"]
    assert message.body == ""
    assert message.sticker_id == sticker.id
    with transaction() as s:
        messages.check_send_message(
            s, load_user(s, member), channel_id(home), body="", sticker_id=moving.id
        )
    animated = history(member, channel_id(home))[-1]
    assert "prefers-reduced-motion" in animated.html
    assert animated.sticker is not None
    assert animated.sticker.still_url

    # Only in its own server's channels; never edited.
    for target in (channel_id(other), open_dm(member, "owner")):
        with refused("sticker_not_found"), transaction() as s:
            messages.check_send_message(
                s, load_user(s, member), target, body="", sticker_id=sticker.id
            )
    with refused("sticker_message"):
        call(member, messages.check_edit_message, message.id, body="words")

    call(owner, custom_emoji.check_rename_sticker, home, sticker.id, name="hello")
    call(owner, custom_emoji.check_delete_sticker, home, sticker.id)
    gone = next(v for v in history(member, channel_id(home)) if v.id == message.id)
    assert gone.sticker is None
    assert "deleted" in gone.html
    assert session.exec(select(Sticker.name)).all() == ["dance"]


def test_the_picker_offers_what_may_be_used_here(make_user: Callable[..., int]) -> None:
    owner, member, friend = make_user("owner"), make_user("member"), make_user("friend")
    home = make_server(owner, "Home", members=(member,))
    other = make_server(friend, "Other", members=(member,))
    call(owner, custom_emoji.check_create_emoji, home, name="wave", data=images.png())
    call(friend, custom_emoji.check_create_emoji, other, name="zap", data=images.png())
    call(owner, custom_emoji.check_create_sticker, home, name="hi", data=images.png())

    def offered(actor: int, chat_id: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
        picker = call(actor, custom_emoji.get_picker, chat_id)
        groups = [(g.server_name, [e.name for e in g.emoji]) for g in picker.groups]
        return groups, [s.name for s in picker.stickers]

    # The channel's own server first, with its stickers; then the other servers that share.
    assert offered(member, channel_id(other)) == ([("Other", ["zap"]), ("Home", ["wave"])], [])
    assert offered(member, channel_id(home)) == ([("Home", ["wave"]), ("Other", ["zap"])], ["hi"])
    dm = open_dm(member, "friend")
    assert offered(friend, dm) == ([("Other", ["zap"])], [])
    call(friend, custom_emoji.check_set_share_emoji, other, share=False)
    assert offered(member, dm) == ([("Home", ["wave"])], [])
    # A channel the actor cannot see is not found (nor are its stickers listed).
    with refused("channel_not_found"):
        call(friend, custom_emoji.get_picker, channel_id(home))


def test_a_sticker_goes_only_to_its_own_servers_channels(make_user: Callable[..., int]) -> None:
    """Sent or forwarded: a sticker reaches only the channels of the server it belongs to; a
    forward elsewhere is refused whole (it used to arrive as an empty message)."""
    owner, member = make_user("owner"), make_user("member")
    home = make_server(owner, "Home", members=(member,))
    other = make_server(member, "Other")
    with transaction() as s:
        server = s.get(Server, home)
        assert server is not None
        lounge = do_create_channel(s, server, name="lounge").id
    sticker = call(owner, custom_emoji.check_create_sticker, home, name="hi", data=images.png())
    with transaction() as s:
        message = messages.check_send_message(
            s, load_user(s, member), channel_id(home), body="", sticker_id=sticker.id
        )
    dm = open_dm(member, "owner")
    for target in (channel_id(other), dm):
        with refused("sticker_not_found"), transaction() as s:
            messages.check_send_message(
                s, load_user(s, member), target, body="", sticker_id=sticker.id
            )
        with refused("sticker_not_found"):
            call(member, messages.check_forward, message.id, [lounge, target])
        assert history(member, target) == []
    assert history(member, lounge) == []

    [copy] = call(member, messages.check_forward, message.id, [lounge])
    assert copy.sticker_id == sticker.id
    shown = history(member, lounge)[-1]
    assert shown.forwarded
    assert shown.sticker is not None
    assert shown.sticker.name == "hi"


def test_a_custom_reaction_is_taken_back_in_any_form_adding_takes(
    make_user: Callable[..., int],
) -> None:
    owner, member, friend = make_user("owner"), make_user("member"), make_user("friend")
    home = make_server(owner, "Home", members=(member,))
    other = make_server(friend, "Other", members=(member,))
    wave = call(owner, custom_emoji.check_create_emoji, home, name="wave", data=images.png())
    here = send(owner, channel_id(home), "react to me")
    forms = (f"custom:{wave.id}", f"<:wave:{wave.id}>", ":wave:")

    def mine(chat_id: str, message_id: str) -> list[str]:
        shown = next(v for v in history(member, chat_id) if v.id == message_id)
        return [r.emoji for r in shown.reactions if member in r.user_ids]

    for added in forms:
        for removed in forms:
            call(member, messages.check_react, here.id, added)
            assert mine(channel_id(home), here.id) == [f"custom:{wave.id}"]
            call(member, messages.check_unreact, here.id, f" {removed} ")
            assert mine(channel_id(home), here.id) == [], (added, removed)

    # Taken back by id even once the emoji may no longer be used there, or is gone.
    elsewhere = send(friend, channel_id(other), "and me")
    call(member, messages.check_react, elsewhere.id, f"custom:{wave.id}")
    call(owner, custom_emoji.check_set_share_emoji, home, share=False)
    with refused("emoji_not_available"):
        call(member, messages.check_react, elsewhere.id, f"<:wave:{wave.id}>")
    call(member, messages.check_unreact, elsewhere.id, f"<:wave:{wave.id}>")
    assert mine(channel_id(other), elsewhere.id) == []
    call(member, messages.check_react, here.id, ":wave:")
    call(owner, custom_emoji.check_delete_emoji, home, wave.id)
    call(member, messages.check_unreact, here.id, f"custom:{wave.id}")
    assert mine(channel_id(home), here.id) == []

    # A Unicode emoji and an unknown short code are taken as they are.
    call(member, messages.check_react, here.id, "👍")
    call(member, messages.check_unreact, here.id, ":nope:")
    assert mine(channel_id(home), here.id) == ["👍"]
    call(member, messages.check_unreact, here.id, "👍")
    assert mine(channel_id(home), here.id) == []
