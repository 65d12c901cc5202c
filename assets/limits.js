// SocialHub long text boxes: a counter once the text nears its limit, and a send refused (with a
// toast, the text kept) while it is over, instead of the browser's `maxlength`, which cuts typed
// or pasted text without a word. A box is a `.sh-counted[data-limit]` wrapper holding the field
// and its `.sh-counter`; `data-label` names the text in the refusal. The server refuses too
// (the domain's limits): this only spares the round trip and keeps the text in the box.
(function () {
  const NEAR = 0.9;
  const fmt = (n) => n.toLocaleString("en-US");
  // As the server counts: code points of the text without its surrounding white space.
  const used = (text) => Array.from(text.trim()).length;

  const measure = (box) => {
    const field = box.querySelector("textarea, input:not([type=hidden])");
    const counter = box.querySelector(".sh-counter");
    if (!field || !counter) return null;
    const limit = Number(box.dataset.limit);
    const count = used(field.value);
    const over = count > limit;
    const text = count >= limit * NEAR ? `${fmt(count)} / ${fmt(limit)}` : "";
    if (counter.textContent !== text) counter.textContent = text;
    if (counter.dataset.over !== String(over)) counter.dataset.over = String(over);
    return { field, count, limit, over };
  };

  // Boxes filled by the server (a saved bio, a draft) or by a script (a restored chat draft)
  // fire no input event: look at every box now and then too.
  const measureAll = () => document.querySelectorAll(".sh-counted[data-limit]").forEach(measure);
  window.setInterval(measureAll, 400);
  const onEdit = (event) => {
    const box = event.target && event.target.closest && event.target.closest(".sh-counted");
    if (box) measure(box);
  };
  document.addEventListener("input", onEdit, true);
  document.addEventListener("sh-restored", onEdit, true);

  const refuse = (box, state) => {
    const label = box.dataset.label || "Text";
    const message =
      `${label} is too long: ${fmt(state.count)} characters, the limit is ${fmt(state.limit)}. ` +
      "Shorten it to send.";
    if (window.shToast) window.shToast(message);
    state.field.focus();
  };

  // Capture phase on the window, which runs before any listener on the document whatever order
  // the scripts loaded in (they load asynchronously): a refused send never reaches the outbox's
  // listener (on the document), nor React's submit handler (which would send it and reset the form).
  window.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form || !form.querySelectorAll) return;
      for (const box of form.querySelectorAll(".sh-counted[data-limit]")) {
        const state = measure(box);
        if (state && state.over) {
          event.preventDefault();
          event.stopImmediatePropagation();
          refuse(box, state);
          return;
        }
      }
    },
    true,
  );
})();
