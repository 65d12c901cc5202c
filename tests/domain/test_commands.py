"""Slash commands: registration rules, what a channel offers, invocation routing and option
types, the bot's one answer (in the channel or privately) and the deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import bots, commands, moderation, roles, servers
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import Message, Server
from socialhub.models.base import utcnow
from socialhub.models.commands import CommandInvocation, CommandView, InvocationStatus
from tests.conftest import reset_settings
from tests.support.chat import Events, key, load_user, only
from tests.support.servers import everyone, general, make_server

ROLL = [
    {"name": "sides", "description": "how many", "type": "integer", "required": True},
    {"name": "who", "type": "user"},
    {"name": "loud", "type": "boolean"},
]


@dataclass
class World:
    owner: int
    member: int
    outsider: int
    bot: int
    server_id: str
    channel_id: str


@pytest.fixture
def world(make_user: Callable[..., int]) -> World:
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    server_id = make_server(owner, members=(member,))
    with transaction() as s:
        bot = bots.check_create_bot(s, load_user(s, owner), name="Dice")
        bots.check_add_bot_to_server(s, load_user(s, owner), server_id, bot_id=bot.id)
        channel_id = general(s, server_id).id
    return World(owner, member, outsider, bot.id, server_id, channel_id)


def register(actor: int, name: str = "roll", **kw: object) -> CommandView:
    kw.setdefault("description", "Roll a die")
    kw.setdefault("options", ROLL)
    with transaction() as s:
        return commands.check_register_command(s, load_user(s, actor), name=name, **kw)[0]


def invoke(actor: int, channel_id: str, command_id: str, **options: object):  # type: ignore[no-untyped-def]
    with transaction() as s:
        return commands.check_invoke(
            s, load_user(s, actor), channel_id, command_id=command_id, options=options
        )


def answer(bot: int, invocation_id: str, content: str = "4", *, private: bool = False):  # type: ignore[no-untyped-def]
    with transaction() as s:
        return commands.check_answer(
            s, load_user(s, bot), invocation_id, content=content, private=private
        )


# Registering ------------------------------------------------------------------------------------


def test_only_a_bot_registers_and_options_are_checked(world: World) -> None:
    with pytest.raises(PermissionDenied) as refused:
        register(world.owner)
    assert refused.value.code == "not_a_bot"
    bad = {
        "bad_option_type": [{"name": "x", "type": "banana"}],
        "required_after_optional": [
            {"name": "a", "type": "string"},
            {"name": "b", "type": "string", "required": True},
        ],
        "duplicate_option": [{"name": "a", "type": "string"}, {"name": "a", "type": "integer"}],
        "invalid_name": [{"name": "Has Space", "type": "string"}],
        "bad_choice": [{"name": "n", "type": "integer", "choices": ["one"]}],
        "too_many_options": [{"name": f"o{i}", "type": "string"} for i in range(11)],
    }
    for code, options in bad.items():
        with pytest.raises(InvalidInput) as error:
            register(world.bot, options=options)
        assert error.value.code == code, code
    with pytest.raises(InvalidInput) as error:
        register(world.bot, name="Roll")
    assert error.value.code == "invalid_name"


def test_registering_a_name_again_replaces_it_in_its_scope(world: World, events: Events) -> None:
    first = register(world.bot)
    # The server's members hear it (their `/` menus read the commands again).
    assert key(world.member) in {k for k, e in events if e["type"] == "commands"}
    again = register(world.bot, description="Roll dice", options=[])
    assert again.id == first.id
    assert again.description == "Roll dice"
    assert again.options == []
    local = register(world.bot, server_id=world.server_id)
    assert local.id != first.id
    assert local.server_id == world.server_id
    with transaction() as s:
        listed = commands.list_bot_commands(s, load_user(s, world.bot))
    assert {c.id for c in listed} == {first.id, local.id}


def test_a_server_command_needs_the_bot_in_that_server(
    world: World, make_user: Callable[..., int]
) -> None:
    elsewhere = make_server(world.outsider, "Elsewhere")
    with pytest.raises(NotFound):
        register(world.bot, server_id=elsewhere)


def test_a_channel_offers_the_commands_of_its_servers_bots_that_see_it(
    world: World, make_user: Callable[..., int]
) -> None:
    mine = register(world.bot)
    with transaction() as s:
        other = bots.check_create_bot(s, load_user(s, world.outsider), name="Stranger")
    register(other.id, name="zap")  # a bot in no server of ours
    other_server = make_server(world.outsider, "Elsewhere")
    with transaction() as s:
        bots.check_add_bot_to_server(s, load_user(s, world.outsider), other_server, bot_id=other.id)
        bots.check_add_bot_to_server(
            s, load_user(s, world.outsider), other_server, bot_id=world.bot
        )
    register(world.bot, name="there", server_id=other_server)
    with transaction() as s:
        offered = commands.channel_commands(s, load_user(s, world.member), world.channel_id)
    assert [c.id for c in offered] == [mine.id]
    # A channel the bot may not see offers none of its commands.
    with transaction() as s:
        server = s.get(Server, world.server_id)
        assert server is not None
        secret = servers.do_create_channel(s, server, name="secret")
        roles.check_set_overwrite(
            s,
            load_user(s, world.owner),
            roles.CHANNEL,
            secret.id,
            "member",
            str(world.bot),
            deny=str(int(Permission.VIEW_CHANNEL)),
        )
        assert commands.channel_commands(s, load_user(s, world.owner), secret.id) == []
    with transaction() as s, pytest.raises(NotFound):
        commands.channel_commands(s, load_user(s, world.outsider), world.channel_id)


# Invoking ---------------------------------------------------------------------------------------


def test_an_invocation_reaches_the_bot_with_typed_options(world: World, events: Events) -> None:
    command = register(world.bot)
    made = invoke(world.member, world.channel_id, command.id, sides="20", who="@Owner", loud="yes")
    assert made.status == InvocationStatus.pending
    assert made.options == {"sides": 20, "who": world.owner, "loud": True}
    heard = [(k, e) for k, e in events if e["type"] == "command"]
    assert [k for k, _ in heard] == [key(world.bot)]
    data = heard[0][1]["data"]
    assert heard[0][1]["op"] == "invoke"
    assert data["invocation_id"] == made.id
    assert data["command"] == "roll"
    assert data["options"]["sides"] == 20
    assert data["channel_id"] == world.channel_id
    assert data["server_id"] == world.server_id
    assert data["invoker"]["id"] == world.member


def test_bad_option_values_are_refused_with_their_codes(world: World) -> None:
    command = register(world.bot)
    cases = [
        ({"sides": "many"}, "bad_option_value"),
        ({"sides": True}, "bad_option_value"),
        ({}, "missing_option"),
        ({"sides": 6, "colour": "red"}, "unknown_option"),
        ({"sides": 6, "who": "@nobody"}, "bad_option_value"),
        ({"sides": 6, "who": "@outsider"}, "bad_option_value"),  # not a member
        ({"sides": 6, "loud": "perhaps"}, "bad_option_value"),
    ]
    for options, code in cases:
        with pytest.raises(InvalidInput) as error:
            invoke(world.member, world.channel_id, command.id, **options)
        assert error.value.code == code, options
    with transaction() as s:
        assert s.exec(select(CommandInvocation)).all() == []


def test_choices_bound_the_values(world: World) -> None:
    command = register(
        world.bot,
        name="size",
        options=[{"name": "n", "type": "integer", "required": True, "choices": [4, 6, 20]}],
    )
    assert invoke(world.member, world.channel_id, command.id, n=6).options == {"n": 6}
    with pytest.raises(InvalidInput) as error:
        invoke(world.member, world.channel_id, command.id, n=7)
    assert error.value.code == "bad_option_value"


def test_who_may_invoke(world: World, make_user: Callable[..., int]) -> None:
    command = register(world.bot)
    with pytest.raises(NotFound):
        invoke(world.outsider, world.channel_id, command.id, sides=6)
    with transaction() as s:
        moderation.check_timeout_member(
            s, load_user(s, world.owner), world.server_id, world.member, seconds=60
        )
    with pytest.raises(PermissionDenied) as error:
        invoke(world.member, world.channel_id, command.id, sides=6)
    assert error.value.code == "timed_out"
    third = make_user("third")
    with transaction() as s:
        server = s.get(Server, world.server_id)
        assert server is not None
        servers.do_add_member(s, server, load_user(s, third))
        role = everyone(s, world.server_id)
        roles.check_update_role(
            s,
            load_user(s, world.owner),
            world.server_id,
            role.id,
            permissions_bits=str(role.permissions & ~int(Permission.SEND_MESSAGES)),
        )
    with pytest.raises(PermissionDenied) as mute:
        invoke(third, world.channel_id, command.id, sides=6)
    assert mute.value.code == "missing_permission"
    with pytest.raises(NotFound) as missing:
        invoke(world.owner, world.channel_id, "0" * 32)
    assert missing.value.code == "command_not_found"


# Answering --------------------------------------------------------------------------------------


def test_a_public_answer_is_the_bots_message_naming_the_command(
    world: World, events: Events, session: Session
) -> None:
    made = invoke(world.member, world.channel_id, register(world.bot).id, sides=6)
    done = answer(world.bot, made.id, "You rolled 4")
    assert done.status == InvocationStatus.answered
    assert done.message_id
    message = session.get(Message, done.message_id)
    assert message is not None
    assert message.author_id == world.bot
    assert message.body == "You rolled 4"
    assert message.interaction is not None
    assert message.interaction["command"] == "roll"
    assert message.interaction["invoker"]["id"] == world.member
    told = only([(k, e) for k, e in events if k == key(world.member)], "command", "answered")
    assert told
    assert told[0]["data"]["message_id"] == message.id
    with pytest.raises(Conflict) as twice:
        answer(world.bot, made.id, "again")
    assert twice.value.code == "already_answered"


def test_a_private_answer_reaches_the_invoker_alone(
    world: World, events: Events, session: Session
) -> None:
    made = invoke(world.member, world.channel_id, register(world.bot).id, sides=6)
    before = len(session.exec(select(Message)).all())
    done = answer(world.bot, made.id, "only for you", private=True)
    assert done.private
    assert done.answer == "only for you"
    assert done.message_id is None
    assert len(session.exec(select(Message)).all()) == before
    private = [(k, e) for k, e in events if e["type"] == "command" and e["op"] == "answer"]
    assert [k for k, _ in private] == [key(world.member)]
    assert private[0][1]["data"]["answer"] == "only for you"
    with transaction() as s:
        assert commands.get_invocation(s, load_user(s, world.member), made.id).answer
        with pytest.raises(NotFound):
            commands.get_invocation(s, load_user(s, world.owner), made.id)


def test_a_bot_answers_only_its_own_invocations_within_its_permissions(world: World) -> None:
    made = invoke(world.member, world.channel_id, register(world.bot).id, sides=6)
    with transaction() as s:
        other = bots.check_create_bot(s, load_user(s, world.owner), name="Other")
    with pytest.raises(NotFound):
        answer(other.id, made.id)
    with pytest.raises(PermissionDenied):
        answer(world.member, made.id)
    # Beyond its role: a bot that may not send in the channel cannot answer there.
    with transaction() as s:
        roles.check_set_overwrite(
            s,
            load_user(s, world.owner),
            roles.CHANNEL,
            world.channel_id,
            "member",
            str(world.bot),
            deny=str(int(Permission.SEND_MESSAGES)),
        )
    with pytest.raises(PermissionDenied) as refused:
        answer(world.bot, made.id)
    assert refused.value.code == "missing_permission"
    assert answer(world.bot, made.id, "psst", private=True).status == InvocationStatus.answered


def test_past_the_deadline_it_times_out_once_and_a_late_answer_is_refused(
    world: World, events: Events
) -> None:
    made = invoke(world.member, world.channel_id, register(world.bot).id, sides=6)
    with transaction() as s:
        assert commands.expire_due(s) == 0  # not yet
    with transaction() as s:
        found = s.get(CommandInvocation, made.id)
        assert found is not None
        found.deadline_at = utcnow() - timedelta(seconds=1)
        s.add(found)
    with pytest.raises(Conflict) as late:
        answer(world.bot, made.id)
    assert late.value.code == "invocation_expired"
    with transaction() as s:
        assert commands.expire_due(s) == 1
    with transaction() as s:
        assert commands.expire_due(s) == 0
    timeouts = [(k, e) for k, e in events if e["type"] == "command" and e["op"] == "timeout"]
    assert [k for k, _ in timeouts] == [key(world.member)]
    assert timeouts[0][1]["data"]["bot"]["display_name"] == "Dice"


@pytest.fixture
def short_deadline() -> Iterator[None]:
    reset_settings(COMMAND_DEADLINE_SECONDS="0.3")
    yield
    reset_settings(COMMAND_DEADLINE_SECONDS=None)


def test_the_timer_times_out_an_unanswered_invocation_on_its_own(
    world: World, short_deadline: None, events: Events
) -> None:
    made = invoke(world.member, world.channel_id, register(world.bot).id, sides=6)
    end = time.monotonic() + 10
    while time.monotonic() < end and not only(events, "command", "timeout"):
        time.sleep(0.05)
    assert only(events, "command", "timeout")[0]["data"]["invocation_id"] == made.id
    with transaction() as s:
        found = s.get(CommandInvocation, made.id)
        assert found is not None
        assert found.status == InvocationStatus.timed_out.value


def test_composer_text_parses_into_options() -> None:
    command = CommandView.model_validate(
        {
            "id": "x",
            "bot": {},
            "server_id": None,
            "name": "roll",
            "description": "d",
            "options": ROLL,
            "updated_at": utcnow(),
        }
    )
    assert commands.parse_text(command, "sides:20 who:@bob") == {"sides": "20", "who": "@bob"}
    assert commands.parse_text(command, "20") == {"sides": "20"}
    assert commands.parse_text(command, "") == {}
    note = CommandView.model_validate(
        {**command.model_dump(), "options": [{"name": "text", "type": "string"}]}
    )
    assert commands.parse_text(note, "text: hello there friend") == {"text": "hello there friend"}
    assert commands.parse_text(note, "hello text: x") == {"text": "hello text: x"}
