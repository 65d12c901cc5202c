"""Slash commands: bots register them, members invoke them, bots answer within a deadline.

- Register: a bot (only a bot) registers a command by name, for one server it is a member of or
  for every server it is in (`server_id` None: "global"). Registering a name again in the same
  scope replaces that command (its id stays). Options are typed (`OptionType`), required ones
  first, at most `MAX_OPTIONS`, each with optional fixed choices.
- Offer: the commands a member sees in a channel are those of the bots that are members of its
  server and may view that channel (global ones and the server's own), sorted by name.
- Invoke: a member who may write in the channel (not timed out, SEND_MESSAGES or, in a
  thread, SEND_IN_THREADS) invokes a command with option values, checked against their types
  (a user, channel or role is resolved in the server). The bot hears a ("command", "invoke")
  event in its own stream, with everything it needs to answer.
- Answer: the bot answers once, before the deadline: in the channel (a message of the bot's,
  under the bot's own permissions, marked with who used which command) or privately (the
  invoker alone hears it, as a ("command", "answer") event). After the deadline the invocation
  is timed out (by `expire_due`, which the in-process timer and a periodic job both run) and the
  invoker hears ("command", "timeout"): "the bot did not answer". A late answer is refused.

The invoker hears every outcome in their own stream: ("command", "answered") for an answer in
the channel (the message itself arrives through the channel's stream), "answer" or "timeout".
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.config import get_settings
from socialhub.db import on_commit
from socialhub.delivery import deadlines
from socialhub.domain import messages, permissions, ratelimit, servers
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.domain.validation import clean_text
from socialhub.models import Conversation, ConversationKind, Role, ServerMember, User
from socialhub.models.base import utcnow
from socialhub.models.commands import (
    GLOBAL_SCOPE,
    BotCommand,
    CommandInvocation,
    CommandOption,
    CommandView,
    InvocationStatus,
    InvocationView,
    OptionType,
)
from socialhub.realtime.events import publish_on_commit

NAME_PATTERN = r"^[a-z0-9_-]{1,32}$"
_NAME = re.compile(NAME_PATTERN)
DESCRIPTION_MAX = 100
MAX_OPTIONS = 10
MAX_CHOICES = 25
CHOICE_MAX = 100
# Per bot and scope, as on Discord.
MAX_COMMANDS = 100
# A string option's value, and an answer's text (a message's own limit).
STRING_MAX = 1000
ANSWER_MAX = 2000
OPTION_TYPES = tuple(t.value for t in OptionType)


def command_not_found() -> NotFound:
    return NotFound("no such command here", code="command_not_found")


def invocation_not_found() -> NotFound:
    return NotFound("no such invocation", code="invocation_not_found")


def deadline_seconds() -> float:
    return get_settings().command_deadline_seconds


# Registering ------------------------------------------------------------------------------------


def _require_bot(actor: User) -> None:
    if not actor.is_bot:
        raise PermissionDenied("only a bot registers commands", code="not_a_bot")


def _name(raw: object, field: str) -> str:
    if not isinstance(raw, str) or not _NAME.match(raw):
        raise InvalidInput(
            f"{field} is 1-32 lowercase letters, digits, - or _",
            field=field,
            code="invalid_name",
        )
    return raw


def _description(raw: object, field: str) -> str:
    text = clean_text(raw if raw is not None else "", field=field, max_length=DESCRIPTION_MAX)  # type: ignore[arg-type]
    return text


def _option(raw: object, index: int) -> dict[str, Any]:
    where = f"options[{index}]"
    if not isinstance(raw, dict):
        raise InvalidInput("an option is an object", field=where)
    kind = raw.get("type")
    if kind not in OPTION_TYPES:
        raise InvalidInput(
            f"{where}.type must be one of {', '.join(OPTION_TYPES)}",
            field=f"{where}.type",
            code="bad_option_type",
            details={"allowed": list(OPTION_TYPES)},
        )
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise InvalidInput("required is true or false", field=f"{where}.required")
    choices = raw.get("choices") or []
    if not isinstance(choices, list) or len(choices) > MAX_CHOICES:
        raise InvalidInput(
            f"at most {MAX_CHOICES} choices", field=f"{where}.choices", code="too_many_choices"
        )
    if choices and kind not in ("string", "integer", "number"):
        raise InvalidInput(
            "only string, integer and number options have choices",
            field=f"{where}.choices",
            code="bad_choice",
        )
    clean_choices = [_coerce(kind, choice, f"{where}.choices", None) for choice in choices]
    return {
        "name": _name(raw.get("name"), f"{where}.name"),
        "description": _description(raw.get("description"), f"{where}.description"),
        "type": kind,
        "required": required,
        "choices": clean_choices,
    }


def _options(raw: object) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_OPTIONS:
        raise InvalidInput(
            f"at most {MAX_OPTIONS} options", field="options", code="too_many_options"
        )
    options = [_option(item, i) for i, item in enumerate(raw)]
    names = [o["name"] for o in options]
    if len(set(names)) != len(names):
        raise InvalidInput("option names must differ", field="options", code="duplicate_option")
    required = [o["required"] for o in options]
    if required != sorted(required, reverse=True):
        raise InvalidInput(
            "required options come before optional ones",
            field="options",
            code="required_after_optional",
        )
    return options


def _bot_brief(session: Session, bot_id: int) -> dict[str, Any]:
    bot = session.get(User, bot_id)
    if bot is None:
        return {"id": bot_id, "username": "", "display_name": "Deleted bot"}
    return {"id": bot_id, "username": bot.username, "display_name": bot.display_name}


def command_view(session: Session, command: BotCommand) -> CommandView:
    return CommandView(
        id=command.id,
        bot=_bot_brief(session, command.bot_id),
        server_id=command.server_id,
        name=command.name,
        description=command.description,
        options=[CommandOption.model_validate(o) for o in command.options],
        updated_at=command.updated_at,
    )


def check_register_command(
    session: Session,
    actor: User,
    *,
    name: object,
    description: object,
    options: object = None,
    server_id: object = None,
) -> tuple[CommandView, bool]:
    """Register (or replace, by name in its scope) one of the bot's commands; True when new."""
    _require_bot(actor)
    clean_name = _name(name, "name")
    clean_description = _description(description, "description")
    if not clean_description:
        raise InvalidInput("a command needs a description", field="description", code="empty")
    clean_options = _options(options)
    if server_id is not None:
        if not isinstance(server_id, str):
            raise InvalidInput("server_id must be text", field="server_id")
        permissions.access_server(session, actor, server_id)  # 404 unless the bot is a member
    scope = server_id or GLOBAL_SCOPE
    ratelimit.hit("command_register", f"user:{actor.id}", limit="200/hour")
    existing = session.exec(
        select(BotCommand).where(
            col(BotCommand.bot_id) == actor.id,
            col(BotCommand.scope) == scope,
            col(BotCommand.name) == clean_name,
        )
    ).first()
    if existing is None:
        count = session.exec(
            select(sa.func.count())
            .select_from(BotCommand)
            .where(col(BotCommand.bot_id) == actor.id, col(BotCommand.scope) == scope)
        ).one()
        if count >= MAX_COMMANDS:
            raise Conflict(
                f"a bot has at most {MAX_COMMANDS} commands per scope",
                code="too_many_commands",
                details={"max": MAX_COMMANDS},
            )
        existing = BotCommand(
            bot_id=actor.id or 0,
            scope=scope,
            server_id=server_id if isinstance(server_id, str) else None,
            name=clean_name,
            description=clean_description,
            options=clean_options,
        )
        created = True
    else:
        existing.description, existing.options = clean_description, clean_options
        existing.updated_at = utcnow()
        created = False
    session.add(existing)
    session.flush()
    _publish_changed(session, existing)
    return command_view(session, existing), created


def _publish_changed(session: Session, command: BotCommand) -> None:
    """Tell the servers whose `/` menus show the command (its server, or each of its bot's)."""
    server_ids = (
        [command.server_id]
        if command.server_id
        else list(
            session.exec(
                select(ServerMember.server_id).where(col(ServerMember.user_id) == command.bot_id)
            ).all()
        )
    )
    for server_id in server_ids:
        permissions.publish_server_event(
            session, server_id, type="commands", op="update", data={"bot_id": command.bot_id}
        )


def list_bot_commands(
    session: Session, actor: User, *, server_id: str | None = None
) -> list[CommandView]:
    """The bot's own commands: all of them, or those of one scope ("global" or a server)."""
    _require_bot(actor)
    query = select(BotCommand).where(col(BotCommand.bot_id) == actor.id)
    if server_id:
        query = query.where(col(BotCommand.scope) == server_id)
    rows = session.exec(query.order_by(col(BotCommand.scope), col(BotCommand.name))).all()
    return [command_view(session, c) for c in rows]


def check_delete_command(session: Session, actor: User, command_id: str) -> None:
    _require_bot(actor)
    command = session.get(BotCommand, command_id) if command_id else None
    if command is None or command.bot_id != actor.id:
        raise command_not_found()
    _publish_changed(session, command)
    session.delete(command)
    session.flush()


# What members see -------------------------------------------------------------------------------


def _channel_bots(session: Session, access: permissions.ChannelAccess) -> list[int]:
    """The server's bot members that may view this channel."""
    server_id = access.channel.server_id or ""
    bots = session.exec(
        select(User)
        .join(ServerMember, col(ServerMember.user_id) == col(User.id))
        .where(col(ServerMember.server_id) == server_id, col(User.is_bot))
    ).all()
    seen: list[int] = []
    for bot in bots:
        try:
            permissions.access_channel(session, bot, access.channel.id, channel=access.channel)
        except NotFound:
            continue
        seen.append(bot.id or 0)
    return seen


def _offered(session: Session, access: permissions.ChannelAccess) -> list[BotCommand]:
    bot_ids = _channel_bots(session, access)
    if not bot_ids:
        return []
    return list(
        session.exec(
            select(BotCommand)
            .where(
                col(BotCommand.bot_id).in_(bot_ids),
                col(BotCommand.scope).in_([GLOBAL_SCOPE, access.channel.server_id or ""]),
            )
            .order_by(col(BotCommand.name), col(BotCommand.bot_id))
        ).all()
    )


def channel_commands(session: Session, actor: User, channel_id: str) -> list[CommandView]:
    """What the `/` menu offers in this channel (404 for a channel the actor cannot see)."""
    access = permissions.access_channel(session, actor, channel_id)
    return [command_view(session, c) for c in _offered(session, access)]


# Invoking ---------------------------------------------------------------------------------------


def _bad_value(option: dict[str, Any], why: str) -> InvalidInput:
    return InvalidInput(
        f"{option['name']}: {why}",
        field=f"options.{option['name']}",
        code="bad_option_value",
        details={"option": option["name"], "type": option["type"]},
    )


def _coerce(kind: str, value: object, field: str, option: dict[str, Any] | None) -> Any:
    """A value of the option's type (text typed in the composer converts: "20" is 20)."""
    article = "an" if kind == "integer" else "a"
    wrong = option is not None and _bad_value(option, f"must be {article} {kind}")

    def fail() -> InvalidInput:
        if wrong:
            return wrong
        return InvalidInput(
            f"{field}: {article} {kind} is expected", field=field, code="bad_choice"
        )

    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
        raise fail()
    if kind == "integer":
        if isinstance(value, bool):
            raise fail()
        if isinstance(value, int):
            if abs(value) > 2**53:
                raise fail()
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,15}", value.strip()):
            return int(value.strip())
        raise fail()
    if kind == "number":
        if isinstance(value, bool):
            raise fail()
        number: float
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,15}(\.\d{1,15})?", value.strip()):
            number = float(value.strip())
        else:
            raise fail()
        if not math.isfinite(number):
            raise fail()
        return number
    if not isinstance(value, str):
        raise fail()
    limit = STRING_MAX if option is not None else CHOICE_MAX
    text = clean_text(value, field=field, max_length=limit)
    if not text:
        raise fail()
    return text


def _resolve(session: Session, server_id: str, option: dict[str, Any], value: Any) -> Any:
    """A user, channel or role option: its id, found in the server (by id, @username, #name or
    @role name as typed)."""
    kind, text = option["type"], str(value).strip()
    if kind == "user":
        name = text.removeprefix("@").lower()
        user = (
            session.get(User, int(name))
            if name.isdigit() and len(name) < 10
            else session.exec(select(User).where(col(User.username_lower) == name)).first()
        )
        if user is None or servers.membership(session, server_id, user.id or 0) is None:
            raise _bad_value(option, "no such member of this server")
        return user.id
    if kind == "channel":
        name = text.removeprefix("#")
        found = (
            session.get(Conversation, name)
            or session.exec(
                select(Conversation).where(
                    col(Conversation.server_id) == server_id,
                    col(Conversation.kind) == ConversationKind.channel.value,
                    sa.func.lower(col(Conversation.title)) == name.lower(),
                )
            ).first()
        )
        if found is None or found.server_id != server_id:
            raise _bad_value(option, "no such channel in this server")
        return found.id
    name = text.removeprefix("@")
    role = (
        session.get(Role, name)
        or session.exec(
            select(Role).where(
                col(Role.server_id) == server_id, sa.func.lower(col(Role.name)) == name.lower()
            )
        ).first()
    )
    if role is None or role.server_id != server_id:
        raise _bad_value(option, "no such role in this server")
    return role.id


def _values(session: Session, server_id: str, command: BotCommand, raw: object) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("options is an object of name: value", field="options")
    known = {o["name"]: o for o in command.options}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InvalidInput(
            f"/{command.name} has no option {unknown[0]}"
            if unknown[0]
            else f"/{command.name} takes nothing after its name",
            field=f"options.{unknown[0]}",
            code="unknown_option",
        )
    values: dict[str, Any] = {}
    for name, option in known.items():
        if name not in raw or raw[name] is None or raw[name] == "":
            if option["required"]:
                raise InvalidInput(
                    f"/{command.name} needs {name}",
                    field=f"options.{name}",
                    code="missing_option",
                )
            continue
        value = _coerce(option["type"], raw[name], f"options.{name}", option)
        if option["choices"] and value not in option["choices"]:
            raise _bad_value(option, "must be one of " + ", ".join(map(str, option["choices"])))
        if option["type"] in ("user", "channel", "role"):
            value = _resolve(session, server_id, option, value)
        values[name] = value
    return values


def invocation_view(session: Session, invocation: CommandInvocation) -> InvocationView:
    return InvocationView(
        id=invocation.id,
        command=invocation.command_name,
        bot=_bot_brief(session, invocation.bot_id),
        invoker_id=invocation.invoker_id,
        server_id=invocation.server_id,
        channel_id=invocation.channel_id,
        options=invocation.options,
        status=InvocationStatus(invocation.status),
        private=invocation.private,
        answer=invocation.answer,
        message_id=invocation.message_id,
        created_at=invocation.created_at,
        deadline_at=invocation.deadline_at,
    )


def check_invoke(
    session: Session, actor: User, channel_id: str, *, command_id: object, options: object = None
) -> InvocationView:
    """Invoke one of the channel's commands: the bot hears it in its stream at once."""
    access = permissions.access_channel(session, actor, channel_id)
    now = utcnow()
    if access.server.facts.timed_out(now):
        raise PermissionDenied("you are timed out in this server", code="timed_out")
    access.require(Permission.SEND_MESSAGES, "you may not use commands in this channel")
    command = session.get(BotCommand, command_id) if isinstance(command_id, str) else None
    if command is None or command.id not in {c.id for c in _offered(session, access)}:
        raise command_not_found()
    server_id = access.channel.server_id or ""
    values = _values(session, server_id, command, options)
    ratelimit.hit("command_invoke", f"user:{actor.id}", limit="30/minute")
    invocation = CommandInvocation(
        command_id=command.id,
        command_name=command.name,
        bot_id=command.bot_id,
        invoker_id=actor.id or 0,
        server_id=server_id,
        channel_id=access.channel.id,
        options=values,
        created_at=now,
        deadline_at=now + timedelta(seconds=deadline_seconds()),
    )
    session.add(invocation)
    session.flush()
    publish_on_commit(
        session,
        type="command",
        op="invoke",
        data={
            "invocation_id": invocation.id,
            "command_id": command.id,
            "command": command.name,
            "options": values,
            "server_id": server_id,
            "channel_id": invocation.channel_id,
            "invoker": user_brief(actor).model_dump(),
            "deadline_at": invocation.deadline_at.isoformat(),
        },
        users=[command.bot_id],
    )
    deadline, invocation_id = invocation.deadline_at, invocation.id
    on_commit(session, lambda: deadlines.schedule(deadline, invocation_id))
    return invocation_view(session, invocation)


def parse_text(command: CommandView, rest: str) -> dict[str, str]:
    """What follows `/name` in the composer, as option values: `name:value` pairs (a value runs
    to the next known `name:`), or, with no such pair, the whole rest as the first option."""
    names = [o.name for o in command.options]
    rest = rest.strip()
    if not rest or not names:
        return {"": rest} if rest else {}
    pattern = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, names)) + r"):")
    marks = list(pattern.finditer(rest))
    if not marks or marks[0].start(1) != (1 if rest[0].isspace() else 0):
        return {names[0]: rest}
    values: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
        values[mark.group(1)] = rest[mark.end() : end].strip()
    return values


# Answering --------------------------------------------------------------------------------------


def _invocation_for_bot(session: Session, actor: User, invocation_id: str) -> CommandInvocation:
    found = session.get(CommandInvocation, invocation_id) if invocation_id else None
    if found is None or found.bot_id != actor.id:
        raise invocation_not_found()
    return found


def get_invocation(session: Session, actor: User, invocation_id: str) -> InvocationView:
    """For its bot and its invoker (a private answer included); 404 for anyone else."""
    found = session.get(CommandInvocation, invocation_id) if invocation_id else None
    if found is None or actor.id not in (found.bot_id, found.invoker_id):
        raise invocation_not_found()
    if found.status == InvocationStatus.pending.value and found.deadline_at < utcnow():
        _expire(session, found)
    return invocation_view(session, found)


def _notify_invoker(session: Session, invocation: CommandInvocation, op: str, **extra: Any) -> None:
    bot = _bot_brief(session, invocation.bot_id)
    publish_on_commit(
        session,
        type="command",
        op=op,
        data={
            "invocation_id": invocation.id,
            "command": invocation.command_name,
            "channel_id": invocation.channel_id,
            "bot": bot,
            **extra,
        },
        users=[invocation.invoker_id],
    )


def check_answer(
    session: Session, actor: User, invocation_id: str, *, content: object, private: bool = False
) -> InvocationView:
    """The bot's one answer, before the deadline: in the channel (as the bot, under its own
    permissions there) or privately to the invoker."""
    _require_bot(actor)
    invocation = _invocation_for_bot(session, actor, invocation_id)
    if invocation.status == InvocationStatus.answered.value:
        raise Conflict("this invocation was answered already", code="already_answered")
    if invocation.status == InvocationStatus.timed_out.value or invocation.deadline_at < utcnow():
        # Refused as it is (the timer times it out and tells the invoker).
        raise Conflict("the deadline to answer has passed", code="invocation_expired")
    text = clean_text(content, field="content", max_length=ANSWER_MAX, multiline=True)  # type: ignore[arg-type]
    if not text:
        raise InvalidInput("the answer is empty", field="content", code="empty")
    if private:
        invocation.answer = text
        _notify_invoker(session, invocation, "answer", answer=text)
    else:
        invoker = session.get(User, invocation.invoker_id)
        message = messages.check_send_message(
            session,
            actor,
            invocation.channel_id,
            body=text,
            client_id=f"cmd-{invocation.id}",
            interaction={
                "invocation_id": invocation.id,
                "command": invocation.command_name,
                "invoker": user_brief(invoker).model_dump() if invoker else None,
            },
        )
        invocation.message_id = message.id
        _notify_invoker(session, invocation, "answered", message_id=message.id)
    invocation.private = bool(private)
    invocation.status = InvocationStatus.answered.value
    invocation.answered_at = utcnow()
    session.add(invocation)
    session.flush()
    return invocation_view(session, invocation)


# The deadline -----------------------------------------------------------------------------------


def _expire(session: Session, invocation: CommandInvocation) -> bool:
    """Time it out (once: the conditional UPDATE decides between racing expiries and a late
    answer) and tell the invoker."""
    table = CommandInvocation.__table__  # type: ignore[attr-defined]
    changed = session.execute(
        table.update()
        .where(
            table.c.id == invocation.id,
            table.c.status == InvocationStatus.pending.value,
        )
        .values(status=InvocationStatus.timed_out.value)
        .returning(table.c.id)
    ).first()
    session.refresh(invocation)
    if changed is not None:
        _notify_invoker(session, invocation, "timeout")
    return changed is not None


def expire_due(session: Session, now: datetime | None = None, *, only: str | None = None) -> int:
    """Time out the pending invocations past their deadline (`only`: that one, if it is)."""
    now = now or utcnow()
    query = select(CommandInvocation).where(
        col(CommandInvocation.status) == InvocationStatus.pending.value,
        col(CommandInvocation.deadline_at) <= now,
    )
    if only is not None:
        query = query.where(col(CommandInvocation.id) == only)
    return sum(_expire(session, found) for found in session.exec(query.limit(500)).all())
