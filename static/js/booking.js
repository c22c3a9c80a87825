// Booking pages, progressive enhancement only: every page works without this file.
// - the note field says how many characters are left (the browser stops at the limit silently);
// - "How you will pay" shows only the fields of the chosen way of paying (all are shown without JS);
// - after following a link to #something (the times of a day, an error summary), focus moves there,
//   so keyboard and screen-reader users continue where the next choice is.
(function () {
  "use strict";

  function noteCounter() {
    var field = document.querySelector("textarea[data-count]");
    var out = document.getElementById("note-count");
    if (!field || !out) return;
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max) return;
    var timer = null;
    function update() {
      var left = max - field.value.length;
      out.textContent = left === 1 ? "1 character left" : left.toLocaleString("en-CA") + " characters left";
    }
    out.hidden = false;
    update();
    // Announced politely, and not on every keystroke.
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    });
  }

  function payGroups() {
    var radios = document.querySelectorAll('input[type="radio"][name="i-kind"]');
    if (!radios.length) return;
    var parts = document.querySelectorAll("[data-pay-kinds]");
    var hint = document.querySelector(".pay-hint");
    function update() {
      var chosen = "";
      radios.forEach(function (radio) { if (radio.checked) chosen = radio.value; });
      parts.forEach(function (part) {
        var kinds = part.getAttribute("data-pay-kinds").split(" ");
        part.hidden = kinds.indexOf(chosen) === -1;
      });
      if (hint) hint.hidden = true;
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function focusTarget() {
    if (!location.hash || location.hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.getAttribute("tabindex") === "-1" && document.activeElement !== target) {
      target.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    noteCounter();
    payGroups();
    focusTarget();
  });
})();
