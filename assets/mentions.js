// SocialHub @mention autocomplete for the message composer, the post composer and comment boxes.
// Typing "@" and the start of a name at the caret asks the server (MentionState, through the
// hidden #mention-request input) for candidates: in a chat its members first. The list
// (#mention-popup, rendered by the server) opens beside the box; ArrowUp/ArrowDown move,
// Enter or Tab or a click insert "@username ", Escape closes. While it is open, Enter picks and
// never sends: this listens on the window in the capture phase, before composer.js.
(function () {
  const FIELDS = "#composer, #post-draft, #comment-input, #edit-input, [data-mentions]";
  const TOKEN = /(^|[^\w@])@(\w{0,30})$/;
  let active = null; // { box, start, end, request }
  let dismissed = ""; // the request Escape closed: stays closed until the prefix changes
  let index = 0;
  let timer = 0;
  let asked = "";
  let shown = ""; // the list on screen: its request and options

  const popup = () => document.getElementById("mention-popup");
  const list = () => document.getElementById("mention-list");
  const options = () => Array.from(document.querySelectorAll("#mention-list [role=option]"));
  const chatId = (box) =>
    box.id === "composer" || box.id === "edit-input"
      ? window.location.pathname.replace(/\/$/, "").split("/").pop()
      : "";

  // The native setter, so React's own value tracking sees the change (drafts, typing, counters).
  const setValue = (box, value) => {
    const proto = box.tagName === "TEXTAREA" ? HTMLTextAreaElement : HTMLInputElement;
    Object.getOwnPropertyDescriptor(proto.prototype, "value").set.call(box, value);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const ask = (request) => {
    if (request === asked) return;
    asked = request;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      const input = document.getElementById("mention-request");
      if (input) setValue(input, request);
    }, 120);
  };

  const isOpen = () => {
    const p = popup();
    return !!p && !p.hidden;
  };

  const close = () => {
    const p = popup();
    if (p) p.hidden = true;
    shown = "";
    if (active) {
      active.box.setAttribute("aria-expanded", "false");
      active.box.removeAttribute("aria-activedescendant");
    }
  };

  const highlight = () => {
    const items = options();
    if (!items.length) return;
    index = Math.max(0, Math.min(index, items.length - 1));
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    if (active) active.box.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  };

  const place = (box, p) => {
    const rect = box.getBoundingClientRect();
    const below = window.innerHeight - rect.bottom;
    p.style.left = `${Math.max(4, rect.left)}px`;
    p.style.width = `${Math.min(Math.max(rect.width, 220), 340)}px`;
    if (below < 220 && rect.top > below) {
      p.style.top = "";
      p.style.bottom = `${window.innerHeight - rect.top + 4}px`;
    } else {
      p.style.bottom = "";
      p.style.top = `${rect.bottom + 4}px`;
    }
  };

  // Open the list when the server's answer is for the prefix still at the caret. The answers
  // arrive as re-renders of the list, looked at while a prefix is being typed.
  const render = () => {
    const p = popup();
    const l = list();
    if (!p || !l) return;
    const items = options();
    const ready =
      active && l.dataset.for === active.request && active.request !== dismissed && items.length;
    if (!ready) {
      if (!p.hidden) close();
      shown = "";
      return;
    }
    const signature = `${l.dataset.for}#${items.map((item) => item.id).join(",")}`;
    if (signature === shown && !p.hidden) return;
    if (signature !== shown) index = 0;
    shown = signature;
    place(active.box, p);
    p.hidden = false;
    active.box.setAttribute("aria-expanded", "true");
    highlight();
  };
  window.setInterval(() => active && render(), 100);

  const inspect = (box) => {
    if (!box || !box.matches || !box.matches(FIELDS)) return;
    const caret = box.selectionStart;
    if (caret === null || caret !== box.selectionEnd) {
      active = null;
      close();
      return;
    }
    const match = TOKEN.exec(box.value.slice(0, caret));
    if (!match) {
      active = null;
      dismissed = "";
      close();
      return;
    }
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", "mention-list");
    const request = `${chatId(box)}|${match[2]}`;
    active = { box, start: caret - match[2].length - 1, end: caret, request };
    ask(request);
    render();
  };

  const pick = (username) => {
    if (!active || !username) return;
    const { box, start, end } = active;
    const before = box.value.slice(0, start);
    const after = box.value.slice(end).replace(/^\w*/, "");
    const inserted = `@${username} `;
    setValue(box, before + inserted + after.replace(/^ /, ""));
    const caret = before.length + inserted.length;
    box.setSelectionRange(caret, caret);
    active = null;
    close();
    box.focus();
  };

  window.addEventListener(
    "keydown",
    (event) => {
      if (!isOpen() || !active || event.target !== active.box) return;
      if (event.isComposing || event.keyCode === 229) return;
      const items = options();
      let handled = true;
      if (event.key === "ArrowDown") {
        index = (index + 1) % items.length;
        highlight();
      } else if (event.key === "ArrowUp") {
        index = (index - 1 + items.length) % items.length;
        highlight();
      } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        pick(items[index] && items[index].dataset.username);
      } else if (event.key === "Escape") {
        dismissed = active.request;
        close();
      } else {
        handled = false;
      }
      if (handled) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  document.addEventListener("input", (event) => inspect(event.target), true);
  document.addEventListener("click", (event) => inspect(event.target), true);
  document.addEventListener("keyup", (event) => {
    if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) inspect(event.target);
  });
  document.addEventListener("focusout", (event) => {
    if (active && event.target === active.box) close();
  });
  // A press on an option must not take the focus from the box; the click then picks.
  document.addEventListener("mousedown", (event) => {
    if (event.target.closest && event.target.closest("#mention-popup")) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    const option = event.target.closest && event.target.closest("#mention-list [role=option]");
    if (option) pick(option.dataset.username);
  });
  window.addEventListener("resize", () => isOpen() && active && place(active.box, popup()));


  // The people picker's search box: Enter chooses the first person found instead of submitting
  // the form around it (which would create the group before anyone is chosen).
  document.addEventListener(
    "keydown",
    (event) => {
      const box = event.target;
      if (event.key !== "Enter" || !box || !box.dataset || !("pickerSearch" in box.dataset)) return;
      event.preventDefault();
      const results = document.getElementById(`${box.id}-results`);
      const first = results && results.querySelector(".sh-picker-result");
      if (first) first.click();
    },
    true,
  );
})();
