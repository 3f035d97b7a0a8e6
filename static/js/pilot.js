// Pilot pages, progressive enhancement only: everything works without this file.
(function () {
  // Township matrix: "return" needs a reason — ask for it in place instead of opening the item.
  document.querySelectorAll("form.quick-return").forEach(function (f) {
    f.hidden = false;
    f.addEventListener("submit", function (e) {
      var reason = window.prompt(f.dataset.prompt || "退回原因");
      if (!reason || !reason.trim()) { e.preventDefault(); f.dataset.submitted = ""; return; }
      f.querySelector("input[name=reason]").value = reason.trim();
    });
  });
  // Report form: choosing "已完成" sets the progress to 100 (report.js does the rest).
  var state = document.getElementById("id_state");
  var pct = document.getElementById("id_percent");
  if (state && pct) {
    state.addEventListener("change", function () { if (state.value === "done") { pct.value = 100; } });
  }
})();
