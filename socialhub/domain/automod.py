"""Automod: a server's word and pattern rules, run on every channel message (a member's or an
incoming webhook's), and on every post of a posts channel (new or edited), before it is stored.

A `block` rule refuses the message or post with a clear error; a `flag` rule lets it through and
files an `AutomodFlag` naming it for the moderators (members with MANAGE_MESSAGES, who are
themselves exempt). Moderators read message and post flags in one list, newest first; a flag
goes with its message or post. Live: type "automod", op "flag" (data {"flag_ids", "rule_ids",
"channel_id", "author_id"} and "message_id" or "post_id") and op "resolve" (data {"flag_ids",
"channel_id"} and "message_id" or "post_id"), for the channel's moderators only.

Patterns are Python regular expressions run by `re`, which has no timeout, so a pattern is
accepted only if its worst case stays small on the longest message: no backreferences, no
lookarounds or other `(?...)` constructs than `(?:`, and a bounded backtracking cost (the
product of its repeats' choices, one `*` or `+` at most). Both kinds match in any case; a word
matches whole (not inside a longer word).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from socialhub.domain import channel_messages, permissions
from socialhub.domain.audit import do_audit
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.messages import BODY_MAX, message_views
from socialhub.domain.permissions import ChannelAccess, Permission, ServerAccess, access_server
from socialhub.domain.validation import clean_text
from socialhub.models import (
    AutomodAction,
    AutomodFlag,
    AutomodKind,
    AutomodRule,
    Conversation,
    MemberRoleLink,
    Message,
    Post,
    Server,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.moderation_views import (
    AutomodFlagPage,
    AutomodFlagView,
    AutomodRuleView,
    FlaggedPostView,
)
from socialhub.realtime.events import publish_on_commit

WORD_MAX = 100
PATTERN_MAX = 200
RULES_MAX = 50
PATTERN_RULES_MAX = 10
PAGE_MAX = 100
# A pattern's worst backtracking per position of a message: one `*` or `+` over a single
# character or class (as many choices as the longest message has characters) and one `?`, or
# bounded repeats. Measured: ~0.3 s for such a rule on a hostile 4,096-character message, so
# pattern rules are few per server.
PATTERN_COST_MAX = 2 * (BODY_MAX + 1)


# Patterns -------------------------------------------------------------------------------------


class _Unsafe(Exception):
    pass


class _CostParser:
    """Walks a pattern's syntax far enough to bound its backtracking: an alternation costs the
    sum of its branches, a sequence the product of its items, a repeat of up to n its item's
    cost to the n-th times its number of choices. Syntax errors are left to `re.compile`."""

    _REPEAT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0

    def cost(self) -> int:
        total = self._alternation()
        if self.at < len(self.text):  # an unbalanced ")": re.compile reports it
            raise re.error("unbalanced parenthesis")
        return total

    def _alternation(self) -> int:
        total = self._sequence()
        while self.at < len(self.text) and self.text[self.at] == "|":
            self.at += 1
            total = _cap(total + self._sequence())
        return total

    def _sequence(self) -> int:
        total = 1
        while self.at < len(self.text) and self.text[self.at] not in "|)":
            total = _cap(total * self._repeat(self._atom()))
        return total

    def _atom(self) -> int:
        char = self.text[self.at]
        if char == "(":
            if self.text.startswith("(?", self.at) and not self.text.startswith("(?:", self.at):
                raise _Unsafe("only (...) and (?:...) groups are allowed")
            self.at += 3 if self.text.startswith("(?:", self.at) else 1
            inner = self._alternation()
            if self.at < len(self.text):
                self.at += 1  # ")"
            return inner
        if char == "\\":
            escaped = self.text[self.at + 1 : self.at + 2]
            if escaped.isdigit() or escaped == "g":
                raise _Unsafe("backreferences are not allowed")
            self.at += 2
            return 1
        if char == "[":
            self._skip_class()
            return 1
        self.at += 1
        return 1

    def _skip_class(self) -> None:
        self.at += 1
        if self.text.startswith("^", self.at):
            self.at += 1
        if self.text.startswith("]", self.at):
            self.at += 1
        while self.at < len(self.text) and self.text[self.at] != "]":
            self.at += 2 if self.text[self.at] == "\\" else 1
        self.at += 1

    def _repeat(self, atom: int) -> int:
        if self.at >= len(self.text):
            return atom
        char = self.text[self.at]
        bounds: tuple[int, int] | None = None
        if char in "*+?":
            self.at += 1
            bounds = {"*": (0, BODY_MAX), "+": (1, BODY_MAX), "?": (0, 1)}[char]
        elif char == "{" and (found := self._REPEAT.match(self.text, self.at)) is not None:
            low, comma, high = found.groups()
            if low or high or comma is None:
                self.at = found.end()
                least = int(low or 0)
                most = int(high) if high else (least if comma is None else BODY_MAX)
                bounds = (least, min(most, BODY_MAX))
        if bounds is None:
            return atom
        if self.at < len(self.text) and self.text[self.at] in "?+":
            self.at += 1  # lazy or possessive: the same choices
        if self.at < len(self.text) and self.text[self.at] in "*+?{":
            raise _Unsafe("a repeat cannot follow a repeat")
        least, most = bounds
        choices = most - least + 1
        if atom == 1:
            return _cap(choices)
        return _cap(choices * _power(atom, most))


def _cap(value: int) -> int:
    return min(value, PATTERN_COST_MAX + 1)


def _power(base: int, exponent: int) -> int:
    result = 1
    for _ in range(exponent):
        result = _cap(result * base)
        if result > PATTERN_COST_MAX:
            break
    return result


def check_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a rule's pattern, refusing what is not a regular expression (`bad_pattern`) and
    what could run too long (`unsafe_pattern`)."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
        cost = _CostParser(pattern).cost()
    except _Unsafe as exc:
        raise InvalidInput(
            f"this pattern is not allowed: {exc}", field="value", code="unsafe_pattern"
        ) from exc
    except (re.error, RecursionError) as exc:
        raise InvalidInput(
            f"this is not a valid regular expression: {exc}", field="value", code="bad_pattern"
        ) from exc
    if cost > PATTERN_COST_MAX:
        raise InvalidInput(
            "this pattern could take too long on some messages: use at most one * or +, and "
            "bounded repeats such as {1,20} elsewhere, never a repeat inside a repeat",
            field="value",
            code="unsafe_pattern",
        )
    if compiled.search(""):
        raise InvalidInput(
            "this pattern matches every message", field="value", code="pattern_matches_all"
        )
    return compiled


@lru_cache(maxsize=1024)
def _matcher(kind: str, value: str) -> re.Pattern[str]:
    if kind == AutomodKind.word.value:
        return re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)", re.IGNORECASE)
    return re.compile(value, re.IGNORECASE)


@dataclass(frozen=True)
class RuleFacts:
    id: int
    kind: str
    value: str
    action: str


def rule_matches(rule: RuleFacts | AutomodRule, body: str) -> bool:
    return _matcher(rule.kind, rule.value).search(body) is not None


# A server's rules as the send path reads them, cached per process and keyed by the server's
# `perm_version`, which creating or deleting a rule bumps: a send reads no automod row.
_cache_lock = threading.Lock()
_cached: dict[str, tuple[int, tuple[RuleFacts, ...]]] = {}


def server_rules(session: Session, access: ServerAccess) -> tuple[RuleFacts, ...]:
    server = access.server
    with _cache_lock:
        found = _cached.get(server.id)
    if found is not None and found[0] == server.perm_version:
        return found[1]
    rules = tuple(
        RuleFacts(r.id or 0, r.kind, r.value, r.action) for r in _rules(session, server.id)
    )
    with _cache_lock:
        _cached[server.id] = (server.perm_version, rules)
    return rules


# Rules ----------------------------------------------------------------------------------------


def _rule_view(rule: AutomodRule, authors: dict[int, User]) -> AutomodRuleView:
    assert rule.id is not None
    author = authors.get(rule.created_by) if rule.created_by else None
    return AutomodRuleView(
        id=rule.id,
        kind=rule.kind,
        value=rule.value,
        action=rule.action,
        created_by=user_brief(author) if author else None,
        created_at=rule.created_at,
    )


def _users(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_(wanted))).all()
        if u.id is not None
    }


def rule_views(session: Session, rules: list[AutomodRule]) -> list[AutomodRuleView]:
    authors = _users(session, {r.created_by for r in rules})
    return [_rule_view(r, authors) for r in rules]


def _rules(session: Session, server_id: str) -> list[AutomodRule]:
    return list(
        session.exec(
            select(AutomodRule)
            .where(AutomodRule.server_id == server_id)
            .order_by(col(AutomodRule.id))
        ).all()
    )


def list_rules(session: Session, actor: User, server_id: str) -> list[AutomodRuleView]:
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    return rule_views(session, _rules(session, server_id))


def check_create_rule(
    session: Session, actor: User, server_id: str, *, kind: str, value: str, action: str
) -> AutomodRule:
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    try:
        rule_kind = AutomodKind(kind)
    except ValueError as exc:
        raise InvalidInput("kind must be word or pattern", field="kind", code="bad_kind") from exc
    try:
        rule_action = AutomodAction(action)
    except ValueError as exc:
        raise InvalidInput(
            "action must be block or flag", field="action", code="bad_action"
        ) from exc
    if rule_kind == AutomodKind.word:
        text = clean_text(value, field="value", max_length=WORD_MAX)
    else:
        text = clean_text(value, field="value", max_length=PATTERN_MAX, multiline=True)
    if not text:
        raise InvalidInput("give a word or a pattern", field="value", code="empty")
    if rule_kind == AutomodKind.pattern:
        check_pattern(text)
    kinds = [r.kind for r in _rules(session, server_id)]
    if len(kinds) >= RULES_MAX or (
        rule_kind == AutomodKind.pattern
        and kinds.count(AutomodKind.pattern.value) >= PATTERN_RULES_MAX
    ):
        raise InvalidInput(
            f"a server has at most {RULES_MAX} automod rules, {PATTERN_RULES_MAX} of them patterns",
            code="too_many_rules",
        )
    return do_create_rule(
        session, server_id, actor.id, kind=rule_kind, value=text, action=rule_action
    )


def do_create_rule(
    session: Session,
    server_id: str,
    actor_id: int | None,
    *,
    kind: AutomodKind,
    value: str,
    action: AutomodAction,
) -> AutomodRule:
    rule = AutomodRule(
        server_id=server_id, kind=kind.value, value=value, action=action.value, created_by=actor_id
    )
    session.add(rule)
    session.flush()
    _bump(session, server_id)
    do_audit(
        session,
        server_id,
        actor_id,
        "automod_rule_create",
        target_type="automod_rule",
        target_id=rule.id or 0,
        changes={"kind": kind.value, "value": value, "action": action.value},
    )
    return rule


def check_delete_rule(session: Session, actor: User, server_id: str, rule_id: int) -> None:
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    rule = session.get(AutomodRule, rule_id)
    if rule is None or rule.server_id != server_id:
        raise NotFound("no such automod rule", code="rule_not_found")
    # Flags the rule filed stay, without their rule (as the foreign key does where enforced).
    session.execute(
        sa.update(AutomodFlag).where(col(AutomodFlag.rule_id) == rule.id).values(rule_id=None)
    )
    do_audit(
        session,
        server_id,
        actor.id,
        "automod_rule_delete",
        target_type="automod_rule",
        target_id=rule_id,
        changes={"kind": rule.kind, "value": rule.value, "action": rule.action},
    )
    session.delete(rule)
    session.flush()
    _bump(session, server_id)


def _bump(session: Session, server_id: str) -> None:
    server = session.get(Server, server_id)
    assert server is not None
    permissions.bump_version(session, server)


# The hook on sends ----------------------------------------------------------------------------


def check_message(
    session: Session, access: ChannelAccess, author: User | None, body: str
) -> list[int]:
    """Before a channel message is stored: refuse it if a block rule matches (403
    `automod_blocked`); the ids of the flag rules it matches. Moderators are exempt; an
    incoming webhook's message (`author` None) never is (a webhook has no roles)."""
    if access.can(Permission.MANAGE_MESSAGES):
        return []
    flagged: list[int] = []
    for rule in server_rules(session, access.server):
        if not rule_matches(rule, body):
            continue
        if rule.action == AutomodAction.block.value:
            what = "a word" if rule.kind == AutomodKind.word.value else "something"
            raise PermissionDenied(
                f"your message was blocked: it contains {what} this server does not allow",
                code="automod_blocked",
                details={"rule_id": rule.id, "kind": rule.kind},
            )
        flagged.append(rule.id or 0)
    return flagged


def do_flag_message(
    session: Session, access: ChannelAccess, message: Message, rule_ids: list[int]
) -> None:
    """After a flagged message was stored: a flag per rule, and the moderators are told."""
    if not rule_ids:
        return
    flags = [
        AutomodFlag(server_id=access.server.server.id, message_id=message.id, rule_id=rule_id)
        for rule_id in rule_ids
    ]
    session.add_all(flags)
    session.flush()
    _tell_moderators(
        session,
        access.server,
        access.channel.id,
        op="flag",
        data={
            "flag_ids": [f.id for f in flags],
            "rule_ids": rule_ids,
            "channel_id": access.channel.id,
            "message_id": message.id,
            "author_id": message.author_id,
        },
    )


channel_messages.register_automod(check_message, do_flag_message)


def do_flag_post(session: Session, access: ChannelAccess, post: Post, rule_ids: list[int]) -> None:
    """After a flagged post of a posts channel was stored, or its text edited: a flag per
    rule, and the moderators are told, as for a message."""
    if not rule_ids:
        return
    flags = [
        AutomodFlag(server_id=access.server.server.id, post_id=post.id, rule_id=rule_id)
        for rule_id in rule_ids
    ]
    session.add_all(flags)
    session.flush()
    _tell_moderators(
        session,
        access.server,
        access.channel.id,
        op="flag",
        data={
            "flag_ids": [f.id for f in flags],
            "rule_ids": rule_ids,
            "channel_id": access.channel.id,
            "post_id": post.id,
            "author_id": post.author_id,
        },
    )


def moderators(session: Session, access: ServerAccess, channel_id: str) -> list[int] | None:
    """The members with MANAGE_MESSAGES server-wide and in the channel (None: @everyone has it,
    so every member may moderate). Only the few members whose roles could grant it are read."""
    snap = access.snapshot
    manage = int(Permission.MANAGE_MESSAGES | Permission.ADMINISTRATOR)
    if snap.roles[snap.everyone_id].permissions & manage:
        return None
    role_ids = [r.id for r in snap.roles.values() if r.permissions & manage and not r.is_everyone]
    candidates = {snap.owner_id}
    if role_ids:
        candidates |= set(
            session.exec(
                select(MemberRoleLink.user_id).where(
                    MemberRoleLink.server_id == snap.server_id,
                    col(MemberRoleLink.role_id).in_(role_ids),
                )
            ).all()
        )
    found = []
    for member in session.exec(
        select(ServerMember).where(
            ServerMember.server_id == snap.server_id,
            col(ServerMember.user_id).in_(sorted(candidates)),
        )
    ).all():
        facts = permissions.member_facts(session, member)
        bits = permissions.channel_permissions(snap, facts, channel_id)
        if bits & Permission.MANAGE_MESSAGES and permissions.channel_permissions(snap, facts) & (
            Permission.MANAGE_MESSAGES
        ):
            found.append(member.user_id)
    return sorted(found)


def _tell_moderators(
    session: Session, access: ServerAccess, channel_id: str, *, op: str, data: dict[str, object]
) -> None:
    audience = moderators(session, access, channel_id)
    if audience is None:
        permissions.publish_server_event(
            session, access.server.id, type="automod", op=op, data=data
        )
    else:
        publish_on_commit(
            session,
            type="automod",
            op=op,
            data={"server_id": access.server.id, **data},
            users=audience,
        )


# Flags ----------------------------------------------------------------------------------------


# A flag with what it names (a message or a post, the other None) and the channel of that.
FlagRow = tuple[AutomodFlag, Message | None, Post | None, Conversation]


def _flag_query() -> Select[AutomodFlag, Message, Post, Conversation]:
    """Flags with their message or post and its channel (a message's conversation, a post's
    posts channel)."""
    return (
        select(AutomodFlag, Message, Post, Conversation)
        .outerjoin(Message, col(Message.id) == col(AutomodFlag.message_id))
        .outerjoin(Post, col(Post.id) == col(AutomodFlag.post_id))
        .join(
            Conversation,
            col(Conversation.id) == sa.func.coalesce(Message.conversation_id, Post.channel_id),
        )
    )


def _post_view(post: Post, authors: dict[int, User]) -> FlaggedPostView:
    return FlaggedPostView(
        id=post.id,
        author=user_brief(authors[post.author_id]),
        body=post.body,
        created_at=post.created_at,
        edited_at=post.edited_at,
    )


def _flag_views(session: Session, rows: list[FlagRow]) -> list[AutomodFlagView]:
    rules = {
        r.id: r
        for r in session.exec(
            select(AutomodRule).where(
                col(AutomodRule.id).in_({f.rule_id for f, *_ in rows if f.rule_id})
            )
        ).all()
    }
    rule_list = list(rules.values())
    by_id = dict(zip([r.id for r in rule_list], rule_views(session, rule_list), strict=True))
    found = [m for _, m, _, _ in rows if m is not None]
    messages = dict(zip([m.id for m in found], message_views(session, found), strict=True))
    authors = _users(session, {p.author_id for _, _, p, _ in rows if p is not None})
    views = []
    for flag, message, post, channel in rows:
        assert flag.id is not None
        views.append(
            AutomodFlagView(
                id=flag.id,
                kind="message" if message is not None else "post",
                rule=by_id.get(flag.rule_id),
                channel_id=channel.id,
                channel_name=channel.title,
                message=messages[message.id] if message is not None else None,
                post=_post_view(post, authors) if post is not None else None,
                created_at=flag.created_at,
                resolved_at=flag.resolved_at,
            )
        )
    return views


def list_flags(
    session: Session,
    actor: User,
    server_id: str,
    *,
    resolved: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> AutomodFlagPage:
    """Flags of messages and posts newest first (open ones, or the resolved), in the channels
    where the actor may manage messages."""
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_MESSAGES)
    limit = max(1, min(limit, PAGE_MAX))
    query = (
        _flag_query()
        .where(
            AutomodFlag.server_id == server_id,
            col(AutomodFlag.resolved_at).is_not(None)
            if resolved
            else col(AutomodFlag.resolved_at).is_(None),
        )
        .order_by(col(AutomodFlag.id).desc())
    )
    if before is not None:
        query = query.where(col(AutomodFlag.id) < before)
    rows: list[FlagRow] = []
    scanned = 0
    last: int | None = None
    # Flags of channels the actor may not manage are skipped: scan on until a page is full.
    for flag, message, post, channel in session.exec(query.limit(limit * 5)).all():
        scanned += 1
        last = flag.id
        if access.in_channel(channel.id) & Permission.MANAGE_MESSAGES:
            rows.append((flag, message, post, channel))
            if len(rows) == limit:
                break
    more = len(rows) == limit or scanned == limit * 5
    return AutomodFlagPage(flags=_flag_views(session, rows), next_before=last if more else None)


def check_resolve_flag(
    session: Session, actor: User, server_id: str, flag_id: int
) -> AutomodFlagView:
    """A moderator looked at the flag (of a message or a post): it leaves the open list
    (resolving twice changes nothing)."""
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_MESSAGES)
    found = session.exec(
        _flag_query().where(AutomodFlag.id == flag_id, AutomodFlag.server_id == server_id)
    ).first()
    if found is None or not access.in_channel(found[3].id) & Permission.MANAGE_MESSAGES:
        raise NotFound("no such flag", code="flag_not_found")
    flag, message, post, channel = found
    if flag.resolved_at is None:
        flag.resolved_at = utcnow()
        session.add(flag)
        session.flush()
        kind, target_id = ("message", message.id) if message is not None else ("post", post.id)
        do_audit(
            session,
            server_id,
            actor.id,
            "automod_flag_resolve",
            target_type=kind,
            target_id=target_id,
            changes={"flag_id": flag.id, "rule_id": flag.rule_id},
        )
        _tell_moderators(
            session,
            access,
            channel.id,
            op="resolve",
            data={"flag_ids": [flag.id], "channel_id": channel.id, f"{kind}_id": target_id},
        )
    return _flag_views(session, [(flag, message, post, channel)])[0]
