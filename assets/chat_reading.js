// Opening a chat scrolls to its "Unread messages" divider (placed by the server's arranging of
// the rows), once per chat and divider: a divider that only moves (older messages loaded above
// it) does not pull the reader back to it. For a moment after it appears the scroll is repeated,
// as the rows below it are still being drawn (the list grows from the bottom), unless the
// reader scrolls first.
(function () {
  const SETTLE_MS = 1500;
  let scrolledTo = "";
  let until = 0;
  const readerScrolls = () => {
    until = 0;
  };
  for (const name of ["wheel", "touchstart", "keydown", "mousedown"]) {
    document.addEventListener(name, readerScrolls, { capture: true, passive: true });
  }
  window.setInterval(() => {
    const divider = document.getElementById("unread-divider");
    if (!divider) return;
    const key = window.location.pathname + "#" + (divider.dataset.seq || "");
    if (key !== scrolledTo) {
      scrolledTo = key;
      until = Date.now() + SETTLE_MS;
    }
    if (Date.now() < until) divider.scrollIntoView({ block: "start" });
  }, 100);
})();
