// The unread count in the tab title ("(3) SocialHub") and on the icon, from the Messages badge
// (#unread-badge, kept live by the server). Pages set their own titles: the count is put back
// in front of whichever title the page sets.
(function () {
  "use strict";
  var PREFIX = /^\(\d+\+?\) /;
  var SIZE = 64;
  var shown = 0;
  var original = null;
  var picture = null;

  function count() {
    var badge = document.getElementById("unread-badge");
    return badge ? parseInt(badge.getAttribute("data-count") || "0", 10) || 0 : 0;
  }

  function label(n) {
    return n > 99 ? "99+" : String(n);
  }

  function iconLink() {
    return document.querySelector("link[rel='icon']");
  }

  function drawIcon(n) {
    var link = iconLink();
    if (!link) return;
    if (original === null) original = link.getAttribute("href");
    if (n === 0) {
      link.setAttribute("href", original);
      return;
    }
    var draw = function () {
      if (shown !== n) return; // the count moved on while the picture loaded
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = SIZE;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(picture, 0, 0, SIZE, SIZE);
      var text = label(n);
      var radius = text.length > 2 ? 22 : 18;
      ctx.fillStyle = "#c62a2f";
      ctx.beginPath();
      ctx.arc(SIZE - radius, radius, radius, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = "#ffffff";
      ctx.font = "bold " + (text.length > 2 ? 18 : 24) + "px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(text, SIZE - radius, radius + 1);
      link.setAttribute("href", canvas.toDataURL("image/png"));
      link.setAttribute("data-unread", text);
    };
    if (picture && picture.complete) {
      draw();
      return;
    }
    picture = new Image();
    picture.onload = draw;
    picture.src = original;
  }

  function update() {
    var n = count();
    var base = document.title.replace(PREFIX, "");
    var title = n > 0 ? "(" + label(n) + ") " + base : base;
    if (document.title !== title) document.title = title;
    if (n !== shown) {
      shown = n;
      var link = iconLink();
      if (link && n === 0) link.removeAttribute("data-unread");
      drawIcon(n);
    }
  }

  function start() {
    new MutationObserver(update).observe(document.documentElement, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["data-count"],
    });
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
