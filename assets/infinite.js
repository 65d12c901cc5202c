// Infinite scroll: when a feed's "Load more" button (#load-more) comes near the viewport, press
// it. The button stays as the fallback for keyboards and for browsers without the observer.
(function () {
  if (!("IntersectionObserver" in window)) return;
  var watched = null;
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var button = entry.target;
      if (entry.isIntersecting && !button.disabled && !button.hasAttribute("data-loading")) {
        button.click();
      }
    });
  }, { rootMargin: "600px 0px" });
  function attach() {
    var button = document.getElementById("load-more");
    if (button === watched) return;
    if (watched) seen.unobserve(watched);
    watched = button;
    if (button) seen.observe(button);
  }
  new MutationObserver(attach).observe(document.documentElement, { childList: true, subtree: true });
  attach();
})();
