// The language sections of the authoring forms as ARIA tabs (WAI-ARIA Authoring Practices,
// "Tabs with automatic activation"). Without this script every section shows one after another
// under a row of anchor links; with it, one section shows and the links become tabs that the
// arrow keys, Home and End move between (mirrored on right-to-left pages). A tab shows a tick
// while its language has a title.
(function () {
  "use strict";

  function setUp(nav) {
    var list = nav.querySelector("ul");
    var tabs = Array.prototype.slice.call(nav.querySelectorAll("[data-tab-for]"));
    var panels = tabs.map(function (tab) {
      return document.getElementById(tab.getAttribute("data-tab-for"));
    });
    if (!list || !tabs.length || panels.indexOf(null) !== -1) {
      return;
    }
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", nav.getAttribute("aria-label") || "");
    nav.classList.add("tabs--active");

    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var chosen = i === index;
        tab.setAttribute("aria-selected", chosen ? "true" : "false");
        tab.tabIndex = chosen ? 0 : -1;
        panels[i].hidden = !chosen;
      });
      if (focus) {
        tabs[index].focus();
        // The address names the section, as the link did without script: a reload or a form
        // sent back opens the same language. replaceState, so the page does not jump.
        history.replaceState(null, "", "#" + panels[index].id);
      }
    }

    tabs.forEach(function (tab, i) {
      var panel = panels[i];
      tab.parentNode.setAttribute("role", "presentation");
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = 0;
      panel.classList.add("tab-panel--tabbed");
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        select(i, true);
      });
      tab.addEventListener("keydown", function (event) {
        var rtl = getComputedStyle(list).direction === "rtl";
        var next = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
        var target = null;
        if (next !== undefined) {
          target = (i + next + tabs.length) % tabs.length;
        } else if (event.key === "Home") {
          target = 0;
        } else if (event.key === "End") {
          target = tabs.length - 1;
        }
        if (target !== null) {
          event.preventDefault();
          select(target, true);
        }
      });
      var title = panel.querySelector("input[id$='-title']");
      var done = tab.querySelector("[data-tab-done]");
      if (title && done) {
        title.addEventListener("input", function () {
          done.hidden = !title.value.trim();
        });
      }
    });

    // Show first the section that holds a mistake, else the one the address names.
    var start = panels.findIndex(function (panel) {
      return panel.querySelector(".field--error");
    });
    if (start === -1) {
      start = panels.findIndex(function (panel) {
        return "#" + panel.id === window.location.hash;
      });
    }
    select(Math.max(start, 0), false);

    // A link to a field in a hidden section (the error summary's) opens that section first.
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link || nav.contains(link)) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      var index = target ? panels.findIndex(function (panel) {
        return panel.contains(target);
      }) : -1;
      if (index !== -1) {
        select(index, false);
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
