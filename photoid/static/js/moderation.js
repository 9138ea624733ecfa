// Keyboard operation of the moderation queue. Every action is also a plain form without this.
// j/k move between items, a approve, e approve with changes, l link the name to the record it
// possibly is (and approve), r go to the reject reason,
// s skip, x tick for a bulk decision, ? show the key list. Keys are ignored while typing.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
  var help = document.getElementById("keyboard-help");
  var hint = document.querySelector("[data-keyboard-hint]");
  if (!items.length || !help) { return; }
  if (hint) { hint.hidden = false; }
  var current = -1;

  function select(index) {
    if (index < 0 || index >= items.length) { return; }
    if (current >= 0) { items[current].removeAttribute("aria-current"); }
    current = index;
    items[current].setAttribute("aria-current", "true");
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  function currentItem() {
    if (current < 0) { select(0); }
    return items[current];
  }

  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () {
      if (current !== index) {
        if (current >= 0) { items[current].removeAttribute("aria-current"); }
        current = index;
        item.setAttribute("aria-current", "true");
      }
    });
  });

  function typing(target) {
    var name = target && target.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" || (target && target.isContentEditable);
  }

  function click(selector) {
    var control = currentItem().querySelector(selector);
    if (control) { control.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      if (!help.hidden) { help.hidden = true; if (current >= 0) { items[current].focus(); } return; }
      if (typing(event.target)) { event.target.blur(); if (current >= 0) { items[current].focus(); } }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(Math.max(0, current - 1)); break;
      case "s": select(current + 1 < items.length ? current + 1 : current); break;
      case "a": click("[data-approve]"); break;
      case "e": click("[data-changes]"); break;
      case "l": click("[data-link]"); break;
      case "x": click("[data-select]"); break;
      case "r":
        var reason = currentItem().querySelector("[data-reason]");
        if (reason) { reason.focus(); }
        break;
      case "?":
        help.hidden = !help.hidden;
        if (!help.hidden) { help.focus(); }
        break;
      default: return;
    }
    event.preventDefault();
  });

  // After a decision the page reloads at #queue-items: start at the first item, and re-announce
  // the result, since screen readers do not read a status region that was there on load.
  var status = document.querySelector(".flashes[role=status]");
  if (status) {
    var html = status.innerHTML;
    status.innerHTML = "";
    window.setTimeout(function () { status.innerHTML = html; }, 250);
  }
  // Wait until the browser has finished jumping to the #queue-items anchor, which moves focus.
  if (window.location.hash === "#queue-items") {
    window.addEventListener("load", function () { window.setTimeout(function () { select(0); }, 0); });
  }
})();
