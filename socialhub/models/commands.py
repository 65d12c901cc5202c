"""Slash commands: what bots register (per server or for every server they are in), and each
invocation a member makes, until the bot answers it or its deadline passes.

A command's `scope` is its server's id, or "global": the unique (bot, scope, name) lets a bot
re-register a command by name (replacing it), which NULL server ids could not (NULLs are never
equal in a unique index).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow

GLOBAL_SCOPE = "global"


class OptionType(StrEnum):
    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    user = "user"
    channel = "channel"
    role = "role"


class InvocationStatus(StrEnum):
    pending = "pending"
    answered = "answered"
    timed_out = "timed_out"


class BotCommand(SQLModel, table=True):
    __tablename__ = "bot_commands"
    __table_args__ = (
        sa.UniqueConstraint("bot_id", "scope", "name", name="uq_bot_commands_bot_scope_name"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    bot_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    scope: str = Field(max_length=32)
    server_id: str | None = Field(
        default=None, foreign_key="servers.id", ondelete="CASCADE", index=True, max_length=32
    )
    name: str = Field(max_length=32)
    description: str = Field(max_length=100)
    # [{"name", "description", "type", "required", "choices"}], required ones first.
    options: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class CommandInvocation(SQLModel, table=True):
    __tablename__ = "command_invocations"
    __table_args__ = (sa.Index("ix_command_invocations_pending", "status", "deadline_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    command_id: str | None = Field(
        default=None, foreign_key="bot_commands.id", ondelete="SET NULL", max_length=32
    )
    # What was invoked, kept should the command be deleted meanwhile.
    command_name: str = Field(max_length=32)
    bot_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    invoker_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    channel_id: str = Field(foreign_key="conversations.id", ondelete="CASCADE", max_length=32)
    options: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    status: str = Field(default=InvocationStatus.pending.value, max_length=16)
    private: bool = Field(default=False)
    # A private answer's text (only the invoker reads it); a public answer is a message.
    answer: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, default=""))
    message_id: str | None = Field(
        default=None, foreign_key="messages.id", ondelete="SET NULL", max_length=32
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    deadline_at: datetime = Field(sa_column=utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


# Views ------------------------------------------------------------------------------------------


class CommandOption(SQLModel):
    name: str
    description: str = ""
    type: OptionType
    required: bool = False
    choices: list[str | int | float] = []


class CommandView(SQLModel):
    id: str
    bot: dict[str, Any]
    server_id: str | None
    name: str
    description: str
    options: list[CommandOption]
    updated_at: datetime


class InvocationView(SQLModel):
    id: str
    command: str
    bot: dict[str, Any]
    invoker_id: int
    server_id: str
    channel_id: str
    options: dict[str, Any]
    status: InvocationStatus
    private: bool
    # A private answer, for the invoker and the bot only; "" otherwise.
    answer: str
    message_id: str | None
    created_at: datetime
    deadline_at: datetime
