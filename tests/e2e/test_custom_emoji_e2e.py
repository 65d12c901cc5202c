"""Custom emoji and stickers in a browser, two people: the owner uploads an emoji (still and
animated) and a sticker in the settings' Emoji section; a member writes `:wave:` in a channel
(typed, from the picker and from the `:` autocomplete), reacts with the emoji from the picker
and sends the sticker; both see each live. The owner asked
for reduced motion and sees the animated emoji's still frame."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from tests.e2e.conftest import ui_login
from tests.e2e.test_messaging_e2e import send
from tests.e2e.test_servers_more_e2e import api, person, public_server
from tests.support import images

pytestmark = pytest.mark.e2e


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (48, 48), (60 * i, 120, 200)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=90)
    return buffer.getvalue()


def upload(page: Page, kind: str, name: str, filename: str, mime: str, data: bytes) -> None:
    page.locator(f"#new-{kind}-name").fill(name)
    payload: FilePayload = {"name": filename, "mimeType": mime, "buffer": data}
    page.locator(f"#{kind}-upload input[type=file]").set_input_files(files=[payload])
    expect(page.locator(f'.ss-{kind}-row[data-name="{name}"]')).to_be_visible()


def test_custom_emoji_in_text_reactions_and_a_sticker(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("emo", "Alice")
    bob, bob_token, _ = person("emb", "Bob")
    server_id, general = public_server(alice_token, f"Emoji {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")

    # A, the owner, uploads them in the settings' Emoji section.
    a = new_context(reduced_motion="reduce").new_page()
    ui_login(a, alice, next_path=f"/servers/{server_id}/settings?section=emoji")
    upload(a, "emoji", "wave", "wave.png", "image/png", images.png((64, 64)))
    upload(a, "emoji", "party", "party.gif", "image/gif", animated_gif())
    upload(a, "sticker", "hello", "hello.png", "image/png", images.png((200, 200)))
    expect(a.locator("#emoji-limits")).to_contain_text("1 of 50 still, 1 of 50 animated")
    # A bad name is refused by the domain, with its message.
    a.locator("#new-emoji-name").fill("Not OK")
    a.locator("#emoji-upload input[type=file]").set_input_files(
        files=[{"name": "x.png", "mimeType": "image/png", "buffer": images.png()}]
    )
    expect(a.get_by_text("a name is 2-32 lower-case letters")).to_be_visible()
    catalogue = api(alice_token, "GET", f"/servers/{server_id}/emoji")
    wave_id = next(e["id"] for e in catalogue["emoji"] if e["name"] == "wave")
    a.goto(f"/servers/{server_id}/{general}")

    # B writes :wave: and :party: in the channel: both see the images, live.
    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/servers/{server_id}/{general}")
    send(b, "hi :wave: and :party:")
    for page in (a, b):
        message = page.locator(".message", has_text="hi")
        expect(message.locator('img.sh-emoji[alt=":wave:"]')).to_be_visible()
        expect(message.locator('img.sh-emoji[alt=":party:"]')).to_be_visible()
    # The animated one holds still for A (reduced motion) and plays for B.
    party_a = a.locator('.message img.sh-emoji[alt=":party:"]')
    party_b = b.locator('.message img.sh-emoji[alt=":party:"]')
    expect(party_a).to_have_js_property("complete", True)
    expect(party_b).to_have_js_property("complete", True)
    assert "-still.webp" in party_a.evaluate("img => img.currentSrc")
    assert "-still.webp" not in party_b.evaluate("img => img.currentSrc")

    # B reacts to A's message with the custom emoji, picked from the picker beside Unicode's.
    send(a, "react here")
    theirs = b.locator(".message", has_text="react here")
    expect(theirs).to_be_visible()
    theirs.get_by_label("Message actions").click()
    b.get_by_role("menuitem", name="React").click()
    b.get_by_role("menuitem", name="More…").click()
    picker = b.locator("em-emoji-picker")
    picker.locator("input[type=search]").fill("wave")
    picker.locator("button", has=b.locator(f'img[src*="{wave_id}"]')).first.click()
    for page in (a, b):
        reaction = page.locator(".message", has_text="react here").locator(".reaction")
        expect(reaction).to_contain_text("1")
        expect(reaction.locator('img.sh-emoji[alt=":wave:"]')).to_be_visible()
    listed = api(alice_token, "GET", f"/chats/{general}/messages")
    assert [r["emoji"] for r in listed[-1]["reactions"]] == [f"custom:{wave_id}"]

    # The composer's picker types :name: into the text.
    b.locator("#composer-emoji").click()
    composer_picker = b.locator("em-emoji-picker")
    composer_picker.locator("input[type=search]").fill("wave")
    composer_picker.locator("button", has=b.locator(f'img[src*="{wave_id}"]')).first.click()
    box = b.get_by_label("Message", exact=True)
    expect(box).to_have_value(re.compile(":wave:"))
    box.fill("")

    # `:` and two letters offer the server's emoji; Enter picks (and does not send).
    box.press_sequentially("so :wa")
    option = b.locator('#emoji-complete [role=option][data-name="wave"]')
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("so :wave: ")
    expect(b.locator("#emoji-complete")).to_be_hidden()
    box.press("Enter")
    for page in (a, b):
        message = page.locator(".message", has_text="so")
        expect(message.locator('img.sh-emoji[alt=":wave:"]')).to_be_visible()

    # B sends the sticker; A sees it.
    b.locator("#composer-stickers").click()
    b.get_by_label("Send sticker hello").click()
    for page in (a, b):
        expect(page.locator('.message img.sh-sticker[alt=":hello:"]')).to_be_visible()

    # An emoji added while B is in the channel is offered at once (the stream says so).
    api(
        alice_token,
        "POST",
        f"/servers/{server_id}/emoji",
        data={"name": "late_one"},
        files={"file": ("late.png", images.png((32, 32), (200, 0, 0)), "image/png")},
    )
    box.press_sequentially(":lat")
    expect(b.locator('#emoji-complete [role=option][data-name="late_one"]')).to_be_visible()


def test_renaming_or_deleting_one_redraws_the_messages_on_screen(
    new_context: Callable[..., BrowserContext],
) -> None:
    """The owner renames and deletes an emoji and a sticker in the settings; the messages a
    member has on screen that show them (text, reaction, sticker) change at once."""
    alice, alice_token, _ = person("emr", "Alice")
    bob, bob_token, _ = person("ems", "Bob")
    server_id, general = public_server(alice_token, f"Redraw {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    emoji, sticker = (
        api(
            alice_token,
            "POST",
            f"/servers/{server_id}/{collection}",
            data={"name": name},
            files={"file": (f"{name}.png", images.png((side, side)), "image/png")},
        )
        for collection, name, side in (("emoji", "wave", 32), ("stickers", "hi", 96))
    )
    text = api(alice_token, "POST", f"/chats/{general}/messages", json={"body": "so :wave:"})
    api(alice_token, "PUT", f"/messages/{text['id']}/reactions/custom:{emoji['id']}")
    api(
        alice_token,
        "POST",
        f"/channels/{general}/sticker-messages",
        json={"sticker_id": sticker["id"]},
    )

    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/servers/{server_id}/{general}")
    said = b.locator(".message", has_text="so")
    expect(said.locator('img.sh-emoji[alt=":wave:"]')).to_have_count(2)  # text and reaction
    expect(b.locator('.message img.sh-sticker[alt=":hi:"]')).to_be_visible()

    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/servers/{server_id}/settings?section=emoji")
    row = a.locator('.ss-emoji-row[data-name="wave"]')
    row.get_by_label("Name of wave").fill("hello")
    row.get_by_role("button", name="Rename").click()
    expect(a.get_by_text("Emoji renamed")).to_be_visible()
    expect(said.locator('img.sh-emoji[alt=":hello:"]')).to_have_count(2)
    expect(said.get_by_label("Reaction :hello:")).to_be_visible()

    sticker_row = a.locator('.ss-sticker-row[data-name="hi"]')
    sticker_row.get_by_label("Name of hi").fill("yo")
    sticker_row.get_by_role("button", name="Rename").click()
    expect(b.locator('.message img.sh-sticker[alt=":yo:"]')).to_be_visible()

    a.get_by_label("Delete hello").click()
    expect(a.get_by_text("Emoji deleted")).to_be_visible()
    expect(said.locator("img.sh-emoji")).to_have_count(0)
    expect(said).to_contain_text("so :wave:")  # as it was written: the emoji is gone
    a.get_by_label("Delete yo").click()
    expect(b.get_by_text("This sticker was deleted")).to_be_visible()
    expect(b.locator(".message img.sh-sticker")).to_have_count(0)
    assert api(alice_token, "GET", f"/servers/{server_id}/emoji")["stickers"] == []
