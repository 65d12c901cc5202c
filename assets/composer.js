// SocialHub composer keys and drafts, in the browser because they must not wait for the server.
// - Enter sends, Shift+Enter adds a line, and Enter while an IME is composing (Japanese, Chinese,
//   Korean...) only confirms the composition. Any textarea marked `data-enter-submits` does this.
// - Up arrow in the empty message box edits my last message (the hidden #composer-edit-last
//   button asks the server for it).
// - Each chat's unsent text is kept in localStorage (`sh_draft:<chat id>`), restored when the
//   chat opens, through navigation and reloads, and dropped when it is sent.
// The box is cleared by the form's own reset, synchronously in the submit event, so the next key
// always lands in an empty box (a clear sent by the server would race it).
(function () {
  const DRAFT = "sh_draft:";
  const currentChat = () => window.location.pathname.replace(/\/$/, "").split("/").pop();
  const composer = () => document.getElementById("composer");

  const readDraft = (chat) => {
    try {
      return window.localStorage.getItem(DRAFT + chat) || "";
    } catch (e) {
      return "";
    }
  };
  const writeDraft = (chat, text) => {
    try {
      if (text) window.localStorage.setItem(DRAFT + chat, text);
      else window.localStorage.removeItem(DRAFT + chat);
    } catch (e) {
      // Storage full or disabled: the draft just is not kept.
    }
  };

  // The box shows the draft of the chat in the URL. It can be a new element (the page was
  // rendered again) or the same one after moving to another chat: either way it takes that
  // chat's draft, before any key of the new chat reaches it.
  const restore = () => {
    const box = composer();
    if (!box) return null;
    const chat = currentChat();
    if (box.dataset.draftChat !== chat) {
      box.value = readDraft(chat);
      box.dataset.draftChat = chat;
      box.dispatchEvent(new Event("sh-restored", { bubbles: true }));
    }
    return box;
  };
  window.setInterval(restore, 200);
  window.addEventListener("popstate", restore);
  document.addEventListener("focusin", (event) => {
    if (event.target && event.target.id === "composer") restore();
  });

  document.addEventListener(
    "keydown",
    (event) => {
      const box = event.target;
      if (!box || box.tagName !== "TEXTAREA") return;
      if (box.id === "composer") restore();
      // keyCode 229: a key the IME is handling (some browsers send it without isComposing).
      const composing = event.isComposing || event.keyCode === 229;
      if (event.key === "Enter" && !event.shiftKey && !composing && "enterSubmits" in box.dataset) {
        event.preventDefault();
        if (!event.repeat && box.form) box.form.requestSubmit();
        return;
      }
      const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
      if (event.key === "ArrowUp" && plain && !composing && box.id === "composer" && !box.value) {
        const edit = document.getElementById("composer-edit-last");
        if (edit) {
          event.preventDefault();
          edit.click();
        }
      }
    },
    true,
  );

  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!box || box.id !== "composer") return;
    writeDraft(box.dataset.draftChat || currentChat(), box.value);
  });

  // Capture phase, registered after limits.js: a send that gets here was not refused (a refused
  // one keeps its draft), and the form's reset is about to empty the box.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form || form.id !== "composer-form") return;
      const box = form.querySelector("#composer");
      if (box) writeDraft(box.dataset.draftChat || currentChat(), "");
    },
    true,
  );
})();
