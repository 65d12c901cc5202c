// The composer's "/" menu of slash commands. Typing "/" at the start of the message lists the
// open channel's commands (#command-data, rendered by the server: socialhub/components/commands.py)
// whose names start with what follows; ArrowUp/ArrowDown move, Enter or Tab or a click write
// "/name " into the box, Escape closes. Once a known command's name is typed, the menu turns
// into its options' hint ("sides:<integer> [who:<user>]"), and Enter sends as usual.
// While the list is open, Enter picks and never sends: this listens on the window in the
// capture phase, before composer.js.
(function () {
  const NAME = /^\/([a-z0-9_-]*)$/;
  let open = null; // { box, matches, index }

  // window.shComplete: assets/emoji.js, loaded first.
  const known = () => window.shComplete.data("command-data", "commands");
  const popup = () =>
    window.shComplete.popup("command-menu", "sh-command-menu", "Commands", "listbox");
  const place = (p, box) => window.shComplete.place(p, box);

  const close = () => {
    open = null;
    const p = document.getElementById("command-menu");
    if (p) p.hidden = true;
  };

  const line = (cls, text) => {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text; // text, never markup: names and descriptions come from bots
    return span;
  };

  const render = () => {
    const p = popup();
    p.setAttribute("role", "listbox");
    p.replaceChildren(
      ...open.matches.map((command, i) => {
        const option = document.createElement("div");
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(i === open.index));
        option.dataset.name = command.name;
        option.append(
          line("command-name", "/" + command.name + (command.hint ? " " + command.hint : "")),
          line("command-description", command.description + " · " + command.bot),
        );
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => pick(i));
        return option;
      }),
    );
    place(p, open.box);
  };

  const hint = (box, command) => {
    open = null;
    const p = popup();
    p.setAttribute("role", "note");
    const rows = command.options.map((o) =>
      line(
        "command-option",
        (o.required ? "" : "[") + o.name + ":<" + o.type + ">" + (o.required ? "" : "]") +
          (o.hint ? " " + o.hint : ""),
      ),
    );
    p.replaceChildren(line("command-name", "/" + command.name + " " + command.hint), ...rows);
    p.dataset.hint = command.name;
    if (!command.options.length) return close();
    place(p, box);
  };

  const update = (box) => {
    const text = box.value;
    const caret = box.selectionStart;
    const commands = known();
    if (!text.startsWith("/") || !commands.length) return close();
    const typed = NAME.exec(text.slice(0, caret));
    if (typed && caret === text.length) {
      const prefix = typed[1];
      const matches = commands.filter((c) => c.name.startsWith(prefix)).slice(0, 10);
      if (!matches.length) return close();
      open = { box, matches, index: 0 };
      return render();
    }
    const name = text.slice(1).split(/\s/, 1)[0];
    const command = commands.find((c) => c.name === name);
    if (command && /\s/.test(text.slice(1, caret))) return hint(box, command);
    close();
  };

  const pick = (i) => {
    const { box, matches } = open;
    const text = "/" + matches[i].name + " ";
    close();
    box.focus();
    box.setSelectionRange(0, box.value.length);
    if (!document.execCommand("insertText", false, text)) {
      box.setRangeText(text, 0, box.value.length, "end");
      box.dispatchEvent(new InputEvent("input", { bubbles: true, data: text, inputType: "insertText" }));
    }
  };

  document.addEventListener("input", (event) => {
    if (event.target && event.target.id === "composer") update(event.target);
  });
  // The channel's commands changed while someone types (the stream said so): offer them at once.
  new MutationObserver(() => {
    const box = document.getElementById("composer");
    if (box && document.activeElement === box) update(box);
  }).observe(document.documentElement, {
    subtree: true,
    attributes: true,
    attributeFilter: ["data-commands"],
  });
  document.addEventListener("focusout", (event) => {
    if (event.target && event.target.id === "composer") close();
  });
  // Sent (the form's reset emptied the box): nothing left to hint.
  document.addEventListener("reset", () => close(), true);
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.target && event.target.id === "composer" && event.key === "Enter" && !open) {
        const p = document.getElementById("command-menu");
        if (p && !p.hidden) p.hidden = true; // sending: the hint goes with the text
      }
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
