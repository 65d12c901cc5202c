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
