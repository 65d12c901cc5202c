"""The direction of imports: models <- domain <- {state, api, backend_jobs}."""

from __future__ import annotations

import ast
from pathlib import Path

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
        ("socialhub/realtime", ("reflex", "fastapi", "socialhub.state", "socialhub.api")),
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
