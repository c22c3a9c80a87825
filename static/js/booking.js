// Booking pages, progressive enhancement only: every page works without this file.
// - the note field says how many characters are left (the browser stops at the limit silently);
// - "How you will pay" shows only the fields of the chosen way of paying (all are shown without JS);
// - after following a link to #something (the times of a day, an error summary), focus moves there,
//   so keyboard and screen-reader users continue where the next choice is;
// - a request is sent once however often "Send request" is pressed.
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

  // "Send request" pressed twice (a double click, an impatient tap on a slow phone) sends it once: the
  // second request would find the time taken by the first and say so. Ten seconds on, or back on this
  // page from the next one, the form can be sent again (the network may have failed the first time).
  function submitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.hasAttribute("data-sent")) {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sent", "");
        setTimeout(function () { form.removeAttribute("data-sent"); }, 10000);
      });
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      document.querySelectorAll("form[data-sent]").forEach(function (form) { form.removeAttribute("data-sent"); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    noteCounter();
    payGroups();
    focusTarget();
    submitOnce();
  });
})();
