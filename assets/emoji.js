// SocialHub emoji picker helpers (the picker itself is emoji-mart: socialhub/components/emoji.py).
// - text(emoji): what a picked emoji writes: a standard emoji's character (with its skin tone),
//   a server's custom emoji (picker id "<name>~<id>") its reaction key "custom:<id>".
// - typed(emoji): the same, but a custom emoji as ":name:" (the server resolves it when sent).
// - insertInto(id, emoji): types it into the text box `id` where its caret was, as typing would:
//   an input event follows, so React, the draft (composer.js) and the counter (limits.js) see it.
(function () {
  const custom = (emoji) => (emoji && !emoji.native && String(emoji.id || "").split("~")) || null;
  const text = (emoji) => {
    const parts = custom(emoji);
    if (parts && parts.length === 2) return "custom:" + parts[1];
    return (emoji && (emoji.native || emoji.shortcodes)) || "";
  };
  const typed = (emoji) => {
    const parts = custom(emoji);
    if (parts && parts.length === 2) return ":" + parts[0] + ":";
    return text(emoji);
  };

  const insertInto = (id, emoji) => {
    const box = document.getElementById(id);
    const value = typed(emoji);
    if (!box || !value) return;
    // A text box keeps its selection while the picker has the focus.
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? start;
    // Focusing the box also closes the picker's popover (focus moved outside it).
    box.focus();
    box.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; it is refused in a few browsers.
    if (!document.execCommand("insertText", false, value)) {
      box.setRangeText(value, start, end, "end");
      box.dispatchEvent(new InputEvent("input", { bubbles: true, data: value, inputType: "insertText" }));
    }
  };

  window.shEmoji = { text, typed, insertInto };
})();

// Shared by the composer's completion popups (":" emoji here, "/" commands in commands.js):
// - data(id, key): the JSON list the server rendered in #id's data-<key> ([] when absent);
// - popup(id, className, label, role): the popup element, made once, hidden;
// - place(popup, box): shows it just above the text box.
(function () {
  const data = (id, key) => {
    const el = document.getElementById(id);
    try {
      return JSON.parse((el && el.dataset[key]) || "[]");
    } catch (e) {
      return [];
    }
  };
  const popup = (id, className, label, role) => {
    let p = document.getElementById(id);
    if (!p) {
      p = document.createElement("div");
      p.id = id;
      p.className = className;
      p.setAttribute("role", role);
      p.setAttribute("aria-label", label);
      p.hidden = true;
      document.body.appendChild(p);
    }
    return p;
  };
  const place = (p, box) => {
    const rect = box.getBoundingClientRect();
    p.style.left = rect.left + "px";
    p.style.bottom = window.innerHeight - rect.top + 4 + "px";
    p.hidden = false;
  };
  window.shComplete = { data, popup, place };
})();

// The message composer's ":" autocomplete of custom emoji: typing ":" and two letters of a name
// at the caret lists the open chat's custom emoji (#custom-emoji-data, rendered by the server:
// the ones the sender may use there). ArrowUp/ArrowDown move, Enter or Tab or a click insert
// ":name: ", Escape closes. While it is open, Enter picks and never sends: this listens on the
// window in the capture phase, before composer.js.
(function () {
  const TOKEN = /(^|[^\w<]):([a-z0-9_]{2,32})$/;
  let open = null; // { box, start, end, matches, index }

  const known = () => window.shComplete.data("custom-emoji-data", "emoji");
  const popup = () =>
    window.shComplete.popup("emoji-complete", "sh-emoji-complete", "Custom emoji", "listbox");

  const close = () => {
    open = null;
    const p = document.getElementById("emoji-complete");
    if (p) p.hidden = true;
  };

  const render = () => {
    const p = popup();
    p.replaceChildren(
      ...open.matches.map(([name, url], i) => {
        const option = document.createElement("div");
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(i === open.index));
        option.dataset.name = name;
        const img = document.createElement("img");
        img.src = url;
        img.alt = "";
        img.className = "sh-emoji";
        option.append(img, document.createTextNode(" :" + name + ":"));
        // Keeps the focus in the box; the click then picks.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => pick(i));
        return option;
      }),
    );
    window.shComplete.place(p, open.box);
  };

  const update = (box) => {
    const caret = box.selectionStart;
    const match = caret === box.selectionEnd && TOKEN.exec(box.value.slice(0, caret));
    if (!match) return close();
    const prefix = match[2];
    const matches = known()
      .filter(([name]) => name.includes(prefix))
      .sort((a, b) => Number(b[0].startsWith(prefix)) - Number(a[0].startsWith(prefix)))
      .slice(0, 8);
    if (!matches.length) return close();
    open = { box, start: caret - prefix.length - 1, end: caret, matches, index: 0 };
    render();
  };

  const pick = (i) => {
    const { box, start, end, matches } = open;
    const text = ":" + matches[i][0] + ": ";
    close();
    box.focus();
    box.setSelectionRange(start, end);
    if (!document.execCommand("insertText", false, text)) {
      box.setRangeText(text, start, end, "end");
      box.dispatchEvent(new InputEvent("input", { bubbles: true, data: text, inputType: "insertText" }));
    }
  };

  document.addEventListener("input", (event) => {
    if (event.target && event.target.id === "composer") update(event.target);
  });
  // The server's emoji changed while someone types (the stream said so): offer them at once.
  new MutationObserver(() => {
    const box = document.getElementById("composer");
    if (box && document.activeElement === box) update(box);
  }).observe(document.documentElement, {
    subtree: true,
    attributes: true,
    attributeFilter: ["data-emoji"],
  });
  document.addEventListener("focusout", (event) => {
    if (open && event.target === open.box) close();
  });
  window.addEventListener(
    "keydown",
    (event) => {
      if (!open || event.target !== open.box || event.isComposing) return;
      const n = open.matches.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        open.index = (open.index + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        event.stopImmediatePropagation();
        pick(open.index);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    },
    true,
  );
})();
