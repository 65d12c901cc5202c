// A long press (touch or pen, held still for LONG_MS) on a message opens its actions, as a tap
// on its actions button does: the button's menu (Radix) opens on a primary pointerdown.
(function () {
  const LONG_MS = 500;
  const SLOP = 10; // px a finger may drift and still be holding
  let timer = 0;
  let start = null;
  let touching = false; // the last press was a finger or a pen

  const cancel = () => {
    window.clearTimeout(timer);
    timer = 0;
    start = null;
  };

  const openActions = (message) => {
    const button = message.querySelector(".message-actions");
    if (!button) return;
    const init = { bubbles: true, cancelable: true, button: 0, isPrimary: true, pointerType: "touch" };
    button.dispatchEvent(new PointerEvent("pointerdown", init));
  };

  document.addEventListener(
    "pointerdown",
    (event) => {
      cancel();
      touching = event.pointerType !== "mouse";
      if (!touching || !event.isPrimary) return;
      const target = event.target;
      if (!(target instanceof Element)) return;
      // Buttons, links and fields inside a message keep their own touch.
      if (target.closest("button, a, input, textarea, [role=button]")) return;
      const message = target.closest(".message");
      if (!message) return;
      start = { x: event.clientX, y: event.clientY };
      timer = window.setTimeout(() => {
        cancel();
        openActions(message);
      }, LONG_MS);
    },
    true,
  );
  document.addEventListener(
    "pointermove",
    (event) => {
      if (start && Math.hypot(event.clientX - start.x, event.clientY - start.y) > SLOP) cancel();
    },
    true,
  );
  for (const name of ["pointerup", "pointercancel", "scroll"]) {
    document.addEventListener(name, cancel, true);
  }
  // The browser's own long-press menu (text selection, "copy") would cover the actions.
  document.addEventListener("contextmenu", (event) => {
    const target = event.target;
    if (touching && target instanceof Element && target.closest(".message")) {
      event.preventDefault();
    }
  });
})();
