// Share panel, progressive enhancement: a button that copies the link (or code) beside the
// read-only field, and on phones the system share sheet. Without this script the field can
// still be selected and copied by hand, and every network link works.
(function () {
  "use strict";

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function button(label) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button";
    element.textContent = label;
    return element;
  }

  function enhance(panel) {
    var field = panel.querySelector("[data-share-copy]");
    var actions = panel.querySelector("[data-share-actions]");
    if (!field || !actions) {
      return;
    }
    field.addEventListener("focus", function () { field.select(); });
    // A live region that exists before it changes, so screen readers announce the change.
    var status = document.createElement("p");
    status.className = "share__status visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var copyButton = button(panel.dataset.labelCopy);
    var restore = null;
    copyButton.addEventListener("click", function () {
      copy(field).then(
        function () {
          copyButton.textContent = panel.dataset.labelCopied;
          status.textContent = panel.dataset.labelCopied;
          window.clearTimeout(restore);
          restore = window.setTimeout(function () {
            copyButton.textContent = panel.dataset.labelCopy;
            status.textContent = "";
          }, 4000);
        },
        function () { field.focus(); field.select(); }
      );
    });
    actions.appendChild(copyButton);
    actions.parentNode.appendChild(status);

    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (navigator.share && coarse && panel.dataset.shareUrl) {
      var shareButton = button(panel.dataset.labelShare);
      shareButton.addEventListener("click", function () {
        navigator.share({
          title: panel.dataset.shareTitle,
          text: panel.dataset.shareText,
          url: panel.dataset.shareUrl
        }).catch(function () { /* the visitor closed the share sheet */ });
      });
      actions.appendChild(shareButton);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-share]"), enhance);
})();
