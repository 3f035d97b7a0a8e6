// Members: "select all" on the roster, and Enter moves to the next cell in the pioneer grid.
(function () {
  "use strict";
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-check-all");
      box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) {
        c.checked = box.checked;
      });
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  var grid = document.getElementById("pioneer-grid");
  if (grid) {
    grid.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || !ev.target.classList.contains("grid-cell")) return;
      ev.preventDefault();
      var cells = Array.prototype.slice.call(grid.querySelectorAll(".grid-cell"));
      var next = cells[cells.indexOf(ev.target) + 1];
      if (next) { next.focus(); next.select(); } else { grid.querySelector("button[type=submit]").focus(); }
    });
  }
})();
