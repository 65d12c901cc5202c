"""The direction of imports: models <- domain <- {state, api, backend_jobs}."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "socialhub/domain",
            ("reflex", "fastapi", "starlette", "socialhub.state", "socialhub.api"),
        ),
        ("socialhub/models", ("reflex", "fastapi", "socialhub.domain", "socialhub.state")),
        # The event log and the hub sit below the domain, which publishes through them.
        (
            "socialhub/realtime",
            ("reflex", "fastapi", "socialhub.state", "socialhub.api", "socialhub.domain"),
        ),
        # Live clients of a worker (presence, receipts) call the domain; nothing below calls them.
        ("socialhub/delivery", ("reflex", "fastapi", "socialhub.state", "socialhub.api")),
        ("backend_jobs", ("reflex", "socialhub.state", "socialhub.api")),
        ("socialhub/api", ("reflex", "socialhub.state")),
        ("socialhub/pages", ("socialhub.domain", "socialhub.db", "sqlmodel")),
        ("socialhub/components", ("socialhub.domain", "socialhub.db", "sqlmodel")),
    ],
)
def test_layers_import_only_downwards(folder: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        path: sorted(n for n in names if n.split(".")[0] in forbidden or n.startswith(forbidden))
        for path, names in imported_modules(ROOT / folder).items()
    }
    assert {p: n for p, n in offenders.items() if n} == {}


WRITES = {"add", "add_all", "delete", "exec", "execute", "merge", "flush", "commit"}


def test_states_run_no_sql() -> None:
    """States call the domain: the only database name they import is the Session type they pass
    on, and they never query or write through a session themselves."""
    offenders: dict[str, list[str]] = {}
    for path in (ROOT / "socialhub/state").rglob("*.py"):
        found = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                for alias in node.names:
                    name = f"{module}.{alias.name}" if module else alias.name
                    if name.startswith("sqlalchemy") or (
                        name.startswith("sqlmodel") and name != "sqlmodel.Session"
                    ):
                        found.append(name)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("session", "s", "db")
            ):
                found.append(f"{node.func.value.id}.{node.func.attr}()")
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def _state_classes() -> list[type[Any]]:
    """Every State class defined in socialhub/state, as Reflex registers it."""
    import reflex as rx

    for path in sorted((ROOT / "socialhub/state").glob("*.py")):
        importlib.import_module(f"socialhub.state.{path.stem}")
    found, todo = set(), list(rx.State.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("socialhub.state."):
            found.add(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def _events_used_by_the_ui() -> set[tuple[str, str]]:
    """(State class, handler) for every `SomeState.handler` the pages, components and routes
    name: the events a browser is meant to send."""
    paths = [
        *(ROOT / "socialhub").glob("*.py"),
        *(ROOT / "socialhub/pages").rglob("*.py"),
        *(ROOT / "socialhub/components").rglob("*.py"),
        # The confirmation dialog runs the destructive handlers a button asked for.
        ROOT / "socialhub/state/confirm.py",
    ]
    return set().union(*(_attribute_names(path) for path in paths))


def _attribute_names(path: Path) -> set[tuple[str, str]]:
    """`State.handler` names, through the module's short names for a state (`A = AuditState`,
    `import ... AuditState as A`) too."""
    tree = ast.parse(path.read_text())
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            aliases.update({a.asname: a.name for a in node.names if a.asname})
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            aliases[node.targets[0].id] = node.value.id
    return {
        (aliases.get(node.value.id, node.value.id), node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }


# Events the browser sends without a page or component naming them.
EVENTS_NOT_NAMED_BY_THE_UI: dict[tuple[str, str], str] = {
    ("RealtimeState", "listen"): "chained by RealtimeState.start, the last step of a page's load",
    (
        "ConversationState",
        "resend_outbox",
    ): "the callback of the outbox script the page's load runs",
}

STATE_CLASSES = _state_classes()


@pytest.mark.parametrize(
    "state",
    [pytest.param(cls, id=cls.__name__) for cls in STATE_CLASSES],
)
def test_every_event_of_a_state_is_one_the_ui_sends(state: type[Any]) -> None:
    """Reflex makes every public method of a State an event any websocket client can send. A
    public method that no page or component sends is a helper that lost its `_`."""
    import reflex as rx

    events = set(state.event_handlers) - set(rx.State.event_handlers)
    used = _events_used_by_the_ui() | set(EVENTS_NOT_NAMED_BY_THE_UI)
    assert sorted(e for e in events if (state.__name__, e) not in used) == []


def test_no_page_load_lists_a_background_event() -> None:
    """Reflex starts a background event the moment it is queued, ahead of the ordinary events
    queued before it: in an on_load list it would run before the page's own steps (the
    listener before the stream position and the page's read). Chain it from the last step."""
    from socialhub.socialhub import app

    background = {
        route: [str(e) for e in events if getattr(getattr(e, "handler", e), "is_background", False)]
        for route, events in app._load_events.items()
    }
    assert {route: names for route, names in background.items() if names} == {}
    assert app._load_events, "the pages' loads are where this looks"
