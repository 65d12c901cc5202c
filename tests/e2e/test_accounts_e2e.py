"""The first journey in a real browser against the production build."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import BASE, AppServer, register, ui_login, unique
from tests.support import images

pytestmark = pytest.mark.e2e


def fill_signup(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(f"{username} Display")
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_role("button", name="Sign up").click()


def save_profile(page: Page, **fields: str) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved")).to_be_visible()


def test_signup_edit_profile_avatar_logout_login(
    new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    page = new_context().new_page()
    name = unique("sam")
    fill_signup(page, name)
    expect(page).to_have_url(re.compile(r"/settings"))
    expect(page.get_by_text(f"Signed in as {name}@example.com")).to_be_visible()

    # The credential is an HttpOnly cookie: page scripts cannot read it.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sh_session"]["httpOnly"] is True
    assert cookies["sh_session"]["sameSite"] == "Lax"
    assert "sh_session" not in page.evaluate("document.cookie")

    hostile = "<img src=x onerror=\"document.title='pwned'\">"
    save_profile(page, **{"Display name": "Sam <b>Bold</b>", "Bio": hostile, "Status": "Shipping"})

    photo = tmp_path / "me.jpg"
    photo.write_bytes(images.photo_with_exif())
    page.locator("input[type=file]").set_input_files(str(photo))
    expect(page.get_by_text("Avatar updated")).to_be_visible()

    page.goto(f"/u/{name}")
    expect(page.locator("#profile-display-name")).to_have_text("Sam <b>Bold</b>")
    expect(page.locator("#profile-bio")).to_have_text(hostile)
    expect(page.locator("#profile-status")).to_have_text("Shipping")
    avatar = page.locator("main img").first
    expect(avatar).to_have_attribute("src", re.compile(r"^/api/v1/media/avatars/.+-400\.webp\?"))
    assert page.evaluate("document.title") != "pwned"
    assert page.locator("#profile-bio img").count() == 0

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/login\?next=/settings"))

    ui_login(page, name, next_path="/settings")
    expect(page.get_by_text(f"Signed in as {name}@example.com")).to_be_visible()


def test_bad_input_shows_errors(new_context: Callable[..., BrowserContext]) -> None:
    taken = unique("taken")
    register(taken)
    page = new_context().new_page()
    page.goto("/login")
    page.get_by_label("Username or email").fill(taken)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("wrong username, email or password")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))

    fill_signup(page, taken.upper())
    expect(page.locator("#username-error")).to_have_text("this username is taken")
    fill_signup(page, unique("weak"), password="password1")
    expect(page.locator("#password-error")).to_contain_text("too common")


def test_session_survives_reload_and_browser_restart(
    new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    name = unique("ruth")
    register(name)
    context = new_context()
    page = context.new_page()
    ui_login(page, name)
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    state = tmp_path / "state.json"
    context.storage_state(path=str(state))
    context.close()

    restarted = new_context(storage_state=str(state)).new_page()
    restarted.goto("/settings")
    expect(restarted.get_by_text(f"Signed in as {name}@example.com")).to_be_visible()


def test_profile_changes_reach_other_tabs_and_viewers_live(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    register(alice)
    register(bob)
    alice_context = new_context()
    settings_tab = alice_context.new_page()
    ui_login(settings_tab, alice, next_path="/settings")
    profile_tab = alice_context.new_page()
    profile_tab.goto(f"/u/{alice}")
    expect(profile_tab.locator("#profile-display-name")).to_have_text(alice)

    viewer = new_context().new_page()
    ui_login(viewer, bob, next_path=f"/u/{alice}")
    expect(viewer.locator("#profile-display-name")).to_have_text(alice)

    save_profile(settings_tab, **{"Display name": "Alice Live", "Bio": "now with a bio"})
    for page in (profile_tab, viewer):
        expect(page.locator("#profile-display-name")).to_have_text("Alice Live", timeout=5_000)
        expect(page.locator("#profile-bio")).to_have_text("now with a bio", timeout=5_000)

    photo = images.png((300, 200), (10, 200, 10))
    settings_tab.locator("input[type=file]").set_input_files(
        files=[{"name": "a.png", "mimeType": "image/png", "buffer": photo}]
    )
    expect(settings_tab.get_by_text("Avatar updated")).to_be_visible()
    expect(viewer.locator("main img").first).to_have_attribute(
        "src", re.compile(r"/api/v1/media/avatars/"), timeout=5_000
    )


def test_revoked_session_is_sent_to_login(new_context: Callable[..., BrowserContext]) -> None:
    name = unique("vic")
    register(name)
    laptop = new_context().new_page()
    ui_login(laptop, name, next_path="/settings")
    phone = new_context().new_page()
    ui_login(phone, name)
    expect(phone.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    laptop.reload()
    end_buttons = laptop.locator(".revoke-session")
    expect(end_buttons).to_have_count(2)  # the phone's and the API session from register()
    laptop.locator(".session-row", has_text="HeadlessChrome").locator(
        ".revoke-session"
    ).first.click()
    expect(laptop.get_by_text("Session ended")).to_be_visible()
    expect(phone).to_have_url(re.compile(r"/login/?\?ended=1"), timeout=3_000)
    expect(phone.get_by_text("Your session was ended")).to_be_visible()
    laptop.reload()
    expect(laptop.get_by_text(f"Signed in as {name}@example.com")).to_be_visible()


def test_usable_on_a_phone_and_in_dark_mode(new_context: Callable[..., BrowserContext]) -> None:
    name = unique("pia")
    register(name)
    page = new_context(viewport={"width": 360, "height": 740}, color_scheme="dark").new_page()
    ui_login(page, name, next_path="/settings")
    for path in ("/", "/settings", f"/u/{name}"):
        page.goto(path)
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("document.documentElement.classList.contains('dark')")
    for label in ("Home", "Profile", "Settings", "Log out", "Toggle light and dark theme"):
        expect(page.get_by_label(label).first).to_be_visible()


def test_people_search_opens_a_profile(new_context: Callable[..., BrowserContext]) -> None:
    me, other = unique("finder"), unique("zoltan")
    register(me)
    register(other, display_name="Zed Person")
    page = new_context().new_page()
    ui_login(page, me)
    page.get_by_label("Search people").fill("zed pers")
    page.get_by_label(f"Profile of {other}").click()
    expect(page).to_have_url(re.compile(f"/u/{other}"))
    expect(page.locator("#profile-display-name")).to_have_text("Zed Person")
    page.goto("/u/no_such_user_here")
    expect(page.get_by_role("heading", name="No such user")).to_be_visible()


def test_tabs_resume_live_updates_after_a_server_restart(
    new_context: Callable[..., BrowserContext], app_server: AppServer
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alice_tokens = register(alice)
    register(bob)
    viewer = new_context().new_page()
    ui_login(viewer, bob, next_path=f"/u/{alice}")
    expect(viewer.locator("#profile-display-name")).to_have_text(alice)

    app_server.restart()

    def rename(name: str) -> None:
        response = httpx.patch(
            f"{BASE}/api/v1/users/me",
            headers={"Authorization": f"Bearer {alice_tokens['access_token']}"},
            json={"display_name": name},
            timeout=10,
        )
        assert response.status_code == 200

    # The first change may arrive by the reconnect's reload of the page data...
    rename("After Restart")
    expect(viewer.locator("#profile-display-name")).to_have_text("After Restart", timeout=30_000)
    # ...the second can only arrive through the listener the reconnect started again.
    rename("Live Again")
    expect(viewer.locator("#profile-display-name")).to_have_text("Live Again", timeout=5_000)
