// The main menu's drop-downs are <details>: they open and close without this script. It only tidies up:
// one open at a time, closed by Escape (focus back on its heading) or by a click elsewhere on the page.
(function () {
  "use strict";
  function groups() { return document.querySelectorAll(".mainnav details"); }
  function closeAll(except) {
    groups().forEach(function (d) { if (d !== except) { d.open = false; } });
  }
  document.addEventListener("toggle", function (event) {
    var d = event.target;
    if (d.matches && d.matches(".mainnav details") && d.open) { closeAll(d); }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".mainnav details")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector(".mainnav details[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
}());
