// Reading comfort in post cards (components/post.py):
// - a post's text taller than about eight lines is collapsed (CSS clamps `.post-body` inside a
//   `.sh-collapsible[data-overflow]`), with its "Show more" / "Show less" button. Whether it
//   overflows is measured here, in the browser, as fonts and widths decide it: again whenever the
//   text or its width changes (ResizeObserver), or React puts another post in the same card.
// - an image opens in a lightbox: one native <dialog> (Escape and a click outside close it, focus
//   goes back to the image), showing the 1600 px version with the image's own alt text.
(function () {
  var LINES = 8;
  var sized = typeof ResizeObserver === "function" ? new ResizeObserver(schedule) : null;
  var observed = new WeakSet();
  var pending = false;

  function lineHeight(body) {
    var style = getComputedStyle(body);
    var line = parseFloat(style.lineHeight);
    return line > 0 ? line : parseFloat(style.fontSize) * 1.5;
  }

  function measure(box) {
    var body = box.querySelector(".post-body");
    var button = box.querySelector(".sh-more");
    if (!body || !button) return;
    if (sized && !observed.has(body)) {
      observed.add(body);
      sized.observe(body);
    }
    var id = box.getAttribute("data-post-id") || "";
    // An expanded post stays expanded only while the card still shows that post.
    var expanded = id !== "" && box.getAttribute("data-expanded-for") === id;
    if (!expanded) box.removeAttribute("data-expanded-for");
    box.toggleAttribute("data-expanded", expanded);
    // scrollHeight is the whole text's height, clamped or not.
    box.toggleAttribute("data-overflow", body.scrollHeight > lineHeight(body) * LINES + 4);
    button.setAttribute("aria-expanded", expanded ? "true" : "false");
  }

  function measureAll() {
    pending = false;
    document.querySelectorAll(".sh-collapsible").forEach(measure);
  }

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(measureAll);
  }

  document.addEventListener("click", function (event) {
    var more = event.target.closest && event.target.closest(".sh-more");
    if (more) {
      var box = more.closest(".sh-collapsible");
      if (!box) return;
      if (box.hasAttribute("data-expanded")) {
        box.removeAttribute("data-expanded-for");
        if (box.getBoundingClientRect().top < 0) box.scrollIntoView({ block: "start" });
      } else {
        box.setAttribute("data-expanded-for", box.getAttribute("data-post-id") || "");
      }
      measure(box);
      return;
    }
    var opener = event.target.closest && event.target.closest(".sh-image-open");
    if (opener) openLightbox(opener);
  });

  var dialog = null;
  var returnTo = null;

  function lightbox() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "sh-lightbox";
    dialog.setAttribute("aria-label", "Image");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "sh-lightbox-close";
    close.setAttribute("aria-label", "Close image");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { dialog.close(); });
    var image = document.createElement("img");
    image.className = "sh-lightbox-image";
    dialog.append(close, image);
    // A click on the backdrop (the dialog itself, outside the image) closes it.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener("close", function () {
      image.removeAttribute("src");
      if (returnTo && returnTo.isConnected) returnTo.focus();
      returnTo = null;
    });
    document.body.append(dialog);
    return dialog;
  }

  function openLightbox(opener) {
    var thumb = opener.querySelector("img");
    var box = lightbox();
    var image = box.querySelector("img");
    image.src = opener.getAttribute("data-full") || (thumb && thumb.src) || "";
    image.alt = (thumb && thumb.alt) || "";
    returnTo = opener;
    if (!box.open) box.showModal();
    box.querySelector(".sh-lightbox-close").focus();
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["data-post-id"],
  });
  window.addEventListener("resize", schedule);
  schedule();
})();
