// Drag a role onto another to move it there (HTML5 drag and drop). The drop is handed to the
// Reflex state through the off-screen #role-drop input ("<dragged>:<target>:<nonce>"); the
// up/down buttons do the same without a pointer.
(() => {
  let dragged = null;
  const row = (el) => el && el.closest && el.closest(".ss-role[data-role-id]");
  const clear = () => document.querySelectorAll(".ss-drop-target").forEach((r) => r.classList.remove("ss-drop-target"));
  document.addEventListener("dragstart", (e) => {
    const r = row(e.target);
    if (!r || r.getAttribute("draggable") !== "true") return;
    dragged = r.dataset.roleId;
    r.classList.add("ss-dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged);
  });
  document.addEventListener("dragover", (e) => {
    const r = row(e.target);
    if (!dragged || !r) return;
    e.preventDefault();
    clear();
    if (r.dataset.roleId !== dragged) r.classList.add("ss-drop-target");
  });
  document.addEventListener("dragend", () => {
    document.querySelectorAll(".ss-dragging").forEach((r) => r.classList.remove("ss-dragging"));
    clear();
    dragged = null;
  });
  document.addEventListener("drop", (e) => {
    const r = row(e.target);
    if (!dragged || !r) return;
    e.preventDefault();
    const target = r.dataset.roleId;
    const source = dragged;
    clear();
    dragged = null;
    if (target === source) return;
    const input = document.getElementById("role-drop");
    if (!input) return;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    setter.call(input, `${source}:${target}:${Date.now()}`);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
