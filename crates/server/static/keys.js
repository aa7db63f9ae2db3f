// Keyboard shortcuts of the call page (docs/WEB.md "Review queue and shortcuts"): j/k
// follow the page's rel=next/rel=prev links, 1/2/3 press the rating toggles, n focuses
// the note field, ? opens the list of shortcuts. Keys typed into a field, or with Ctrl,
// Alt or Meta, are left alone. Everything also works without them.
(function () {
  "use strict";
  var opener = null;

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function press(selector, index) {
    var found = document.querySelectorAll(selector)[index || 0];
    if (found) found.click();
    return found;
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return;
    opener = document.activeElement;
    dialog.showModal();
    var close = document.getElementById("shortcuts-close");
    if (close) close.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (typing(event.target) || !document.getElementById("shortcuts")) return;
    if (document.querySelector("dialog[open]")) return;
    var done = null;
    switch (event.key) {
      case "j": done = press('a[rel="next"]#next-call'); break;
      case "k": done = press('a[rel="prev"]#prev-call'); break;
      case "1": case "2": case "3":
        done = press("#ratings button.rating", Number(event.key) - 1);
        break;
      case "n":
        done = document.getElementById("new-note");
        if (done) done.focus();
        break;
      case "?": openShortcuts(); done = true; break;
    }
    if (done) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#shortcuts-open")) openShortcuts();
  });

  // Focus goes back where it was when the list closes (Close, or Escape).
  document.addEventListener("close", function (event) {
    if (event.target.id === "shortcuts" && opener && opener.focus) opener.focus();
    opener = null;
  }, true);

  // The button that opens the list needs this script: shown only with it.
  function reveal() {
    var button = document.getElementById("shortcuts-open");
    if (button) button.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
  document.addEventListener("htmx:historyRestore", reveal);
})();
