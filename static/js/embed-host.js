// For pages that show one of our petition widgets in an iframe: fits each widget's frame to
// the height the widget reports (see embed.js). Include it once, anywhere on the page:
//   <script src="https://<our site>/static/js/embed-host.js" async></script>
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "campaign-embed-height") {
      return;
    }
    var height = Number(data.height);
    if (!isFinite(height) || height < 80 || height > 10000) {
      return;
    }
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.ceil(height) + "px";
      }
    }
  });
})();
