// SocialHub invite links: a `[data-copy]` button puts its text on the clipboard and says so; a
// `[data-share]` button opens the system share sheet (the Web Share API), shown only in browsers
// that have one (the `sh-can-share` class on <html>).
(function () {
  if (typeof navigator.share === "function") {
    document.documentElement.classList.add("sh-can-share");
  }
  const notice = (message) => window.shNotice && window.shNotice(message);
  const failure = (message) => window.shToast && window.shToast(message);

  document.addEventListener("click", (event) => {
    const copy = event.target.closest && event.target.closest("[data-copy]");
    if (copy) {
      const text = copy.dataset.copy;
      const done = () => notice("Link copied");
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard
          .writeText(text)
          .then(done)
          .catch(() => failure("Could not copy: select the link and copy it"));
      } else {
        failure("Could not copy: select the link and copy it");
      }
      return;
    }
    const share = event.target.closest && event.target.closest("[data-share]");
    if (share && typeof navigator.share === "function") {
      navigator
        .share({ title: share.dataset.shareTitle || document.title, url: share.dataset.share })
        .catch(() => {
          // Closing the share sheet rejects too: nothing to say.
        });
    }
  });
})();
