// SocialHub outbox: every message sent from the composer is kept in localStorage under its
// client id until the server confirms it is stored, so text sent while offline (or lost in a
// reload after a server restart) is sent again on reconnect. Resends are idempotent by client id.
(function () {
  const KEY = "sh_outbox";
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

  window.shOutbox = {
    list: () => read(),
    done: (clientId) => write(read().filter((item) => item.client_id !== clientId)),
  };

  // Capture phase: runs before React's submit handler reads the form.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form || form.id !== "composer-form") return;
      const body = (form.querySelector("[name=body]") || {}).value || "";
      const chat = window.location.pathname.replace(/\/$/, "").split("/").pop();
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
