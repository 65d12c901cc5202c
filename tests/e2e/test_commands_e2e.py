"""Slash commands in the browser. The README's "Write a bot" program, run exactly as written,
registers /roll; a member picks it from the composer's `/` menu, sees its option hint, has a
wrong option refused (a toast, the text kept) and gets the bot's answer live in the channel.
A private answer reaches the invoker alone (another member's tab shows nothing), a command
nobody answers ends in "did not answer", and the menu follows live a command registered
meanwhile and a bot joining or leaving."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, ui_login
from tests.e2e.test_servers_more_e2e import TOAST, api, person, public_server

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_bot() -> str:
    """The program of the README's "Write a bot" section, as written there."""
    section = README.read_text().split("## Write a bot", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the guide has its program"
    return found.group(1)


def wait_for_commands(token: str, *names: str) -> None:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if set(names) <= {c["name"] for c in api(token, "GET", "/commands")}:
            return
        time.sleep(0.1)
    raise AssertionError(f"the bot never registered {names}")


@pytest.fixture
def dice_bot(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(token: str) -> subprocess.Popen[bytes]:
        script = tmp_path / "dice.py"
        script.write_text(readme_bot())
        log = (tmp_path / "dice.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, str(script)],
            env={**os.environ, "SOCIALHUB_URL": BASE, "BOT_TOKEN": token},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def channel_page(new_context: Callable[..., BrowserContext], who: str, path: str) -> Page:
    page = new_context().new_page()
    ui_login(page, who, next_path=path)
    expect(page.locator("#composer")).to_be_visible()
    return page


def test_the_readme_bot_answers_a_command_picked_from_the_slash_menu(
    new_context: Callable[..., BrowserContext],
    dice_bot: Callable[[str], subprocess.Popen[bytes]],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    server_id, general = public_server(alice_token, f"Dice {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    bot = api(alice_token, "POST", "/bots", json={"name": "Dice"})
    api(alice_token, "POST", f"/servers/{server_id}/bots", json={"bot_id": bot["id"]})
    process = dice_bot(bot["token"])
    wait_for_commands(bot["token"], "roll")

    page = channel_page(new_context, bob, f"/servers/{server_id}/{general}")
    composer = page.locator("#composer")
    composer.press_sequentially("/ro")
    menu = page.locator("#command-menu")
    option = menu.get_by_role("option").filter(has_text="/roll")
    expect(option).to_contain_text("Roll a die")
    expect(option).to_contain_text("Dice")
    composer.press("Tab")
    expect(composer).to_have_value("/roll ")
    expect(menu).to_contain_text("sides:<integer>")
    expect(menu).to_contain_text("how many sides")

    # A wrong option: refused with a toast, and the text stays to be corrected.
    composer.press_sequentially("sides:many")
    composer.press("Enter")
    expect(page.locator(TOAST).filter(has_text="sides: must be an integer")).to_be_visible()
    expect(composer).to_have_value("/roll sides:many")

    composer.fill("/roll sides:20")
    composer.press("Enter")
    answer = page.locator(".message", has_text="Bob rolled")
    expect(answer).to_contain_text("(d20)")
    expect(answer.locator(".command-line")).to_have_text(re.compile("Bob used /roll"))
    expect(answer.locator(".bot-tag")).to_have_text("BOT")
    # Answered in the channel: nothing is left waiting above the composer.
    expect(page.locator(".command-notice")).to_have_count(0)
    assert process.poll() is None, "the bot is still running"


def bot_invocations(token: str, command: str, count: int) -> list[dict[str, Any]]:
    """The bot's stream, read from its start until it holds `count` invocations of `command`."""
    found: list[dict[str, Any]] = []
    with httpx.stream(
        "GET",
        f"{BASE}/api/v1/events",
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30, read=30),
    ) as stream:
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind == "command":
                event = json.loads(line.removeprefix("data: "))
                if event["op"] == "invoke" and event["data"]["command"] == command:
                    found.append(event["data"])
                    if len(found) == count:
                        return found
    raise AssertionError("the stream ended")


def test_a_private_answer_reaches_the_invoker_alone_and_silence_times_out(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    server_id, general = public_server(alice_token, f"Ping {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    bot = api(alice_token, "POST", "/bots", json={"name": "Pinger"})
    api(alice_token, "POST", f"/servers/{server_id}/bots", json={"bot_id": bot["id"]})
    api(
        bot["token"],
        "POST",
        "/commands",
        json={"name": "ping", "description": "Are you there?", "server_id": server_id},
    )
    path = f"/servers/{server_id}/{general}"
    bob_page = channel_page(new_context, bob, path)
    alice_page = channel_page(new_context, alice, path)

    bob_page.locator("#composer").fill("/ping")
    bob_page.locator("#composer").press("Escape")  # closes the menu: Enter sends
    bob_page.locator("#composer").press("Enter")
    notice = bob_page.locator(".command-notice")
    expect(notice).to_contain_text("Pinger is answering /ping")
    (invocation,) = bot_invocations(bot["token"], "ping", 1)
    assert invocation["invoker"]["username"] == bob
    api(
        bot["token"],
        "POST",
        f"/invocations/{invocation['invocation_id']}/answer",
        json={"content": "pong <b>for you</b>", "private": True},
    )
    expect(notice).to_contain_text("pong <b>for you</b>")  # as text, never markup
    expect(notice).to_contain_text("Only you can see this")
    expect(bob_page.locator(".message", has_text="pong")).to_have_count(0)
    expect(alice_page.locator(".command-notice")).to_have_count(0)
    expect(alice_page.locator(".message", has_text="pong")).to_have_count(0)
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)

    # Nobody answers this one: after the deadline the member reads that the bot did not.
    bob_page.locator("#composer").fill("/ping")
    bob_page.locator("#composer").press("Escape")
    bob_page.locator("#composer").press("Enter")
    expect(notice).to_contain_text("Pinger is answering /ping")
    expect(notice).to_contain_text("Pinger did not answer /ping.", timeout=20_000)
    # Too late now: the bot's answer is refused.
    _, second = bot_invocations(bot["token"], "ping", 2)
    late = httpx.post(
        f"{BASE}/api/v1/invocations/{second['invocation_id']}/answer",
        json={"content": "pong"},
        headers={"Authorization": f"Bearer {bot['token']}"},
        timeout=15,
    )
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "invocation_expired"

    # A command the bot registers now is offered at once, without reopening the channel.
    api(bot["token"], "POST", "/commands", json={"name": "echo", "description": "Say it back"})
    bob_page.locator("#composer").fill("")
    bob_page.locator("#composer").press_sequentially("/ec")
    expect(bob_page.locator("#command-menu").get_by_role("option")).to_contain_text("/echo")

    # A bot joining brings its commands to the menu at once; leaving takes them away.
    coin = api(alice_token, "POST", "/bots", json={"name": "Coin"})
    api(coin["token"], "POST", "/commands", json={"name": "flip", "description": "Heads or tails"})
    api(alice_token, "POST", f"/servers/{server_id}/bots", json={"bot_id": coin["id"]})
    composer = bob_page.locator("#composer")
    composer.fill("")
    composer.press_sequentially("/fl")
    expect(bob_page.locator("#command-menu").get_by_role("option")).to_contain_text("/flip")
    composer.press("Escape")
    api(alice_token, "DELETE", f"/servers/{server_id}/bots/{coin['id']}")
    expect(bob_page.locator("#command-data")).not_to_have_attribute(
        "data-commands", re.compile('"flip"')
    )
