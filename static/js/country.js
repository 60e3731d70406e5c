// The sign form's country, preselected from the region of the browser's language (fr-FR ->
// France), only while the visitor has chosen none; they can still change it. Done here rather
// than on the server, so that the page stays the same for everyone and can be cached.
(function () {
  "use strict";
  var languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  function region() {
    for (var i = 0; i < languages.length; i += 1) {
      var match = /^[a-z]{2,3}(?:-[A-Za-z]{4})?-([A-Za-z]{2})(?:-|$)/.exec(languages[i] || "");
      if (match) {
        return match[1].toUpperCase();
      }
    }
    return "";
  }
  var code = region();
  if (!code) {
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-country]"), function (select) {
    if (!select.value && select.querySelector('option[value="' + code + '"]')) {
      select.value = code;
    }
  });
})();
