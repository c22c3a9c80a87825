// Staff pages, progressive enhancement only: every page works without this file.
// On a phone the header's links and account fold behind a "Menu" button, so the calendar starts near the
// top of the screen instead of under three rows of links. Without this file they are always shown.
(function () {
  "use strict";

  function foldingMenu() {
    var button = document.querySelector(".staff-menu-toggle");
    var menu = document.getElementById("staff-menu");
    if (!button || !menu) return;
    var header = button.closest(".staff-header");
    var narrow = window.matchMedia("(max-width: 991.98px)");

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("staff-header--open", open);
    }

    button.hidden = false;
    header.classList.add("staff-header--folding");
    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and puts focus back on its button.
    header.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !narrow.matches || button.getAttribute("aria-expanded") !== "true") return;
      setOpen(false);
      button.focus();
    });
    // Wide screens always show the links (CSS hides the button there). When the window narrows (or the
    // page is zoomed) the menu folds, unless focus is on one of its links: then it stays open under it.
    narrow.addEventListener("change", function () { setOpen(menu.contains(document.activeElement)); });
  }

  document.addEventListener("DOMContentLoaded", foldingMenu);
})();
