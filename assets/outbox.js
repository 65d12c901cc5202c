// SocialHub outbox: every message sent from the composer is kept in localStorage under its
// client id until the server confirms it is stored, so text sent while offline (or lost in a
// reload after a server restart) is sent again on reconnect. Resends are idempotent by client id.
// While a send has not reached the server (offline, or the server is down), the tab shows it as a
// pending bubble at the end of the open chat, drawn here because no server handler can run.
// Over the rate limit (HTTP 429 / RateLimited) a send is not refused: it stays here and the
// outbox is handed back to the server after the Retry-After it was given (`retryIn`).
(function () {
  const KEY = "sh_outbox";
  // The server's own "sending" row normally appears well within this; after it, draw ours.
  const PENDING_AFTER_MS = 700;
  const read = () => {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "[]");
    } catch (e) {
      return [];
    }
  };
  const write = (items) => window.localStorage.setItem(KEY, JSON.stringify(items));
  const newId = () =>
    window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID().replace(/-/g, "")
      : Date.now().toString(16) + Math.random().toString(16).slice(2);

  // The pending hand-back to the server, while sends wait for the rate limit.
  let retryTimer = null;

  const currentChat = () => window.location.pathname.replace(/\/$/, "").split("/").pop();

  const pendingBubble = (item) => {
    const row = document.createElement("div");
    row.className = "outbox-row";
    const bubble = document.createElement("div");
    bubble.className = "message-pending";
    bubble.dataset.clientId = item.client_id;
    bubble.dataset.status = retryTimer === null ? "pending" : "queued";
    const body = document.createElement("div");
    body.className = "message-pending-body";
    body.textContent = item.body; // text, never HTML
    const meta = document.createElement("div");
    meta.className = "message-pending-meta";
    meta.textContent =
      retryTimer === null
        ? "Pending: sends when the connection is back"
        : "Queued: sending too fast, it goes out in a moment";
    bubble.append(body, meta);
    row.append(bubble);
    return row;
  };

  // Outbox items of the open chat that the server has not shown as a row of its own yet.
  const render = () => {
    const host = document.getElementById("outbox-pending");
    if (!host) return;
    const shown = new Set(
      Array.from(document.querySelectorAll(".message[data-client-id]"), (el) => el.dataset.clientId),
    );
    const chat = currentChat();
    const now = Date.now();
    const items = read().filter(
      (item) =>
        item.chat_id === chat && !shown.has(item.client_id) && now - item.at >= PENDING_AFTER_MS,
    );
    const signature =
      (retryTimer === null ? "pending:" : "queued:") + items.map((item) => item.client_id).join(",");
    if (host.dataset.signature === signature) return;
    host.dataset.signature = signature;
    host.replaceChildren(...items.map(pendingBubble));
  };
  window.setInterval(render, 250);

  window.shOutbox = {
    list: () => read(),
    done: (clientId) => {
      write(read().filter((item) => item.client_id !== clientId));
      render();
    },
    // Resolves to the outbox after `seconds`; asked again while waiting, resolves to nothing at
    // once, so a burst of refused sends is handed back once, in order.
    retryIn: (seconds) => {
      if (retryTimer !== null) return [];
      return new Promise((resolve) => {
        retryTimer = window.setTimeout(() => {
          retryTimer = null;
          resolve(read());
        }, seconds * 1000);
        render();
      });
    },
  };

  // Capture phase: runs before React's submit handler reads the form.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form || form.id !== "composer-form" || event.defaultPrevented) return;
      const body = (form.querySelector("[name=body]") || {}).value || "";
      const chat = currentChat();
      const holder = form.querySelector("[name=client_id]");
      if (!body.trim() || !holder) return;
      const clientId = newId();
      holder.value = clientId;
      const items = read();
      items.push({ client_id: clientId, chat_id: chat, body: body, at: Date.now() });
      write(items.slice(-200));
    },
    true,
  );
})();
