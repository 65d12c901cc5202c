// SocialHub story viewer (socialhub/components/stories.py), in the browser because a tap, a hold
// and a clock must not wait for the server:
// - the current story's bar is a CSS animation as long as the story's time on screen; its end
//   presses Next (the server moves on and records the view, as a click would);
// - a tap on the left third of the story goes back, on the rest forward; a press held longer
//   than a tap pauses the bar until it is let go (and moves nowhere);
// - the bar also stands still while the Pause button is pressed, the tab is hidden, a dialog is
//   open or the author reads the viewer list (stories.css);
// - Escape closes the viewer, the arrow keys go back and forward.
(function () {
  const TAP_MS = 250; // a longer press is a hold
  const root = document.documentElement;
  let press = null;

  const viewer = () => document.getElementById("story-viewer");

  const restartCurrent = () => {
    document
      .querySelectorAll('#story-bars .story-bar[data-state="current"] .story-bar-fill')
      .forEach((fill) => fill.getAnimations().forEach((animation) => (animation.currentTime = 0)));
  };

  // Back from the first story starts it again; forward from the last one closes (the server).
  const go = (delta) => {
    const button = document.getElementById(delta < 0 ? "story-previous" : "story-next");
    if (!button) return;
    if (button.disabled) restartCurrent();
    else button.click();
  };

  const hold = (held) => {
    if (held) root.dataset.storyHeld = "true";
    else delete root.dataset.storyHeld;
  };

  document.addEventListener("pointerdown", (event) => {
    const zone = event.target.closest && event.target.closest("#story-stage .story-zone");
    if (!zone || (event.pointerType === "mouse" && event.button !== 0)) return;
    press = { id: event.pointerId, zone: zone.dataset.zone, at: performance.now() };
    hold(true);
  });
  const release = (event, cancelled) => {
    if (!press || event.pointerId !== press.id) return;
    const tapped = !cancelled && performance.now() - press.at < TAP_MS;
    const zone = press.zone;
    press = null;
    hold(false);
    if (tapped) go(zone === "previous" ? -1 : 1);
  };
  document.addEventListener("pointerup", (event) => release(event, false));
  document.addEventListener("pointercancel", (event) => release(event, true));
  // A long press on a phone would open the context menu over the story.
  document.addEventListener("contextmenu", (event) => {
    if (event.target.closest && event.target.closest("#story-stage .story-zone")) {
      event.preventDefault();
    }
  });

  document.addEventListener("animationend", (event) => {
    if (event.animationName !== "sh-story-fill") return;
    const bar = event.target.closest(".story-bar");
    if (bar && bar.dataset.state === "current") go(1);
  });

  const hidden = () => {
    if (document.hidden) root.dataset.storyHidden = "true";
    else delete root.dataset.storyHidden;
  };
  document.addEventListener("visibilitychange", hidden);
  hidden();

  document.addEventListener("keydown", (event) => {
    if (!viewer() || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    // An open dialog (a confirmation) has its own Escape; a text box its own arrows.
    if (document.querySelector('[role="dialog"], [role="alertdialog"]')) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    if (event.key === "Escape") {
      const close = document.getElementById("story-close");
      if (close) {
        event.preventDefault();
        close.click();
      }
    } else if (event.key === "ArrowLeft") {
      go(-1);
    } else if (event.key === "ArrowRight") {
      go(1);
    }
  });
})();
