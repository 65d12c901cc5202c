// The servers' phone drawers: Escape closes an open drawer or member list (as a tap on the
// dimmed page beside it does).
(function () {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const layout = document.querySelector(".sh-servers");
    if (!layout) return;
    if (layout.dataset.drawer === "true") {
      layout.querySelector(".sh-scrim")?.click();
    } else if (layout.dataset.members === "true") {
      layout.querySelector(".sh-members-close")?.click();
    }
  });
})();
