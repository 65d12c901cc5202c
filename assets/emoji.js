// SocialHub emoji picker helpers (the picker itself is emoji-mart: socialhub/components/emoji.py).
// - text(emoji): what a picked emoji writes: a standard emoji's character (with its skin tone),
//   a custom emoji's ":shortcode:" (it has an image, no character).
// - insertInto(id, emoji): types it into the text box `id` where its caret was, as typing would:
//   an input event follows, so React, the draft (composer.js) and the counter (limits.js) see it.
(function () {
  const text = (emoji) => (emoji && (emoji.native || emoji.shortcodes)) || "";

  const insertInto = (id, emoji) => {
    const box = document.getElementById(id);
    const value = text(emoji);
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

  window.shEmoji = { text, insertInto };
})();
