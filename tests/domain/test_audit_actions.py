"""The audit log in words: every `do_audit` call in the domain names an action of
`audit.ACTIONS` (the list the settings page's filter offers), each has words, and each
entry's target is named (`moderation.audit_targets`)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from socialhub.db import transaction
from socialhub.domain import audit, channels, moderation, roles, servers
from tests.support.chat import load_user
from tests.support.servers import general, make_server

DOMAIN = Path(audit.__file__).parent


def _literals(node: ast.expr) -> list[str] | None:
    """The actions an argument can be: a string, or a choice between strings (None: neither)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


# Helpers that hand their `action` parameter on to do_audit: the position of that parameter.
FORWARDERS = {"do_audit": 3, "_scope_changed": 3, "_audit": 4, "_audit_change": 4}


def _action_argument(node: ast.Call, position: int) -> ast.expr | None:
    keyword = next((k.value for k in node.keywords if k.arg == "action"), None)
    if keyword is not None:
        return keyword
    return node.args[position] if len(node.args) > position else None


def recorded_actions() -> dict[str, list[str]]:
    """action -> where it is recorded ("module:line"), from the domain's source."""
    found: dict[str, list[str]] = {}
    for path in sorted(DOMAIN.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in FORWARDERS
                ):
                    continue
                argument = _action_argument(node, FORWARDERS[node.func.id])
                where = f"{path.name}:{node.lineno}"
                if (
                    isinstance(argument, ast.Name)
                    and argument.id == "action"
                    and function.name in FORWARDERS
                ):
                    continue  # a forwarder's own call: its callers are scanned
                actions = _literals(argument) if argument is not None else None
                assert actions is not None, f"{where}: the audit action must be a literal string"
                for action in actions:
                    found.setdefault(action, []).append(where)
    return found


def test_every_recorded_action_is_in_the_catalogue_and_the_catalogue_has_no_stale_one() -> None:
    recorded = recorded_actions()
    # The scan finds the calls (a scan that found none would prove nothing).
    assert {"member_ban", "role_create", "join_request_accept", "overwrite_delete"} <= set(recorded)
    missing = {a: w for a, w in recorded.items() if a not in audit.ACTIONS}
    assert missing == {}, "add these to audit.ACTIONS"
    assert set(audit.ACTIONS) - set(recorded) == set(), "no longer recorded anywhere"
    assert all(label and label[0].isupper() for label in audit.ACTIONS.values())


def test_an_unknown_action_is_still_named() -> None:
    assert audit.action_label("member_ban") == "Member banned"
    assert audit.action_label("legacy_thing_done") == "Legacy thing done"


def test_each_entrys_target_is_named_as_the_server_shows_it(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob", display_name="Bobby")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        me = load_user(s, alice)
        general_id = general(s, server_id).id
        mods = roles.check_create_role(s, me, server_id, name="Mods")
        roles.check_update_role(s, me, server_id, mods.id, name="Moderators")
        gone = roles.check_create_role(s, me, server_id, name="Gone")
        roles.check_delete_role(s, me, server_id, gone.id)
        news = channels.check_create_channel(s, me, server_id, name="news")
        channels.check_delete_channel(s, me, news.id)
        channels.check_create_category(s, me, server_id, name="Voice-ish")
        roles.check_set_overwrite(s, me, "channel", general_id, "member", str(bob), deny="0")
        roles.check_set_overwrite(s, me, "channel", general_id, "role", mods.id, deny="0")
        servers.check_create_server_invite(s, me, server_id)
        moderation.check_kick_member(s, me, server_id, bob)
    with transaction() as s:
        entries = moderation.list_audit_log(s, load_user(s, alice), server_id).entries
        named = moderation.audit_targets(s, server_id, entries)
    by_action: dict[str, list[str]] = {}
    for entry in reversed(entries):
        by_action.setdefault(entry.action, []).append(named.get(entry.id, "-"))
    assert by_action["role_create"] == ["Moderators", "Gone"]
    assert by_action["role_update"] == ["Moderators"]
    # Gone: the name the entry recorded.
    assert by_action["role_delete"] == ["Gone"]
    assert by_action["channel_create"] == ["#news"]
    assert by_action["channel_delete"] == ["#news"]
    assert by_action["category_create"] == ["Voice-ish"]
    assert by_action["overwrite_create"] == ["#general · Bobby", "#general · Moderators"]
    # Bob is no member after the kick: his own name, and his handle.
    assert by_action["member_kick"] == ["Bobby (@bob)"]
    assert by_action["server_create"] == ["Guild"]
    assert by_action["invite_create"] == ["-"]
