"""One DM pair on an idle server, through two real Chromium pages in one browser.

Latency is Enter in A's composer to the message's text appearing in B's DOM (a MutationObserver
in B). Both pages live in one browser, so `performance.timeOrigin + performance.now()` is one
clock for both. Each page also notes when its websocket frames carrying the message left (A) and
arrived (B), wrapping `WebSocket` before the app's scripts run, which splits the path into
A's browser, the network and server, and B's browser.

    .venv/bin/python bench/browser_latency.py [--messages 30] [--url http://localhost:3301]
    .venv/bin/python bench/browser_latency.py --compare-frames   (a real tab vs reflex_client.Tab)
    .venv/bin/python bench/browser_latency.py --dump times.json  (per message, epoch ms)

Without --url it starts a production build on a fresh database (bench/load_chat.py's Server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import reflex_client as rc
from load_chat import PASSWORD, Server, auth, make_users, percentile
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# `--foreground`: B's page is not the one being typed in, so Chromium may treat it as in the
# background and defer its work; a user looking at the chat has it in front.
FOREGROUND_ARGS = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
# Before any page script: note when frames about bench messages leave and arrive, and when a
# bench message's text shows up in the DOM; Enter in the composer is noted by a capturing
# keydown listener.
PAGE_PROBE = r"""
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const mark = /lat-\d+-[0-9a-f]{8}/g;  // bodies are lat-<n>-<8 hex>, the time may follow
  window.__sh = {sent: {}, recv: {}, dom: {}, bubble: {}, enter: {}};
  const note = (table, text) => {
    for (const m of text.matchAll(mark)) { if (!(m[0] in table)) table[m[0]] = now(); }
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === "string" && data.includes("conversation_state.send")) note(__sh.sent, data);
    return send.call(this, data);
  };
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        const rows = (d) => d.includes("messages_rx_state_") || /rows_\d+_rx_state_/.test(d);
        if (typeof e.data === "string" && rows(e.data)) {
          note(__sh.recv, e.data);
        }
      });
    }
  }
  window.WebSocket = Probed;
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target?.id === "composer") note(__sh.enter, e.target.value);
  }, true);
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) note(__sh.dom, n.textContent || "");
      if (r.type === "characterData") note(__sh.dom, r.target.textContent || "");
    }
    // The open chat's own rows: the first the text is in them (not, say, the chat list's
    // preview, and whether React added a node or rewrote one in place).
    note(__sh.bubble, document.getElementById("messages")?.textContent || "");
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""


async def launch(playwright: Any) -> Browser:
    return await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)


async def ui_login(browser: Browser, base: str, username: str) -> Page:
    context = await browser.new_context(base_url=base)
    context.set_default_timeout(30_000)
    await context.add_init_script(PAGE_PROBE)
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("Username or email").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("navigation", name="Main").wait_for()
    return page


async def dm(base: str, prefix: str) -> tuple[list[dict[str, str]], str]:
    server = Server(0, Path(tempfile.gettempdir()))
    server.url = base
    users = await make_users(server, prefix, 2)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post(
            "/api/v1/chats/dm",
            json={"username": users[1]["user"]["username"]},  # type: ignore[index]
            headers=auth(users[0]),
        )
        response.raise_for_status()
        return users, response.json()["id"]


async def measure(base: str, count: int, pause: float) -> dict[str, Any]:
    users, chat_id = await dm(base, f"bl{uuid.uuid4().hex[:6]}")
    names = [u["user"]["username"] for u in users]  # type: ignore[index]
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        a, b = [await ui_login(browser, base, name) for name in names]
        for page in (a, b):
            await page.goto(f"/messages/{chat_id}")
            await page.locator("#composer").wait_for()
        await asyncio.sleep(1.5)  # both listeners running, the page idle
        legs: dict[str, list[float]] = {"total": [], "a_browser": [], "wire": [], "b_browser": []}
        lost = 0
        rows = []
        for i in range(count):
            body = f"lat-{i}-{uuid.uuid4().hex[:8]}"
            await a.locator("#composer").fill(body)
            await a.locator("#composer").press("Enter")
            try:
                await b.wait_for_function(f"'{body}' in window.__sh.bubble", timeout=10_000)
            except PlaywrightTimeout:
                lost += 1
                continue
            at_a = await a.evaluate(f"[__sh.enter['{body}'], __sh.sent['{body}']]")
            at_b = await b.evaluate(
                f"[__sh.recv['{body}'], __sh.dom['{body}'] || null, __sh.bubble['{body}']]"
            )
            enter, sent, recv, shown, bubble = *at_a, *at_b
            rows.append(
                {
                    "body": body,
                    "enter": enter,
                    "sent": sent,
                    "recv": recv,
                    "dom": shown,
                    "bubble": bubble,
                }
            )
            legs["total"].append(bubble - enter)
            legs["a_browser"].append(sent - enter)
            legs["wire"].append(recv - sent)
            legs["b_browser"].append(bubble - recv)
            await asyncio.sleep(pause)
        await browser.close()
    result: dict[str, Any] = {"messages": count, "lost": lost, "per_message": rows}
    for leg, values in legs.items():
        result[f"{leg}_p50_ms"] = round(statistics.median(values), 1) if values else float("nan")
        result[f"{leg}_p95_ms"] = round(percentile(values, 95), 1)
    return result


def shape(frame: str) -> Any:
    """A sent frame with what differs per tab (token, client ids, hashes' values) masked."""
    match = re.match(r"^(\d+)(/_event,)?(.*)$", frame, re.S)
    if match is None:
        return frame
    kind, namespace, body = match.groups()
    try:
        data = json.loads(body) if body else None
    except json.JSONDecodeError:
        return [kind, namespace, body]
    text = json.dumps(data, sort_keys=True)
    text = re.sub(r"[0-9a-f]{32}", "<id>", text)
    text = re.sub(r'"(lat|cmp)-[^"]*"', '"<text>"', text)
    return [kind, namespace, json.loads(text)]


async def compare_frames(base: str) -> dict[str, Any]:
    """What a real Chromium tab sends against what reflex_client.Tab sends, on the same page."""
    users, chat_id = await dm(base, f"cf{uuid.uuid4().hex[:6]}")
    name = users[0]["user"]["username"]  # type: ignore[index]
    real: list[str] = []
    handshake: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        page = await ui_login(browser, base, name)
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Network.enable")
        cdp.on(
            "Network.webSocketWillSendHandshakeRequest",
            lambda e: handshake.update(e["request"]["headers"]),
        )
        page.on(
            "websocket",
            lambda ws: ws.on("framesent", lambda f: real.append(f if isinstance(f, str) else "")),
        )
        real_url: list[str] = []
        page.on("websocket", lambda ws: real_url.append(ws.url))
        await page.goto(f"/messages/{chat_id}")
        await page.locator("#composer").wait_for()
        await asyncio.sleep(1.5)
        await page.locator("#composer").fill("cmp-hello")
        await page.locator("#composer").press("Enter")
        await asyncio.sleep(1.5)
        await browser.close()
    cookie = await rc.sign_in(base, name, PASSWORD)
    tab = rc.Tab(base, await rc.load_bundle(base), cookie=cookie, sent_frames=[])
    await rc.open_chat(tab, chat_id)
    await asyncio.sleep(1.0)
    await rc.send_message(tab, "cmp-hello")
    await asyncio.sleep(1.0)
    await tab.close()
    ours = tab.sent_frames
    real_shapes = [shape(f) for f in real if f not in ("3", "2")]
    our_shapes = [shape(f) for f in ours]
    return {
        "real_url": real_url[-1] if real_url else "",
        "real_handshake_headers": sorted(handshake),
        "real_frames": len(real_shapes),
        "our_frames": len(our_shapes),
        "identical": real_shapes == our_shapes,
        "real": real_shapes,
        "ours": our_shapes,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between messages")
    parser.add_argument("--url", default="", help="a running SocialHub (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=3301)
    parser.add_argument("--compare-frames", action="store_true")
    parser.add_argument("--dump", default="", help="write per-message times (epoch ms) here")
    parser.add_argument(
        "--foreground", action="store_true", help="no background throttling of either page"
    )
    args = parser.parse_args()
    if args.foreground:
        CHROMIUM_ARGS.extend(FOREGROUND_ARGS)
    server = None
    base = args.url
    if base and not re.match(r"^http://(localhost|127\.0\.0\.1):\d+$", base):
        sys.exit("only local servers")
    if not base:
        server = Server(args.port, Path(tempfile.mkdtemp(prefix="socialhub-bench-")))
        server.start()
        base = server.url
    started = time.monotonic()
    try:
        if args.compare_frames:
            result = asyncio.run(compare_frames(base))
        else:
            result = asyncio.run(measure(base, args.messages, args.pause))
            rows = result.pop("per_message")
            if args.dump:
                # Epoch milliseconds per message, to line up with server-side timestamps.
                Path(args.dump).write_text(json.dumps(rows, indent=1))
    finally:
        if server is not None:
            server.stop()
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
