"""A production build of the app on a real port, and Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import PASSWORD
from tests.support.limits import GENEROUS_LIMITS

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("E2E_PORT", "3111"))
BASE = f"http://localhost:{PORT}"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILD_TIMEOUT = 900
# A loaded 2-core machine (several suites side by side) answers a first page in seconds.
expect.set_options(timeout=15_000)


def _wait_healthy(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + BUILD_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{BASE}/api/v1/health", timeout=2).status_code == 200:
                login = httpx.get(f"{BASE}/login", timeout=5, follow_redirects=True)
                if login.status_code == 200:
                    return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not start in time:\n{log.read_text()[-4000:]}")


class AppServer:
    """`reflex run --env prod` in its own process group, restartable on the same data.

    The first start builds the frontend; a restart serves that same build again (the code has
    not changed), which saves a Vite build of about 40 s each time."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.log = data / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.built = False
        venv_bin = str(ROOT / ".venv" / "bin")
        self.env = {
            **os.environ,
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
            "REFLEX_USE_NPM": "1",
            "PORT": str(PORT),
            "DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{data / 'socialhub.db'}",
            "BCRYPT_ROUNDS": "4",
            **GENEROUS_LIMITS,
            # Long enough for a bot on a loaded machine, short enough to watch one time out.
            "COMMAND_DEADLINE_SECONDS": "6",
            "LOG_LEVEL": "WARNING",
            # Link previews fetch a website the test starts on 127.0.0.1, in the app's process.
            "OUTBOUND_ALLOW_PRIVATE": "true",
            "JOBS_IMMEDIATE": "true",
        }
        self.env.pop("REDIS_URL", None)

    def start(self) -> None:
        if self.built:
            command = [sys.executable, "-m", "tests.support.serve_build"]
        else:
            subprocess.run(["alembic", "upgrade", "head"], cwd=ROOT, env=self.env, check=True)
            command = ["reflex", "run", "--env", "prod", "--single-port"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_healthy(self.process, self.log)
        self.built = True

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    app = AppServer(tmp_path_factory.mktemp("e2e-data"))
    app.start()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="session")
def server(app_server: AppServer) -> str:
    return BASE


@pytest.fixture(scope="session")
def browser(server: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    contexts: list[BrowserContext] = []

    def make(**options: object) -> BrowserContext:
        context = browser.new_context(base_url=BASE, **options)  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


_counter = iter(range(1, 1_000_000))


def unique(prefix: str) -> str:
    return f"{prefix}{os.getpid() % 1000}_{next(_counter)}"


def register(username: str, display_name: str = "", *, base: str = BASE) -> dict[str, str]:
    response = httpx.post(
        f"{base}/api/v1/auth/register",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "display_name": display_name,
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    data: dict[str, str] = response.json()
    return data


def ui_login(page: Page, login: str, password: str = PASSWORD, next_path: str = "") -> None:
    page.goto("/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    if next_path:
        expect(page).to_have_url(re.compile(re.escape(next_path)))
