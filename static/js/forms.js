// A form sent back with mistakes: move the focus to its error summary, so that keyboard and
// screen-reader users start from the list of what to fix (each item links to its field).
(function () {
  "use strict";
  function focusSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
