// Inside another site's frame: tell the host page how tall the widget is, so that
// embed-host.js there can fit the frame to it. Without either script the frame keeps the
// height written in the snippet and scrolls.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;

  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      // Only a number leaves the frame, so any host page may hear it.
      window.parent.postMessage({ type: "campaign-embed-height", height: height }, "*");
    }
  }

  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(document.documentElement);
  } else {
    window.addEventListener("resize", report);
  }
  window.addEventListener("load", report);
  report();
})();
