// The visible part of the page as CSS variables: --sh-vh (its height) and --sh-vv-top (how far
// it is scrolled). A phone's on-screen keyboard shrinks it, and some browsers (iOS Safari) do not
// resize the page for the keyboard: the open chat is this tall, so its composer stays above it.
(function () {
  const viewport = window.visualViewport;
  if (!viewport) return;
  const root = document.documentElement;
  let frame = 0;
  const update = () => {
    frame = 0;
    root.style.setProperty("--sh-vh", viewport.height + "px");
    root.style.setProperty("--sh-vv-top", viewport.offsetTop + "px");
  };
  const schedule = () => {
    if (!frame) frame = window.requestAnimationFrame(update);
  };
  viewport.addEventListener("resize", schedule);
  viewport.addEventListener("scroll", schedule);
  update();
})();
