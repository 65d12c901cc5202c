"""/api/v1 slash commands, on domain/commands.py: a bot registers, lists and deletes its commands
(`/commands`) and answers invocations (`/invocations/{id}/answer`); a member lists a channel's
commands and invokes one (`/channels/{id}/commands`, `/channels/{id}/invocations`). The bot hears
each invocation in its event stream (`GET /events`) as a ("command", "invoke") event."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, one_of, text_rules
from socialhub.db import transaction
from socialhub.domain import commands
from socialhub.models.commands import CommandView, InvocationView

router = APIRouter(tags=["commands"], responses=ERROR_RESPONSES)

NAME: dict[str, Any] = {"pattern": commands.NAME_PATTERN}
DESCRIPTION = text_rules(commands.DESCRIPTION_MAX)
CHOICE = text_rules(commands.CHOICE_MAX)
STRING_VALUE = text_rules(commands.STRING_MAX)


def _error(description: str, status_code: int) -> dict[int | str, dict[str, Any]]:
    return {status_code: {"model": ErrorResponse, "description": description}}


NOT_A_BOT = _error("Only a bot account registers and answers commands (`not_a_bot`)", 403)
CHANNEL_404 = _error("No such channel, or not one you may see (`channel_not_found`)", 404)


class OptionBody(BaseModel):
    name: str = Field(description="1-32 of a-z, 0-9, - and _", json_schema_extra=NAME)
    description: str = Field(default="", json_schema_extra=DESCRIPTION)
    type: str = Field(
        description="what the member gives: text, a whole number, a number, true/false, or a "
        "member, channel or role of the server (passed to the bot as its id)",
        json_schema_extra=one_of(commands.OPTION_TYPES),
    )
    required: bool = False
    choices: list[Annotated[str, Field(json_schema_extra=CHOICE)] | int | float] = Field(
        default_factory=list,
        max_length=commands.MAX_CHOICES,
        description="the only values allowed (string, integer and number options)",
    )


class CommandBody(BaseModel):
    name: str = Field(description="1-32 of a-z, 0-9, - and _", json_schema_extra=NAME)
    description: str = Field(json_schema_extra=text_rules(commands.DESCRIPTION_MAX, visible=True))
    options: list[OptionBody] = Field(
        default_factory=list,
        max_length=commands.MAX_OPTIONS,
        description="required options first",
    )
    server_id: str | None = Field(
        default=None,
        description="a server the bot is in; absent: every server the bot is in",
        json_schema_extra=AN_ID,
    )


OptionValue = Annotated[str, Field(json_schema_extra=STRING_VALUE)] | int | float | bool


class InvokeBody(BaseModel):
    command_id: str = Field(json_schema_extra=AN_ID)
    options: dict[str, OptionValue] = Field(
        default_factory=dict,
        description="option name: value, of the option's type (a member, channel or role by "
        "its id or name)",
    )


class AnswerBody(BaseModel):
    content: str = Field(
        json_schema_extra=text_rules(commands.ANSWER_MAX, min_length=1, visible=True)
    )
    private: bool = Field(
        default=False,
        description="only the member who used the command reads it (not posted in the channel)",
    )


@router.post(
    "/commands",
    response_model=CommandView,
    status_code=status.HTTP_201_CREATED,
    summary="Register a slash command (bots)",
    responses={
        200: {"model": CommandView, "description": "A command of that name was replaced"},
        **NOT_A_BOT,
        **_error("No such server among the bot's (`server_not_found`)", 404),
        **_error(
            f"The bot has {commands.MAX_COMMANDS} commands there already (`too_many_commands`)",
            409,
        ),
    },
)
def register_command(body: CommandBody, caller: CurrentCaller, response: Response) -> CommandView:
    """Register a command for one server the bot is in, or for all of them (no `server_id`).
    The same name again in the same place replaces the command (200). 422: `invalid_name`,
    `bad_option_type`, `too_many_options`, `duplicate_option`, `required_after_optional`,
    `bad_choice`."""
    with transaction() as db:
        view, created = commands.check_register_command(
            db,
            caller.user(db),
            name=body.name,
            description=body.description,
            options=[o.model_dump() for o in body.options],
            server_id=body.server_id,
        )
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get(
    "/commands",
    response_model=list[CommandView],
    summary="The bot's own commands",
    responses=NOT_A_BOT,
)
def list_commands(
    caller: CurrentCaller,
    server_id: Annotated[
        str | None, Query(description="only those of this server", **AN_ID)
    ] = None,
) -> list[CommandView]:
    with transaction() as db:
        return commands.list_bot_commands(db, caller.user(db), server_id=server_id)


@router.delete(
    "/commands/{command_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete one of the bot's commands",
    responses={**NOT_A_BOT, **_error("No such command of this bot (`command_not_found`)", 404)},
)
def delete_command(command_id: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        commands.check_delete_command(db, caller.user(db), command_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/channels/{channel_id}/commands",
    response_model=list[CommandView],
    summary="The commands members may use in a channel",
    responses=CHANNEL_404,
)
def channel_commands(channel_id: str, caller: CurrentCaller) -> list[CommandView]:
    """The commands of the server's bots that may see this channel: theirs for every server
    and theirs for this one, by name (what the composer's `/` menu offers)."""
    with transaction() as db:
        return commands.channel_commands(db, caller.user(db), channel_id)


@router.post(
    "/channels/{channel_id}/invocations",
    response_model=InvocationView,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Use a slash command",
    responses={
        **_error(
            "You may not write here (`missing_permission`, `timed_out`)",
            403,
        ),
        **_error(
            "No such channel, or no such command in it (`channel_not_found`, `command_not_found`)",
            404,
        ),
    },
)
def invoke(channel_id: str, body: InvokeBody, caller: CurrentCaller) -> InvocationView:
    """The bot hears it at once in its event stream and answers within the deadline
    (`COMMAND_DEADLINE_SECONDS`); you hear the outcome in yours: ("command", "answered") with
    the bot's message in the channel, ("command", "answer") with a private answer, or
    ("command", "timeout"). 422: `unknown_option`, `missing_option`, `bad_option_value` (not
    of the option's type, not one of its choices, no such member, channel or role here)."""
    with transaction() as db:
        return commands.check_invoke(
            db, caller.user(db), channel_id, command_id=body.command_id, options=body.options
        )


@router.get(
    "/invocations/{invocation_id}",
    response_model=InvocationView,
    summary="An invocation's state",
    responses=_error("No such invocation of yours or your bot's (`invocation_not_found`)", 404),
)
def get_invocation(invocation_id: str, caller: CurrentCaller) -> InvocationView:
    """For the member who used it and the bot it was for: pending, answered (a private answer
    in `answer`) or timed_out."""
    with transaction() as db:
        return commands.get_invocation(db, caller.user(db), invocation_id)


@router.post(
    "/invocations/{invocation_id}/answer",
    response_model=InvocationView,
    summary="Answer an invocation (bots)",
    responses={
        **_error(
            "A bot only, with SEND_MESSAGES in the channel for a public answer "
            "(`not_a_bot`, `missing_permission`)",
            403,
        ),
        **_error("No such invocation for this bot (`invocation_not_found`)", 404),
        **_error(
            "Answered already, or past its deadline (`already_answered`, `invocation_expired`)",
            409,
        ),
    },
)
def answer(invocation_id: str, body: AnswerBody, caller: CurrentCaller) -> InvocationView:
    """Once, before the deadline: a message of the bot's in the channel, shown with who used
    which command, or (`private`) an answer only the member who used it reads."""
    with transaction() as db:
        return commands.check_answer(
            db, caller.user(db), invocation_id, content=body.content, private=body.private
        )
